"""The weekly digest and urgent alerts for managers: what is stored (schedule, subscriptions, alerts), what the
optional sections' providers return (cogs/digest/ports.py), the hub event other features publish for risk
alerts, and the composed digest."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from bot.core.i18n import Text
from cogs.analytics.metrics.models import DriftingMember, WeekMetrics

DEFAULT_WEEKDAY = 0  # Monday
DEFAULT_HOUR = 9

# -- stored -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DigestSettings:
    community_id: int
    weekday: int = DEFAULT_WEEKDAY  # 0 = Monday, in the community's time zone
    hour: int = DEFAULT_HOUR
    to_channel: bool = True  # also to the manager channel (/setup channel), when one is set


@dataclass(frozen=True, slots=True)
class Subscription:
    community_id: int
    member_id: int
    platform: str
    user_id: str  # where the private message goes


class RiskKind:
    """What a risk alert can be about. Leaves and watch-list terms are counted by the digest itself; the others
    arrive as `RiskSignal`s from the features that see them."""

    LEAVE = "leave"
    WATCH_TERM = "watch_term"
    REPORT = "report"  # moderation: a member reported a message
    AUTOMOD = "automod"  # moderation: an automod rule hit
    NEGATIVE_FEEDBACK = "negative_feedback"  # feedback: a problem report / negative item

    ALL = (LEAVE, WATCH_TERM, REPORT, AUTOMOD, NEGATIVE_FEEDBACK)


@dataclass(frozen=True, slots=True)
class RiskSignal:
    """Published on the hub by the feature that saw it (moderation: `report`, `automod`; feedback:
    `negative_feedback`): the digest counts signals per community and hour and alerts managers when a burst
    stands out from the community's own baseline. Ids only, no text."""

    community_id: int
    kind: str
    at: datetime
    platform: str = ""
    scope_id: str | None = None  # guild / chat, for a link to the message
    channel_id: str | None = None
    message_id: str | None = None


@dataclass(frozen=True, slots=True)
class RiskExample:
    platform: str
    scope_id: str | None
    channel_id: str | None
    message_id: str | None


@dataclass(frozen=True, slots=True)
class RiskAlert:
    id: int
    community_id: int
    kind: str
    hour: datetime
    count: int
    baseline: float
    score: float
    examples: tuple[RiskExample, ...]
    created_at: datetime


# -- what the optional sections' providers return (see ports.py) -----------------------------------------------


@dataclass(frozen=True, slots=True)
class FunnelStep:
    label: Text  # "joined", "accepted the rules", "first message", …
    members: int


@dataclass(frozen=True, slots=True)
class Funnel:
    """The newcomer journey of members who joined in the period asked for: steps in journey order (the first is
    "joined"), each with how many of them reached it (non-increasing)."""

    steps: tuple[FunnelStep, ...]


@dataclass(frozen=True, slots=True)
class SurveyResult:
    kind: str  # "nps" (score −100…100) or "csat" (share of 4–5 answers, 0…1)
    title: str
    closed_at: datetime
    responses: int
    score: float
    margin: float | None = None  # 95 % margin of error, in the score's unit
    previous: float | None = None  # the previous survey of the same kind, for the trend


@dataclass(frozen=True, slots=True)
class PollResult:
    title: str
    closed_at: datetime
    votes: int
    top_option: str
    top_share: float  # 0…1


@dataclass(frozen=True, slots=True)
class Satisfaction:
    surveys: tuple[SurveyResult, ...] = ()
    polls: tuple[PollResult, ...] = ()


@dataclass(frozen=True, slots=True)
class FeedbackItem:
    number: int  # #12, per community
    title: str
    votes: int
    status: Text  # translated status label ("planned")


@dataclass(frozen=True, slots=True)
class StatusChange:
    item: FeedbackItem
    old: Text
    new: Text


@dataclass(frozen=True, slots=True)
class FeedbackDigest:
    new_items: int
    top_voted: tuple[FeedbackItem, ...] = ()  # open items, most votes first
    status_changes: tuple[StatusChange, ...] = ()
    themes: tuple[tuple[str, int], ...] = ()  # recurring terms and how many items mention them
    awaiting_reply: int = 0  # items still without a manager's status or reply


@dataclass(frozen=True, slots=True)
class ModerationDigest:
    actions: tuple[tuple[Text, int], ...] = ()  # ("warnings", 3), ("mutes", 1), …
    reports: int = 0
    reports_open: int = 0
    automod_hits: int = 0
    top_rules: tuple[tuple[Text, int], ...] = ()  # automod rule (its label), hits


# -- the composed digest ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventLine:
    id: int
    title: str
    starts_at: datetime
    going: int
    maybe: int
    waitlist: int
    capacity: int | None
    interest: str | None = None


@dataclass(frozen=True, slots=True)
class DriftAdvice:
    """A drifting member and what to do: invite them to an event matching their interests, or write to them."""

    member: DriftingMember
    event: EventLine | None = None
    interest: str | None = None  # the interest the event matches


@dataclass(frozen=True, slots=True)
class Action:
    """One of the three things to do this week: a sentence naming who or what."""

    kind: str
    text: Text
    weight: float


@dataclass(frozen=True, slots=True)
class Scope:
    platform: str
    scope_id: str
    title: str


@dataclass(frozen=True, slots=True)
class Digest:
    community_id: int
    community_name: str
    timezone: str
    metrics: WeekMetrics
    scopes: tuple[Scope, ...]
    drift: tuple[DriftAdvice, ...]
    events_held: tuple[EventLine, ...]
    events_upcoming: tuple[EventLine, ...]
    actions: tuple[Action, ...]
    alerts: tuple[RiskAlert, ...] = ()
    funnel: Funnel | None = None
    satisfaction: Satisfaction | None = None
    feedback: FeedbackDigest | None = None
    moderation: ModerationDigest | None = None
    sections_missing: tuple[str, ...] = field(default_factory=tuple)  # providers not registered
    channel_names: dict[str, str] = field(default_factory=dict)  # channel id → name, where a platform knows it

    @property
    def week(self) -> date:
        return self.metrics.period.week
