"""Activity models. What adapters report (MessageSeen, ReactionSeen, MembershipSeen) and the resolved
row (ActivityRow) are hub events in bot/core/hub.py; re-exported here for the analytics code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from bot.core.hub import ActivityRow, MembershipSeen, MessageSeen, ReactionSeen

__all__ = [
    "ActivityKind",
    "ActivityRow",
    "COUNTERS",
    "MemberDay",
    "MembershipSeen",
    "MessageSeen",
    "RawRow",
    "ReactionSeen",
]

# An ActivityRow as a plain tuple, for the write path. The garbage collector stops tracking plain tuples of
# ints, strings and datetimes, but never instances of a tuple subclass such as a NamedTuple: thousands of
# those alive in a flush made every collection walk them, a quarter of ingestion's Python time.
RawRow = tuple[int, int, str, str, str, datetime, int | None, str | None, int, bool, int, str | None]


class ActivityKind(StrEnum):
    MESSAGE = "message"
    REACTION = "reaction"
    RSVP = "rsvp"


COUNTERS = ("messages", "replies", "questions", "mentions", "reactions", "replies_received", "actions")


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
    actions: int = 0  # feature actions (RSVPs, votes, feedback, …)

    @property
    def active(self) -> bool:
        """The member's own activity (a row can exist only because others replied to them)."""
        return bool(self.messages or self.reactions or self.actions)
