"""The slot planner keeps every Telegram window under its limit (pure arithmetic, no waiting)."""

from __future__ import annotations

import random

from bot.telegram.ratelimit import CHAT_INTERVAL, GLOBAL_PER_SECOND, ArrivalWindows, HearthRateLimiter, SlotPlanner


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


def test_a_new_process_sends_nothing_before_the_last_process_sends_left_the_one_second_windows() -> None:
    # After kill -9 the outbox re-sends the DMs that were in flight, to the same chats, right away;
    # the new limiter cannot see their first copies, so it must assume the windows are still full.
    limiter = HearthRateLimiter(monotonic=lambda: 100.0)
    assert limiter.planner.reserve(100.0, "7029", is_group=False) >= 100.0 + CHAT_INTERVAL


def test_late_arrivals_never_put_more_than_30_sends_in_one_second_at_telegram() -> None:
    # Each send reaches Telegram somewhere between its start and its answer; on a busy machine that
    # is up to a few hundred ms after the start (measured up to 0.39 s in the crash test).
    rng = random.Random(20261202)
    planner, windows = SlotPlanner(), ArrivalWindows()
    running: list[tuple[float, list]] = []  # (answer time, windows) of sends not answered yet
    arrivals: list[float] = []
    now = 0.0
    for i in range(600):
        now = planner.reserve(now, str(i), is_group=False)
        while True:
            for answer, ws in sorted(running, key=lambda r: r[0]):
                if answer <= now:
                    windows.finish(ws, answer)
                    running.remove((answer, ws))
            if windows.full(str(i), False):
                now = min(answer for answer, _ in running)
                continue
            if (at := windows.ready_at(now, str(i), False)) <= now:
                break
            now = at
        delay = rng.choice((0.002, 0.01, 0.05, 0.2, 0.4))
        arrivals.append(now + rng.uniform(0, delay))
        running.append((now + delay, windows.start(str(i), False)))
    arrivals.sort()
    busiest = max(sum(a - 1.0 < b <= a for b in arrivals) for a in arrivals)
    assert busiest <= GLOBAL_PER_SECOND
    assert now <= 600 / GLOBAL_PER_SECOND * 1.25  # still close to the limit's pace


def test_a_send_to_a_chat_waits_for_the_answer_to_the_previous_one_plus_a_second() -> None:
    windows = ArrivalWindows()
    first = windows.start("42", is_group=False)
    assert windows.full("42", False)  # the first may still arrive at any moment
    windows.finish(first, answered=5.3)
    assert windows.ready_at(5.3, "42", False) == 5.3 + CHAT_INTERVAL
    assert windows.ready_at(5.3, "43", False) == 5.3  # other chats are not held back
