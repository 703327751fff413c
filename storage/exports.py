"""Managers' CSV exports (members, daily activity, events and RSVPs, polls, survey answers, infractions).
Each streams its rows in chunks from a server-side cursor, so an export of millions of rows runs in
bounded memory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.tables.analytics import activity_daily
from storage.tables.events import event_rsvps, events
from storage.tables.members import community_members, member_identities, members
from storage.tables.moderation import mod_infractions
from storage.tables.polls import poll_answers, poll_votes, polls, survey_answers, surveys

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


class PollsExport:
    """Every poll with each answer's count: one row per answer (final counts once closed, else the latest)."""

    name = "polls"

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @property
    def header(self) -> Sequence[str]:
        return ("poll", "question", "platform", "anonymous", "multiple", "status", "created_at", "closed_at",
                "answer", "votes")  # fmt: skip

    async def rows(self, community_id: int, with_names: bool) -> AsyncIterator[Sequence[Sequence[Any]]]:
        p, a, v = polls.c, poll_answers.c, poll_votes.c
        counted = sa.select(sa.func.count()).where(v.poll_id == a.poll_id, v.position == a.position).scalar_subquery()
        votes = sa.func.coalesce(a.final_count, a.platform_count, counted)
        query = (
            sa.select(
                p.id,
                p.question,
                p.platform,
                p.anonymous,
                p.multiple,
                p.status,
                p.created_at,
                p.closed_at,
                a.text,
                votes,
            )  # fmt: skip
            .join(poll_answers, a.poll_id == p.id)
            .where(p.community_id == community_id)
            .order_by(p.id, a.position)
        )
        async for chunk in stream(self.engine, query):
            yield [
                (i, q, pl, bool(an), bool(mu), st, _iso(c), _iso(cl), t, n)
                for i, q, pl, an, mu, st, c, cl, t, n in chunk
            ]


class SurveyAnswersExport:
    """Survey answers without names (managers never see who answered): score, comment, when."""

    name = "survey_answers"

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @property
    def header(self) -> Sequence[str]:
        return ("survey", "kind", "question", "score", "comment", "answered_at")

    async def rows(self, community_id: int, with_names: bool) -> AsyncIterator[Sequence[Sequence[Any]]]:
        s, a = surveys.c, survey_answers.c
        query = (
            sa.select(s.id, s.kind, s.question, a.score, a.comment, a.answered_at)
            .join(survey_answers, a.survey_id == s.id)
            .where(s.community_id == community_id)
            .order_by(s.id, a.answered_at)
        )
        async for chunk in stream(self.engine, query):
            yield [(i, k, q, sc, c or "", _iso(t)) for i, k, q, sc, c, t in chunk]


class InfractionsExport:
    """Moderation history: who, by whom (pseudonymous unless names are asked for), what, why, state."""

    name = "infractions"

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @property
    def header(self) -> Sequence[str]:
        return ("infraction", "member", "moderator", "kind", "reason", "created_at", "until", "state", "source",
                "platform")  # fmt: skip

    async def rows(self, community_id: int, with_names: bool) -> AsyncIterator[Sequence[Sequence[Any]]]:
        i = mod_infractions.c
        member, moderator = members.alias("member"), members.alias("moderator")
        query = (
            sa.select(
                i.id,
                i.member_id,
                member.c.display_name,
                i.moderator_id,
                moderator.c.display_name,
                i.kind,
                i.reason,
                i.created_at,
                i.until,
                i.state,
                i.source,
                i.platform,
            )  # fmt: skip
            .outerjoin(member, member.c.id == i.member_id)
            .outerjoin(moderator, moderator.c.id == i.moderator_id)
            .where(i.community_id == community_id)
            .order_by(i.created_at, i.id)
        )

        def who(member_id: int | None, name: str | None) -> str:
            if member_id is None:
                return "automod"
            return (name or pseudonym(member_id)) if with_names else pseudonym(member_id)

        async for chunk in stream(self.engine, query):
            yield [
                (r[0], who(r[1], r[2]), who(r[3], r[4]), r[5], r[6], _iso(r[7]), _iso(r[8]), r[9], r[10], r[11])
                for r in chunk
            ]
