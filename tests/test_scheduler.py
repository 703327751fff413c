"""APScheduler reads the wall clock and sleeps on the monotonic clock: freeze the wall clock with
time-machine, jump to each job's run time and wake the scheduler (DESIGN.md §7)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import time_machine

from bot.scheduler import ApsScheduler

T0 = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # the night Europe switches to summer time


async def _settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_job_fires_at_its_time_after_the_clock_moves() -> None:
    fired: list[datetime] = []
    with time_machine.travel(T0, tick=False) as traveller:
        scheduler = ApsScheduler()
        scheduler.start()

        async def job() -> None:
            fired.append(datetime.now(UTC))

        scheduler.at("test:1", T0 + timedelta(hours=3), job, grace_seconds=3600)
        scheduler.wakeup()
        await _settle()
        assert fired == []
        traveller.move_to(T0 + timedelta(hours=3))
        scheduler.wakeup()
        await _settle()
        scheduler.shutdown()
    assert fired == [T0 + timedelta(hours=3)]


async def test_stable_ids_replace_instead_of_duplicating() -> None:
    with time_machine.travel(T0, tick=False):
        scheduler = ApsScheduler()
        scheduler.start()

        async def job() -> None:
            return None

        scheduler.at("events:7", T0 + timedelta(hours=1), job, grace_seconds=60)
        scheduler.at("events:7", T0 + timedelta(hours=2), job, grace_seconds=60)
        assert scheduler.job_ids() == ["events:7"]
        scheduler.cancel("events:7")
        scheduler.cancel("events:7")  # cancelling twice is harmless
        assert scheduler.job_ids() == []
        scheduler.shutdown()


async def test_job_past_its_grace_is_not_run_by_the_scheduler() -> None:
    # The outbox, not APScheduler, decides late vs missed: the scheduler only triggers.
    fired: list[int] = []
    with time_machine.travel(T0, tick=False) as traveller:
        scheduler = ApsScheduler()
        scheduler.start()

        async def job() -> None:
            fired.append(1)

        scheduler.at("x:1", T0 + timedelta(minutes=1), job, grace_seconds=30)
        traveller.move_to(T0 + timedelta(minutes=5))
        scheduler.wakeup()
        await _settle()
        scheduler.shutdown()
    assert fired == []


async def test_a_job_may_re_arm_its_own_id_while_running() -> None:
    # The reminder tick re-arms "events:tick" from inside itself; the next run must not be skipped.
    fired: list[datetime] = []
    with time_machine.travel(T0, tick=False) as traveller:
        scheduler = ApsScheduler()
        scheduler.start()
        release = asyncio.Event()

        async def job() -> None:
            fired.append(datetime.now(UTC))
            if len(fired) == 1:
                scheduler.at("tick", T0 + timedelta(hours=2), job, grace_seconds=3600)
                await release.wait()  # still running when the next run comes due

        scheduler.at("tick", T0 + timedelta(hours=1), job, grace_seconds=3600)
        traveller.move_to(T0 + timedelta(hours=1))
        scheduler.wakeup()
        await _settle()
        traveller.move_to(T0 + timedelta(hours=2))
        scheduler.wakeup()
        await _settle()
        release.set()
        await _settle()
        scheduler.shutdown()
    assert fired == [T0 + timedelta(hours=1), T0 + timedelta(hours=2)]


async def test_a_job_that_returns_a_coroutine_is_awaited_not_dropped() -> None:
    # Seen: a lambda returning a coroutine was scheduled every hour and its work never ran.
    done = asyncio.Event()

    async def work() -> None:
        done.set()

    scheduler = ApsScheduler()
    scheduler.start()
    try:
        scheduler.at("t:1", datetime.now(UTC), lambda: work(), grace_seconds=60)
        await asyncio.wait_for(done.wait(), 10)
    finally:
        await scheduler.stop()
