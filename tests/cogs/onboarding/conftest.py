"""Ring 1 helpers for onboarding: recording platform capabilities, joins through the real ingestion path."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pytest

from bot.app import Services
from bot.core.hub import MembershipSeen
from cogs.onboarding.ports import AccessProblem, AccessRefused, GroupGate, Headcount, RoleGate
from tests.cogs.test_outbox import RecordingMessenger

GROUP = "-1001"
GUILD = "55"


@dataclass
class FakeGroupGate:
    """Telegram's side of the gate, recorded; `refuse` makes the next actions fail like the platform would."""

    calls: list[tuple[str, str, str]] = field(default_factory=list)
    problem_now: AccessProblem | None = None
    refuse: AccessProblem | None = None

    async def problem(self, chat_id: str, *, requests: bool = False) -> AccessProblem | None:
        return self.problem_now

    async def _do(self, verb: str, chat_id: str, user_id: str) -> None:
        if self.refuse is not None:
            raise AccessRefused(self.refuse)
        self.calls.append((verb, chat_id, user_id))

    async def restrict(self, chat_id: str, user_id: str) -> None:
        await self._do("restrict", chat_id, user_id)

    async def unrestrict(self, chat_id: str, user_id: str) -> None:
        await self._do("unrestrict", chat_id, user_id)

    async def remove(self, chat_id: str, user_id: str) -> None:
        await self._do("remove", chat_id, user_id)

    async def approve(self, chat_id: str, user_id: str) -> None:
        await self._do("approve", chat_id, user_id)

    async def decline(self, chat_id: str, user_id: str) -> None:
        await self._do("decline", chat_id, user_id)


@dataclass
class FakeRoleGate:
    calls: list[tuple[str, str, str, str]] = field(default_factory=list)
    problem_now: AccessProblem | None = None
    channel: str | None = "700"

    async def problem(self, guild_id: str, role_id: str) -> AccessProblem | None:
        return self.problem_now

    async def grant(self, guild_id: str, user_id: str, role_id: str) -> None:
        if self.problem_now is not None:
            raise AccessRefused(self.problem_now)
        self.calls.append(("grant", guild_id, user_id, role_id))

    async def revoke(self, guild_id: str, user_id: str, role_id: str) -> None:
        self.calls.append(("revoke", guild_id, user_id, role_id))

    async def default_channel(self, guild_id: str) -> str | None:
        return self.channel


class FixedHeadcount:
    def __init__(self, count: int) -> None:
        self.count = count

    async def member_count(self, scope_id: str) -> int | None:
        return self.count


@pytest.fixture
def telegram(services: Services) -> RecordingMessenger:
    recording = RecordingMessenger()
    services.messengers["telegram"] = recording
    return recording


@pytest.fixture
def discord_messages(services: Services) -> RecordingMessenger:
    recording = RecordingMessenger()
    services.messengers["discord"] = recording
    return recording


@pytest.fixture
def group_gate(services: Services) -> FakeGroupGate:
    gate = FakeGroupGate()
    port: GroupGate = gate
    services.capabilities.provide("telegram", GroupGate, port)
    count: Headcount = FixedHeadcount(42)
    services.capabilities.provide("telegram", Headcount, count)
    return gate


@pytest.fixture
def role_gate(services: Services) -> FakeRoleGate:
    gate = FakeRoleGate()
    port: RoleGate = gate
    services.capabilities.provide("discord", RoleGate, port)
    return gate


async def join(
    services: Services,
    user: str,
    name: str = "Newbie",
    *,
    platform: str = "telegram",
    scope: str = GROUP,
    locale: str | None = None,
    at: datetime | None = None,
    joined: bool = True,
) -> None:
    """A join (or leave) as an adapter reports it: through ingestion, which resolves ids and publishes."""
    seen = MembershipSeen(platform, scope, "Group", user, name, at or services.clock.now(), joined=joined,
                          locale=locale)  # fmt: skip
    await services.hub.deliver(seen)
    await services.hub.drain()
    await services.outbox.settle()  # the welcome goes out in the background, not on the join's update path


async def member_id(services: Services, user: str, platform: str = "telegram") -> int:
    return await services.directory.member_id(platform, user, None, services.clock.now())
