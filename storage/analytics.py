"""ActivityRepo: raw activity rows plus rollups, one transaction per flush.

Rollups are aggregated inside the database from the rows just inserted (an id range, made safe by
`exclusive_batch`): SQL's GROUP BY runs in C without the GIL, which is what lets ingestion keep up
with tens of thousands of events a second on SQLite."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from cogs.analytics.models import COUNTERS, ActivityRow, MemberDay, RawRow
from storage.db import bulk_write, day_of, exclusive_batch, replace_upsert, upsert, week_of
from storage.member_data import reassign, rows_json, sum_into
from storage.tables import (
    activity_daily,
    activity_events,
    activity_weekly,
    community_members,
    membership_events,
)

EVENT_COLUMNS = tuple(ActivityRow._fields)
WEEKLY_EVERY = 60.0  # seconds between week-rollup refreshes while ingesting
_s = activity_events.c


def _count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.sum(sa.case((condition, 1), else_=0))


async def _add_day_rollups(conn: AsyncConnection, after_id: int) -> None:
    dialect, table, period = conn.dialect.name, activity_daily, "day"
    when = day_of(_s.at, dialect).label(period)
    is_message = _s.kind == "message"
    replied = is_message & _s.reply_to_member_id.is_not(None) & (_s.reply_to_member_id != _s.member_id)
    keys = ["community_id", "member_id", period, "platform"]
    own = (
        sa.select(
            _s.community_id,
            _s.member_id,
            when,
            _s.platform,
            _count(is_message),
            _count(replied),
            _count(is_message & (_s.is_question == sa.true())),
            sa.func.sum(_s.mention_count),
            _count(_s.kind == "reaction"),
            sa.literal(0),
        )
        .where(_s.id > after_id)  # (a WHERE also keeps SQLite's INSERT … SELECT … ON CONFLICT unambiguous)
        .group_by(_s.community_id, _s.member_id, when, _s.platform)
    )
    received = (
        sa.select(
            _s.community_id,
            _s.reply_to_member_id,
            when,
            _s.platform,
            sa.literal(0),
            sa.literal(0),
            sa.literal(0),
            sa.literal(0),
            sa.literal(0),
            sa.func.count(),
        )
        .where(replied & (_s.id > after_id))
        .group_by(_s.community_id, _s.reply_to_member_id, when, _s.platform)
    )
    for select in (own, received):
        stmt = upsert(dialect, table, [], keys, COUNTERS, from_select=([*keys, *COUNTERS], select))
        await conn.execute(stmt)


class SqlActivityRepo:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._weeks_dirty_from: date | None = None
        self._weekly_refreshed: float | None = None

    async def write_batch(self, rows: Sequence[RawRow]) -> None:
        if not rows:
            return
        first_day = min(r[5] for r in rows).astimezone(UTC).date()  # ActivityRow.at; rollup days are UTC days
        async with self.engine.begin() as conn:
            await exclusive_batch(conn, activity_events)  # nobody else inserts until we commit
            after_id = (await conn.execute(sa.select(sa.func.coalesce(sa.func.max(_s.id), 0)))).scalar_one()
            await bulk_write(conn, activity_events, EVENT_COLUMNS, rows)
            await _add_day_rollups(conn, after_id)
        self._weeks_dirty_from = min(first_day, self._weeks_dirty_from or first_day)
        if self._weekly_refreshed is None or time.monotonic() - self._weekly_refreshed >= WEEKLY_EVERY:
            await self.refresh_weekly()

    async def refresh_weekly(self) -> None:
        """Week rollups are the sums of day rollups: recomputed for the weeks touched since the last
        refresh (at most every WEEKLY_EVERY seconds, and before any read) instead of upserted per event —
        that halves the per-event write cost."""
        start = self._weeks_dirty_from
        self._weekly_refreshed = time.monotonic()
        if start is None:
            return
        self._weeks_dirty_from = None
        monday = start - timedelta(days=start.weekday())
        d = activity_daily.c
        async with self.engine.begin() as conn:
            week = week_of(d.day, conn.dialect.name).label("week")
            keys = ["community_id", "member_id", "week", "platform"]
            select = (
                sa.select(d.community_id, d.member_id, week, d.platform, *(sa.func.sum(d[c]) for c in COUNTERS))
                .where(d.day >= monday)
                .group_by(d.community_id, d.member_id, week, d.platform)
            )
            await conn.execute(replace_upsert(conn.dialect.name, activity_weekly, keys, COUNTERS, select))

    async def record_membership(
        self, community_id: int, member_id: int, platform: str, joined: bool, at: datetime
    ) -> bool:
        async with self.engine.begin() as conn:
            before = (
                await conn.execute(
                    sa.select(sa.func.count())
                    .select_from(membership_events)
                    .where(
                        membership_events.c.community_id == community_id,
                        membership_events.c.member_id == member_id,
                        membership_events.c.kind == "join",
                    )
                )
            ).scalar_one()
            await conn.execute(
                sa.insert(membership_events).values(
                    community_id=community_id,
                    member_id=member_id,
                    platform=platform,
                    kind="join" if joined else "leave",
                    at=at,
                )
            )
            where = (community_members.c.community_id == community_id) & (community_members.c.member_id == member_id)
            values = {"joined_at": at, "left_at": None} if joined else {"left_at": at}
            await conn.execute(sa.update(community_members).where(where).values(**values))
        return joined and before > 0

    async def weekly(self, community_id: int) -> list[MemberDay]:
        """Week rollups (`day` holds the Monday), fresh: pending day rollups are summed in first."""
        await self.refresh_weekly()
        w = activity_weekly.c
        async with self.engine.connect() as conn:
            rows = await conn.execute(sa.select(activity_weekly).where(w.community_id == community_id).order_by(w.week))
            return [
                MemberDay(r.community_id, r.member_id, r.week, r.platform, *(getattr(r, n) for n in COUNTERS))
                for r in rows
            ]

    async def daily(self, community_id: int, since: date | None = None) -> list[MemberDay]:
        query = sa.select(activity_daily).where(activity_daily.c.community_id == community_id)
        if since is not None:
            query = query.where(activity_daily.c.day >= since)
        async with self.engine.connect() as conn:
            rows = await conn.execute(query.order_by(activity_daily.c.day, activity_daily.c.member_id))
            return [
                MemberDay(r.community_id, r.member_id, r.day, r.platform, *(getattr(r, n) for n in COUNTERS))
                for r in rows
            ]

    async def membership_counts(self, community_id: int, since: datetime) -> tuple[int, int]:
        query = (
            sa.select(membership_events.c.kind, sa.func.count())
            .where(membership_events.c.community_id == community_id, membership_events.c.at >= since)
            .group_by(membership_events.c.kind)
        )
        async with self.engine.connect() as conn:
            counts: dict[str, int] = {kind: n for kind, n in (await conn.execute(query)).all()}
        return int(counts.get("join", 0)), int(counts.get("leave", 0))

    async def purge_raw_before(self, cutoff: datetime, batch: int = 10_000) -> int:
        """Delete raw rows older than `cutoff`, a batch per transaction so ingestion is never held up long;
        the rollups stay."""
        deleted = 0
        while True:
            oldest = sa.select(_s.id).where(_s.at < cutoff).order_by(_s.id).limit(batch).scalar_subquery()
            async with self.engine.begin() as conn:
                result = await conn.execute(sa.delete(activity_events).where(_s.id.in_(oldest)))
            count = int(result.rowcount or 0)
            deleted += count
            if count < batch:
                return deleted


class ActivityData:
    """Member-data part for activity: raw rows, day/week rollups and joins/leaves. Merging and erasing
    both move counts (to the kept member, or to an anonymous one), so totals never change."""

    feature = "activity"
    columns = (
        "activity_events.member_id",
        "activity_events.reply_to_member_id",
        "activity_daily.member_id",
        "activity_weekly.member_id",
        "membership_events.member_id",
    )

    async def merge(self, tx: AsyncConnection, keep_id: int, drop_id: int) -> None:
        await reassign(tx, _s.member_id, keep_id, drop_id)
        await reassign(tx, _s.reply_to_member_id, keep_id, drop_id)
        await reassign(tx, membership_events.c.member_id, keep_id, drop_id)
        for table, period in ((activity_daily, "day"), (activity_weekly, "week")):
            keys = ["community_id", "member_id", period, "platform"]
            await sum_into(tx, table.c.member_id, keep_id, drop_id, keys, COUNTERS)

    async def export(self, tx: AsyncConnection, member_id: int) -> dict[str, Any]:
        d = activity_daily.c
        days = (await tx.execute(sa.select(activity_daily).where(d.member_id == member_id).order_by(d.day))).all()
        joins = (
            await tx.execute(
                sa.select(membership_events)
                .where(membership_events.c.member_id == member_id)
                .order_by(membership_events.c.at)
            )
        ).all()
        raw = (await tx.execute(sa.select(sa.func.count()).where(_s.member_id == member_id))).scalar_one()
        return {
            "daily_activity": rows_json(days, skip=("member_id",)),
            "joins_and_leaves": rows_json(joins, skip=("member_id", "id")),
            "raw_activity_rows": int(raw),
        }

    async def erase(self, tx: AsyncConnection, member_id: int, anonymous_id: int) -> None:
        await self.merge(tx, anonymous_id, member_id)
