"""The per-week tables the digest reads, kept up to date from the day rollups and the raw rows.

Called by `SqlActivityRepo.refresh` at most every minute while ingesting, and before every read: the work is
proportional to what arrived since the last refresh (raw rows past a stored cursor, the weeks touched), never to
the history kept. Everything is one SQL statement per table, so the aggregation runs inside the database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import bulk_write, day_of, insert_for, replace_upsert, upsert, week_of
from storage.tables import (
    activity_channel_weekly,
    activity_cohort_weekly,
    activity_community_weekly,
    activity_daily,
    activity_dirty_weeks,
    activity_events,
    activity_member_weekly,
    activity_newcomer_ties,
    activity_newcomers,
    activity_questions,
    activity_regular_weeks,
    activity_regulars,
    activity_ties_weekly,
    activity_weekly,
    communities,
    community_staff,
    cursors,
    membership_events,
)

CURSOR = "analytics:derived"  # the last raw row id folded into channels, ties and questions
CHUNK = 250_000  # raw rows per transaction when catching up (a fresh install folding its history)
ANSWER_WINDOW = timedelta(hours=24)
NEWCOMER_WINDOW = timedelta(days=14)
STAFF_SEEN = timedelta(days=90)  # staff = seen acting as moderator or manager within this before the week
COHORT_WEEKS = 8
BASELINE_WEEKS = 4
REGULAR_DAYS = 2
PLATFORM_ALL = "all"
ROLLUP_COUNTERS = ("messages", "replies", "questions", "mentions", "reactions", "replies_received", "actions")
MEMBER_COUNTERS = ("messages", "replies", "questions", "reactions", "actions")

_e = activity_events.c
_d = activity_daily.c


def _sum_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.sum(sa.case((condition, 1), else_=0))


def _active(d: Any) -> sa.ColumnElement[bool]:
    """A day row counts as active for the member's own activity (a row can exist for replies received only)."""
    return (d.messages > 0) | (d.reactions > 0) | (d.actions > 0)


async def refresh_week_rollups(conn: AsyncConnection, monday: date) -> None:
    """Member × week × platform rollups: the sums of the day rollups of every week from `monday` on."""
    dialect = conn.dialect.name
    week = week_of(_d.day, dialect).label("week")
    keys = ["community_id", "member_id", "week", "platform"]
    select = (
        sa.select(_d.community_id, _d.member_id, week, _d.platform, *(sa.func.sum(_d[c]) for c in ROLLUP_COUNTERS))
        .where(_d.day >= monday)
        .group_by(_d.community_id, _d.member_id, week, _d.platform)
    )
    await conn.execute(replace_upsert(dialect, activity_weekly, keys, ROLLUP_COUNTERS, select))


