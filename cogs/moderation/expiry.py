"""Temporary mutes and bans end on time, and so do lockdowns: the rows are the truth, the scheduler holds
one trigger (the next end), and at start-up everything overdue ends at once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.clock import Clock
from cogs.moderation.actions import Enforcer
from cogs.moderation.ports import ModerationRepo
from cogs.moderation.raid import RaidGuard

log = logging.getLogger(__name__)

JOB = "moderation:expiry"
RETRY = timedelta(minutes=5)  # an end the platform refused (or a platform not running) is tried again


class Timer(Protocol):
    def at(self, job_id: str, when: datetime, job: Callable[[], Awaitable[object]], grace_seconds: int) -> None: ...


class Expiry:
    def __init__(self, repo: ModerationRepo, enforcer: Enforcer, raid: RaidGuard, timer: Timer, clock: Clock) -> None:
        self.repo = repo
        self.enforcer = enforcer
        self.raid = raid
        self.timer = timer
        self.clock = clock
        self._lock = asyncio.Lock()
        self._retry_at: datetime | None = None
        enforcer.armed = self.arm

    async def arm(self) -> None:
        now = self.clock.now()
        first = await self.repo.next_due()
        if first is not None and first <= now and self._retry_at is not None:
            first = None  # what is overdue now could not end: wait for the retry instead of spinning
        times = [t for t in (first, self._retry_at) if t is not None]
        times += [s.lockdown_until for s in await self.repo.lockdowns_until() if s.lockdown_until is not None]
        if times:
            # Overdue ends run at once; never dropped for lateness (an ended ban must end whenever we can).
            self.timer.at(JOB, max(min(times), now), self.tick, grace_seconds=10 * 365 * 86400)

    async def tick(self) -> None:
        try:
            async with self._lock:
                now = self.clock.now()
                self._retry_at = None
                for row in await self.repo.due(now):
                    ended = False
                    try:
                        ended = await self.enforcer.end(row)
                    except Exception:
                        log.exception("moderation: ending #%s failed", row.id)
                    if not ended:
                        self._retry_at = now + RETRY
                await self.raid.end_due(now)
        except Exception:
            log.exception("moderation: expiry tick failed; trying again later")
            self._retry_at = self.clock.now() + RETRY
        finally:
            await self.arm()

    async def rehydrate(self) -> None:
        """At start-up: overdue mutes, bans and lockdowns end now; the next end is armed."""
        await self.tick()

    async def drain(self) -> None:
        async with self._lock:
            return
