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
class OutboxKey:
    """What a send is, as columns (so hooks read fields, never parse strings); `text` is its unique key.

    feature: who sends it ("event"); subject: what about (the event id); part: which send of it
    ("r60" for the 1 h reminder, "cancelled:3"); member_id: the member it is for, if personal."""

    feature: str
    subject: str
    part: str
    member_id: int | None = None
    fallback: bool = False  # the channel copy of a personal send the platform refused

    @property
    def text(self) -> str:
        text = f"{self.feature}:{self.subject}:{self.part}"
        if self.member_id is not None:
            text += f":m{self.member_id}"
        return text + (":fallback" if self.fallback else "")

    def as_fallback(self) -> OutboxKey:
        return OutboxKey(self.feature, self.subject, self.part, self.member_id, fallback=True)


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    key: OutboxKey
    target: Target
    message: OutMessage
    locale: str
    due_at: datetime
    status: OutboxStatus
    attempts: int
