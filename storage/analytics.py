"""ActivityRepo: raw activity rows plus rollups, one transaction per flush.

Rollups are aggregated inside the database from a per-connection staging table: SQL's GROUP BY runs
in C without the GIL, which is what lets ingestion keep up with ≥ 50k events/s on SQLite."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from cogs.analytics.models import COUNTERS, ActivityRow, MemberDay
from storage.db import bulk_write, day_of, ensure_temp_table, upsert, week_of
from storage.tables import (
    activity_daily,
    activity_events,
    activity_stage,
    activity_weekly,
    community_members,
    membership_events,
)

EVENT_COLUMNS = tuple(ActivityRow._fields)
_s = activity_stage.c


def _count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.sum(sa.case((condition, 1), else_=0))


async def _add_rollups(conn: AsyncConnection, table: sa.Table, period: str) -> None:
    dialect = conn.dialect.name
    when = (day_of if period == "day" else week_of)(_s.at, dialect).label(period)
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
        .where(sa.true())  # SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT
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
        .where(replied)
        .group_by(_s.community_id, _s.reply_to_member_id, when, _s.platform)
    )
    for select in (own, received):
        stmt = upsert(dialect, table, [], keys, COUNTERS, from_select=([*keys, *COUNTERS], select))
        await conn.execute(stmt)


class SqlActivityRepo:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def write_batch(self, rows: Sequence[ActivityRow]) -> None:
        if not rows:
            return
        async with self.engine.begin() as conn:
            await ensure_temp_table(conn, activity_stage)
            await bulk_write(conn, activity_stage, EVENT_COLUMNS, rows)
            await _add_rollups(conn, activity_daily, "day")
            await _add_rollups(conn, activity_weekly, "week")
            columns = [activity_events.c[name] for name in EVENT_COLUMNS]
            await conn.execute(
                sa.insert(activity_events).from_select(columns, sa.select(*(_s[name] for name in EVENT_COLUMNS)))
            )
            await conn.execute(sa.delete(activity_stage))

    async def record_membership(
        self, community_id: int, member_id: int, platform: str, joined: bool, at: datetime
    ) -> None:
        async with self.engine.begin() as conn:
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

    async def purge_raw_before(self, cutoff: datetime) -> int:
        async with self.engine.begin() as conn:
            result = await conn.execute(sa.delete(activity_events).where(activity_events.c.at < cutoff))
            return int(result.rowcount or 0)