async def refresh_weeks(conn: AsyncConnection, monday: date | None) -> None:
    """Recompute the week tables for every week from `monday` on (the weeks new rows touched), plus the
    community weeks /link merges marked dirty. Run after `fold_raw`: members' weeks read the tie weeks."""
    dialect = conn.dialect.name
    marked = (await conn.execute(sa.select(activity_dirty_weeks.c.community_id, activity_dirty_weeks.c.week))).all()
    if monday is None and not marked:
        return
    ids = list((await conn.execute(sa.select(communities.c.id))).scalars())

    def scope(table: Any, period: str) -> sa.ColumnElement[bool]:
        """The recomputed weeks of `table` (the community id first, so primary keys leading with it are used)."""
        c = table.c
        parts: list[sa.ColumnElement[bool]] = []
        if monday is not None:
            parts.append(c.community_id.in_(ids) & (c[period] >= monday))
        for community_id, week in marked:
            end = week + timedelta(days=7) if period == "day" else week + timedelta(days=1)
            parts.append((c.community_id == community_id) & (c[period] >= week) & (c[period] < end))
        return sa.or_(*parts)

    days = scope(activity_daily, "day")
    week = week_of(_d.day, dialect).label("week")

    member = (
        sa.select(
            _d.community_id,
            week,
            _d.member_id,
            sa.func.count(sa.distinct(_d.day)),
            sa.func.max(_d.day),
            *(sa.func.sum(_d[c]) for c in MEMBER_COUNTERS),
        )
        .where(days & _active(_d))
        .group_by(_d.community_id, week, _d.member_id)
    )
    member_cols = ("active_days", "last_day", *MEMBER_COUNTERS)
    mkeys = ["community_id", "week", "member_id"]
    await conn.execute(replace_upsert(dialect, activity_member_weekly, mkeys, member_cols, member))
    ties_scope = scope(activity_ties_weekly, "week")
    await _member_ties(conn, ties_scope)
    moments: list[sa.ColumnElement[bool]] = []  # the same weeks, for tables keyed by a time rather than a week
    for table, column in ((activity_questions, "at"), (activity_newcomer_ties, "first_in_at")):
        c = table.c
        parts: list[sa.ColumnElement[bool]] = []
        if monday is not None:
            parts.append(c.community_id.in_(ids) & (c[column] >= _midnight(monday)))
        for community_id, wk in marked:
            parts.append(
                (c.community_id == community_id)
                & (c[column] >= _midnight(wk))
                & (c[column] < _midnight(wk + timedelta(days=7)))
            )
        moments.append(sa.or_(*parts))
    await _member_help(conn, *moments)

    community_cols = ("active_members", "active_days", *MEMBER_COUNTERS)
    ckeys = ["community_id", "week", "platform"]
    by_platform = (
        sa.select(
            _d.community_id,
            week,
            _d.platform,
            sa.func.count(sa.distinct(_d.member_id)),
            sa.func.count(),
            *(sa.func.sum(_d[c]) for c in MEMBER_COUNTERS),
        )
        .where(days & _active(_d))
        .group_by(_d.community_id, week, _d.platform)
    )
    await conn.execute(replace_upsert(dialect, activity_community_weekly, ckeys, community_cols, by_platform))
    m = activity_member_weekly.c
    everyone = (
        sa.select(
            m.community_id,
            m.week,
            sa.literal("all"),
            sa.func.count(),
            sa.func.sum(m.active_days),
            *(sa.func.sum(m[c]) for c in MEMBER_COUNTERS),
        )
        .where(scope(activity_member_weekly, "week"))
        .group_by(m.community_id, m.week)
    )
    await conn.execute(replace_upsert(dialect, activity_community_weekly, ckeys, community_cols, everyone))
    first = min([*([monday] if monday else []), *(wk for _, wk in marked)])
    await _community_ties(conn, ties_scope, _midnight(first) - STAFF_SEEN)
    await _membership(conn, ids, first)
    await _cohorts(conn, scope(activity_member_weekly, "week"), ids, first)
    await _regulars(conn, ids, first)
    if marked:
        await conn.execute(sa.delete(activity_dirty_weeks))


async def _member_ties(conn: AsyncConnection, where: sa.ColumnElement[bool]) -> None:
    """Each active member's week: how many members they replied to, how many reactions others gave them."""
    t = activity_ties_weekly.c
    as_low = sa.select(
        t.community_id,
        t.week,
        t.low_member_id.label("member_id"),
        sa.case((t.replies_up > 0, 1), else_=0).label("people"),
        t.reactions_down.label("reacted"),
    ).where(where)
    as_high = sa.select(
        t.community_id,
        t.week,
        t.high_member_id.label("member_id"),
        sa.case((t.replies_down > 0, 1), else_=0).label("people"),
        t.reactions_up.label("reacted"),
    ).where(where)
    both = sa.union_all(as_low, as_high).subquery()
    agg = (
        sa.select(
            both.c.community_id,
            both.c.week,
            both.c.member_id,
            sa.func.sum(both.c.people).label("people"),
            sa.func.sum(both.c.reacted).label("reacted"),
        )
        .group_by(both.c.community_id, both.c.week, both.c.member_id)
        .subquery()
    )
    m = activity_member_weekly.c
    await conn.execute(
        sa.update(activity_member_weekly)
        .values(people_replied=agg.c.people, reactions_received=agg.c.reacted)
        .where(m.community_id == agg.c.community_id, m.week == agg.c.week, m.member_id == agg.c.member_id)
    )


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), UTC)


