"""Closing on time. The rows are the truth: the scheduler holds ONE trigger per kind (the earliest close time),
and each tick closes everything due, then re-arms. A close that came due while the bot was down happens at
start-up (`rehydrate`), once — closing is a conditional update, so a second run finds nothing to do.

Misfire grace: none is applied. A late close is harmless (the poll simply ran a little longer) and a
skipped one would leave it open for ever, so an overdue trigger always fires; a failing tick (platform
outage while stopping a native poll) tries again a minute later."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.core.clock import Clock
from cogs.polls.ports import Timer

log = logging.getLogger(__name__)

RETRY = timedelta(minutes=1)
NEVER_DROP = 10 * 365 * 86400  # seconds: an overdue trigger always fires


class CloseTimer:
    def __init__(
        self,
        job_id: str,
        timer: Timer,
        clock: Clock,
        next_due: Callable[[], Awaitable[datetime | None]],
        work: Callable[[datetime], Awaitable[bool]],
    ) -> None:
        self.job_id = job_id
        self.timer = timer
        self.clock = clock
        self.next_due = next_due
        self.work = work  # closes what is due at `now`; False when something failed (retry soon)
        self._lock = asyncio.Lock()

    async def arm(self, not_before: datetime | None = None) -> None:
        first = await self.next_due()
        if first is not None:
            self.timer.at(self.job_id, max(first, not_before or self.clock.now()), self.tick, NEVER_DROP)

    async def tick(self) -> None:
        retry = False
        try:
            async with self._lock:
                retry = not await self.work(self.clock.now())
        except Exception:
            log.exception("%s: closing failed; trying again in a minute", self.job_id)
            retry = True
        finally:
            await self.arm(not_before=self.clock.now() + RETRY if retry else None)

    async def drain(self) -> None:
        """Wait for a tick in progress (shutdown)."""
        async with self._lock:
            return
