from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.core.outbound import OutMessage
from bot.core.targets import Target


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # the platform refused for good (blocked DM, deleted chat)
    MISSED = "missed"  # came due while we were down, past its grace period


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    key: str
    target: Target
    message: OutMessage
    locale: str
    due_at: datetime
    status: OutboxStatus
    attempts: int
