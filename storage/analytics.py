"""ActivityRepo: raw activity rows plus rollups, one transaction per flush."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from cogs.analytics.models import COUNTERS, ActivityRow, MemberDay, RollupDelta, RollupKey
from storage.db import bulk_write
from storage.tables import activity_daily, activity_events, activity_weekly, community_members, membership_events



EVENT_COLUMNS = ("community_id", "member_id", "platform", "channel_id", "kind", "at", "reply_to_member_id",
                 "mentioned", "is_question", "length_bucket")  # fmt: skip


def _rollup_rows(deltas: dict[RollupKey, RollupDelta]) -> list[tuple[object, ...]]:
    return [(*key, *counts) for key, counts in deltas.items()]


class SqlActivityRepo:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def write_batch(
        self,
        rows: Sequence[ActivityRow],
        daily: dict[RollupKey, RollupDelta],
        weekly: dict[RollupKey, RollupDelta],
    ) -> None:
        # ActivityRow is already a tuple in EVENT_COLUMNS order; only the mention list needs encoding.
        raw = [r if r.mentioned is None else r._replace(mentioned=json.dumps(r.mentioned)) for r in rows]
        async with self.engine.begin() as conn:
            await bulk_write(conn, activity_events, EVENT_COLUMNS, raw)
            for table, period, deltas in ((activity_daily, "day", daily), (activity_weekly, "week", weekly)):
                columns = ("community_id", "member_id", period, "platform", *COUNTERS)
                await bulk_write(conn, table, columns, _rollup_rows(deltas), columns[:4], COUNTERS)

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
            counts = dict((await conn.execute(query)).all())
        return int(counts.get("join", 0)), int(counts.get("leave", 0))

    async def purge_raw_before(self, cutoff: datetime) -> int:
        async with self.engine.begin() as conn:
            result = await conn.execute(sa.delete(activity_events).where(activity_events.c.at < cutoff))
            return int(result.rowcount or 0)
