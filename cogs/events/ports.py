from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.core.targets import Target
from cogs.events.models import Event, EventPost, NewEvent, Reminder, ReminderStatus, Rsvp, RsvpStatus


class RsvpTransaction(Protocol):
    """All RSVPs of one event inside one database transaction (capacity decisions are atomic)."""

    async def rsvps(self) -> list[Rsvp]: ...

    async def set(self, member_id: int, status: RsvpStatus, at: datetime) -> None: ...


class EventRepo(Protocol):
    async def create(self, event: NewEvent, now: datetime) -> Event: ...

    async def get(self, event_id: int) -> Event | None: ...

    async def delete(self, event_id: int) -> None:
        """Remove an event that never became visible (its post failed); RSVPs and reminders go with it."""
        ...

    async def update(self, event_id: int, now: datetime, **fields: Any) -> Event:
        """Change fields (title, description, location, starts_at, duration, capacity, status, …);
        bumps `sequence`."""
        ...

    async def upcoming(self, community_id: int, now: datetime, limit: int = 20) -> list[Event]: ...

    async def held(self, community_id: int, start: datetime, end: datetime, limit: int = 20) -> list[Event]:
        """Scheduled (not cancelled) events that started in [start, end), earliest first (the weekly digest)."""
        ...

    async def for_member(self, member_id: int, now: datetime) -> list[tuple[Event, RsvpStatus]]: ...

    def rsvp_transaction(self, event_id: int) -> AbstractAsyncContextManager[RsvpTransaction]: ...

    async def rsvps(self, event_id: int) -> list[Rsvp]: ...

    async def set_reminders(self, event_id: int, reminders: Sequence[tuple[timedelta, datetime]]) -> None:
        """Replace the event's pending reminders (sent and missed ones stay as history)."""
        ...

    async def reminders(self, event_id: int) -> list[Reminder]: ...

    async def due_reminders(self, now: datetime, limit: int = 1000) -> list[Reminder]:
        """Pending reminders due at or before `now`, oldest first."""
        ...

    async def next_reminder_due(self) -> datetime | None:
        """When the earliest pending reminder is due (one indexed query, whatever the count)."""
        ...

    async def mark_reminder(self, event_id: int, offset: timedelta, status: ReminderStatus) -> bool:
        """Move a pending reminder to `status`; False if it was not pending (someone else did it)."""
        ...

    async def add_post(self, event_id: int, target: Target, message_id: str) -> None: ...

    async def posts(self, event_id: int) -> list[EventPost]: ...

    async def started_series_without_successor(self, now: datetime) -> list[Event]:
        """Scheduled recurring events that have started and are the latest of their series."""
        ...

    async def next_series_start_without_successor(self) -> datetime | None:
        """When the next recurring event that is the latest of its series starts (time to roll over)."""
        ...
