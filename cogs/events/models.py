"""Events, RSVPs and reminders as the feature sees them (aware UTC times; the zone for display)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from bot.core.targets import Target
from cogs.events.recurrence import Recurrence


class EventStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class RsvpStatus(StrEnum):
    GOING = "going"
    MAYBE = "maybe"
    NOT_GOING = "not_going"
    WAITLIST = "waitlist"


class ReminderStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"  # fanned out into the outbox (each member's send happens once there)
    MISSED = "missed"  # came due while the bot was down, past the grace period
    SKIPPED = "skipped"  # the event was cancelled or moved before it came due


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    community_id: int
    title: str
    description: str
    location: str
    starts_at: datetime
    duration: timedelta
    timezone: str
    capacity: int | None
    recurrence: Recurrence
    interval: int
    reminder_offsets: tuple[timedelta, ...]
    interest: str | None
    channel: Target
    organizer_id: int
    status: EventStatus
    sequence: int  # bumped on every edit (iCalendar SEQUENCE)
    series_id: int | None = None  # first event of a recurring series
    created_at: datetime | None = None

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + self.duration


@dataclass(frozen=True, slots=True)
class NewEvent:
    community_id: int
    title: str
    description: str
    location: str
    starts_at: datetime
    duration: timedelta
    timezone: str
    capacity: int | None
    recurrence: Recurrence
    interval: int
    reminder_offsets: tuple[timedelta, ...]
    interest: str | None
    channel: Target
    organizer_id: int
    series_id: int | None = None

    @classmethod
    def next_of(cls, event: Event, starts_at: datetime) -> NewEvent:
        """The next occurrence of a recurring event: everything the same but the start, in the same series."""
        return cls(
            event.community_id, event.title, event.description, event.location, starts_at, event.duration,
            event.timezone, event.capacity, event.recurrence, event.interval, event.reminder_offsets,
            event.interest, event.channel, event.organizer_id, series_id=event.series_id or event.id,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class EventDraft:
    """What an organizer asks for, already parsed and checked (cogs/events/commands.py reads the text)."""

    title: str
    starts_at: datetime
    duration: timedelta
    description: str = ""
    location: str = ""
    capacity: int | None = None
    recurrence: Recurrence = Recurrence.NONE
    interval: int = 1
    reminder_offsets: tuple[timedelta, ...] = ()
    interest: str | None = None


@dataclass(frozen=True, slots=True)
class Rsvp:
    event_id: int
    member_id: int
    status: RsvpStatus
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class RsvpCounts:
    going: int = 0
    maybe: int = 0
    not_going: int = 0
    waitlist: int = 0


@dataclass(frozen=True, slots=True)
class Reminder:
    event_id: int
    offset: timedelta
    due_at: datetime
    status: ReminderStatus


@dataclass(frozen=True, slots=True)
class EventPost:
    event_id: int
    target: Target
    message_id: str


@dataclass(slots=True)
class RsvpChange:
    """What one RSVP did: the caller's resulting status and who moved up from the waiting list."""

    status: RsvpStatus
    changed: bool
    waitlist_position: int | None = None
    promoted: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class EventCreated:
    """Hub event: an organizer created an event (published once its post is out). Onboarding tells the
    members whose interests include `event.interest`."""

    event: Event
