"""The newcomer journey: each step's time per member and community, kept up to date from activity, and
the funnel per weekly join cohort (`FunnelReader`).

First messages and first replies come from `ActivityWritten` batches (a dictionary look-up per row, and
more only for members still missing them); at start-up and for the one-time backfill the same scan runs
over stored raw activity. "Active in week 2" and "regular" are read from the day rollups by `refresh`
(every six hours and before `/funnel`), for journeys young enough to still reach them."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.hub import ActivityWritten
from cogs.onboarding.context import Context
from cogs.onboarding.models import CohortFunnel, Funnel, Journey, Step, StepCount, depth

log = logging.getLogger(__name__)

TRACK_FIRST_STEPS = timedelta(days=90)  # first message / reply watched live this long after joining
REGULAR_WEEKS = 12  # "regular" counts when reached within a newcomer's first 12 weeks
TRACK_PROGRESS = timedelta(weeks=REGULAR_WEEKS, days=1)  # week 2 and regular are evaluated this long
CATCH_UP = timedelta(hours=2)  # at start-up, stored activity this recent is scanned for first steps
BACKFILL_SINCE = timedelta(days=5 * 365)
REFRESH_CHUNK = 500  # journeys per step; ~100 ms of work at most between yields
SLACK = timedelta(minutes=5)  # platform clocks: a message stamped just before the join still counts
# How long after the end of a cohort's week every member of it could have reached the step.
MIN_AGE = {
    Step.JOINED: timedelta(0),
    Step.ACCEPTED_RULES: timedelta(0),
    Step.FIRST_MESSAGE: timedelta(0),
    Step.FIRST_REPLY: timedelta(0),
    Step.ACTIVE_WEEK2: timedelta(days=14),
    Step.REGULAR: timedelta(days=21),
}
BACKFILL_MARK = "onboarding:backfill"


@dataclass(slots=True)
class _Open:
    joined_at: datetime
    has_message: bool
    has_reply: bool
    floor: datetime = datetime.min.replace(tzinfo=UTC)  # joined_at - SLACK: activity from then on counts

    def __post_init__(self) -> None:
        self.floor = self.joined_at - SLACK


def week2_and_regular(joined: datetime, active: set[date], now: datetime) -> tuple[datetime | None, datetime | None]:
    """When they were first active in their second week (days 7–13), and when they became regular: the
    second active day of the third of three consecutive weeks with ≥ 2 active days (weeks from the join day)."""
    start = joined.astimezone(UTC).date()
    offsets = sorted((d - start).days for d in active if d >= start)
    week2 = next((o for o in offsets if 7 <= o <= 13), None)
    per_week: dict[int, list[int]] = defaultdict(list)
    for o in offsets:
        if o < REGULAR_WEEKS * 7:
            per_week[o // 7].append(o)
    regular = None
    for week in sorted(per_week):
        if all(len(per_week.get(week + k, ())) >= 2 for k in range(3)):
            regular = per_week[week + 2][1]
            break

    def at(offset: int | None) -> datetime | None:
        if offset is None:
            return None
        moment = datetime.combine(start + timedelta(days=offset), time(0), UTC)
        return moment if moment <= now else None

    return at(week2), at(regular)


Key = tuple[int, int]  # community, member


def scan(rows: Iterable[Any], open_: dict[Key, _Open]) -> dict[Key, list[datetime | None]]:
    """The earliest first message and first reply (from another member) in `rows` for open journeys.
    Rows need community_id, member_id, reply_to_member_id, kind and at (ActivityRow or a stored row)."""
    found: dict[Key, list[datetime | None]] = {}
    get = open_.get
    for row in rows:
        if row.kind != "message":
            continue
        cid, at = row.community_id, row.at
        state = get((cid, row.member_id))
        if state is not None and not state.has_message and at >= state.floor:
            pair = found.setdefault((cid, row.member_id), [None, None])
            if pair[0] is None or at < pair[0]:
                pair[0] = at
        target = row.reply_to_member_id
        if target is not None and target != row.member_id:
            state = get((cid, target))
            if state is not None and not state.has_reply and at >= state.floor:
                pair = found.setdefault((cid, target), [None, None])
                if pair[1] is None or at < pair[1]:
                    pair[1] = at
    return found


def settle(found: dict[Key, list[datetime | None]], open_: dict[Key, _Open]) -> list[tuple[int, int, Any, Any]]:
    """Mark what was found (journeys with both first steps stop being watched); the rows to store."""
    for key, (message, reply) in found.items():
        state = open_[key]
        state.has_message = state.has_message or message is not None
        state.has_reply = state.has_reply or reply is not None
        if state.has_message and state.has_reply:
            del open_[key]
    return [(cid, mid, m, r) for (cid, mid), (m, r) in found.items()]


def cohort_funnel(week: date, depths: Sequence[Step], measurable: Sequence[Step]) -> CohortFunnel:
    """`depths`: each member's furthest step reached in order (models.depth)."""
    at_least = [0] * (len(Step) + 1)
    for d in depths:
        at_least[d] += 1
    for step in reversed(Step):  # members who got to a step or further
        at_least[step] += at_least[step + 1]
    reached = {step: at_least[step] for step in Step}
    steps = tuple(
        StepCount(step, reached[step], reached[Step(step - 1)] if step > Step.JOINED else reached[step])
        for step in measurable
    )
    return CohortFunnel(week, steps, biggest_drop(steps))


