"""ActivityRepo: raw activity rows plus rollups, one transaction per flush.

Rollups are aggregated inside the database from the rows just inserted (an id range, made safe by
`exclusive_batch`): SQL's GROUP BY runs in C without the GIL, which is what lets ingestion keep up
with tens of thousands of events a second on SQLite."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.core.permissions import Role
from cogs.analytics.models import COUNTERS, ActivityRow, MemberDay, RawRow
from storage.analytics_refresh import CHUNK, derived_cursor, fold_raw, refresh_week_rollups, refresh_weeks
from storage.db import bulk_write, day_of, exclusive_batch, insert_for, upsert
from storage.member_data import reassign, rows_json, sum_into
from storage.tables import (
    activity_community_weekly,
    activity_daily,
    activity_dirty_weeks,
    activity_events,
    activity_member_weekly,
    activity_newcomer_ties,
    activity_newcomers,
    activity_questions,
    activity_regulars,
    activity_ties_weekly,
    activity_weekly,
    communities,
    community_members,
    community_staff,
    membership_events,
)

EVENT_COLUMNS = tuple(ActivityRow._fields)
WEEKLY_EVERY = 60.0  # seconds between refreshes of the week tables while ingesting
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
            _count(_s.kind.not_in(("message", "reaction"))),
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
            sa.literal(0),
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
        self._weeks_dirty_from: date | None = None  # week rollups to resum (on the ingestion path)
        self._tables_dirty_from: date | None = None  # the digest's week tables to recompute (refresh)
        self._weekly_refreshed: float | None = None
        self._started = False  # the first refresh also catches up what a previous run left unrefreshed
        self._refresh_lock = asyncio.Lock()

    def _touched(self, day: date) -> None:
        self._weeks_dirty_from = min(day, self._weeks_dirty_from or day)
        self._tables_dirty_from = min(day, self._tables_dirty_from or day)

    async def write_batch(self, rows: Sequence[RawRow]) -> None:
        if not rows:
            return
        first_day = min(r[5] for r in rows).astimezone(UTC).date()  # ActivityRow.at; rollup days are UTC days
        async with self.engine.begin() as conn:
            await exclusive_batch(conn, activity_events)  # nobody else inserts until we commit
            after_id = (await conn.execute(sa.select(sa.func.coalesce(sa.func.max(_s.id), 0)))).scalar_one()
            await bulk_write(conn, activity_events, EVENT_COLUMNS, rows)
            await _add_day_rollups(conn, after_id)
        self._touched(first_day)
        if self._weekly_refreshed is None or time.monotonic() - self._weekly_refreshed >= WEEKLY_EVERY:
            await self.refresh_weekly()

    async def refresh_weekly(self) -> None:
        """Week rollups are the sums of day rollups: recomputed for the weeks touched since the last refresh (at
        most every WEEKLY_EVERY seconds while ingesting, and before any read) instead of upserted per event — that
        halves the per-event write cost."""
        self._weekly_refreshed = time.monotonic()
        start, self._weeks_dirty_from = self._weeks_dirty_from, None
        if start is None:
            return
        monday = start - timedelta(days=start.weekday())
        async with self.engine.begin() as conn:
            await refresh_week_rollups(conn, monday)

    async def refresh(self) -> None:
        """Everything the digest reads, up to date: the week rollups, then the raw rows since the last fold (channel
        and tie weeks, questions, newcomers), then the member, community, cohort and regular weeks
        (storage/analytics_refresh.py). Off the ingestion path: a periodic job runs it every minute, and every
        read runs it first; its cost follows what arrived since the last run."""
        async with self._refresh_lock:
            if not self._started:
                self._started = True
                await self._catch_up_from_earlier_runs()
            await self.refresh_weekly()
            async with self.engine.connect() as conn:
                after = await derived_cursor(conn) or 0
                upto = (await conn.execute(sa.select(sa.func.coalesce(sa.func.max(_s.id), 0)))).scalar_one()
            if upto < after:  # the raw table was emptied and its ids started again
                after = 0
            while after < upto:
                step = min(upto, after + CHUNK)
                async with self.engine.begin() as conn:
                    await fold_raw(conn, after, step)
                after = step
            start, self._tables_dirty_from = self._tables_dirty_from, None
            monday = start - timedelta(days=start.weekday()) if start is not None else None
            async with self.engine.begin() as conn:
                await refresh_weeks(conn, monday)

    async def _catch_up_from_earlier_runs(self) -> None:
        """A run may have stopped between a write and its refresh; a fresh install has history but no week
        tables yet. Weeks from the latest one already summed (or from the first day ever) are redone."""
        async with self.engine.connect() as conn:
            latest = (await conn.execute(sa.select(sa.func.max(activity_community_weekly.c.week)))).scalar()
            if latest is None:
                latest = (await conn.execute(sa.select(sa.func.min(activity_daily.c.day)))).scalar()
        if latest is not None:
            latest = latest if isinstance(latest, date) else date.fromisoformat(str(latest))
            self._touched(latest)

    async def record_staff(self, community_id: int, member_id: int, role: Role, at: datetime) -> None:
        """Upsert the member as staff of the community (role and last seen move; first seen stays). A new staff
        member marks the community's last 13 weeks for recomputation: their replies stop counting as
        member-to-member there too."""
        st = community_staff.c
        async with self.engine.begin() as conn:
            found = (
                await conn.execute(sa.select(st.role).where(st.community_id == community_id, st.member_id == member_id))
            ).first()
            stmt = insert_for(conn.dialect.name)(community_staff).values(
                community_id=community_id, member_id=member_id, role=int(role), first_seen_at=at, last_seen_at=at
            )
            await conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["community_id", "member_id"],
                    set_={"role": stmt.excluded.role, "last_seen_at": stmt.excluded.last_seen_at},
                )
            )
            if found is None:
                monday = at.date() - timedelta(days=at.weekday())
                weeks = [{"community_id": community_id, "week": monday - timedelta(weeks=k)} for k in range(13)]
                keys = ["community_id", "week"]
                await conn.execute(upsert(conn.dialect.name, activity_dirty_weeks, weeks, keys), weeks)

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
            await _record_newcomer(conn, community_id, member_id, joined, at)
        self._touched(at.date())  # joins, leaves and cohorts of that week
        return joined and before > 0

    async def weekly(self, community_id: int) -> list[MemberDay]:
        """Week rollups (`day` holds the Monday), fresh: pending day rollups are summed in first."""
        await self.refresh_weekly()
        w = activity_weekly.c
        async with self.engine.connect() as conn:
            query = sa.select(activity_weekly).where(w.community_id == community_id)
            rows = await conn.execute(query.order_by(w.week, w.member_id, w.platform))  # the same order on any engine
            return [
                MemberDay(r.community_id, r.member_id, r.week, r.platform, *(getattr(r, n) for n in COUNTERS))
                for r in rows
            ]

    async def daily(self, community_id: int, since: date | None = None) -> list[MemberDay]:
        query = sa.select(activity_daily).where(activity_daily.c.community_id == community_id)
        if since is not None:
            query = query.where(activity_daily.c.day >= since)
        async with self.engine.connect() as conn:
            d = activity_daily.c
            rows = await conn.execute(query.order_by(d.day, d.member_id, d.platform))
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
                break
        q = activity_questions.c  # questions keep message ids: they go with the raw rows
        async with self.engine.begin() as conn:
            await conn.execute(sa.delete(activity_questions).where(q.at < cutoff))
        return deleted

    async def purge_ties_before(self, monday: date) -> None:
        """Who-replied-to-whom weeks are only read for recent weeks (and recomputed after a /link): older ones go,
        community by community along the primary key. The weekly totals they fed stay."""
        t = activity_ties_weekly.c
        async with self.engine.begin() as conn:
            for community_id in (await conn.execute(sa.select(communities.c.id))).scalars().all():
                await conn.execute(
                    sa.delete(activity_ties_weekly).where(t.community_id == community_id, t.week < monday)
                )


class ActivityData:
    """Member-data part for activity: raw rows, rollups, the week tables, questions, joins/leaves and staff.
    Merging and erasing both move counts (to the kept member, or to an anonymous one), so totals never change;
    week tables whose distinct-member counts a merge changes are marked and recomputed by the next refresh."""

    feature = "activity"
    columns = (
        "activity_events.member_id",
        "activity_events.reply_to_member_id",
        "activity_daily.member_id",
        "activity_weekly.member_id",
        "activity_member_weekly.member_id",
        "activity_ties_weekly.low_member_id",
        "activity_ties_weekly.high_member_id",
        "activity_newcomer_ties.member_id",
        "activity_newcomer_ties.other_member_id",
        "activity_newcomers.member_id",
        "activity_regulars.member_id",
        "activity_questions.member_id",
        "activity_questions.replier_member_id",
        "membership_events.member_id",
        "community_staff.member_id",
    )

    async def merge(self, tx: AsyncConnection, keep_id: int, drop_id: int) -> None:
        await reassign(tx, _s.member_id, keep_id, drop_id)
        await reassign(tx, _s.reply_to_member_id, keep_id, drop_id)
        await reassign(tx, membership_events.c.member_id, keep_id, drop_id)
        for table, period in ((activity_daily, "day"), (activity_weekly, "week")):
            keys = ["community_id", "member_id", period, "platform"]
            await sum_into(tx, table.c.member_id, keep_id, drop_id, keys, COUNTERS)
        await reassign(tx, activity_questions.c.member_id, keep_id, drop_id)
        await reassign(tx, activity_questions.c.replier_member_id, keep_id, drop_id)
        await _merge_member_weeks(tx, keep_id, drop_id)
        await _merge_ties(tx, keep_id, drop_id)
        await _merge_newcomer_ties(tx, keep_id, drop_id)
        await _merge_newcomers(tx, keep_id, drop_id)
        await _merge_staff(tx, keep_id, drop_id)

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
        q = activity_questions.c
        questions = (
            await tx.execute(
                sa.select(q.community_id, q.platform, q.channel_id, q.at, q.replied_at)
                .where(q.member_id == member_id)
                .order_by(q.at)
            )
        ).all()
        t = activity_ties_weekly.c
        ties = (
            await tx.execute(
                sa.select(sa.func.count()).where((t.low_member_id == member_id) | (t.high_member_id == member_id))
            )
        ).scalar_one()
        staff = (await tx.execute(sa.select(community_staff).where(community_staff.c.member_id == member_id))).all()
        return {
            "daily_activity": rows_json(days, skip=("member_id",)),
            "joins_and_leaves": rows_json(joins, skip=("member_id", "id")),
            "raw_activity_rows": int(raw),
            "questions_asked": rows_json(questions),
            "weekly_reply_ties": int(ties),
            "staff_roles": rows_json(staff, skip=("member_id",)),
        }

    async def erase(self, tx: AsyncConnection, member_id: int, anonymous_id: int) -> None:
        # Their questions stay counted but link to nothing: a message id leads to their message (and name). The raw
        # rows too, or the next fold of rows not yet folded would bring the link back.
        q = activity_questions.c
        await tx.execute(sa.update(activity_questions).where(q.member_id == member_id).values(message_id=None))
        await tx.execute(sa.update(activity_events).where(_s.member_id == member_id).values(message_id=None))
        await tx.execute(sa.delete(community_staff).where(community_staff.c.member_id == member_id))
        await self.merge(tx, anonymous_id, member_id)


async def _record_newcomer(
    conn: AsyncConnection, community_id: int, member_id: int, joined: bool, at: datetime
) -> None:
    """A join starts (or restarts) the member's newcomer record; a leave dates its end."""
    n = activity_newcomers.c
    where = (n.community_id == community_id) & (n.member_id == member_id)
    if not joined:
        await conn.execute(sa.update(activity_newcomers).where(where).values(left_at=at))
        return
    stmt = insert_for(conn.dialect.name)(activity_newcomers).values(
        community_id=community_id, member_id=member_id, joined_at=at
    )
    fresh = {"joined_at": stmt.excluded.joined_at, "first_post_at": None, "connected_at": None, "left_at": None}
    await conn.execute(stmt.on_conflict_do_update(index_elements=["community_id", "member_id"], set_=fresh))


