"""Bad minutes of a platform connection, in two log lines: one WARNING when requests start failing
(network error, 5xx, timeout) and one INFO when one succeeds again, with how long it lasted and how many
requests failed meanwhile — not a traceback per request. Adapters report each request's outcome; the
libraries' own retries (PTB's polling loop, discord.py's reconnect and 5xx retries) do the backoff."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.core.clock import Clock


class OutageLog:
    """One connection's outages. ``begin()`` before a request returns a ticket for ``ok``/``failed``: a
    request that started before the last recovery and fails after it is a straggler of that outage
    (a send that was hanging while the platform came back) and does not open a new one."""

    def __init__(
        self,
        what: str,
        clock: Clock,
        logger: logging.Logger,
        *,
        down: str = "unreachable",
        up: str = "reachable again",
        retrying: str = "retrying with backoff",
        unit: str = "request",
        on_recovered: Callable[[], None] | None = None,
    ) -> None:
        self.what = what
        self.clock = clock
        self.log = logger
        self.words = (down, up, retrying, unit)
        self.on_recovered = on_recovered
        self.watching = False  # start-up failures are reported by whoever retries the start (bot/app.py)
        self.since: datetime | None = None  # start of the current outage; None while all is well
        self.failures = 0  # failed requests in the current outage
        self.outages = 0  # outages so far
        self._tickets = 0
        self._recovered_at = 0  # tickets up to this one started before the last recovery

    @property
    def down(self) -> bool:
        return self.since is not None

    def watch(self) -> None:
        """From now on outages are logged (call once connected); earlier failures are forgotten."""
        self.watching = True
        self.since, self.failures = None, 0

    def begin(self) -> int:
        self._tickets += 1
        return self._tickets

    def failed(self, reason: str, ticket: int | None = None) -> None:
        if not self.watching:
            return
        if self.since is None:
            if ticket is not None and ticket <= self._recovered_at:
                return  # started during the last outage, failed late: not a new one
            down, _up, retrying, _unit = self.words
            self.since = self.clock.now()
            self.failures = 0
            self.outages += 1
            self.log.warning("%s %s (%s); %s", self.what, down, reason, retrying)
        self.failures += 1

    def ok(self, ticket: int | None = None, how: str = "") -> None:
        if self.since is None:
            return
        _down, up, _retrying, unit = self.words
        lasted = span(self.clock.now() - self.since)
        failed = f"{self.failures} failed {unit}{'' if self.failures == 1 else 's'}"
        self.log.info("%s %s after %s (%s%s)", self.what, up, lasted, failed, f"; {how}" if how else "")
        self.since, self.failures = None, 0
        self._recovered_at = self._tickets
        if self.on_recovered is not None:
            self.on_recovered()


def span(delta: timedelta) -> str:
    """'40 s', '2 min', '2 min 5 s', '1 h 3 min'."""
    seconds = max(0, round(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        minutes, rest = divmod(seconds, 60)
        return f"{minutes} min" + (f" {rest} s" if rest and minutes < 10 else "")
    hours, rest = divmod(seconds, 3600)
    return f"{hours} h" + (f" {rest // 60} min" if rest >= 60 else "")