def biggest_drop(steps: Sequence[StepCount]) -> Step | None:
    """The step with the lowest conversion from the one before (the earliest on a tie); None when nobody lost."""
    rated = [(c.rate, c.step) for c in steps if c.step > Step.JOINED and c.rate is not None]
    if not rated:
        return None
    rate, step = min(rated, key=lambda pair: (pair[0], pair[1]))
    return step if rate < 1 else None


class JourneyService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._open: dict[Key, _Open] = {}

    # -- first message, first reply -----------------------------------------------------------------
    async def load(self, member_id: int | None = None) -> None:
        since = self.ctx.clock.now() - TRACK_FIRST_STEPS
        for cid, mid, joined, has_message, has_reply in await self.ctx.repo.open_first_steps(since, member_id):
            self._open[(cid, mid)] = _Open(joined, has_message, has_reply)

    def watch(self, journey: Journey) -> None:
        if journey.first_message_at is None or journey.first_reply_at is None:
            self._open[(journey.community_id, journey.member_id)] = _Open(
                journey.joined_at, journey.first_message_at is not None, journey.first_reply_at is not None
            )

    async def merged(self, keep_id: int, drop_id: int) -> None:
        """Members merged (/link): the kept member's journeys are read again."""
        for key in [k for k in self._open if k[1] in (keep_id, drop_id)]:
            del self._open[key]
        await self.load(keep_id)

    def on_activity(self, event: ActivityWritten) -> Awaitable[None] | None:
        """Hot path (every flush): nothing to do unless some journey still misses a first step."""
        if not self._open:
            return None
        found = scan(event.rows, self._open)
        return self.ctx.repo.set_first_steps(settle(found, self._open)) if found else None

    async def catch_up(self, since: datetime, joined_since: datetime) -> int:
        """First steps from stored raw activity since `since`, for journeys joined since `joined_since` (the
        seconds before start-up finished, or every stored row for the backfill)."""
        open_ = {(c, m): _Open(j, hm, hr) for c, m, j, hm, hr in await self.ctx.repo.open_first_steps(joined_since)}
        written = 0
        if open_:
            async for rows in self.ctx.repo.messages(since, sorted({cid for cid, _ in open_})):
                found = scan(rows, open_)
                if found:
                    await self.ctx.repo.set_first_steps(settle(found, open_))
                    written += len(found)
        return written

    # -- week 2, regular; backfill ------------------------------------------------------------------
    async def refresh(self, now: datetime, community_id: int | None = None) -> int:
        """Active in week 2 and regular, from the day rollups, for journeys young enough to reach them. Works
        in chunks, yielding between them, so a big community never holds up commands for long."""
        repo = self.ctx.repo
        done = 0
        async for batch in repo.open_progress(now - TRACK_PROGRESS, community_id, REFRESH_CHUNK):
            by_community: dict[int, list[tuple[int, int, datetime, bool, bool]]] = defaultdict(list)
            for row in batch:
                by_community[row[0]].append(row)
            for cid, journeys in by_community.items():
                since = min(j[2] for j in journeys).astimezone(UTC).date()
                days = await repo.active_days(cid, [j[1] for j in journeys], since)
                changed: list[tuple[int, int, datetime | None, datetime | None]] = []
                for _cid, mid, joined, has_week2, has_regular in journeys:
                    week2, regular = week2_and_regular(joined, days.get(mid, set()), now)
                    week2 = None if has_week2 else week2
                    regular = None if has_regular else regular
                    if week2 is not None or regular is not None:
                        changed.append((cid, mid, week2, regular))
                await repo.set_progress(changed)
                done += len(changed)
                await asyncio.sleep(0)
        return done

    async def backfill(self) -> None:
        """Once: journeys for joins recorded before onboarding existed, with what stored activity tells."""
        if await self.ctx.marks.get(BACKFILL_MARK):
            return
        created = await self.ctx.repo.backfill_journeys()
        now = self.ctx.clock.now()
        if created:
            await self.catch_up(now - BACKFILL_SINCE, now - BACKFILL_SINCE)
            log.info("onboarding: backfilled %d journeys from recorded joins and activity", created)
        await self.ctx.marks.set(BACKFILL_MARK, 1)

    async def start(self) -> None:
        """Watch first steps at once (activity flushes are already running), then catch up and refresh."""
        now = self.ctx.clock.now()
        await self.load()
        await self.backfill()
        await self.catch_up(now - CATCH_UP, now - TRACK_FIRST_STEPS)
        await self.refresh(now)

    # -- the funnel ---------------------------------------------------------------------------------
    async def funnel(self, community_id: int, now: datetime, weeks: int = 8) -> Funnel:
        community = await self.ctx.community(community_id)
        zone = ZoneInfo(community.timezone)
        today = now.astimezone(zone).date()
        this_week = today - timedelta(days=today.weekday())
        weeks_shown = [this_week - timedelta(weeks=k) for k in reversed(range(max(1, weeks)))]
        edges = [*weeks_shown, this_week + timedelta(weeks=1)]
        bounds = [datetime.combine(d, time(0), zone).astimezone(UTC) for d in edges]  # exact, whatever the DST
        cohorts: dict[date, list[Step]] = defaultdict(list)
        for index, *flags, count in await self.ctx.repo.funnel_counts(community_id, bounds):
            cohorts[weeks_shown[index]].extend([depth(*flags)] * count)
        results: list[CohortFunnel] = []
        totals: dict[Step, list[int]] = {step: [0, 0] for step in Step}
        measured: set[Step] = set()
        for week in sorted(cohorts, reverse=True):
            week_end = datetime.combine(week + timedelta(days=7), time(0), zone).astimezone(UTC)
            steps = [s for s in Step if not MIN_AGE[s] or now >= week_end + MIN_AGE[s]]
            cohort = cohort_funnel(week, cohorts[week], steps)
            results.append(cohort)
            for count in cohort.steps:
                totals[count.step][0] += count.reached
                totals[count.step][1] += count.previous
                measured.add(count.step)
        overall = tuple(StepCount(s, totals[s][0], totals[s][1]) for s in Step if s in measured)
        return Funnel(community_id, tuple(results), overall, biggest_drop(overall))
