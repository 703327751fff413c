"""OutageLog: one warning when a connection goes bad, one info line when it is back, nothing in between."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.core.clock import FakeClock
from bot.core.outage import OutageLog, span
from tests.conftest import START, LogLines


def outage_log(clock: FakeClock, recovered: list[str] | None = None) -> OutageLog:
    back = recovered if recovered is not None else []
    log = OutageLog("Telegram", clock, logging.getLogger("test.outage"), on_recovered=lambda: back.append("back"))
    log.watch()
    return log


def test_an_outage_is_two_lines_however_many_requests_fail(logs: LogLines) -> None:
    clock, recovered = FakeClock(START), list[str]()
    outage = outage_log(clock, recovered)
    outage.ok(outage.begin())  # all well: nothing to say
    for _ in range(37):
        outage.failed("502 Bad Gateway", outage.begin())
        clock.advance(timedelta(seconds=3))
    clock.advance(timedelta(seconds=9))
    outage.ok(outage.begin())
    outage.ok(outage.begin())
    assert logs.lines() == [
        "Telegram unreachable (502 Bad Gateway); retrying with backoff",
        "Telegram reachable again after 2 min (37 failed requests)",
    ]
    assert [r.levelname for r in logs.records] == ["WARNING", "INFO"]
    assert recovered == ["back"] and outage.outages == 1 and not outage.down


def test_a_request_that_started_during_the_outage_and_fails_after_it_opens_no_new_one(logs: LogLines) -> None:
    outage = outage_log(FakeClock(START))
    hanging = outage.begin()  # a send started while Telegram was down …
    outage.failed("timed out", outage.begin())
    outage.ok(outage.begin())  # … Telegram is back …
    outage.failed("timed out", hanging)  # … and the hanging send gives up late
    assert not outage.down and outage.outages == 1
    outage.failed("502 Bad Gateway", outage.begin())  # a request started after the recovery: a new outage
    assert outage.down and outage.outages == 2
    assert len(logs.lines("unreachable")) == 2


def test_failures_before_watching_are_not_logged(logs: LogLines) -> None:
    outage = OutageLog("Discord gateway", FakeClock(START), logging.getLogger("test.outage"))
    outage.failed("connection lost")  # start-up: the Connector says it, once
    outage.ok()
    outage.watch()
    outage.failed("connection closed with code 4000")
    outage.ok(how="session resumed")
    assert logs.lines() == [
        "Discord gateway unreachable (connection closed with code 4000); retrying with backoff",
        "Discord gateway reachable again after 0 s (1 failed request; session resumed)",
    ]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 s"), (40, "40 s"), (120, "2 min"), (125, "2 min 5 s"), (725, "12 min"), (3600, "1 h"), (3960, "1 h 6 min")],
)
def test_span_reads_like_a_person_would_say_it(seconds: int, text: str) -> None:
    assert span(timedelta(seconds=seconds)) == text
