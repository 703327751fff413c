"""Managers' CSV exports for the core tables (members, daily activity, events and RSVPs). Each streams its
rows in chunks from a server-side cursor, so an export of millions of rows runs in bounded memory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.tables.analytics import activity_daily
from storage.tables.events import event_rsvps, events
from storage.tables.members import community_members, member_identities, members

CHUNK = 5000


def pseudonym(member_id: int | None) -> str:
    return "" if member_id is None else f"member-{member_id}"


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


async def stream(engine: AsyncEngine, query: sa.Select[Any]) -> AsyncIterator[list[Any]]:
    async with engine.connect() as conn:
        result = await conn.stream(query.execution_options(yield_per=CHUNK))
        async for partition in result.partitions(CHUNK):
            yield list(partition)


class MembersExport:
    name = "members"

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @property
    def header(self) -> Sequence[str]:
        return ("member", "name", "platforms", "first_seen_at", "joined_at", "left_at")

    async def rows(self, community_id: int, with_names: bool) -> AsyncIterator[Sequence[Sequence[Any]]]:
        c, i = community_members.c, member_identities.c

        def on(platform: str) -> Any:
            return sa.exists().where(i.member_id == c.member_id, i.platform == platform)

        query = (
            sa.select(
                c.member_id,
                members.c.display_name,
                on("discord"),
                on("telegram"),
                c.first_seen_at,
                c.joined_at,
                c.left_at,
            )  # fmt: skip
            .join(members, members.c.id == c.member_id)
            .where(c.community_id == community_id)
            .order_by(c.member_id)
        )
        async for chunk in stream(self.engine, query):
            yield [
                (
                    pseudonym(r[0]),
                    (r[1] or "") if with_names else "",
                    " ".join(p for p, has in (("discord", r[2]), ("telegram", r[3])) if has),
                    _iso(r[4]),
                    _iso(r[5]),
                    _iso(r[6]),
                )
                for r in chunk
            ]


class ActivityExport:
    name = "activity_daily"

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @property
    def header(self) -> Sequence[str]:
        return ("day", "member", "platform", "messages", "replies", "questions", "mentions", "reactions",
                "replies_received")  # fmt: skip

    async def rows(self, community_id: int, with_names: bool) -> AsyncIterator[Sequence[Sequence[Any]]]:
        d = activity_daily.c
        query = (
            sa.select(
                d.day,
                d.member_id,
                d.platform,
                d.messages,
                d.replies,
                d.questions,
                d.mentions,
                d.reactions,
                d.replies_received,
            )  # fmt: skip
            .where(d.community_id == community_id)
            .order_by(d.day, d.member_id, d.platform)
        )
        async for chunk in stream(self.engine, query):
            yield [(_iso(r[0]), pseudonym(r[1]), *r[2:]) for r in chunk]


class EventsExport:
    name = "events"

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @property
    def header(self) -> Sequence[str]:
        return ("event", "title", "starts_at", "duration_minutes", "status", "capacity", "going", "maybe",
                "not_going", "waitlist", "organizer")  # fmt: skip

    async def rows(self, community_id: int, with_names: bool) -> AsyncIterator[Sequence[Sequence[Any]]]:
        e, r = events.c, event_rsvps.c

        def count(status: str) -> Any:
            return sa.func.sum(sa.case((r.status == status, 1), else_=0))

        query = (
            sa.select(
                e.id,
                e.title,
                e.starts_at,
                e.duration_minutes,
                e.status,
                e.capacity,
                count("going"),
                count("maybe"),
                count("not_going"),
                count("waitlist"),
                e.organizer_id,
            )  # fmt: skip
            .outerjoin(event_rsvps, r.event_id == e.id)
            .where(e.community_id == community_id)
            .group_by(e.id)
            .order_by(e.starts_at)
        )
        async for chunk in stream(self.engine, query):
            yield [(r0, t, _iso(s), d, st, cap, g or 0, m or 0, n or 0, w or 0, pseudonym(o))
                   for r0, t, s, d, st, cap, g, m, n, w, o in chunk]  # fmt: skip


class RsvpExport:
    name = "event_rsvps"

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @property
    def header(self) -> Sequence[str]:
        return ("event", "member", "status", "updated_at")

    async def rows(self, community_id: int, with_names: bool) -> AsyncIterator[Sequence[Sequence[Any]]]:
        e, r = events.c, event_rsvps.c
        query = (
            sa.select(r.event_id, r.member_id, r.status, r.updated_at)
            .join(events, e.id == r.event_id)
            .where(e.community_id == community_id)
            .order_by(r.event_id, r.updated_at)
        )
        async for chunk in stream(self.engine, query):
            yield [(ev, pseudonym(m), st, _iso(u)) for ev, m, st, u in chunk]
