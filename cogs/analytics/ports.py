from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Protocol

from bot.core.permissions import Role
from cogs.analytics.metrics.models import (
    AdvocateRow,
    ChannelRow,
    CommunityWeekRow,
    Habit,
    Period,
    PersonRow,
    QuestionCounts,
    TieCounts,
    UnansweredRow,
    WeekMetrics,
)
from cogs.analytics.models import MemberDay, RawRow


class ActivityRepo(Protocol):
    async def write_batch(self, rows: Sequence[RawRow]) -> None:
        """Write raw rows (tuples in ActivityRow field order) and add them to the member × day and
        member × week rollups, in one transaction.

        Rollup rules: messages and reactions count for their author; a reply counts as `replies` for
        its author and `replies_received` for the member replied to (never for replying to oneself);
        `questions` and `mentions` come from the row's flags."""
        ...

    async def record_membership(
        self, community_id: int, member_id: int, platform: str, joined: bool, at: datetime
    ) -> bool:
        """Record a join or leave; True when it is a join by someone who had joined this community before."""
        ...

    async def daily(self, community_id: int, since: date | None = None) -> list[MemberDay]: ...

    async def weekly(self, community_id: int) -> list[MemberDay]:
        """Member × week rollups (the `day` field holds the week's Monday), up to date."""
        ...

    async def membership_counts(self, community_id: int, since: datetime) -> tuple[int, int]:
        """(joins, leaves) since a time."""
        ...

    async def record_staff(self, community_id: int, member_id: int, role: Role, at: datetime) -> None:
        """The member acted as moderator or manager of the community at `at`."""
        ...

    async def refresh(self) -> None:
        """Bring the week tables the digest reads up to date (cheap when nothing new arrived)."""
        ...

    async def purge_raw_before(self, cutoff: datetime, batch: int = 10_000) -> int: ...


class MetricsRepo(Protocol):
    """The engagement metrics' reads, each one query over the week tables (storage/analytics_metrics.py): what a
    digest costs grows with the activity of the weeks it reads, not with the history kept."""

    async def refresh(self) -> None:
        """Fold what arrived since the last refresh into the week tables first."""
        ...

    async def community_weeks(self, community_id: int, first: date, last: date) -> list[CommunityWeekRow]: ...

    async def distinct_active(self, community_id: int, first: date, last: date) -> int:
        """Members active in any of the weeks first…last (Mondays), each counted once."""
        ...

    async def membership_buckets(self, community_id: int, bounds: Sequence[datetime]) -> list[tuple[int, int]]:
        """(joins, leaves) in each [bounds[i], bounds[i+1])."""
        ...

    async def cohorts(
        self, community_id: int, first_week: date, last_week: date
    ) -> dict[tuple[date, date], tuple[int, int]]:
        """{(cohort week, week): (members of the cohort active that week, cohort size — on the cohort's own week)}
        for cohorts first_week…last_week (a member's cohort is the UTC week of their latest join)."""
        ...

    async def habits(self, community_id: int, week: date) -> list[Habit]:
        """The regulars of `week` (≥ 2 active days a week over the 4 weeks before), with their active days in
        `week` and their last active day."""
        ...

    async def channels(self, community_id: int, weeks: Sequence[date]) -> list[ChannelRow]: ...

    async def question_counts(
        self, community_id: int, start: datetime, end: datetime, now: datetime
    ) -> QuestionCounts: ...

    async def unanswered(
        self, community_id: int, start: datetime, end: datetime, now: datetime, limit: int
    ) -> tuple[list[UnansweredRow], list[tuple[str, str, int]]]:
        """The latest unanswered questions (24 h passed without a reply) and (platform, channel, count) per channel."""
        ...

    async def ties(self, community_id: int, week: date) -> TieCounts:
        """Replies between members in the week, those where neither side is staff (as known when the week was
        last refreshed), and pairs who replied to each other."""
        ...

    async def newcomer_connections(self, community_id: int, start: datetime, end: datetime) -> tuple[int, int]:
        """(members who joined in [start, end), those of them with a reciprocated tie within 14 days of joining)."""
        ...

    async def newcomers(self, community_id: int, start: datetime, end: datetime) -> tuple[int, list[int]]:
        """(members who joined in [start, end) and are still members, those of them who have not posted since the
        week they joined)."""
        ...

    async def advocates(self, community_id: int, week: date, limit: int) -> list[AdvocateRow]:
        """The members with the highest advocate score in the week (Monday of the UTC-dated week), best first."""
        ...

    async def staff(self, community_id: int, since: datetime) -> set[int]:
        """Members seen acting as moderator or manager since `since`."""
        ...

    async def people(self, member_ids: Collection[int], community_id: int) -> dict[int, PersonRow]: ...

    async def opted_out_count(self, community_id: int) -> int: ...


class WeekMetricsSource(Protocol):
    """What other features (the digest) read: one community's week of engagement metrics
    (cogs/analytics/metrics/compute.py `Metrics`), and the community's week rows for a quick look."""

    async def week(self, community_id: int, period: Period, now: datetime) -> WeekMetrics: ...

    async def community_weeks(self, community_id: int, first: date, last: date) -> list[CommunityWeekRow]: ...
