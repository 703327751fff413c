"""One community's week of engagement metrics, from the repository's aggregate reads (SPEC §3 definitions)."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from datetime import date, datetime, timedelta

from cogs.analytics.metrics.models import (
    PLATFORM_ALL,
    Advocate,
    ChannelCount,
    ChannelRow,
    ChannelStat,
    Cohort,
    CommunityWeekRow,
    Dialogue,
    DriftingMember,
    Habit,
    Headline,
    Newcomers,
    Period,
    Person,
    PersonRow,
    PlatformWeek,
    Quarter,
    QuestionRef,
    Ties,
    WeekMetrics,
    WeekPoint,
)
from cogs.analytics.ports import MetricsRepo

WEEKS = 13  # a quarter
COHORTS = 8  # join weeks shown in the retention table
BASELINE_WEEKS = 4
QUIET_MIN_DAYS = 14
NEWCOMER_DAYS = 14
NEWCOMER_TIE_WEEKS = 4  # "newcomers connected" looks at those who joined in the last 4 weeks
STAFF_SEEN_DAYS = 90  # staff = seen acting as moderator/manager within this
LIST = 10  # names per list
ADVOCATES = 5


class Metrics:
    """The analytics feature's metrics service (cogs/analytics/ports.py WeekMetricsSource)."""

    def __init__(self, repo: MetricsRepo) -> None:
        self.repo = repo

    async def week(self, community_id: int, period: Period, now: datetime) -> WeekMetrics:
        return await compute_week(self.repo, community_id, period, now)

    async def community_weeks(self, community_id: int, first: date, last: date) -> list[CommunityWeekRow]:
        await self.repo.refresh()
        return await self.repo.community_weeks(community_id, first, last)


def _week(d: date, weeks: int) -> date:
    return d + timedelta(weeks=weeks)


async def compute_week(repo: MetricsRepo, community_id: int, period: Period, now: datetime) -> WeekMetrics:
    """Every metric of `period` for one community. Lists name nobody who opted out of analytics; counts include
    everyone, anonymously."""
    await repo.refresh()
    w = period.week
    first = _week(w, -(2 * WEEKS - 1))
    bounds = [period.shifted(-1).start, period.start, period.end]  # the week and the one before, to the minute
    staff_since = period.end - timedelta(days=STAFF_SEEN_DAYS)
    newcomer_start = period.end - timedelta(days=NEWCOMER_DAYS)
    tie_start = period.shifted(-(NEWCOMER_TIE_WEEKS - 1)).start
    # Read-only queries on their own connections: the database runs them side by side.
    weeks, mau, membership, cohort_rows, habits, channel_rows = await asyncio.gather(
        repo.community_weeks(community_id, first, w),
        repo.distinct_active(community_id, _week(w, -3), w),
        repo.membership_buckets(community_id, bounds),
        repo.cohorts(community_id, _week(w, -(COHORTS - 1)), w),
        repo.habits(community_id, w),
        repo.channels(community_id, [_week(w, -1), w]),
    )
    (
        counts,
        (unanswered, by_channel),
        staff,
        (newcomers, connected),
        (joined_recently, silent),
        advocate_rows,
    ) = await asyncio.gather(
        repo.question_counts(community_id, period.start, period.end, now),
        repo.unanswered(community_id, period.start, period.end, now, LIST * 3),
        repo.staff(community_id, staff_since),
        repo.newcomer_connections(community_id, tie_start, period.end),
        repo.newcomers(community_id, newcomer_start, period.end),
        repo.advocates(community_id, w, LIST * 5),
    )
    opted_out = await repo.opted_out_count(community_id)
    ties = await repo.ties(community_id, w)

    drifting_all = _drifting(habits, period)
    wanted = {d[0] for d in drifting_all} | set(silent) | {a.member_id for a in advocate_rows}
    wanted |= {q.member_id for q in unanswered}
    people = await repo.people(wanted, community_id)

    def named(member_id: int) -> Person | None:
        row = people.get(member_id)
        if row is None or row.opted_out:
            return None
        return _person(row)

    drifting: list[DriftingMember] = []
    present = [d for d in drifting_all if not (people.get(d[0]) and people[d[0]].left)]
    for member_id, baseline, recent, last, quiet, too_long in present:
        person = named(member_id)
        if person is not None and len(drifting) < LIST:
            drifting.append(DriftingMember(person, baseline, recent, last, quiet, too_long))

    advocates: list[Advocate] = []
    for row in advocate_rows:
        person = None if row.member_id in staff else named(row.member_id)
        if person is not None and len(advocates) < ADVOCATES:
            advocates.append(Advocate(person, row.answers, row.newcomers_helped, row.people_helped, row.reactions))

    examples = tuple(
        QuestionRef(q.platform, q.channel_id, q.message_id, q.at)
        for q in unanswered
        if not (people.get(q.member_id) and people[q.member_id].opted_out)
    )[:5]
    silent_people = tuple(p for p in (named(m) for m in silent) if p is not None)

    return WeekMetrics(
        community_id=community_id,
        period=period,
        computed_at=now,
        headline=_headline(weeks, w, mau, membership),
        series=_series(weeks, w),
        quarter=_quarter(weeks, w),
        cohorts=_cohorts(cohort_rows, w),
        drifting=tuple(drifting),
        drifting_total=len(present),
        regulars=len(habits),
        dialogue=Dialogue(
            counts.total,
            counts.answered,
            counts.unanswered,
            counts.still_open,
            counts.median_response_seconds,
            examples,
            tuple(ChannelCount(p, ch, n) for p, ch, n in by_channel),
        ),
        ties=Ties(ties.replies, ties.member_replies, ties.reciprocated, newcomers, connected),
        advocates=tuple(advocates),
        channels=_channels(channel_rows, w),
        channel_messages=sum(r.messages for r in channel_rows if r.week == w),
        newcomers=Newcomers(joined_recently, len(silent), silent_people[:LIST]),
        staff=len(staff),
        opted_out=opted_out,
    )


