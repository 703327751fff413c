"""Moderation as the feature sees it: infractions, reports, automod and raid settings (aware UTC times),
and the hub events other features may subscribe to (the digest, risk alerts, analytics)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.core.targets import Target


class InfractionKind(StrEnum):
    WARN = "warn"
    MUTE = "mute"
    UNMUTE = "unmute"
    KICK = "kick"
    BAN = "ban"
    UNBAN = "unban"
    NOTE = "note"


class InfractionState(StrEnum):
    PENDING = "pending"  # written, the platform call is under way
    ACTIVE = "active"  # in force (a warning within its window, a mute, a ban)
    DONE = "done"  # instantaneous and done (kick, unmute, unban, note)
    EXPIRED = "expired"  # a temporary one ended on time
    LIFTED = "lifted"  # ended early by /unmute or /unban
    FAILED = "failed"  # the platform refused; `detail` says why


class Source(StrEnum):
    MANUAL = "manual"  # a moderator's command
    AUTOMOD = "automod"
    ESCALATION = "escalation"  # the warning ladder
    REPORT = "report"  # a button on a report in the mod queue


class BotPermission(StrEnum):
    """What the bot may lack, in platform terms (named in the answer so a manager can grant it)."""

    TIMEOUT_MEMBERS = "timeout_members"  # Discord: Timeout Members (moderate_members)
    KICK_MEMBERS = "kick_members"
    BAN_MEMBERS = "ban_members"
    MANAGE_MESSAGES = "manage_messages"
    MANAGE_CHANNELS = "manage_channels"
    MANAGE_SERVER = "manage_server"
    RESTRICT_MEMBERS = "restrict_members"  # Telegram: Ban users (can_restrict_members)
    DELETE_MESSAGES = "delete_messages"  # Telegram: Delete messages (can_delete_messages)


@dataclass(frozen=True, slots=True)
class Infraction:
    id: int
    community_id: int
    member_id: int
    moderator_id: int | None  # None: the bot acted by itself (automod, escalation)
    kind: InfractionKind
    reason: str  # as written; system reasons are codes ("§automod:flood") translated when shown
    created_at: datetime
    until: datetime | None
    state: InfractionState
    source: Source
    platform: str
    scope_id: str
    user_id: str  # the member's platform user id where it happened (to end a ban after the fact)
    detail: str = ""  # why it failed
    ended_at: datetime | None = None

    def shown_state(self, now: datetime) -> InfractionState:
        if self.state is InfractionState.ACTIVE and self.until is not None and self.until <= now:
            return InfractionState.EXPIRED
        return self.state

    @property
    def duration(self) -> timedelta | None:
        return self.until - self.created_at if self.until is not None else None


@dataclass(frozen=True, slots=True)
class NewInfraction:
    community_id: int
    member_id: int
    moderator_id: int | None
    kind: InfractionKind
    reason: str
    created_at: datetime
    until: datetime | None
    state: InfractionState
    source: Source
    platform: str
    scope_id: str
    user_id: str


@dataclass(frozen=True, slots=True)
class TargetFacts:
    """What the platform says about the member an action is aimed at, and about the moderator and the bot.
    Ranks are the top roles' positions (Discord); None where a platform has no role hierarchy."""

    known: bool  # the account exists (a ban may aim at someone who already left)
    present: bool  # a member of this server / group now
    is_self: bool = False  # the bot itself
    is_bot: bool = False
    is_owner: bool = False
    is_admin: bool = False  # Telegram administrator or creator; Discord Administrator permission
    actor_is_owner: bool = False
    actor_rank: int | None = None
    target_rank: int | None = None
    bot_rank: int | None = None
    name: str | None = None


