"""Events held and upcoming, with attendance, read through the events feature's port."""

from __future__ import annotations

from datetime import datetime

from cogs.digest.models import EventLine
from cogs.events.models import Event, RsvpStatus
from cogs.events.ports import EventRepo


class EventsFromRepo:
    def __init__(self, repo: EventRepo) -> None:
        self.repo = repo

    async def held(self, community_id: int, start: datetime, end: datetime) -> list[EventLine]:
        return [await self._line(e) for e in await self.repo.held(community_id, start, end)]

    async def upcoming(self, community_id: int, now: datetime, limit: int) -> list[EventLine]:
        return [await self._line(e) for e in await self.repo.upcoming(community_id, now, limit)]

    async def _line(self, event: Event) -> EventLine:
        counts = {status: 0 for status in RsvpStatus}
        for rsvp in await self.repo.rsvps(event.id):
            counts[rsvp.status] += 1
        return EventLine(
            event.id,
            event.title,
            event.starts_at,
            counts[RsvpStatus.GOING],
            counts[RsvpStatus.MAYBE],
            counts[RsvpStatus.WAITLIST],
            event.capacity,
            event.interest,
        )