async def _member_help(
    conn: AsyncConnection, questions_scope: sa.ColumnElement[bool], newcomers_scope: sa.ColumnElement[bool]
) -> None:
    """Each active member's week: questions they answered first, newcomers they replied to first."""
    dialect = conn.dialect.name
    q, nt, m = activity_questions.c, activity_newcomer_ties.c, activity_member_weekly.c
    for column, source_week, member, where in (
        ("answers", q.at, q.replier_member_id, questions_scope & q.replier_member_id.is_not(None)),
        ("newcomers_helped", nt.first_in_at, nt.other_member_id, newcomers_scope),
    ):
        week = week_of(day_of(source_week, dialect), dialect)
        table = source_week.table
        agg = (
            sa.select(
                table.c.community_id,
                week.label("week"),
                member.label("member_id"),
                sa.func.count().label("n"),
            )
            .where(where)
            .group_by(table.c.community_id, week, member)
            .subquery()
        )
        await conn.execute(
            sa.update(activity_member_weekly)
            .values({column: agg.c.n})
            .where(m.community_id == agg.c.community_id, m.week == agg.c.week, m.member_id == agg.c.member_id)
        )


async def _community_ties(conn: AsyncConnection, where: sa.ColumnElement[bool], staff_since: datetime) -> None:
    """The community's week: reciprocated pairs, and replies between members who are not staff."""
    t, st, c = activity_ties_weekly.c, community_staff.c, activity_community_weekly.c

    def staff(member: sa.ColumnElement[int]) -> sa.ColumnElement[bool]:
        return sa.exists().where(
            st.community_id == t.community_id, st.member_id == member, st.last_seen_at >= staff_since
        )

    replies = t.replies_up + t.replies_down
    agg = (
        sa.select(
            t.community_id,
            t.week,
            sa.func.sum(sa.case(((t.replies_up > 0) & (t.replies_down > 0), 1), else_=0)).label("pairs"),
            sa.func.sum(sa.case((~staff(t.low_member_id) & ~staff(t.high_member_id), replies), else_=0)).label(
                "members"
            ),
        )
        .where(where)
        .group_by(t.community_id, t.week)
        .subquery()
    )
    await conn.execute(
        sa.update(activity_community_weekly)
        .values(reciprocated=agg.c.pairs, member_replies=agg.c.members)
        .where(c.community_id == agg.c.community_id, c.week == agg.c.week, c.platform == PLATFORM_ALL)
    )


async def _membership(conn: AsyncConnection, ids: list[int], first: date) -> None:
    """Joins (distinct members) and leaves per community and UTC week, from `first` on."""
    dialect = conn.dialect.name
    me = membership_events.c
    week = week_of(day_of(me.at, dialect), dialect).label("week")
    joins = sa.func.count(sa.distinct(sa.case((me.kind == "join", me.member_id))))
    leaves = sa.func.sum(sa.case((me.kind == "leave", 1), else_=0))
    select = (
        sa.select(me.community_id, week, sa.literal(PLATFORM_ALL), sa.literal(0), sa.literal(0), joins, leaves)
        .where(me.community_id.in_(ids), me.at >= _midnight(first))
        .group_by(me.community_id, week)
    )
    c = activity_community_weekly
    cols = ["community_id", "week", "platform", "active_members", "active_days", "joins", "leaves"]
    stmt = insert_for(dialect)(c).from_select(cols, select)
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["community_id", "week", "platform"],
            set_={"joins": stmt.excluded.joins, "leaves": stmt.excluded.leaves},
        )
    )


async def _cohorts(conn: AsyncConnection, member_scope: sa.ColumnElement[bool], ids: list[int], first: date) -> None:
    """Each join-week cohort's size and how many of its members were active in the recomputed weeks (a member's
    cohort is the UTC week of their latest join)."""
    dialect = conn.dialect.name
    m, n = activity_member_weekly.c, activity_newcomers.c
    cohort = week_of(day_of(n.joined_at, dialect), dialect).label("cohort_week")
    since = _midnight(first - timedelta(weeks=COHORT_WEEKS))
    active = (
        sa.select(m.community_id, cohort, m.week, sa.func.count())
        .select_from(activity_member_weekly)
        .join(activity_newcomers, (n.community_id == m.community_id) & (n.member_id == m.member_id))
        .where(member_scope & (n.joined_at >= since))
        .group_by(m.community_id, cohort, m.week)
    )
    keys = ["community_id", "cohort_week", "week"]
    await conn.execute(replace_upsert(dialect, activity_cohort_weekly, keys, ["active"], active))
    sizes = (
        sa.select(n.community_id, cohort, cohort.label("week"), sa.func.count())
        .where(n.community_id.in_(ids), n.joined_at >= _midnight(first))
        .group_by(n.community_id, cohort)
    )
    await conn.execute(replace_upsert(dialect, activity_cohort_weekly, keys, ["joined"], sizes))


