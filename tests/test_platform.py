"""bot.platform.Connector: a platform unreachable at start-up is retried in the background with backoff
while the rest runs, said once when it happens and once when it connects; a refused token still ends
the run with its own clear error."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.core.clock import FakeClock
from bot.core.outbound import PlatformUnavailable
from bot.platform import Connector, PlatformRuntime
from tests.conftest import START, LogLines


class Flaky:
    """A runtime whose first `failures` starts find the platform unreachable, then `then` (or success)."""

    name = "telegram"
    messenger = None

    def __init__(self, failures: int, then: Exception | None = None) -> None:
        self.failures, self.then, self.starts = failures, then, 0

    async def start(self) -> None:
        self.starts += 1
        if self.starts <= self.failures:
            raise PlatformUnavailable("502 Bad Gateway")
        if self.then is not None:
            raise self.then

    async def stop(self) -> None: ...

    async def tick(self) -> None: ...


class Waits:
    """The backoff's sleeps: recorded, and the fake clock moved by them; no real time passes."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock, self.seconds = clock, list[float]()

    async def sleep(self, seconds: float) -> None:
        self.seconds.append(seconds)
        self.clock.advance(timedelta(seconds=seconds))


async def test_an_unreachable_platform_is_retried_with_backoff_and_said_once_each_way(logs: LogLines) -> None:
    clock = FakeClock(START)
    waits, connected = Waits(clock), list[PlatformRuntime]()
    connector = Connector(clock, connected.append, sleep=waits.sleep)
    runtime = Flaky(failures=3)
    assert await connector.start(runtime) is False  # returns at once: the rest of Hearth runs meanwhile
    await connector.retrying["telegram"]
    assert waits.seconds == [1.0, 1.5, 2.25]
    assert connected == [runtime] and runtime.starts == 4 and connector.retrying == {}
    assert logs.lines() == [
        "Telegram unreachable at start-up (502 Bad Gateway); retrying every 1–30 s while the rest runs",
        "Telegram connected after 5 s (4 attempts)",
    ]
    assert [r.levelname for r in logs.records] == ["WARNING", "INFO"]


async def test_a_reachable_platform_starts_at_once_without_a_word(logs: LogLines) -> None:
    connector = Connector(FakeClock(START), lambda _runtime: None)
    assert await connector.start(Flaky(failures=0)) is True
    assert connector.retrying == {} and logs.lines() == []


async def test_the_backoff_stops_growing_at_30_seconds() -> None:
    clock = FakeClock(START)
    waits = Waits(clock)
    connector = Connector(clock, lambda _runtime: None, sleep=waits.sleep)
    await connector.start(Flaky(failures=12))
    await connector.retrying["telegram"]
    assert max(waits.seconds) == 30 and waits.seconds[-3:] == [30, 30, 30]
    assert waits.seconds == sorted(waits.seconds)


async def test_a_token_refused_on_a_later_attempt_ends_the_run_with_its_error() -> None:
    clock = FakeClock(START)
    connector = Connector(clock, lambda _runtime: None, sleep=Waits(clock).sleep)
    await connector.start(Flaky(failures=1, then=RuntimeError("Telegram rejected the token")))
    with pytest.raises(RuntimeError, match="rejected the token"):
        await asyncio.wait_for(connector.wait(asyncio.Event()), 5)


async def test_stop_ends_the_wait_and_the_retrying() -> None:
    clock = FakeClock(START)
    never = asyncio.Event()

    async def slow(_seconds: float) -> None:
        await never.wait()

    connector = Connector(clock, lambda _runtime: None, sleep=slow)
    await connector.start(Flaky(failures=1))
    stop = asyncio.Event()
    stop.set()
    await asyncio.wait_for(connector.wait(stop), 5)
    retry = connector.retrying["telegram"]
    await connector.cancel()
    assert retry.cancelled() and connector.retrying == {}
