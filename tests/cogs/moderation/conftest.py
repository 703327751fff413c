"""Ring 1 for moderation: the real services over SQLite on a fake clock, a recording messenger, and a
recording platform capability (`FakeActions`) standing in for Discord/Telegram moderation calls."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.app import Services
from bot.core.commands import Caller, Place
from bot.core.permissions import PlatformFacts
from cogs.moderation.models import ActionFailed, BotPermission, TargetFacts
from cogs.moderation.ports import ModerationActions
from tests.cogs.test_dispatch import texts
from tests.cogs.test_outbox import RecordingMessenger
from tests.conftest import caller, group

MOD = caller(uid="50", name="Mona", moderator=True)
MEMBER = caller(uid="100", name="Alice")
BOB = caller(uid="101", name="Bob")
HERE = group()


class FakeActions:
    """Records every platform call; `facts`, `perms` and `fail` set what the "platform" says."""

    max_mute: timedelta | None = timedelta(days=28)
    max_temporary: timedelta | None = None
    admins_protected = False

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.facts: dict[str, TargetFacts] = {}
        self.staff: dict[str, PlatformFacts] = {}
        self.perms: set[BotPermission] = set(BotPermission)
        self.fail: dict[str, ActionFailed] = {}
        self.created: dict[str, datetime] = {}

    def of(self, name: str) -> list[tuple[Any, ...]]:
        return [c for c in self.calls if c[0] == name]

    def _do(self, name: str, *args: Any) -> None:
        if name in self.fail:
            raise self.fail.pop(name)
        self.calls.append((name, *args))

    async def bot_permissions(self, scope_id: str, channel_id: str | None = None) -> frozenset[BotPermission]:
        return frozenset(self.perms)

    async def target(self, scope_id: str, actor_user_id: str | None, user_id: str) -> TargetFacts:
        return self.facts.get(user_id, TargetFacts(known=True, present=True, name=f"user{user_id}"))

    async def staff_facts(self, scope_id: str, user_id: str) -> PlatformFacts:
        return self.staff.get(user_id, PlatformFacts())

    async def mute(self, scope_id: str, user_id: str, until: datetime, reason: str) -> None:
        self._do("mute", scope_id, user_id, until)

    async def unmute(self, scope_id: str, user_id: str, reason: str) -> None:
        self._do("unmute", scope_id, user_id)

    async def kick(self, scope_id: str, user_id: str, reason: str) -> None:
        self._do("kick", scope_id, user_id)

    async def ban(self, scope_id: str, user_id: str, until: datetime | None, reason: str, delete_days: int) -> None:
        self._do("ban", scope_id, user_id, until, delete_days)

    async def unban(self, scope_id: str, user_id: str, reason: str) -> None:
        self._do("unban", scope_id, user_id)

    async def delete_message(self, scope_id: str, channel_id: str, message_id: str) -> None:
        self._do("delete", scope_id, channel_id, message_id)

    async def purge(self, scope_id: str, channel_id: str, **kw: Any) -> int:
        self._do("purge", scope_id, channel_id, kw)
        return kw.get("count") or 5

    async def lockdown(self, scope_id: str, on: bool, slowmode_seconds: int, saved: dict[str, Any]) -> dict[str, Any]:
        self._do("lockdown", scope_id, on, dict(saved))
        return {"slowmode": slowmode_seconds} if on else {}

    def account_created(self, user_id: str) -> datetime | None:
        return self.created.get(user_id)

    def message_link(self, scope_id: str, channel_id: str, message_id: str) -> str | None:
        return f"https://example.test/{scope_id}/{message_id}"


@pytest.fixture
def messenger(services: Services) -> RecordingMessenger:
    recording = RecordingMessenger()
    services.messengers["telegram"] = recording
    return recording


@pytest.fixture
def actions(services: Services) -> FakeActions:
    fake = FakeActions()
    services.capabilities.provide("telegram", ModerationActions, fake)  # type: ignore[type-abstract]
    return fake


async def run(services: Services, who: Caller, name: str, text: str = "", place: Place = HERE, **kw: Any) -> str:
    answer = await services.dispatcher.run_text(place, who, name, text, **kw)
    return texts(answer) + ("!ERROR" if answer.error else "")


def sent_to(messenger: RecordingMessenger, chat_id: str) -> list[str]:
    return [m.render_text(locale, str, str) for t, m, locale in messenger.sent if t.chat_id == chat_id]