async def _merge_member_weeks(tx: AsyncConnection, keep_id: int, drop_id: int) -> None:
    """Distinct active days and members cannot be added: the weeks both were in are recomputed at the next
    refresh (marked dirty); the dropped member's rows go now."""
    m = activity_member_weekly.c
    weeks = (await tx.execute(sa.select(m.community_id, m.week).where(m.member_id == drop_id))).all()
    if weeks:
        rows = [{"community_id": c, "week": w} for c, w in weeks]
        dialect = tx.dialect.name
        await tx.execute(upsert(dialect, activity_dirty_weeks, rows, ["community_id", "week"]), rows)
    await tx.execute(sa.delete(activity_member_weekly).where(m.member_id == drop_id))


async def _merge_ties(tx: AsyncConnection, keep_id: int, drop_id: int) -> None:
    """Pairs are stored (low id, high id): the dropped member's pairs are re-keyed onto the kept one, directions
    swapped where the order changes, summed into existing pairs; a pair of the member with itself goes."""
    t = activity_ties_weekly
    c = t.c
    involved = (c.low_member_id == drop_id) | (c.high_member_id == drop_id)
    rows = (await tx.execute(sa.select(t).where(involved))).all()
    if not rows:
        return
    await tx.execute(sa.delete(t).where(involved))
    merged: dict[tuple[int, date, int, int], dict[str, Any]] = {}
    for r in rows:
        low = keep_id if r.low_member_id == drop_id else r.low_member_id
        high = keep_id if r.high_member_id == drop_id else r.high_member_id
        if low == high:
            continue
        flip = low > high
        if flip:
            low, high = high, low
        up, down = ("down", "up") if flip else ("up", "down")
        row = {
            "replies_up": getattr(r, f"replies_{up}"),
            "replies_down": getattr(r, f"replies_{down}"),
            "reactions_up": getattr(r, f"reactions_{up}"),
            "reactions_down": getattr(r, f"reactions_{down}"),
            "first_up_at": getattr(r, f"first_{up}_at"),
            "first_down_at": getattr(r, f"first_{down}_at"),
        }
        key = (r.community_id, r.week, low, high)
        existing = (
            await tx.execute(
                sa.select(t).where(
                    c.community_id == key[0], c.week == key[1], c.low_member_id == low, c.high_member_id == high
                )
            )
        ).first()
        if key in merged or existing is not None:
            base = merged.get(key) or {k: getattr(existing, k) for k in row}
            for name in ("replies_up", "replies_down", "reactions_up", "reactions_down"):
                row[name] += base[name]
            for name in ("first_up_at", "first_down_at"):
                found = [v for v in (row[name], base[name]) if v is not None]
                row[name] = min(found) if found else None
            if existing is not None and key not in merged:
                await tx.execute(
                    sa.delete(t).where(
                        c.community_id == key[0], c.week == key[1], c.low_member_id == low, c.high_member_id == high
                    )
                )
        merged[key] = row
    values = [
        {"community_id": k[0], "week": k[1], "low_member_id": k[2], "high_member_id": k[3], **v}
        for k, v in merged.items()
    ]
    if values:
        await tx.execute(sa.insert(t), values)