def _person(row: PersonRow) -> Person:
    platforms = tuple(sorted({p for p, _ in row.identities}))
    ref = next((f"{p}:{u}" for p, u in row.identities if p == "discord"), None)
    ref = ref or next((f"{p}:{u}" for p, u in row.identities), None)
    fallback = next((f"{p} user {u}" for p, u in row.identities), f"#{row.member_id}")  # never seen with a name
    return Person(row.member_id, row.name or fallback, ref, platforms)


def _rows(weeks: Collection[CommunityWeekRow], week: date, platform: str = PLATFORM_ALL) -> CommunityWeekRow | None:
    return next((r for r in weeks if r.week == week and r.platform == platform), None)


def _headline(weeks: list[CommunityWeekRow], w: date, mau: int, membership: list[tuple[int, int]]) -> Headline:
    now, before = _rows(weeks, w), _rows(weeks, _week(w, -1))
    month = [_rows(weeks, _week(w, -k)) for k in range(4)]
    joins, leaves = membership[-1]
    joins_prev, leaves_prev = membership[-2]
    platforms = sorted({r.platform for r in weeks if r.platform != PLATFORM_ALL and r.week >= _week(w, -1)})
    per_platform = []
    for platform in platforms:
        cur, prev = _rows(weeks, w, platform), _rows(weeks, _week(w, -1), platform)
        per_platform.append(
            PlatformWeek(
                platform,
                cur.active_members if cur else 0,
                cur.messages if cur else 0,
                prev.active_members if prev else 0,
                prev.messages if prev else 0,
            )
        )
    return Headline(
        active=now.active_members if now else 0,
        active_prev=before.active_members if before else 0,
        messages=now.messages if now else 0,
        messages_prev=before.messages if before else 0,
        replies=now.replies if now else 0,
        reactions=now.reactions if now else 0,
        joins=joins,
        joins_prev=joins_prev,
        leaves=leaves,
        leaves_prev=leaves_prev,
        dau_mean=(now.active_days / 7) if now else 0.0,
        mau=mau,
        dau_mean_28=sum(r.active_days for r in month if r) / 28,
        platforms=tuple(per_platform),
    )


def _series(weeks: list[CommunityWeekRow], w: date) -> tuple[WeekPoint, ...]:
    """13 weeks, oldest first; joins and leaves by UTC week (the headline counts the local week to the minute)."""
    points = []
    for k in range(WEEKS - 1, -1, -1):
        week = _week(w, -k)
        row = _rows(weeks, week)
        points.append(
            WeekPoint(
                week,
                row.active_members if row else 0,
                row.messages if row else 0,
                row.joins if row else 0,
                row.leaves if row else 0,
            )
        )
    return tuple(points)


def _quarter(weeks: list[CommunityWeekRow], w: date) -> Quarter:
    recent = [_rows(weeks, _week(w, -k)) for k in range(WEEKS)]
    earlier = [_rows(weeks, _week(w, -k)) for k in range(WEEKS, 2 * WEEKS)]
    return Quarter(
        joins=sum(r.joins for r in recent if r),
        leaves=sum(r.leaves for r in recent if r),
        prev_joins=sum(r.joins for r in earlier if r),
        prev_leaves=sum(r.leaves for r in earlier if r),
        avg_active=sum(r.active_members for r in recent if r) / WEEKS,
        prev_avg_active=sum(r.active_members for r in earlier if r) / WEEKS,
        messages=sum(r.messages for r in recent if r),
        prev_messages=sum(r.messages for r in earlier if r),
        has_previous=any(r is not None for r in earlier),
    )


def _cohorts(rows: dict[tuple[date, date], tuple[int, int]], w: date) -> tuple[Cohort, ...]:
    out = []
    for index in range(COHORTS):
        week = _week(w, index - (COHORTS - 1))
        size = rows.get((week, week), (0, 0))[1]
        spans = (w - week).days // 7 + 1
        active = tuple(rows.get((week, _week(week, k)), (0, 0))[0] for k in range(spans))
        if size:
            out.append(Cohort(week, size, active))
    return tuple(out)


Drift = tuple[int, float, int, date | None, int, bool]  # member, baseline/week, days this week, last, quiet, too long


def _drifting(habits: list[Habit], period: Period) -> list[Drift]:
    """Regulars (≥ 2 active days a week over the 4 weeks before) whose activity this week fell below half their
    own baseline, or who have been quiet for more than max(14 days, twice their usual gap); most regular first."""
    out = []
    for h in habits:
        baseline = h.baseline_days / BASELINE_WEEKS
        usual_gap = (BASELINE_WEEKS * 7) / h.baseline_days if h.baseline_days else 7.0
        last = h.last_day
        quiet = (period.last_day - last).days if last else BASELINE_WEEKS * 7
        too_long = quiet > max(QUIET_MIN_DAYS, 2 * usual_gap)
        if h.current_days < baseline / 2 or too_long:
            out.append((h.member_id, baseline, h.current_days, last, quiet, too_long))
    out.sort(key=lambda d: (-d[1], d[0]))
    return out


def _channels(rows: list[ChannelRow], w: date) -> tuple[ChannelStat, ...]:
    prev = {(r.platform, r.channel_id): r.messages for r in rows if r.week != w}
    current = sorted((r for r in rows if r.week == w), key=lambda r: (-r.messages, r.platform, r.channel_id))
    return tuple(
        ChannelStat(r.platform, r.channel_id, r.messages, prev.get((r.platform, r.channel_id), 0), r.questions)
        for r in current[:5]
    )
