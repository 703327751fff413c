"""The slot planner keeps every Telegram window under its limit (pure arithmetic, no waiting)."""

from __future__ import annotations

from bot.telegram.ratelimit import SlotPlanner


def test_300_direct_messages_take_ten_seconds_at_30_per_second() -> None:
    planner = SlotPlanner()
    slots = [planner.reserve(0.0, str(1000 + i), is_group=False) for i in range(300)]
    assert 10.0 <= max(slots) <= 10.0 * 1.06  # evenly paced, with a small safety margin
    for start in (x / 10 for x in range(100)):
        assert sum(start <= s < start + 1.0 for s in slots) <= 30


def test_one_message_per_second_in_the_same_chat() -> None:
    planner = SlotPlanner()
    slots = [planner.reserve(0.0, "42", is_group=False) for _ in range(5)]
    gaps = [b - a for a, b in zip(slots, slots[1:], strict=False)]
    assert slots[0] == 0.0 and all(1.0 <= g <= 1.1 for g in gaps)


def test_twenty_messages_per_minute_in_a_group() -> None:
    planner = SlotPlanner()
    slots = [planner.reserve(0.0, "-100", is_group=True) for _ in range(25)]
    assert slots[19] < 22.0 and slots[20] >= 60.0
    assert all(sum(t <= s < t + 60 for s in slots) <= 20 for t in slots)


def test_a_pause_after_429_delays_everything() -> None:
    planner = SlotPlanner()
    planner.paused_until = 5.0
    assert planner.reserve(1.0, "7", is_group=False) == 5.0
