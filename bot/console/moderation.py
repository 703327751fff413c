"""Moderation on the console: there is no platform to restrict anyone on, so each action is shown as the
line a real platform call would be. Everyone is a present member; nobody is an administrator."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from rich.markup import escape

from bot.core.permissions import PlatformFacts
from cogs.moderation.models import BotPermission, TargetFacts


class ConsoleModeration:
    max_mute: timedelta | None = None
    max_temporary: timedelta | None = None
    admins_protected = False

    def __init__(self, write: Callable[[str], None], personas: dict[str, PlatformFacts]) -> None:
        self.write = write
        self.personas = personas

    def _say(self, text: str) -> None:
        self.write(f"[magenta](platform) {escape(text)}[/magenta]")

    async def bot_permissions(self, scope_id: str, channel_id: str | None = None) -> frozenset[BotPermission]:
        return frozenset(BotPermission)

    async def target(self, scope_id: str, actor_user_id: str | None, user_id: str) -> TargetFacts:
        return TargetFacts(known=True, present=True, name=user_id)

    async def staff_facts(self, scope_id: str, user_id: str) -> PlatformFacts:
        return PlatformFacts()

    async def mute(self, scope_id: str, user_id: str, until: datetime, reason: str) -> None:
        self._say(f"{user_id} muted until {until:%Y-%m-%d %H:%M} UTC")

    async def unmute(self, scope_id: str, user_id: str, reason: str) -> None:
        self._say(f"{user_id} may write again")

    async def kick(self, scope_id: str, user_id: str, reason: str) -> None:
        self._say(f"{user_id} removed (may join again)")

    async def ban(self, scope_id: str, user_id: str, until: datetime | None, reason: str, delete_days: int) -> None:
        self._say(f"{user_id} banned" + (f" until {until:%Y-%m-%d %H:%M} UTC" if until else ""))

    async def unban(self, scope_id: str, user_id: str, reason: str) -> None:
        self._say(f"{user_id} unbanned")

    async def delete_message(self, scope_id: str, channel_id: str, message_id: str) -> None:
        self._say("message deleted")

    async def purge(self, scope_id: str, channel_id: str, **kw: Any) -> int:
        count = int(kw.get("count") or 0)
        self._say(f"{count} recent messages deleted")
        return count

    async def lockdown(self, scope_id: str, on: bool, slowmode_seconds: int, saved: dict[str, Any]) -> dict[str, Any]:
        self._say("lockdown on" if on else "lockdown off")
        return {}

    def account_created(self, user_id: str) -> datetime | None:
        return None

    def message_link(self, scope_id: str, channel_id: str, message_id: str) -> str | None:
        return None
