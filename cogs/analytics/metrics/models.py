"""What the engagement metrics are (SPEC §3 "Engagement analytics"): plain frozen values, computed per community and
week by `cogs.analytics.metrics.compute_week`, read by the digest, /stats, /atrisk and the exports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PLATFORM_ALL = "all"  # the week tables' row for every platform at once (linked accounts counted once)


@dataclass(frozen=True, slots=True)
class Period:
    """A digest week: Monday 00:00 to the next Monday 00:00 in the community's time zone (167 or 169 hours in a
    daylight-saving week). Day-level numbers come from rollups kept per UTC day: they cover the seven calendar
    days with the week's dates; raw-row numbers (joins, leaves, questions) use the exact local bounds."""

    week: date  # the Monday
    timezone: str
    start: datetime  # aware UTC
    end: datetime

    @classmethod
    def of(cls, week: date, timezone: str) -> Period:
        monday = week - timedelta(days=week.weekday())
        zone = ZoneInfo(timezone)
        start = datetime.combine(monday, time(0), zone).astimezone(ZoneInfo("UTC"))
        end = datetime.combine(monday + timedelta(days=7), time(0), zone).astimezone(ZoneInfo("UTC"))
        return cls(monday, timezone, start, end)

    @classmethod
    def containing(cls, when: datetime, timezone: str) -> Period:
        return cls.of(when.astimezone(ZoneInfo(timezone)).date(), timezone)

    @classmethod
    def last_complete(cls, now: datetime, timezone: str) -> Period:
        """The latest week that has ended by `now`."""
        return cls.containing(now, timezone).shifted(-1)

    def shifted(self, weeks: int) -> Period:
        return Period.of(self.week + timedelta(weeks=weeks), self.timezone)

    @property
    def last_day(self) -> date:
        return self.week + timedelta(days=6)


@dataclass(frozen=True, slots=True)
class Person:
    """A member named in a per-member list (never one who opted out of analytics)."""

    member_id: int
    name: str
    user_ref: str | None = None  # "discord:123" / "telegram:456": a link where the platform has one
    platforms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PlatformWeek:
    platform: str
    active: int
    messages: int
    active_prev: int
    messages_prev: int


@dataclass(frozen=True, slots=True)
class Headline:
    active: int  # WAU: active at least once in the week
    active_prev: int
    messages: int
    messages_prev: int
    replies: int
    reactions: int
    joins: int
    joins_prev: int
    leaves: int
    leaves_prev: int
    dau_mean: float  # mean daily active members over the week
    mau: int  # active in the 28 days ending with the week
    dau_mean_28: float
    platforms: tuple[PlatformWeek, ...] = ()

    @property
    def net(self) -> int:
        return self.joins - self.leaves

    @property
    def net_prev(self) -> int:
        return self.joins_prev - self.leaves_prev

    @property
    def stickiness(self) -> float:
        """Mean DAU over the 28 days ÷ MAU."""
        return self.dau_mean_28 / self.mau if self.mau else 0.0


@dataclass(frozen=True, slots=True)
class WeekPoint:
    week: date
    active: int
    messages: int
    joins: int
    leaves: int


@dataclass(frozen=True, slots=True)
class Quarter:
    """The last 13 weeks against the 13 before them."""

    joins: int
    leaves: int
    prev_joins: int
    prev_leaves: int
    avg_active: float
    prev_avg_active: float
    messages: int
    prev_messages: int
    has_previous: bool  # the previous 13 weeks saw any activity or membership change at all

    @property
    def net(self) -> int:
        return self.joins - self.leaves

    @property
    def prev_net(self) -> int:
        return self.prev_joins - self.prev_leaves


@dataclass(frozen=True, slots=True)
class Cohort:
    """Members who joined in one week, and how many of them were active k weeks later (k = 0 is that week)."""

    week: date
    size: int
    active: tuple[int, ...]

    @property
    def retention(self) -> tuple[float, ...]:
        return tuple(a / self.size if self.size else 0.0 for a in self.active)


@dataclass(frozen=True, slots=True)
class DriftingMember:
    person: Person
    baseline: float  # active days per week over the 4 weeks before
    recent_days: int  # active days this week
    last_active: date | None
    quiet_days: int
    quiet_too_long: bool  # quiet longer than max(14 days, twice their usual gap)


