"""What every part of onboarding shares: its repository, the core services it talks through, and the few
look-ups they all need (where a member can be reached, in which language, where welcomes go)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core.capabilities import Capabilities
from bot.core.clock import Clock
from bot.core.commands import Registry
from bot.core.hub import EventHub
from bot.core.i18n import pick_locale
from bot.core.identity import Platform
from bot.core.outbound import Messenger
from bot.core.targets import Target
from cogs.community.models import Community
from cogs.community.ports import CommunityRepo
from cogs.events.ports import EventRepo
from cogs.members.ports import MemberRepo
from cogs.onboarding.models import OnboardingSettings
from cogs.onboarding.ports import GroupGate, Headcount, Marks, OnboardingRepo, RoleGate
from cogs.outbox.service import Outbox

FEATURE = "onboarding"


class Timer(Protocol):
    def at(self, job_id: str, when: datetime, job: Callable[[], Awaitable[object]], grace_seconds: int) -> None: ...


@dataclass
class Context:
    repo: OnboardingRepo
    members: MemberRepo
    communities: CommunityRepo
    events: EventRepo
    outbox: Outbox
    messengers: Callable[[str], Messenger | None]
    capabilities: Capabilities
    registry: Registry
    clock: Clock
    hub: EventHub
    timer: Timer
    marks: Marks

    async def community(self, community_id: int) -> Community:
        found = await self.communities.get(community_id)
        if found is None:
            raise LookupError(f"community {community_id} is gone")
        return found

    async def locale_of(self, member_id: int, fallback: str | None = None) -> str:
        settings = await self.members.settings(member_id)
        return pick_locale(settings.effective_locale, fallback)

    async def dm_target(self, member_id: int, platform: str) -> Target | None:
        identities = await self.members.identities(member_id)
        preferred = [i for i in identities if i.platform == platform] or identities
        if not preferred or preferred[0].platform == Platform.CONSOLE.value:
            return None
        return Target.direct(preferred[0].platform, preferred[0].user_id)

    async def user_id(self, member_id: int, platform: str) -> str | None:
        identities = await self.members.identities(member_id)
        return next((i.user_id for i in identities if i.platform == platform), None)

    async def scopes(self, community_id: int, platform: str) -> list[str]:
        return [link.scope_id for link in await self.communities.links(community_id) if link.platform == platform]

    async def welcome_target(self, settings: OnboardingSettings, platform: str, scope_id: str) -> Target | None:
        """Where welcome posts and the rules gate go: the configured Discord channel (else the server's
        system channel); on Telegram the group itself."""
        if platform == Platform.DISCORD.value:
            if settings.welcome_channel is not None and settings.welcome_channel.platform.value == platform:
                return settings.welcome_channel
            roles = self.capabilities.get(platform, RoleGate)
            channel = await roles.default_channel(scope_id) if roles is not None else None
            return Target.channel(platform, channel) if channel else None
        return Target.channel(platform, scope_id)

    async def member_count(self, community_id: int, platform: str, scope_id: str) -> int:
        counter = self.capabilities.get(platform, Headcount)
        counted = await counter.member_count(scope_id) if counter is not None else None
        return counted if counted else await self.repo.present_members(community_id)

    def group_gate(self, platform: str) -> GroupGate | None:
        return self.capabilities.get(platform, GroupGate)

    def role_gate(self, platform: str) -> RoleGate | None:
        return self.capabilities.get(platform, RoleGate)
