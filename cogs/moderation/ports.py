"""What moderation needs from storage and from the platforms, and what it offers other features.

- `ModerationRepo`: its tables (storage/moderation.py).
- `ModerationActions`: a platform capability (bot/discord/exts/moderation.py, bot/telegram/handlers/
  moderation.py) — the calls that mute, ban, delete; the facts that decide whether they are allowed.
- `ModerationReader`: the read port for the weekly digest and the risk alert (counts, never content)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.core.permissions import PlatformFacts
from bot.core.targets import Target
from cogs.moderation.models import (
    BotPermission,
    Infraction,
    InfractionKind,
    InfractionState,
    ModerationSummary,
    ModSettings,
    NewInfraction,
    NewReport,
    Report,
    ReportStatus,
    RiskDay,
    TargetFacts,
)


class ModerationRepo(Protocol):
    # settings
    async def settings(self, community_id: int) -> ModSettings: ...

    async def save_settings(self, settings: ModSettings, now: datetime) -> None: ...

    async def lockdowns_until(self) -> list[ModSettings]:
        """Communities in lockdown (lockdown_until set)."""
        ...

    # infractions
    async def add(self, new: NewInfraction) -> Infraction: ...

    async def get(self, infraction_id: int) -> Infraction | None: ...

    async def set_state(
        self, infraction_id: int, state: InfractionState, now: datetime, detail: str = ""
    ) -> Infraction: ...

    async def history(self, community_id: int, member_id: int, offset: int, limit: int) -> tuple[list[Infraction], int]:
        """A member's infractions, newest first, and how many there are."""
        ...

    async def warnings_since(self, community_id: int, member_id: int, since: datetime) -> int:
        """Active warnings created after `since` and after the member's latest escalation."""
        ...

    async def active(self, community_id: int, member_id: int, kind: InfractionKind) -> list[Infraction]:
        """Mutes or bans in force (to lift on /unmute, /unban)."""
        ...

    async def due(self, now: datetime, limit: int = 200) -> list[Infraction]:
        """Active temporary mutes and bans whose time is up."""
        ...

    async def next_due(self) -> datetime | None: ...

    # automod hits
    async def add_hits(self, rows: Sequence[tuple[int, int, str, str, str, datetime]]) -> None:
        """(community_id, member_id, rule, action, platform, at) rows."""
        ...

    # reports
    async def add_report(self, new: NewReport) -> Report: ...

    async def get_report(self, report_id: int) -> Report | None: ...

    async def find_report(self, community_id: int, reporter_id: int, message_id: str) -> Report | None: ...

    async def set_report_queue(self, report_id: int, target: Target, message_id: str) -> None: ...

    async def close_report(
        self, report_id: int, status: ReportStatus, moderator_id: int, action: str, now: datetime
    ) -> bool:
        """Close an open report; False when it was no longer open (someone else handled it)."""
        ...

    async def open_reports(self, community_id: int, limit: int = 10) -> list[Report]: ...


class ModerationActions(Protocol):
    """One platform's moderation calls. Every call raises `ActionFailed` when the platform refuses."""

    max_mute: timedelta | None  # longest mute the platform keeps (Discord timeouts: 28 days)
    max_temporary: timedelta | None  # longest temporary ban the platform keeps by itself; None = ours only
    admins_protected: bool  # administrators cannot be targeted at all (Telegram)

    async def bot_permissions(self, scope_id: str, channel_id: str | None = None) -> frozenset[BotPermission]: ...

    async def target(self, scope_id: str, actor_user_id: str | None, user_id: str) -> TargetFacts: ...

    async def staff_facts(self, scope_id: str, user_id: str) -> PlatformFacts:
        """The member's role facts in that chat/server (to re-check a button pressed in a private chat)."""
        ...

    async def mute(self, scope_id: str, user_id: str, until: datetime, reason: str) -> None: ...

    async def unmute(self, scope_id: str, user_id: str, reason: str) -> None: ...

    async def kick(self, scope_id: str, user_id: str, reason: str) -> None: ...

    async def ban(self, scope_id: str, user_id: str, until: datetime | None, reason: str, delete_days: int) -> None: ...

    async def unban(self, scope_id: str, user_id: str, reason: str) -> None: ...

    async def delete_message(self, scope_id: str, channel_id: str, message_id: str) -> None: ...

    async def purge(
        self,
        scope_id: str,
        channel_id: str,
        *,
        count: int | None,
        author_user_id: str | None,
        from_message_id: str | None,
        up_to_message_id: str | None,
    ) -> int:
        """Delete recent messages: the last `count` (by `author_user_id` only, if given), or every message
        from `from_message_id` up to `up_to_message_id`. Returns how many were deleted (or attempted)."""
        ...

    async def lockdown(self, scope_id: str, on: bool, slowmode_seconds: int, saved: dict[str, Any]) -> dict[str, Any]:
        """Switch the scope's lockdown measures on (returns what to restore later) or off (restores `saved`)."""
        ...

    def account_created(self, user_id: str) -> datetime | None:
        """When the platform account was made, where the id tells (Discord snowflakes); else None."""
        ...

    def message_link(self, scope_id: str, channel_id: str, message_id: str) -> str | None: ...


class ModerationReader(Protocol):
    """For the weekly digest and the reputation-risk alert: counts only."""

    async def summary(self, community_id: int, start: datetime, end: datetime) -> ModerationSummary: ...

    async def risk_days(self, community_id: int, start: datetime, end: datetime) -> list[RiskDay]:
        """Reports filed and automod hits per day in [start, end) (days with none included as zeros)."""
        ...