@dataclass(frozen=True, slots=True)
class QuestionRef:
    platform: str
    channel_id: str
    message_id: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class ChannelCount:
    platform: str
    channel_id: str
    count: int


@dataclass(frozen=True, slots=True)
class Dialogue:
    questions: int
    answered: int
    unanswered: int  # no reply from another member within 24 h
    still_open: int  # asked less than 24 h before the numbers were taken, no reply yet
    median_response_seconds: int | None
    examples: tuple[QuestionRef, ...] = ()  # recent unanswered ones (askers who opted out left out)
    by_channel: tuple[ChannelCount, ...] = ()


@dataclass(frozen=True, slots=True)
class Ties:
    replies: int  # replies to another member
    member_replies: int  # … where neither side is staff
    reciprocated: int  # pairs who replied to each other this week
    newcomers: int  # joined in the last 4 weeks
    newcomers_connected: int  # … with a reciprocated tie within 14 days of joining

    @property
    def member_share(self) -> float:
        return self.member_replies / self.replies if self.replies else 0.0


@dataclass(frozen=True, slots=True)
class Advocate:
    person: Person
    answers: int  # questions they answered first
    newcomers_helped: int  # newcomers they replied to for the first time, in the newcomers' first 14 days
    people_helped: int  # members they replied to
    reactions: int  # reactions others gave their messages

    @property
    def score(self) -> float:
        return advocate_score(self.answers, self.newcomers_helped, self.people_helped, self.reactions)


def advocate_score(answers: int, newcomers: int, people: int, reactions: int) -> float:
    """3 × questions answered first + 2 × newcomers helped + members replied to + ½ × reactions received."""
    return 3 * answers + 2 * newcomers + people + reactions / 2


@dataclass(frozen=True, slots=True)
class ChannelStat:
    platform: str
    channel_id: str
    messages: int
    messages_prev: int
    questions: int


@dataclass(frozen=True, slots=True)
class Newcomers:
    joined: int  # in the last 14 days, still members
    silent: int  # … who have not posted yet
    silent_people: tuple[Person, ...] = ()


@dataclass(frozen=True, slots=True)
class WeekMetrics:
    community_id: int
    period: Period
    computed_at: datetime
    headline: Headline
    series: tuple[WeekPoint, ...]  # 13 weeks, oldest first, ending with the period
    quarter: Quarter
    cohorts: tuple[Cohort, ...]
    drifting: tuple[DriftingMember, ...]  # named, ranked by how regular they were
    drifting_total: int  # including members who opted out (counted, not named)
    regulars: int
    dialogue: Dialogue
    ties: Ties
    advocates: tuple[Advocate, ...]
    channels: tuple[ChannelStat, ...]
    channel_messages: int
    newcomers: Newcomers
    staff: int
    opted_out: int = 0  # members left out of the lists above
    notes: tuple[str, ...] = field(default_factory=tuple)


# -- what the metrics repository returns (cogs/analytics/ports.py MetricsRepo) ----------------------------------


@dataclass(frozen=True, slots=True)
class CommunityWeekRow:
    week: date
    platform: str  # a platform, or PLATFORM_ALL
    active_members: int
    active_days: int
    messages: int
    replies: int
    reactions: int
    joins: int = 0  # on the PLATFORM_ALL row: members who joined that (UTC) week
    leaves: int = 0


@dataclass(frozen=True, slots=True)
class Habit:
    """A member's active days over a baseline window and in the current week."""

    member_id: int
    baseline_days: int
    current_days: int
    last_day: date | None


@dataclass(frozen=True, slots=True)
class ChannelRow:
    week: date
    platform: str
    channel_id: str
    messages: int
    questions: int


@dataclass(frozen=True, slots=True)
class QuestionCounts:
    total: int
    answered: int
    unanswered: int
    still_open: int
    median_response_seconds: int | None


@dataclass(frozen=True, slots=True)
class UnansweredRow:
    member_id: int
    platform: str
    channel_id: str
    message_id: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class TieCounts:
    replies: int
    member_replies: int
    reciprocated: int


@dataclass(frozen=True, slots=True)
class AdvocateRow:
    member_id: int
    answers: int
    newcomers_helped: int
    people_helped: int
    reactions: int


@dataclass(frozen=True, slots=True)
class PersonRow:
    member_id: int
    name: str | None
    identities: tuple[tuple[str, str], ...]  # (platform, user id)
    opted_out: bool
    left: bool
