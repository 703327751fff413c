from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.core.outbound import OutMessage
from bot.core.targets import Target
from cogs.outbox.models import OutboxItem, OutboxKey, OutboxStatus


class OutboxRepo(Protocol):
    async def enqueue(
        self, key: OutboxKey, target: Target, message: OutMessage, locale: str, due_at: datetime, now: datetime
    ) -> bool:
        """Insert unless the key exists; True when inserted."""
        ...

    async def enqueue_many(
        self, items: list[tuple[OutboxKey, Target, OutMessage, str, datetime]], now: datetime
    ) -> int:
        """Insert (key, target, message, locale, due_at) rows whose key is new, in one transaction."""
        ...

    async def due(self, now: datetime, limit: int = 500) -> list[OutboxItem]: ...

    async def mark(
        self, item_id: int, status: OutboxStatus, now: datetime, *, late: bool = False, error: str | None = None
    ) -> None: ...

    async def get(self, key: OutboxKey) -> OutboxItem | None: ...