async def _regulars(conn: AsyncConnection, ids: list[int], first: date) -> None:
    """Regulars of every week from `first` on that has activity and no regulars computed yet (a week with joins
    only is left to the first read: `SqlMetricsRepo.habits` computes what is missing)."""
    c, r = activity_community_weekly.c, activity_regular_weeks.c
    pending = await conn.execute(
        sa.select(c.community_id, c.week)
        .where(c.community_id.in_(ids), c.week >= first, c.platform == PLATFORM_ALL, c.active_members > 0)
        .where(~sa.exists().where(r.community_id == c.community_id, r.week == c.week))
    )
    for community_id, week in pending.all():
        await compute_regulars(conn, community_id, week)


async def compute_regulars(conn: AsyncConnection, community_id: int, week: date) -> None:
    """Members with ≥ 2 active days a week over the 4 weeks before `week`: the drifting baseline, fixed once the
    week has begun."""
    m = activity_member_weekly.c
    base = sa.func.sum(m.active_days)
    select = (
        sa.select(sa.literal(community_id), sa.literal(week, sa.Date), m.member_id, base, sa.func.max(m.last_day))
        .where(m.community_id == community_id, m.week >= week - timedelta(weeks=BASELINE_WEEKS), m.week < week)
        .group_by(m.member_id)
        .having(base >= REGULAR_DAYS * BASELINE_WEEKS)
    )
    cols = ["community_id", "week", "member_id", "baseline_days", "last_day"]
    await conn.execute(
        sa.delete(activity_regulars).where(
            activity_regulars.c.community_id == community_id, activity_regulars.c.week == week
        )
    )
    await conn.execute(sa.insert(activity_regulars).from_select(cols, select))
    row = {"community_id": community_id, "week": week}
    await conn.execute(upsert(conn.dialect.name, activity_regular_weeks, [row], ["community_id", "week"]), row)


async def derived_cursor(conn: AsyncConnection) -> int | None:
    return (await conn.execute(sa.select(cursors.c.value).where(cursors.c.name == CURSOR))).scalar_one_or_none()


