"""What onboarding needs: its repository, three platform capabilities, and what it offers other features
(`FunnelReader`, for the weekly digest)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol

from bot.core.targets import Target
from cogs.onboarding.models import (
    Funnel,
    Gate,
    GateStatus,
    Interest,
    Journey,
    NewGate,
    Nudge,
    NudgeStatus,
    OnboardingSettings,
    PendingWelcome,
    TemplateKind,
)

# -- offered to other features ------------------------------------------------------------------------


class FunnelReader(Protocol):
    """The newcomer funnel of a community, per weekly join cohort (for the weekly digest and `/funnel`).

    It reads the stored journeys, so it is quick: first messages and replies are recorded as activity is
    written; "active in week 2" and "regular" are brought up to date every six hours (and by `/funnel`).

    `funnel(community_id, now, weeks)` covers members whose first join falls in the last `weeks` weeks
    (Monday-based, in the community's time zone), newest cohort first. Each cohort lists how many members
    reached each `Step` — a member counts at a step when they reached it and every step before it — and the
    conversion from the step before; steps a cohort is too young to have reached yet (active in week 2 needs
    14 days after the cohort's week, regular 21) are left out of that cohort. `overall` adds up the cohorts
    where each step can be measured, and `biggest_drop` names the step with the lowest conversion.
    Implemented by `OnboardingService.funnel` (`services.onboarding` in bot/app.py)."""

    async def funnel(self, community_id: int, now: datetime, weeks: int = 8) -> Funnel: ...


# -- platform capabilities (provided by bot/discord/exts/onboarding.py, bot/telegram/handlers/onboarding.py)


class AccessProblem(StrEnum):
    """Why the bot cannot hold newcomers at the door, in words a manager can act on."""

    NOT_ADMIN = "not_admin"  # Telegram: the bot is not an administrator of the group
    CANNOT_RESTRICT = "cannot_restrict"  # Telegram: an administrator without the right to restrict members
    CANNOT_INVITE = "cannot_invite"  # Telegram: may not approve join requests (invite users right)
    NO_MANAGE_ROLES = "no_manage_roles"  # Discord: the bot lacks Manage Roles
    ROLE_TOO_HIGH = "role_too_high"  # Discord: the role is not below the bot's highest role
    ROLE_UNKNOWN = "role_unknown"  # Discord: the role does not exist (any more)
    ROLE_MANAGED = "role_managed"  # Discord: @everyone or a role an integration manages
    REQUEST_GONE = "request_gone"  # Telegram: the join request was withdrawn or already handled
    UNKNOWN = "unknown"


class AccessRefused(Exception):
    """A platform refused a gate action; `problem` says why."""

    def __init__(self, problem: AccessProblem, detail: str = "") -> None:
        super().__init__(f"{problem.value}: {detail}" if detail else problem.value)
        self.problem = problem


class GroupGate(Protocol):
    """Telegram: hold a newcomer (no posting), let them in, remove them (kick, not ban), handle join requests."""

    async def problem(self, chat_id: str, *, requests: bool = False) -> AccessProblem | None: ...

    async def restrict(self, chat_id: str, user_id: str) -> None: ...

    async def unrestrict(self, chat_id: str, user_id: str) -> None: ...

    async def remove(self, chat_id: str, user_id: str) -> None: ...

    async def approve(self, chat_id: str, user_id: str) -> None: ...

    async def decline(self, chat_id: str, user_id: str) -> None: ...


class RoleGate(Protocol):
    """Discord: grant and take roles (the member role, interest roles); where welcomes go by default."""

    async def problem(self, guild_id: str, role_id: str) -> AccessProblem | None: ...

    async def grant(self, guild_id: str, user_id: str, role_id: str) -> None: ...

    async def revoke(self, guild_id: str, user_id: str, role_id: str) -> None: ...

    async def default_channel(self, guild_id: str) -> str | None: ...


class Headcount(Protocol):
    async def member_count(self, scope_id: str) -> int | None: ...


class Marks(Protocol):
    """Named integers kept across restarts (one-time work such as the journey backfill)."""

    async def get(self, name: str) -> int | None: ...

    async def set(self, name: str, value: int) -> None: ...


# -- storage -----------------------------------------------------------------------------------------


class OnboardingRepo(Protocol):
    # settings, templates
    async def settings(self, community_id: int) -> OnboardingSettings: ...

    async def update_settings(self, community_id: int, **fields: Any) -> OnboardingSettings:
        """Change fields of OnboardingSettings (rules, gate_enabled, gate_minutes, member_role, …)."""
        ...

    async def templates(self, community_id: int) -> dict[tuple[str, TemplateKind], str]:
        """Custom welcome templates by (locale, kind)."""
        ...

    async def set_templates(self, community_id: int, locale: str, texts: dict[TemplateKind, str | None]) -> None:
        """Set (or with None, remove) a language's templates, in one transaction."""
        ...

    # interests
    async def interests(self, community_id: int) -> list[Interest]: ...

    async def replace_interests(self, community_id: int, names: Sequence[str]) -> list[Interest]:
        """Make the list exactly `names` (in order): kept names keep their id, role and members."""
        ...

    async def put_interest(self, community_id: int, name: str, role_id: str | None) -> Interest: ...

    async def remove_interest(self, community_id: int, interest_id: int) -> None: ...

    async def member_interests(self, community_id: int, member_id: int) -> set[int]: ...

    async def set_member_interests(self, community_id: int, member_id: int, interest_ids: Iterable[int]) -> None: ...

    async def members_with_interest(self, interest_id: int) -> list[int]: ...

    # journeys
    async def journey(self, community_id: int, member_id: int) -> Journey | None: ...

    async def record_join(
        self, community_id: int, member_id: int, platform: str, at: datetime, gated: bool
    ) -> tuple[Journey, bool]:
        """Create the journey at a first join, or note a rejoin (history kept). True when created."""
        ...

    async def record_leave(self, community_id: int, member_id: int, at: datetime) -> None: ...

    async def set_rules_accepted(self, community_id: int, member_id: int, at: datetime) -> None: ...

    async def set_opt_out(self, community_id: int, member_id: int, opted_out: bool) -> None: ...

    async def set_welcome_fallback(self, community_id: int, member_id: int, at: datetime) -> None: ...

    async def set_first_steps(self, steps: Sequence[tuple[int, int, datetime | None, datetime | None]]) -> None:
        """(community, member, first message, first reply): keep the earliest of what is stored and given."""
        ...

    async def open_first_steps(
        self, since: datetime, member_id: int | None = None
    ) -> list[tuple[int, int, datetime, bool, bool]]:
        """Journeys joined since `since` (of one member, if given) still missing a first message or reply:
        (community, member, joined_at, has first message, has first reply)."""
        ...

    def messages(self, since: datetime, community_ids: Sequence[int]) -> AsyncIterator[list[Any]]:
        """Stored message rows since `since` in these communities, oldest first per community, in batches.
        Each row has community_id, member_id, reply_to_member_id, kind and at."""
        ...

    def open_progress(
        self, since: datetime, community_id: int | None = None, batch: int = 2000
    ) -> AsyncIterator[list[tuple[int, int, datetime, bool, bool]]]:
        """Journeys joined since `since` not yet active in week 2 or not yet regular, in batches:
        (community, member, joined_at, has week 2, has regular)."""
        ...

    async def active_days(self, community_id: int, member_ids: Sequence[int], since: date) -> dict[int, set[date]]:
        """Days (UTC) with any activity, per member, from the day rollups."""
        ...

    async def set_progress(self, rows: Sequence[tuple[int, int, datetime | None, datetime | None]]) -> None:
        """(community, member, active in week 2 at, regular at): set where still empty."""
        ...

    async def journeys(self, community_id: int, since: datetime) -> list[Journey]: ...

    async def funnel_counts(self, community_id: int, bounds: Sequence[datetime]) -> list[tuple[Any, ...]]:
        """Journeys by join week, counted in the database: `bounds` are the weeks' edges (n + 1 for n weeks);
        rows are (week index, gated, rules accepted, first message, first reply, active in week 2, regular,
        how many), the middle ones whether that step's time is set."""
        ...

    async def backfill_journeys(self) -> int:
        """Journeys for members whose joins were recorded before onboarding existed; their rules step is
        passed (no gate applied then). Returns how many were created."""
        ...

    async def present_members(self, community_id: int) -> int: ...

    async def is_member(self, community_id: int, member_id: int) -> bool: ...

    # welcome posts (batched)
    async def add_welcome(
        self,
        community_id: int,
        member_id: int,
        platform: str,
        scope_id: str,
        user_id: str,
        name: str,
        due: datetime | None,
        now: datetime,
    ) -> PendingWelcome:
        """Remember a newcomer's welcome; `due` is when their post goes out (None: no post)."""
        ...

    async def welcome_batch_due(self, platform: str, scope_id: str) -> datetime | None:
        """When the welcome post waiting in this chat is due (None: nothing waiting)."""
        ...

    async def last_welcome_post(self, platform: str, scope_id: str) -> datetime | None: ...

    async def welcomes_due(self, now: datetime) -> list[PendingWelcome]: ...

    async def mark_welcomes_posted(self, ids: Sequence[int], now: datetime) -> None: ...

    async def latest_welcome(self, community_id: int, member_id: int, platform: str) -> PendingWelcome | None: ...

    async def next_welcome_due(self) -> datetime | None: ...

    # gates
    async def create_gate(self, gate: NewGate, now: datetime) -> Gate: ...

    async def gate(self, gate_id: int) -> Gate | None: ...

    async def set_gate_post(self, gate_id: int, target: Target, post_id: str | None) -> None: ...

    async def finish_gate(self, gate_id: int, status: GateStatus, now: datetime) -> bool:
        """Move a pending gate to `status`; False when it was no longer pending."""
        ...

    async def pending_gates(self, community_id: int, member_id: int) -> list[Gate]: ...

    async def accepted_gate(self, community_id: int, member_id: int) -> Gate | None:
        """Their latest accepted gate (a join request accepted before the join itself)."""
        ...

    async def gates_due(self, now: datetime) -> list[Gate]: ...

    async def next_gate_deadline(self) -> datetime | None: ...

    # nudges
    async def add_nudges(self, community_id: int, member_id: int, due: Sequence[tuple[int, datetime]]) -> None: ...

    async def nudges_due(self, now: datetime) -> list[Nudge]: ...

    async def mark_nudge(self, nudge: Nudge, status: NudgeStatus, now: datetime) -> bool:
        """Move a pending nudge to `status` (sent_at = now when sent); False when no longer pending."""
        ...

    async def skip_pending_nudges(self, community_id: int, member_id: int, now: datetime) -> int: ...

    async def nudges_awaiting_outcome(self, sent_before: datetime) -> list[Nudge]: ...

    async def set_nudge_outcome(self, nudge: Nudge, posted: bool) -> None: ...

    async def next_nudge_work(self, window_days: int) -> datetime | None:
        """The earliest pending nudge, or outcome to record (sent + window)."""
        ...

    async def nudges(self, community_id: int) -> list[Nudge]: ...
