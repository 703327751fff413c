from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.app import Services
from bot.core.clock import FakeClock
from bot.core.i18n import t_
from bot.core.outbound import DeliveryRefused, OutMessage, PlatformUnavailable
from bot.core.targets import Target
from cogs.outbox.models import OutboxKey, OutboxStatus
from tests.conftest import START, LogLines


class RecordingMessenger:
    def __init__(self) -> None:
        self.sent: list[tuple[Target, OutMessage, str]] = []
        self.refuse: set[str] = set()
        self.edited: list[tuple[str, OutMessage, str]] = []

    async def send(self, target: Target, message: OutMessage, locale: str) -> str | None:
        if target.chat_id in self.refuse:
            raise DeliveryRefused("blocked")
        self.sent.append((target, message, locale))
        return str(len(self.sent))

    async def edit(self, target: Target, message_id: str, message: OutMessage, locale: str) -> None:
        self.edited.append((message_id, message, locale))


def reminder(n: int = 1) -> OutMessage:
    return OutMessage.of(t_("Reminder {n}", n=n))


async def test_due_item_is_sent_once_even_if_enqueued_twice(services: Services, clock: FakeClock) -> None:
    messenger = RecordingMessenger()
    services.messengers["telegram"] = messenger
    target = Target.direct("telegram", "42")
    assert await services.outbox.enqueue(
        OutboxKey("t", "1", "r42"), target, reminder(), "fi", START + timedelta(minutes=5)
    )
    assert not await services.outbox.enqueue(
        OutboxKey("t", "1", "r42"), target, reminder(), "fi", START + timedelta(minutes=5)
    )
    assert await services.outbox.deliver_due() == 0  # not due yet
    clock.advance(timedelta(minutes=5))
    assert await services.outbox.deliver_due() == 1
    assert await services.outbox.deliver_due() == 0
    assert [(t.chat_id, loc) for t, _m, loc in messenger.sent] == [("42", "fi")]
    assert messenger.sent[0][1].lines[0].params == {"n": 1}  # survived the JSON round trip


async def test_overdue_within_grace_is_sent_late_past_grace_is_missed(services: Services, clock: FakeClock) -> None:
    messenger = RecordingMessenger()
    services.messengers["telegram"] = messenger
    missed: list[str] = []

    async def note(item):  # type: ignore[no-untyped-def]
        missed.append(item.key.subject)

    services.outbox.when_missed("t", note)
    await services.outbox.enqueue(OutboxKey("t", "late", "p"), Target.direct("telegram", "1"), reminder(1), "en", START)
    await services.outbox.enqueue(
        OutboxKey("t", "gone", "p"), Target.direct("telegram", "2"), reminder(2), "en", START - timedelta(hours=2)
    )
    clock.advance(timedelta(minutes=30))
    assert await services.outbox.deliver_due() == 1
    assert missed == ["gone"]
    late = await services.outbox.repo.get(OutboxKey("t", "late", "p"))  # type: ignore[attr-defined]
    gone = await services.outbox.repo.get(OutboxKey("t", "gone", "p"))  # type: ignore[attr-defined]
    assert late.status is OutboxStatus.SENT and gone.status is OutboxStatus.MISSED


async def test_refused_send_is_marked_failed_not_retried(services: Services) -> None:
    messenger = RecordingMessenger()
    messenger.refuse.add("9")
    services.messengers["telegram"] = messenger
    await services.outbox.enqueue(OutboxKey("t", "x", "p"), Target.direct("telegram", "9"), reminder(), "en", START)
    await services.outbox.deliver_due()
    item = await services.outbox.repo.get(OutboxKey("t", "x", "p"))  # type: ignore[attr-defined]
    assert item.status is OutboxStatus.FAILED


async def test_send_for_a_platform_not_running_stays_pending(services: Services) -> None:
    await services.outbox.enqueue(OutboxKey("t", "y", "p"), Target.direct("discord", "9"), reminder(), "en", START)
    assert await services.outbox.deliver_due() == 0
    item = await services.outbox.repo.get(OutboxKey("t", "y", "p"))  # type: ignore[attr-defined]
    assert item.status is OutboxStatus.PENDING