async def _merge_newcomer_ties(tx: AsyncConnection, keep_id: int, drop_id: int) -> None:
    """Re-key the dropped member's newcomer ties onto the kept one (earliest replies win); a tie with oneself goes."""
    nt = activity_newcomer_ties
    c = nt.c
    involved = (c.member_id == drop_id) | (c.other_member_id == drop_id)
    rows = (await tx.execute(sa.select(nt).where(involved))).all()
    if not rows:
        return
    await tx.execute(sa.delete(nt).where(involved))
    for r in rows:
        member = keep_id if r.member_id == drop_id else r.member_id
        other = keep_id if r.other_member_id == drop_id else r.other_member_id
        if member == other:
            continue
        where = (c.community_id == r.community_id) & (c.member_id == member) & (c.other_member_id == other)
        existing = (await tx.execute(sa.select(nt).where(where))).first()
        times = {"first_out_at": r.first_out_at, "first_in_at": r.first_in_at}
        if existing is None:
            await tx.execute(
                sa.insert(nt).values(community_id=r.community_id, member_id=member, other_member_id=other, **times)
            )
            continue
        for name in times:
            found = [v for v in (times[name], getattr(existing, name)) if v is not None]
            times[name] = min(found) if found else None
        await tx.execute(sa.update(nt).where(where).values(**times))