async def fold_raw(conn: AsyncConnection, after_id: int, upto_id: int) -> None:
    """Fold raw rows (after_id, upto_id] into channel weeks, tie weeks and questions; move the cursor."""
    dialect = conn.dialect.name
    in_range = (_e.id > after_id) & (_e.id <= upto_id)
    week = week_of(day_of(_e.at, dialect), dialect).label("week")
    is_message, is_reaction = _e.kind == "message", _e.kind == "reaction"
    other = _e.reply_to_member_id
    replied = is_message & other.is_not(None) & (other != _e.member_id)

    channels = (
        sa.select(
            _e.community_id,
            week,
            _e.platform,
            _e.channel_id,
            _sum_if(is_message),
            _sum_if(is_message & (_e.is_question == sa.true())),
            _sum_if(replied),
            _sum_if(is_reaction),
        )
        .where(in_range & _e.kind.in_(("message", "reaction")))
        .group_by(_e.community_id, week, _e.platform, _e.channel_id)
    )
    ch_counters = ("messages", "questions", "replies", "reactions")
    ch_keys = ["community_id", "week", "platform", "channel_id"]
    await conn.execute(
        upsert(
            dialect, activity_channel_weekly, [], ch_keys, ch_counters, from_select=([*ch_keys, *ch_counters], channels)
        )
    )

    up = _e.member_id < other
    low = sa.case((up, _e.member_id), else_=other).label("low")
    high = sa.case((up, other), else_=_e.member_id).label("high")
    ties = (
        sa.select(
            _e.community_id,
            week,
            low,
            high,
            _sum_if(is_message & up),
            _sum_if(is_message & ~up),
            _sum_if(is_reaction & up),
            _sum_if(is_reaction & ~up),
            sa.func.min(sa.case((is_message & up, _e.at))),
            sa.func.min(sa.case((is_message & ~up, _e.at))),
        )
        .where(in_range & other.is_not(None) & (other != _e.member_id) & _e.kind.in_(("message", "reaction")))
        .group_by(_e.community_id, week, low, high)
    )
    t = activity_ties_weekly
    tie_counters = ("replies_up", "replies_down", "reactions_up", "reactions_down")
    tie_keys = ["community_id", "week", "low_member_id", "high_member_id"]
    stmt = insert_for(dialect)(t).from_select([*tie_keys, *tie_counters, "first_up_at", "first_down_at"], ties)
    earliest = {col: _earliest(t.c[col], stmt.excluded[col]) for col in ("first_up_at", "first_down_at")}
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=tie_keys, set_={**{c: t.c[c] + stmt.excluded[c] for c in tie_counters}, **earliest}
        )
    )
    await _fold_questions(conn, in_range)
    await _fold_newcomer_ties(conn, in_range)
    await _fold_first_posts(conn, in_range)
    values = {"name": CURSOR, "value": upto_id}
    await conn.execute(
        insert_for(dialect)(cursors)
        .values(**values)
        .on_conflict_do_update(index_elements=["name"], set_={"value": upto_id})
    )


async def _fold_questions(conn: AsyncConnection, in_range: sa.ColumnElement[bool]) -> None:
    """New question-like messages become open questions (24 h to get a reply); new replies answer the asker's
    open questions in the same channel. The first reply after a question is its response."""
    new = await conn.execute(
        sa.select(_e.id, _e.community_id, _e.platform, _e.channel_id, _e.member_id, _e.message_id, _e.at).where(
            in_range & (_e.kind == "message") & (_e.is_question == sa.true())
        )
    )
    columns = ("id", "community_id", "platform", "channel_id", "member_id", "message_id", "at", "deadline")
    rows = [(*r, r.at + ANSWER_WINDOW) for r in new]
    await bulk_write(conn, activity_questions, columns, rows)

    q = activity_questions.c
    matches = await conn.execute(
        sa.select(q.id, q.at, _e.at, _e.member_id)
        .select_from(activity_events)
        .join(
            activity_questions,
            (q.community_id == _e.community_id)
            & (q.channel_id == _e.channel_id)
            & (q.member_id == _e.reply_to_member_id)
            & (q.at < _e.at)
            & (q.deadline >= _e.at)
            & q.replied_at.is_(None),
        )
        .where(in_range & (_e.kind == "message") & _e.reply_to_member_id.is_not(None))
        .where(_e.member_id != _e.reply_to_member_id)
        .order_by(_e.at, _e.id)
    )
    first: dict[int, dict[str, Any]] = {}
    for question_id, asked, at, replier in matches:
        if question_id not in first:
            seconds = int((at - asked).total_seconds())
            first[question_id] = {"qid": question_id, "when": at, "by": replier, "secs": seconds}
    if first:
        await conn.execute(
            sa.update(activity_questions)
            .where(q.id == sa.bindparam("qid"), q.replied_at.is_(None))
            .values(
                replied_at=sa.bindparam("when", type_=q.replied_at.type),
                replier_member_id=sa.bindparam("by"),
                response_seconds=sa.bindparam("secs"),
            ),
            list(first.values()),
        )


