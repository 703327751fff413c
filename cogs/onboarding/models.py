"""What onboarding stores and returns (aware UTC times), and the hub events it publishes or hears."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import IntEnum, StrEnum

from bot.core.targets import Target

DEFAULT_GATE_MINUTES = 10
DEFAULT_NUDGE_DAYS = (3, 7)


class Step(IntEnum):
    """The newcomer journey, in order. A member counts at a step when they reached it and every step before."""

    JOINED = 0
    ACCEPTED_RULES = 1  # members who joined while no rules gate applied pass this step
    FIRST_MESSAGE = 2
    FIRST_REPLY = 3  # another member replied to them
    ACTIVE_WEEK2 = 4  # any activity on days 7–13 after joining
    REGULAR = 5  # active on ≥ 2 days a week for 3 consecutive weeks (weeks counted from the join day)


class TemplateKind(StrEnum):
    POST = "post"  # in the welcome channel / the group
    DM = "dm"  # to the newcomer privately


@dataclass(frozen=True, slots=True)
class OnboardingSettings:
    community_id: int
    rules: tuple[str, ...] = ()
    gate_enabled: bool = True  # the gate works once its conditions hold (rules; member role on Discord)
    gate_minutes: int = DEFAULT_GATE_MINUTES
    member_role: str | None = None  # Discord role granted on accepting the rules
    welcome_channel: Target | None = None  # Discord channel for welcome posts (Telegram: the group itself)
    welcome_post: bool = True
    welcome_dm: bool = True
    nudges_enabled: bool = True
    nudge_days: tuple[int, ...] = DEFAULT_NUDGE_DAYS


@dataclass(frozen=True, slots=True)
class Interest:
    id: int
    community_id: int
    name: str
    role_id: str | None = None  # Discord role given to members who pick it


class GateKind(StrEnum):
    RESTRICT = "restrict"  # Telegram: restricted in the group until they accept
    REQUEST = "request"  # Telegram: a join request, approved when they accept
    ROLE = "role"  # Discord: the member role is granted when they accept


class GateStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    EXPIRED = "expired"  # the time limit passed: removed (Telegram) or the request declined
    FAILED = "failed"  # the platform refused to show or hold it: the newcomer was let in
    LEFT = "left"  # the newcomer left before answering


@dataclass(frozen=True, slots=True)
class Gate:
    id: int
    community_id: int
    member_id: int
    platform: str
    scope_id: str  # guild / chat
    user_id: str
    name: str
    kind: GateKind
    status: GateStatus
    created_at: datetime
    deadline: datetime | None  # None: no time limit (Discord)
    post: Target | None = None  # where the rules with the accept button were posted
    post_id: str | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NewGate:
    community_id: int
    member_id: int
    platform: str
    scope_id: str
    user_id: str
    name: str
    kind: GateKind
    deadline: datetime | None


@dataclass(frozen=True, slots=True)
class Journey:
    community_id: int
    member_id: int
    joined_at: datetime  # the first join: a rejoin keeps it
    last_joined_at: datetime
    joins: int
    gated: bool  # a rules gate applied when they joined
    rules_accepted_at: datetime | None = None
    first_message_at: datetime | None = None
    first_reply_at: datetime | None = None
    week2_active_at: datetime | None = None
    regular_at: datetime | None = None
    left_at: datetime | None = None
    nudges_opt_out: bool = False
    platform: str = ""  # where they first joined (nudges go to that DM)
    welcome_fallback_at: datetime | None = None  # their welcome DM was refused and posted in the chat instead

    @property
    def present(self) -> bool:
        return self.left_at is None or self.left_at < self.last_joined_at

    def reached(self, step: Step) -> bool:
        """Reached `step` and every step before it (the rules step is passed when no gate applied)."""
        return self.depth >= step

    @property
    def depth(self) -> Step:
        steps = (self.rules_accepted_at, self.first_message_at, self.first_reply_at, self.week2_active_at,
                 self.regular_at)  # fmt: skip
        return depth(self.gated, *(at is not None for at in steps))


def depth(gated: bool, rules: bool, message: bool, reply: bool, week2: bool, regular: bool) -> Step:
    """The furthest step reached with every step before it (the funnel counts a member there)."""
    for step, done in (
        (Step.ACCEPTED_RULES, rules or not gated),
        (Step.FIRST_MESSAGE, message),
        (Step.FIRST_REPLY, reply),
        (Step.ACTIVE_WEEK2, week2),
        (Step.REGULAR, regular),
    ):
        if not done:
            return Step(step - 1)
    return Step.REGULAR


class NudgeStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    SKIPPED = "skipped"  # they had posted, left, opted out, or nudges were switched off
    MISSED = "missed"  # came due while the bot was down, past the grace


@dataclass(frozen=True, slots=True)
class Nudge:
    community_id: int
    member_id: int
    day: int
    due_at: datetime
    status: NudgeStatus
    sent_at: datetime | None = None
    posted_after: bool | None = None  # posted within 3 days after it was sent (None: not known yet)


@dataclass(frozen=True, slots=True)
class PendingWelcome:
    """A newcomer waiting for the (batched) welcome post in their channel or group."""

    id: int
    community_id: int
    member_id: int
    platform: str
    scope_id: str
    user_id: str
    name: str
    post_due_at: datetime | None


# -- the funnel ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StepCount:
    step: Step
    reached: int  # members who got this far
    previous: int  # members who got to the step before (the base of the conversion)

    @property
    def rate(self) -> float | None:
        return self.reached / self.previous if self.previous else None


@dataclass(frozen=True, slots=True)
class CohortFunnel:
    week: date  # Monday of the join week, in the community's time zone
    steps: tuple[StepCount, ...]  # the steps that can be measured for this cohort yet (young cohorts: fewer)
    biggest_drop: Step | None  # the step with the lowest conversion from the one before


@dataclass(frozen=True, slots=True)
class Funnel:
    community_id: int
    cohorts: tuple[CohortFunnel, ...]  # newest first
    overall: tuple[StepCount, ...]  # every cohort where the step can be measured, added up
    biggest_drop: Step | None


# -- hub events ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JoinRequested:
    """Telegram: someone asked to join a group that approves new members (`chat_join_request`)."""

    platform: str
    scope_id: str
    scope_title: str
    user_id: str
    display_name: str | None
    at: datetime
    locale: str | None = None
