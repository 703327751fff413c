"""MetricsRepo on SQLAlchemy Core: every engagement metric is one aggregate query over the week tables
(storage/analytics_refresh.py keeps them), filtered by community and week through their primary keys, so a
digest reads the weeks it reports on — never the raw history. Portable to PostgreSQL: no date arithmetic in SQL
(bounds are computed in Python), no dialect functions."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from cogs.analytics.metrics.models import (
    PLATFORM_ALL,
    AdvocateRow,
    ChannelRow,
    CommunityWeekRow,
    Habit,
    PersonRow,
    QuestionCounts,
    TieCounts,
    UnansweredRow,
)
from cogs.analytics.ports import ActivityRepo
from storage.tables import (
    activity_channel_weekly,
    activity_community_weekly,
    activity_member_weekly,
    activity_newcomer_ties,
    activity_questions,
    community_members,
    community_staff,
    member_identities,
    member_settings,
    members,
    membership_events,
)

_m = activity_member_weekly.c
_q = activity_questions.c
_me = membership_events.c


def _sum_if(condition: sa.ColumnElement[bool], value: sa.ColumnElement[int] | int = 1) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, value), else_=0)), 0)


def _bucket(column: sa.ColumnElement[datetime], bounds: Sequence[datetime]) -> sa.ColumnElement[int]:
    """Index i of the [bounds[i], bounds[i+1]) a time falls in (callers filter to bounds[0]…bounds[-1])."""
    return sa.case(*((column < bound, i) for i, bound in enumerate(bounds[1:-1])), else_=len(bounds) - 2)


class SqlMetricsRepo:
    def __init__(self, engine: AsyncEngine, activity: ActivityRepo) -> None:
        self.engine = engine
        self.activity = activity

    async def refresh(self) -> None:
        await self.activity.refresh()

    async def community_weeks(self, community_id: int, first: date, last: date) -> list[CommunityWeekRow]:
        c = activity_community_weekly.c
        query = sa.select(
            c.week, c.platform, c.active_members, c.active_days, c.messages, c.replies, c.reactions
        ).where(c.community_id == community_id, c.week >= first, c.week <= last)
        async with self.engine.connect() as conn:
            return [CommunityWeekRow(*r) for r in await conn.execute(query)]

    async def distinct_active(self, community_id: int, first: date, last: date) -> int:
        query = sa.select(sa.func.count(sa.distinct(_m.member_id))).where(
            _m.community_id == community_id, _m.week >= first, _m.week <= last
        )
        async with self.engine.connect() as conn:
            return int((await conn.execute(query)).scalar_one())

    async def membership_buckets(self, community_id: int, bounds: Sequence[datetime]) -> list[tuple[int, int]]:
        bucket = _bucket(_me.at, bounds).label("bucket")
        query = (
            sa.select(bucket, _sum_if(_me.kind == "join"), _sum_if(_me.kind == "leave"))
            .where(_me.community_id == community_id, _me.at >= bounds[0], _me.at < bounds[-1])
            .group_by(bucket)
        )
        out = [(0, 0)] * (len(bounds) - 1)
        async with self.engine.connect() as conn:
            for index, joins, leaves in await conn.execute(query):
                out[int(index)] = (int(joins), int(leaves))
        return out

    async def cohorts(
        self, community_id: int, bounds: Sequence[datetime], first_week: date, last_week: date
    ) -> tuple[list[int], dict[tuple[int, date], int]]:
        joined = (
            sa.select(_me.member_id, sa.func.max(_me.at).label("at"))
            .where(
                _me.community_id == community_id,
                _me.kind == "join",
                _me.at >= bounds[0],
                _me.at < bounds[-1],
            )
            .group_by(_me.member_id)
            .subquery()
        )
        bucket = _bucket(joined.c.at, bounds).label("bucket")
        sizes_query = sa.select(bucket, sa.func.count()).group_by(bucket)
        active_query = (
            sa.select(bucket, _m.week, sa.func.count())
            .select_from(joined)
            .join(
                activity_member_weekly,
                (_m.community_id == community_id)
                & (_m.member_id == joined.c.member_id)
                & (_m.week >= first_week)
                & (_m.week <= last_week),
            )
            .group_by(bucket, _m.week)
        )
        sizes = [0] * (len(bounds) - 1)
        active: dict[tuple[int, date], int] = {}
        async with self.engine.connect() as conn:
            for index, count in await conn.execute(sizes_query):
                sizes[int(index)] = int(count)
            for index, week, count in await conn.execute(active_query):
                active[(int(index), week)] = int(count)
        return sizes, active

    async def habits(self, community_id: int, baseline_first: date, week: date, min_days: int) -> list[Habit]:
        base = sa.func.sum(sa.case((_m.week < week, _m.active_days), else_=0))
        current = sa.func.sum(sa.case((_m.week == week, _m.active_days), else_=0))
        query = (
            sa.select(_m.member_id, base, current, sa.func.max(_m.last_day))
            .where(_m.community_id == community_id, _m.week >= baseline_first, _m.week <= week)
            .group_by(_m.member_id)
            .having(base >= min_days)
        )
        async with self.engine.connect() as conn:
            return [Habit(int(m), int(b), int(c), last) for m, b, c, last in await conn.execute(query)]

    async def channels(self, community_id: int, weeks: Sequence[date]) -> list[ChannelRow]:
        c = activity_channel_weekly.c
        query = sa.select(c.week, c.platform, c.channel_id, c.messages, c.questions).where(
            c.community_id == community_id, c.week.in_(list(weeks))
        )
        async with self.engine.connect() as conn:
            return [ChannelRow(*r) for r in await conn.execute(query)]

    async def question_counts(self, community_id: int, start: datetime, end: datetime, now: datetime) -> QuestionCounts:
        in_week = (_q.community_id == community_id) & (_q.at >= start) & (_q.at < end)
        counts = sa.select(
            sa.func.count(),
            _sum_if(_q.replied_at.is_not(None)),
            _sum_if(_q.replied_at.is_(None) & (_q.deadline <= now)),
            _sum_if(_q.replied_at.is_(None) & (_q.deadline > now)),
        ).where(in_week)
        async with self.engine.connect() as conn:
            total, answered, unanswered, still_open = (await conn.execute(counts)).one()
            median = None
            if answered:
                median = (
                    await conn.execute(
                        sa.select(_q.response_seconds)
                        .where(in_week & _q.response_seconds.is_not(None))
                        .order_by(_q.response_seconds)
                        .limit(1)
                        .offset((int(answered) - 1) // 2)
                    )
                ).scalar()
        return QuestionCounts(int(total), int(answered), int(unanswered), int(still_open), median)

    async def unanswered(
        self, community_id: int, start: datetime, end: datetime, now: datetime, limit: int
    ) -> tuple[list[UnansweredRow], list[tuple[str, str, int]]]:
        where = (
            (_q.community_id == community_id)
            & (_q.at >= start)
            & (_q.at < end)
            & _q.replied_at.is_(None)
            & (_q.deadline <= now)
        )
        latest = (
            sa.select(_q.member_id, _q.platform, _q.channel_id, _q.message_id, _q.at)
            .where(where)
            .order_by(_q.at.desc())
            .limit(limit)
        )
        per_channel = (
            sa.select(_q.platform, _q.channel_id, sa.func.count().label("n"))
            .where(where)
            .group_by(_q.platform, _q.channel_id)
            .order_by(sa.desc("n"), _q.channel_id)
            .limit(5)
        )
        async with self.engine.connect() as conn:
            rows = [UnansweredRow(*r) for r in await conn.execute(latest)]
            channels = [(p, ch, int(n)) for p, ch, n in await conn.execute(per_channel)]
        return rows, channels

    async def ties(self, community_id: int, week: date) -> TieCounts:
        c = activity_community_weekly.c
        query = sa.select(c.replies, c.member_replies, c.reciprocated).where(
            c.community_id == community_id, c.week == week, c.platform == PLATFORM_ALL
        )
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return TieCounts(*(int(v) for v in row)) if row else TieCounts(0, 0, 0)

    async def newcomer_connections(self, community_id: int, start: datetime, end: datetime) -> tuple[int, int]:
        nt = activity_newcomer_ties.c
        joined = (
            sa.select(_me.member_id)
            .where(_me.community_id == community_id, _me.kind == "join", _me.at >= start, _me.at < end)
            .distinct()
            .subquery()
        )
        both_ways = sa.case((nt.first_out_at.is_(None) | nt.first_in_at.is_(None), 0), else_=1)
        connected = sa.exists().where(  # (both_ways is not an indexable condition: the primary key is used)
            nt.community_id == community_id, nt.member_id == joined.c.member_id, both_ways == 1
        )
        query = sa.select(sa.func.count(), _sum_if(connected)).select_from(joined)
        async with self.engine.connect() as conn:
            newcomers, linked = (await conn.execute(query)).one()
        return int(newcomers), int(linked or 0)

    async def newcomers(self, community_id: int, start: datetime, end: datetime) -> tuple[int, list[int]]:
        cm = community_members.c
        since_week = date.fromordinal(start.date().toordinal() - start.date().weekday())
        posted = sa.exists().where(
            _m.community_id == community_id,
            _m.member_id == _me.member_id,
            _m.week >= since_week,
            _m.messages > 0,
        )
        query = (
            sa.select(_me.member_id, posted)
            .join(community_members, (cm.community_id == _me.community_id) & (cm.member_id == _me.member_id))
            .where(
                _me.community_id == community_id,
                _me.kind == "join",
                _me.at >= start,
                _me.at < end,
                cm.left_at.is_(None),
            )
            .distinct()
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return len(rows), [int(m) for m, has_posted in rows if not has_posted]

    async def advocates(self, community_id: int, week: date, limit: int) -> list[AdvocateRow]:
        score = 3 * _m.answers + 2 * _m.newcomers_helped + _m.people_replied + _m.reactions_received / 2.0
        query = (
            sa.select(_m.member_id, _m.answers, _m.newcomers_helped, _m.people_replied, _m.reactions_received)
            .where(_m.community_id == community_id, _m.week == week)
            .where((_m.answers > 0) | (_m.newcomers_helped > 0) | (_m.people_replied > 0))
            .order_by(score.desc(), _m.member_id)
            .limit(limit)
        )
        async with self.engine.connect() as conn:
            return [AdvocateRow(int(m), int(x), int(y), int(p), int(r)) for m, x, y, p, r in await conn.execute(query)]

    async def staff(self, community_id: int, since: datetime) -> set[int]:
        st = community_staff.c
        query = sa.select(st.member_id).where(st.community_id == community_id, st.last_seen_at >= since)
        async with self.engine.connect() as conn:
            return {int(m) for m in (await conn.execute(query)).scalars()}

    async def people(self, member_ids: Collection[int], community_id: int) -> dict[int, PersonRow]:
        ids = sorted(set(member_ids))
        if not ids:
            return {}
        cm, i, s = community_members.c, member_identities.c, member_settings.c
        out: dict[int, PersonRow] = {}
        async with self.engine.connect() as conn:
            for chunk in (ids[k : k + 500] for k in range(0, len(ids), 500)):
                rows = await conn.execute(
                    sa.select(members.c.id, members.c.display_name, s.analytics_opt_out, cm.left_at)
                    .outerjoin(member_settings, s.member_id == members.c.id)
                    .outerjoin(community_members, (cm.member_id == members.c.id) & (cm.community_id == community_id))
                    .where(members.c.id.in_(chunk))
                )
                for member_id, name, opted_out, left_at in rows:
                    out[member_id] = PersonRow(member_id, name, (), bool(opted_out), left_at is not None)
                idents = await conn.execute(
                    sa.select(i.member_id, i.platform, i.user_id)
                    .where(i.member_id.in_(chunk))
                    .order_by(i.member_id, i.platform)
                )
                for member_id, platform, user_id in idents:
                    row = out.get(member_id)
                    if row is not None:
                        out[member_id] = PersonRow(
                            row.member_id, row.name, (*row.identities, (platform, user_id)), row.opted_out, row.left
                        )
        return out

    async def opted_out_count(self, community_id: int) -> int:
        cm, s = community_members.c, member_settings.c
        query = (
            sa.select(sa.func.count())
            .select_from(community_members)
            .join(member_settings, s.member_id == cm.member_id)
            .where(cm.community_id == community_id, s.analytics_opt_out == sa.true())
        )
        async with self.engine.connect() as conn:
            return int((await conn.execute(query)).scalar_one())


__all__ = ["PLATFORM_ALL", "SqlMetricsRepo"]