async def _fold_newcomer_ties(conn: AsyncConnection, in_range: sa.ColumnElement[bool]) -> None:
    """Replies from or to members in their first 14 days: the first each way per pair."""
    first_at = (await conn.execute(sa.select(sa.func.min(_e.at)).where(in_range))).scalar()
    if first_at is None:
        return
    since = first_at - NEWCOMER_WINDOW
    author = activity_newcomers.alias("author")
    target = activity_newcomers.alias("target")
    rows = await conn.execute(
        sa.select(_e.community_id, _e.member_id, _e.reply_to_member_id, _e.at, author.c.joined_at, target.c.joined_at)
        .select_from(activity_events)
        .outerjoin(
            author,
            (author.c.community_id == _e.community_id)
            & (author.c.member_id == _e.member_id)
            & (author.c.joined_at >= since),
        )
        .outerjoin(
            target,
            (target.c.community_id == _e.community_id)
            & (target.c.member_id == _e.reply_to_member_id)
            & (target.c.joined_at >= since),
        )
        .where(in_range & (_e.kind == "message") & _e.reply_to_member_id.is_not(None))
        .where(_e.member_id != _e.reply_to_member_id)
        .where(author.c.member_id.is_not(None) | target.c.member_id.is_not(None))
    )
    found: dict[tuple[int, int, int], list[Any]] = {}
    for community_id, replier, replied, at, replier_joined, replied_joined in rows:
        if replier_joined is not None and timedelta(0) <= at - replier_joined <= NEWCOMER_WINDOW:
            pair = found.setdefault((community_id, replier, replied), [None, None])
            pair[0] = at if pair[0] is None else min(pair[0], at)
        if replied_joined is not None and timedelta(0) <= at - replied_joined <= NEWCOMER_WINDOW:
            pair = found.setdefault((community_id, replied, replier), [None, None])
            pair[1] = at if pair[1] is None else min(pair[1], at)
    if not found:
        return
    nt = activity_newcomer_ties
    stmt = insert_for(conn.dialect.name)(nt)
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["community_id", "member_id", "other_member_id"],
            set_={col: _earliest(nt.c[col], stmt.excluded[col]) for col in ("first_out_at", "first_in_at")},
        ),
        [
            {"community_id": c, "member_id": m, "other_member_id": o, "first_out_at": out, "first_in_at": in_}
            for (c, m, o), (out, in_) in found.items()
        ],
    )
    await _mark_connected(conn, {(c, m) for c, m, _o in found})


async def _mark_connected(conn: AsyncConnection, newcomers: set[tuple[int, int]]) -> None:
    """A newcomer with a reply each way with someone (within their first 14 days) is connected from the later of
    the two first replies."""
    t, n = activity_newcomer_ties.c, activity_newcomers.c
    later = sa.case((t.first_out_at > t.first_in_at, t.first_out_at), else_=t.first_in_at)
    by_community: dict[int, list[int]] = {}
    for community_id, member_id in newcomers:
        by_community.setdefault(community_id, []).append(member_id)
    for community_id, ids in by_community.items():
        for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
            agg = (
                sa.select(t.member_id, sa.func.min(later).label("at"))
                .where(t.community_id == community_id, t.member_id.in_(chunk))
                .where(t.first_out_at.is_not(None), t.first_in_at.is_not(None))
                .group_by(t.member_id)
                .subquery()
            )
            await conn.execute(
                sa.update(activity_newcomers)
                .values(connected_at=agg.c.at)
                .where(n.community_id == community_id, n.member_id == agg.c.member_id, n.connected_at.is_(None))
            )


async def _fold_first_posts(conn: AsyncConnection, in_range: sa.ColumnElement[bool]) -> None:
    """Newcomers' first message after joining."""
    n = activity_newcomers.c
    agg = (
        sa.select(_e.community_id, _e.member_id, sa.func.min(_e.at).label("at"))
        .select_from(activity_events)
        .join(
            activity_newcomers,
            (n.community_id == _e.community_id)
            & (n.member_id == _e.member_id)
            & n.first_post_at.is_(None)
            & (_e.at >= n.joined_at),
        )
        .where(in_range & (_e.kind == "message"))
        .group_by(_e.community_id, _e.member_id)
        .subquery()
    )
    await conn.execute(
        sa.update(activity_newcomers)
        .values(first_post_at=agg.c.at)
        .where(n.community_id == agg.c.community_id, n.member_id == agg.c.member_id, n.first_post_at.is_(None))
    )


def _earliest(current: Any, new: Any) -> sa.ColumnElement[Any]:
    """The earlier of two nullable times, portably (SQLite has no LEAST; NULL means none yet)."""
    return sa.case((current.is_(None), new), (new.is_not(None) & (new < current), new), else_=current)