async def _merge_newcomers(tx: AsyncConnection, keep_id: int, drop_id: int) -> None:
    """One newcomer record per community: the earliest join, first post and connection; still here if either is.
    Regulars are a weekly snapshot: the dropped member's rows move unless the kept one has that week already."""
    n = activity_newcomers
    c = n.c
    for r in (await tx.execute(sa.select(n).where(c.member_id == drop_id))).all():
        where = (c.community_id == r.community_id) & (c.member_id == keep_id)
        mine = (await tx.execute(sa.select(n).where(where))).first()
        if mine is None:
            await tx.execute(
                sa.update(n).where(c.community_id == r.community_id, c.member_id == drop_id).values(member_id=keep_id)
            )
            continue

        def earliest(a: datetime | None, b: datetime | None) -> datetime | None:
            found = [v for v in (a, b) if v is not None]
            return min(found) if found else None

        left = None if mine.left_at is None or r.left_at is None else max(mine.left_at, r.left_at)
        await tx.execute(
            sa.update(n)
            .where(where)
            .values(
                joined_at=min(mine.joined_at, r.joined_at),
                first_post_at=earliest(mine.first_post_at, r.first_post_at),
                connected_at=earliest(mine.connected_at, r.connected_at),
                left_at=left,
            )
        )
        await tx.execute(sa.delete(n).where(c.community_id == r.community_id, c.member_id == drop_id))
    g = activity_regulars.c
    taken = sa.select(g.week).where(g.member_id == keep_id, g.community_id == activity_regulars.c.community_id)
    await tx.execute(sa.delete(activity_regulars).where(g.member_id == drop_id, g.week.in_(taken.scalar_subquery())))
    await reassign(tx, g.member_id, keep_id, drop_id)


async def _merge_staff(tx: AsyncConnection, keep_id: int, drop_id: int) -> None:
    st = community_staff.c
    for r in (await tx.execute(sa.select(community_staff).where(st.member_id == drop_id))).all():
        mine = (
            await tx.execute(
                sa.select(community_staff).where(st.member_id == keep_id, st.community_id == r.community_id)
            )
        ).first()
        if mine is not None:
            await tx.execute(
                sa.update(community_staff)
                .where(st.member_id == keep_id, st.community_id == r.community_id)
                .values(
                    role=max(mine.role, r.role),
                    first_seen_at=min(mine.first_seen_at, r.first_seen_at),
                    last_seen_at=max(mine.last_seen_at, r.last_seen_at),
                )
            )
    await tx.execute(
        sa.delete(community_staff).where(
            st.member_id == drop_id,
            st.community_id.in_(sa.select(st.community_id).where(st.member_id == keep_id).scalar_subquery()),
        )
    )
    await reassign(tx, st.member_id, keep_id, drop_id)
