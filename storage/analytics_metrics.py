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
from storage.analytics_refresh import compute_regulars
from storage.tables import (
    activity_channel_weekly,
    activity_cohort_weekly,
    activity_community_weekly,
    activity_member_weekly,
    activity_newcomers,
    activity_questions,
    activity_regular_weeks,
    activity_regulars,
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
            c.week, c.platform, c.active_members, c.active_days, c.messages, c.replies, c.reactions, c.joins, c.leaves
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
        self, community_id: int, first_week: date, last_week: date
    ) -> dict[tuple[date, date], tuple[int, int]]:
        c = activity_cohort_weekly.c
        query = sa.select(c.cohort_week, c.week, c.active, c.joined).where(
            c.community_id == community_id, c.cohort_week >= first_week, c.cohort_week <= last_week
        )
        async with self.engine.connect() as conn:
            return {(cw, w): (int(a), int(j)) for cw, w, a, j in await conn.execute(query)}

    async def habits(self, community_id: int, week: date) -> list[Habit]:
        r, done = activity_regulars.c, activity_regular_weeks.c
        async with self.engine.connect() as conn:
            computed = (
                await conn.execute(sa.select(done.week).where(done.community_id == community_id, done.week == week))
            ).first()
        if computed is None:  # no activity that week yet when the week tables were refreshed: compute now
            async with self.engine.begin() as conn:
                await compute_regulars(conn, community_id, week)
        current = sa.func.coalesce(_m.active_days, 0)
        last = sa.case((_m.last_day.is_(None), r.last_day), else_=_m.last_day)
        query = (
            sa.select(r.member_id, r.baseline_days, current, last)
            .select_from(activity_regulars)
            .outerjoin(
                activity_member_weekly,
                (_m.community_id == r.community_id) & (_m.week == r.week) & (_m.member_id == r.member_id),
            )
            .where(r.community_id == community_id, r.week == week)
        )
        async with self.engine.connect() as conn:
            return [Habit(int(m), int(b), int(c), d) for m, b, c, d in await conn.execute(query)]

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
        n = activity_newcomers.c
        query = sa.select(sa.func.count(), sa.func.count(n.connected_at)).where(
            n.community_id == community_id, n.joined_at >= start, n.joined_at < end
        )
        async with self.engine.connect() as conn:
            newcomers, connected = (await conn.execute(query)).one()
        return int(newcomers), int(connected)

    async def newcomers(self, community_id: int, start: datetime, end: datetime) -> tuple[int, list[int]]:
        n = activity_newcomers.c
        query = sa.select(n.member_id, n.first_post_at.is_not(None)).where(
            n.community_id == community_id, n.joined_at >= start, n.joined_at < end, n.left_at.is_(None)
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query.order_by(n.joined_at, n.member_id))).all()
        return len(rows), [int(m) for m, posted in rows if not posted]

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
