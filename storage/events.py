"""EventRepo on SQLAlchemy Core."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.core.targets import Target
from cogs.events.models import (
    Event,
    EventPost,
    EventStatus,
    NewEvent,
    Reminder,
    ReminderStatus,
    Rsvp,
    RsvpStatus,
)
from cogs.events.recurrence import Recurrence
from storage.db import lock_for_update
from storage.member_data import reassign, reassign_unique, rows_json
from storage.tables.events import event_posts, event_reminders, event_rsvps, events
from storage.tables.members import members

_FIELDS = {"title", "description", "location", "starts_at", "duration", "capacity", "status", "interest",
           "reminder_offsets", "recurrence", "interval"}  # fmt: skip


def _event(r: Any) -> Event:
    return Event(
        id=r.id,
        community_id=r.community_id,
        title=r.title,
        description=r.description,
        location=r.location,
        starts_at=r.starts_at,
        duration=timedelta(minutes=r.duration_minutes),
        timezone=r.timezone,
        capacity=r.capacity,
        recurrence=Recurrence(r.recurrence),
        interval=r.interval,
        reminder_offsets=tuple(timedelta(minutes=m) for m in json.loads(r.reminder_minutes)),
        interest=r.interest,
        channel=Target.from_json(r.channel),
        organizer_id=r.organizer_id,
        status=EventStatus(r.status),
        sequence=r.sequence,
        series_id=r.series_id,
        created_at=r.created_at,
    )


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _columns(fields: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, value in fields.items():
        if name not in _FIELDS:
            raise ValueError(f"unknown event field {name}")
        if name == "duration":
            values["duration_minutes"] = _minutes(value)
        elif name == "reminder_offsets":
            values["reminder_minutes"] = json.dumps([_minutes(v) for v in value])
        elif name in ("status", "recurrence"):
            values[name] = str(value.value if hasattr(value, "value") else value)
        else:
            values[name] = value
    return values


class _SqlRsvpTransaction:
    def __init__(self, conn: AsyncConnection, event_id: int) -> None:
        self.conn = conn
        self.event_id = event_id

    async def rsvps(self) -> list[Rsvp]:
        rows = await self.conn.execute(
            sa.select(event_rsvps)
            .where(event_rsvps.c.event_id == self.event_id)
            .order_by(event_rsvps.c.updated_at, event_rsvps.c.member_id)
        )
        return [Rsvp(r.event_id, r.member_id, RsvpStatus(r.status), r.updated_at) for r in rows]

    async def set(self, member_id: int, status: RsvpStatus, at: datetime) -> None:
        where = (event_rsvps.c.event_id == self.event_id) & (event_rsvps.c.member_id == member_id)
        done = await self.conn.execute(sa.update(event_rsvps).where(where).values(status=status.value, updated_at=at))
        if done.rowcount == 0:
            await self.conn.execute(
                sa.insert(event_rsvps).values(
                    event_id=self.event_id, member_id=member_id, status=status.value, updated_at=at
                )
            )


class SqlEventRepo:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def create(self, event: NewEvent, now: datetime) -> Event:
        values = {
            "community_id": event.community_id,
            "series_id": event.series_id,
            "title": event.title,
            "description": event.description,
            "location": event.location,
            "starts_at": event.starts_at,
            "duration_minutes": _minutes(event.duration),
            "timezone": event.timezone,
            "capacity": event.capacity,
            "recurrence": event.recurrence.value,
            "interval": event.interval,
            "reminder_minutes": json.dumps([_minutes(o) for o in event.reminder_offsets]),
            "interest": event.interest,
            "channel": event.channel.to_json(),
            "organizer_id": event.organizer_id,
            "created_at": now,
            "updated_at": now,
        }
        async with self.engine.begin() as conn:
            new_id = (await conn.execute(sa.insert(events).values(**values).returning(events.c.id))).scalar_one()
        found = await self.get(new_id)
        assert found is not None
        return found

    async def delete(self, event_id: int) -> None:
        async with self.engine.begin() as conn:
            for table in (event_rsvps, event_reminders, event_posts):
                await conn.execute(sa.delete(table).where(table.c.event_id == event_id))
            await conn.execute(sa.delete(events).where(events.c.id == event_id))

    async def get(self, event_id: int) -> Event | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(sa.select(events).where(events.c.id == event_id))).first()
        return _event(row) if row else None

    async def update(self, event_id: int, now: datetime, **fields: Any) -> Event:
        values = _columns(fields) | {"updated_at": now, "sequence": events.c.sequence + 1}
        async with self.engine.begin() as conn:
            await conn.execute(sa.update(events).where(events.c.id == event_id).values(**values))
        found = await self.get(event_id)
        assert found is not None
        return found

    async def upcoming(self, community_id: int, now: datetime, limit: int = 20) -> list[Event]:
        query = (
            sa.select(events)
            .where(
                events.c.community_id == community_id,
                events.c.status == EventStatus.SCHEDULED.value,
                events.c.starts_at >= now,
            )
            .order_by(events.c.starts_at, events.c.id)
            .limit(limit)
        )
        async with self.engine.connect() as conn:
            return [_event(r) for r in await conn.execute(query)]

    async def held(self, community_id: int, start: datetime, end: datetime, limit: int = 20) -> list[Event]:
        query = (
            sa.select(events)
            .where(
                events.c.community_id == community_id,
                events.c.status == EventStatus.SCHEDULED.value,
                events.c.starts_at >= start,
                events.c.starts_at < end,
            )
            .order_by(events.c.starts_at, events.c.id)
            .limit(limit)
        )
        async with self.engine.connect() as conn:
            return [_event(r) for r in await conn.execute(query)]

    async def for_member(self, member_id: int, now: datetime) -> list[tuple[Event, RsvpStatus]]:
        query = (
            sa.select(events, event_rsvps.c.status.label("rsvp"))
            .join(event_rsvps, event_rsvps.c.event_id == events.c.id)
            .where(
                event_rsvps.c.member_id == member_id,
                event_rsvps.c.status != RsvpStatus.NOT_GOING.value,
                events.c.status == EventStatus.SCHEDULED.value,
                events.c.starts_at >= now,
            )
            .order_by(events.c.starts_at)
        )
        async with self.engine.connect() as conn:
            return [(_event(r), RsvpStatus(r.rsvp)) for r in await conn.execute(query)]

    @asynccontextmanager
    async def rsvp_transaction(self, event_id: int) -> AsyncIterator[_SqlRsvpTransaction]:
        async with self.engine.begin() as conn:
            # RSVPs of one event are serialised (capacity, waiting list), across processes too.
            await lock_for_update(conn, sa.select(events.c.id).where(events.c.id == event_id))
            yield _SqlRsvpTransaction(conn, event_id)

    async def rsvps(self, event_id: int) -> list[Rsvp]:
        async with self.engine.connect() as conn:
            return await _SqlRsvpTransaction(conn, event_id).rsvps()

    async def set_reminders(self, event_id: int, reminders: Sequence[tuple[timedelta, datetime]]) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.delete(event_reminders).where(
                    event_reminders.c.event_id == event_id, event_reminders.c.status == ReminderStatus.PENDING.value
                )
            )
            done = {
                r.offset_minutes
                for r in await conn.execute(
                    sa.select(event_reminders.c.offset_minutes).where(event_reminders.c.event_id == event_id)
                )
            }
            rows = [
                {"event_id": event_id, "offset_minutes": _minutes(o), "due_at": due, "status": "pending"}
                for o, due in reminders
                if _minutes(o) not in done
            ]
            if rows:
                await conn.execute(sa.insert(event_reminders), rows)

    async def reminders(self, event_id: int) -> list[Reminder]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(event_reminders)
                .where(event_reminders.c.event_id == event_id)
                .order_by(event_reminders.c.due_at)
            )
            return [_reminder(r) for r in rows]

    async def due_reminders(self, now: datetime, limit: int = 1000) -> list[Reminder]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(event_reminders)
                .where(event_reminders.c.status == ReminderStatus.PENDING.value, event_reminders.c.due_at <= now)
                .order_by(event_reminders.c.due_at)
                .limit(limit)
            )
            return [_reminder(r) for r in rows]

    async def next_reminder_due(self) -> datetime | None:
        async with self.engine.connect() as conn:
            return (
                await conn.execute(
                    sa.select(sa.func.min(event_reminders.c.due_at)).where(
                        event_reminders.c.status == ReminderStatus.PENDING.value
                    )
                )
            ).scalar()

    async def mark_reminder(self, event_id: int, offset: timedelta, status: ReminderStatus) -> bool:
        async with self.engine.begin() as conn:
            done = await conn.execute(
                sa.update(event_reminders)
                .where(
                    event_reminders.c.event_id == event_id,
                    event_reminders.c.offset_minutes == _minutes(offset),
                    event_reminders.c.status == ReminderStatus.PENDING.value,
                )
                .values(status=status.value)
            )
            return done.rowcount == 1

    async def add_post(self, event_id: int, target: Target, message_id: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.insert(event_posts).values(event_id=event_id, target=target.to_json(), message_id=message_id)
            )

    async def posts(self, event_id: int) -> list[EventPost]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(sa.select(event_posts).where(event_posts.c.event_id == event_id))
            return [EventPost(r.event_id, Target.from_json(r.target), r.message_id) for r in rows]

    def _latest_of_series(self) -> sa.Select[Any]:
        later = events.alias("later")
        series = sa.func.coalesce(events.c.series_id, events.c.id)
        successor = sa.exists().where(
            sa.func.coalesce(later.c.series_id, later.c.id) == series, later.c.starts_at > events.c.starts_at
        )
        return sa.select(events).where(
            events.c.recurrence != Recurrence.NONE.value,
            events.c.status == EventStatus.SCHEDULED.value,
            ~successor,
        )

    async def started_series_without_successor(self, now: datetime) -> list[Event]:
        query = self._latest_of_series().where(events.c.starts_at <= now).order_by(events.c.starts_at)
        async with self.engine.connect() as conn:
            return [_event(r) for r in await conn.execute(query)]

    async def next_series_start_without_successor(self) -> datetime | None:
        query = self._latest_of_series().order_by(events.c.starts_at).limit(1)
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return row.starts_at if row else None


def _reminder(r: Any) -> Reminder:
    return Reminder(r.event_id, timedelta(minutes=r.offset_minutes), r.due_at, ReminderStatus(r.status))


class EventsData:
    """Member-data part for events: RSVPs and the events a member organised."""

    feature = "events"
    columns = ("event_rsvps.member_id", "events.organizer_id")

    async def merge(self, tx: AsyncConnection, keep_id: int, drop_id: int) -> None:
        # One answer per event: the member's latest, whichever account gave it.
        r = event_rsvps.c
        await reassign_unique(tx, r.member_id, keep_id, drop_id, key=[r.event_id], newer=r.updated_at)
        await reassign(tx, events.c.organizer_id, keep_id, drop_id)

    async def export(self, tx: AsyncConnection, member_id: int) -> dict[str, Any]:
        r, e = event_rsvps.c, events.c
        answers = (
            await tx.execute(
                sa.select(e.id.label("event"), e.title, e.starts_at, r.status, r.updated_at)
                .join(events, e.id == r.event_id)
                .where(r.member_id == member_id)
                .order_by(e.starts_at)
            )
        ).all()
        organised = (
            await tx.execute(
                sa.select(e.id.label("event"), e.title, e.starts_at, e.status)
                .where(e.organizer_id == member_id)
                .order_by(e.starts_at)
            )
        ).all()
        return {"rsvps": rows_json(answers), "organised": rows_json(organised)}

    async def erase(self, tx: AsyncConnection, member_id: int, anonymous_id: int) -> None:
        # An answer to an event that has started is attendance, a count the community keeps: it moves to the
        # anonymous member. An answer to an event still ahead goes: nobody could remind them or change it, and
        # the place is free again. (The anonymous member is made at the moment of erasing: that is "now".)
        r = event_rsvps.c
        now = (await tx.execute(sa.select(members.c.created_at).where(members.c.id == anonymous_id))).scalar_one()
        started = sa.select(events.c.id).where(events.c.starts_at <= now).scalar_subquery()
        held = sa.update(event_rsvps).where(r.member_id == member_id, r.event_id.in_(started))
        await tx.execute(held.values(member_id=anonymous_id))
        await tx.execute(sa.delete(event_rsvps).where(r.member_id == member_id))
        await reassign(tx, events.c.organizer_id, anonymous_id, member_id)  # the community's events stay
