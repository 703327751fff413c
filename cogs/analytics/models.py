"""Activity as the adapters report it: platform ids and metadata, never message content."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import NamedTuple


class ActivityKind(StrEnum):
    MESSAGE = "message"
    REACTION = "reaction"
    RSVP = "rsvp"


@dataclass(frozen=True, slots=True)
class MessageSeen:
    platform: str
    scope_id: str  # guild / chat
    scope_title: str
    channel_id: str
    user_id: str
    display_name: str | None
    at: datetime
    reply_to_user_id: str | None = None
    mentioned_user_ids: tuple[str, ...] = ()
    is_question: bool = False
    length_bucket: int = 0


@dataclass(frozen=True, slots=True)
class ReactionSeen:
    platform: str
    scope_id: str
    scope_title: str
    channel_id: str
    user_id: str
    display_name: str | None
    at: datetime
    author_user_id: str | None = None


@dataclass(frozen=True, slots=True)
class MembershipSeen:
    platform: str
    scope_id: str
    scope_title: str
    user_id: str
    display_name: str | None
    at: datetime
    joined: bool  # False = left


class ActivityRow(NamedTuple):
    """A resolved raw activity row, ready for storage (a tuple in activity_events column order)."""

    community_id: int
    member_id: int
    platform: str
    channel_id: str
    kind: str  # ActivityKind value
    at: datetime
    reply_to_member_id: int | None
    mentioned: str | None  # JSON list of member ids
    mention_count: int
    is_question: bool
    length_bucket: int


COUNTERS = ("messages", "replies", "questions", "mentions", "reactions", "replies_received")


@dataclass(frozen=True, slots=True)
class MemberDay:
    community_id: int
    member_id: int
    day: date
    platform: str
    messages: int
    replies: int
    questions: int
    mentions: int
    reactions: int
    replies_received: int