async def test_each_row_is_marked_sent_when_its_own_send_is_accepted_not_after_the_whole_pass(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    # So a crash in the middle of a fan-out repeats only the sends in flight (SPEC §5).
    answer_three = asyncio.Event()  # until set, the send to member 3 is in flight

    class SlowForThree(RecordingMessenger):
        async def send(self, target: Target, message: OutMessage, locale: str) -> str | None:
            if target.chat_id == "3":
                await answer_three.wait()
            return await super().send(target, message, locale)

    services.messengers["telegram"] = SlowForThree()
    for n in (1, 2, 3):
        await services.outbox.enqueue(
            OutboxKey("t", str(n), "r"), Target.direct("telegram", str(n)), reminder(n), "en", START
        )
    repo: Any = services.outbox.repo
    mark = repo.mark
    marks: list[int] = []
    two_marked = asyncio.Event()

    async def counted_mark(item_id: int, status: OutboxStatus, now: datetime, **kw: Any) -> None:
        await mark(item_id, status, now, **kw)
        marks.append(item_id)
        if len(marks) == 2:
            two_marked.set()

    monkeypatch.setattr(repo, "mark", counted_mark)
    delivery = asyncio.create_task(services.outbox.deliver_due())
    try:
        await asyncio.wait_for(two_marked.wait(), 10)
        assert [(await repo.get(OutboxKey("t", str(n), "r"))).status for n in (1, 2, 3)] == [
            OutboxStatus.SENT,
            OutboxStatus.SENT,
            OutboxStatus.PENDING,
        ]
    finally:
        answer_three.set()
        sent = await delivery
    assert sent == 3


class DownMessenger(RecordingMessenger):
    """A platform in an outage until `down` is cleared: every send raises PlatformUnavailable."""

    def __init__(self) -> None:
        super().__init__()
        self.down = True
        self.tried: list[str] = []

    async def send(self, target: Target, message: OutMessage, locale: str) -> str | None:
        self.tried.append(target.chat_id)
        if self.down:
            raise PlatformUnavailable("502 Bad Gateway")
        return await super().send(target, message, locale)


async def test_an_outage_holds_due_sends_with_one_log_line_and_they_go_out_once_after_it(
    services: Services, clock: FakeClock, logs: LogLines
) -> None:
    telegram, console = DownMessenger(), RecordingMessenger()
    services.messengers.update(telegram=telegram, console=console)
    for n in range(1, 6):
        await services.outbox.enqueue(
            OutboxKey("t", str(n), "r"), Target.direct("telegram", str(n)), reminder(n), "en", START
        )
    await services.outbox.enqueue(OutboxKey("t", "c", "r"), Target.direct("console", "7"), reminder(7), "en", START)

    assert await services.outbox.deliver_due() == 1  # the other platform is not held up
    assert [t.chat_id for t, _m, _l in console.sent] == ["7"]
    clock.advance(timedelta(minutes=2))
    tried = len(telegram.tried)
    assert await services.outbox.deliver_due() == 0
    assert len(telegram.tried) == tried + 1  # a platform still down gets one probe a pass, not a burst
    assert logs.problems == []  # no warning or traceback per send: the adapter's OutageLog warns once
    assert logs.lines("outbox:") == [
        "outbox: telegram unreachable (502 Bad Gateway); 5 due send(s) stay pending until it answers"
    ]

    telegram.down = False
    clock.advance(timedelta(minutes=2))
    assert await services.outbox.deliver_due() == 5
    assert await services.outbox.deliver_due() == 0
    assert sorted(t.chat_id for t, _m, _l in telegram.sent) == ["1", "2", "3", "4", "5"]  # each once
    assert logs.lines("outbox:")[1:] == ["outbox: telegram answers again; sending what was held"]
    for n in range(1, 6):
        item = await services.outbox.repo.get(OutboxKey("t", str(n), "r"))  # type: ignore[attr-defined]
        assert item.status is OutboxStatus.SENT


async def test_sends_held_by_an_outage_longer_than_their_grace_are_missed_not_sent_late(
    services: Services, clock: FakeClock
) -> None:
    telegram = DownMessenger()
    services.messengers["telegram"] = telegram
    await services.outbox.enqueue(OutboxKey("t", "1", "r"), Target.direct("telegram", "1"), reminder(), "en", START)
    await services.outbox.deliver_due()
    telegram.down = False
    clock.advance(services.outbox.grace + timedelta(minutes=1))
    assert await services.outbox.deliver_due() == 0
    item = await services.outbox.repo.get(OutboxKey("t", "1", "r"))  # type: ignore[attr-defined]
    assert item.status is OutboxStatus.MISSED and telegram.sent == []


async def test_calls_during_a_pass_join_it_and_each_caller_finds_its_row_sent(services: Services) -> None:
    """A burst of joins asks for delivery once each while a slow (rate-limited) pass runs: they share one more
    pass instead of each reading the whole queue, and every caller returns after its own row went out."""
    gate = asyncio.Event()

    class Slow(RecordingMessenger):
        async def send(self, target: Target, message: OutMessage, locale: str) -> str | None:
            await gate.wait()
            return await super().send(target, message, locale)

    messenger = Slow()
    services.messengers["telegram"] = messenger
    reads = 0
    due = services.outbox.repo.due

    async def counting_due(*args: Any, **kw: Any) -> Any:
        nonlocal reads
        reads += 1
        return await due(*args, **kw)

    services.outbox.repo.due = counting_due  # type: ignore[method-assign]
    callers = []
    for n in range(20):
        await services.outbox.enqueue(OutboxKey("t", "1", f"w{n}"), Target.direct("telegram", str(n)), reminder(n),
                                      "en", START)  # fmt: skip
        callers.append(asyncio.ensure_future(services.outbox.deliver_due()))
        await asyncio.sleep(0)
    gate.set()
    await asyncio.gather(*callers)
    assert sorted(int(t.chat_id) for t, _m, _l in messenger.sent) == list(range(20))  # each once
    assert reads == 2  # the first pass, and one more for everyone who asked during it

    services.outbox.deliver_soon()  # the background form: settle() waits for it
    await services.outbox.enqueue(OutboxKey("t", "1", "late"), Target.direct("telegram", "99"), reminder(), "en", START)
    services.outbox.deliver_soon()
    await services.outbox.settle()
    assert messenger.sent[-1][0].chat_id == "99"


async def test_shutdown_stops_a_pass_stuck_behind_a_rate_limit_and_the_row_stays_pending(services: Services) -> None:
    class Stuck(RecordingMessenger):
        async def send(self, target: Target, message: OutMessage, locale: str) -> str | None:
            await asyncio.Event().wait()  # a rate limiter that will not let it go before shutdown
            return None

    services.messengers["telegram"] = Stuck()
    await services.outbox.enqueue(OutboxKey("t", "1", "stuck"), Target.direct("telegram", "5"), reminder(), "en", START)
    services.outbox.deliver_soon()
    await services.outbox.settle(cancel_after=0.01)  # what Services.close() does, with its 10 s
    assert services.outbox._cycle is None
    (row,) = await services.outbox.repo.due(START + timedelta(minutes=1))
    assert row.key.part == "stuck"  # not sent, not lost: it goes out at the next start