class ActionFailed(Exception):
    """The platform refused an action. `permission` names what the bot lacks when that is the reason;
    `gone` says there was nothing to act on (a ban already lifted, a member who left, a deleted message)."""

    def __init__(self, detail: str, permission: BotPermission | None = None, gone: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        self.permission = permission
        self.gone = gone


# -- automod, escalation and raid settings ----------------------------------------------------------


class Rule(StrEnum):
    FLOOD = "flood"  # `limit` messages within `seconds`
    REPEAT = "repeat"  # the same message `limit` times within `seconds`
    MENTIONS = "mentions"  # `limit` or more members mentioned in one message
    INVITES = "invites"  # invitations to other servers or groups
    LINKS = "links"  # links outside the allow list, or on the deny list
    CAPS = "caps"  # `limit` percent capitals or more in a longer message
    WORDS = "words"  # banned words and phrases
    NEW_ACCOUNTS = "newaccounts"  # accounts younger than `limit` days posting links, invites or mentions


class AutomodAction(StrEnum):
    DELETE = "delete"  # the message goes
    WARN = "warn"  # the message goes and the member is warned (the ladder counts it)
    MUTE = "mute"  # the message goes and the member is muted for `mute_minutes`

    @property
    def severity(self) -> int:
        return {"delete": 0, "warn": 1, "mute": 2}[self.value]


@dataclass(frozen=True, slots=True)
class RuleSetting:
    enabled: bool
    action: AutomodAction
    limit: int = 0
    seconds: int = 0


DEFAULT_RULES: dict[Rule, RuleSetting] = {
    Rule.FLOOD: RuleSetting(True, AutomodAction.MUTE, limit=6, seconds=8),
    Rule.REPEAT: RuleSetting(True, AutomodAction.DELETE, limit=3, seconds=60),
    Rule.MENTIONS: RuleSetting(True, AutomodAction.DELETE, limit=6),
    Rule.INVITES: RuleSetting(False, AutomodAction.DELETE),
    Rule.LINKS: RuleSetting(False, AutomodAction.DELETE),
    Rule.CAPS: RuleSetting(False, AutomodAction.DELETE, limit=70),
    Rule.WORDS: RuleSetting(True, AutomodAction.DELETE),
    Rule.NEW_ACCOUNTS: RuleSetting(False, AutomodAction.DELETE, limit=7),
}


@dataclass(frozen=True, slots=True)
class AutomodConfig:
    enabled: bool = True
    rules: dict[Rule, RuleSetting] = field(default_factory=lambda: dict(DEFAULT_RULES))
    words: tuple[str, ...] = ()  # "word", "two words", "prefix*"
    allow_domains: tuple[str, ...] = ()
    deny_domains: tuple[str, ...] = ()
    mute_minutes: int = 10

    def rule(self, rule: Rule) -> RuleSetting:
        return self.rules.get(rule, DEFAULT_RULES[rule])

    def with_rule(self, rule: Rule, setting: RuleSetting) -> AutomodConfig:
        return replace(self, rules={**self.rules, rule: setting})


@dataclass(frozen=True, slots=True)
class EscalationConfig:
    """`warnings` active warnings within `days` → `action` (for `minutes`; a ban without minutes is
    permanent). 0 warnings switches the ladder off."""

    warnings: int = 3
    days: int = 30
    action: InfractionKind = InfractionKind.MUTE
    minutes: int | None = 60


@dataclass(frozen=True, slots=True)
class RaidConfig:
    enabled: bool = True
    joins: int = 10
    seconds: int = 60
    lockdown_minutes: int = 30
    slowmode_seconds: int = 30


@dataclass(frozen=True, slots=True)
class ModSettings:
    community_id: int
    log_channel: Target | None = None
    queue_channel: Target | None = None
    appeal: str = ""  # how to appeal, as managers wrote it; empty = a translated default
    automod: AutomodConfig = field(default_factory=AutomodConfig)
    escalation: EscalationConfig = field(default_factory=EscalationConfig)
    raid: RaidConfig = field(default_factory=RaidConfig)
    lockdown_until: datetime | None = None
    lockdown_state: dict[str, Any] = field(default_factory=dict)  # per scope: what to restore, who was held


# -- reports -------------------------------------------------------------------------------------------


class ReportStatus(StrEnum):
    OPEN = "open"
    DISMISSED = "dismissed"
    ACTIONED = "actioned"


@dataclass(frozen=True, slots=True)
class Report:
    id: int
    community_id: int
    reporter_id: int
    target_member_id: int | None
    target_user_id: str | None  # the reported member's platform user id
    reason: str
    platform: str
    scope_id: str
    channel_id: str
    message_id: str | None
    link: str | None
    created_at: datetime
    status: ReportStatus
    moderator_id: int | None = None
    handled_at: datetime | None = None
    action: str | None = None
    queue_target: Target | None = None
    queue_message_id: str | None = None


@dataclass(frozen=True, slots=True)
class NewReport:
    community_id: int
    reporter_id: int
    target_member_id: int | None
    target_user_id: str | None
    reason: str
    platform: str
    scope_id: str
    channel_id: str
    message_id: str | None
    link: str | None
    created_at: datetime


# -- the digest's read model -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ModerationSummary:
    """A community's moderation in [start, end): actions taken by kind (failed ones apart), reports filed
    and still open, automod hits by rule."""

    community_id: int
    start: datetime
    end: datetime
    actions: dict[str, int]
    failed: int
    reports_filed: int
    reports_open: int
    reports_handled: int
    automod_hits: dict[str, int]
    lockdowns: int

    @property
    def total_actions(self) -> int:
        return sum(self.actions.values())


@dataclass(frozen=True, slots=True)
class RiskDay:
    """Risk sources per day (for an alert's baseline): reports filed and automod hits."""

    day: date
    reports: int
    automod_hits: int


# -- hub events other features may subscribe to -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InfractionRecorded:
    community_id: int
    infraction_id: int
    member_id: int
    kind: str
    source: str
    state: str  # active, done or failed
    at: datetime


@dataclass(frozen=True, slots=True)
class ReportFiled:
    community_id: int
    report_id: int
    reporter_id: int
    target_member_id: int | None
    at: datetime
    # where the reported message is (ids only), for a risk alert's examples
    platform: str = ""
    scope_id: str | None = None
    channel_id: str | None = None
    message_id: str | None = None


@dataclass(frozen=True, slots=True)
class AutomodHit:
    community_id: int
    member_id: int
    rule: str
    action: str
    platform: str
    at: datetime
    scope_id: str | None = None  # where the message was (ids only), for a risk alert's examples
    channel_id: str | None = None
    message_id: str | None = None


@dataclass(frozen=True, slots=True)
class LockdownChanged:
    community_id: int
    on: bool
    automatic: bool
    at: datetime
    until: datetime | None = None
