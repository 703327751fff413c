"""Sends that must happen once. A row per send with a unique key; marked sent only after the platform
accepted it, so a crash can repeat at most the sends in flight. Overdue rows are sent late (and say so)
within their grace, otherwise recorded as missed — never silently dropped."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.core.clock import Clock
from bot.core.outbound import Messenger, OutMessage
from bot.core.targets import Target
from cogs.outbox.models import OutboxItem, OutboxStatus
from cogs.outbox.ports import OutboxRepo

log = logging.getLogger(__name__)

DEFAULT_GRACE = timedelta(hours=1)


class DeliveryRefused(Exception):
    """Raised by a messenger when the platform refused for good (not a rate limit)."""


class Outbox:
    def __init__(
        self,
        repo: OutboxRepo,
        messengers: Callable[[str], Messenger | None],
        clock: Clock,
        grace: timedelta = DEFAULT_GRACE,
    ) -> None:
        self.repo = repo
        self.messengers = messengers
        self.clock = clock
        self.grace = grace
        self.on_missed: list[Callable[[OutboxItem], object]] = []

    async def enqueue(self, key: str, target: Target, message: OutMessage, locale: str, due_at: datetime) -> bool:
        return await self.repo.enqueue(key, target, message, locale, due_at, self.clock.now())

    async def deliver_due(self) -> int:
        """Send every due row once. Returns how many were sent."""
        now = self.clock.now()
        sent = 0
        for item in await self.repo.due(now):
            late = now - item.due_at
            if late > self.grace:
                await self.repo.mark(item.id, OutboxStatus.MISSED, now)
                log.warning("outbox %s missed: due %s, now %s", item.key, item.due_at, now)
                for hook in self.on_missed:
                    hook(item)
                continue
            messenger = self.messengers(item.target.platform.value)
            if messenger is None:
                continue  # platform not running now; stays pending until it is (or until missed)
            try:
                await messenger.send(item.target, item.message, item.locale)
            except DeliveryRefused as exc:
                await self.repo.mark(item.id, OutboxStatus.FAILED, now, error=str(exc)[:500])
                continue
            except Exception:
                log.exception("outbox %s: send failed, will retry", item.key)
                continue
            await self.repo.mark(item.id, OutboxStatus.SENT, self.clock.now(), late=late > timedelta(minutes=1))
            sent += 1
        return sent
