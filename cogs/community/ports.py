from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.core.targets import Target
from cogs.community.models import Community, CommunityLink


class CommunityRepo(Protocol):
    async def find_by_scope(self, platform: str, scope_id: str) -> Community | None: ...

    async def create_for_scope(
        self, platform: str, scope_id: str, title: str, timezone: str, locale: str, now: datetime
    ) -> Community:
        """Create a community and link the scope to it; if a concurrent call linked it first, return that one."""
        ...

    async def get(self, community_id: int) -> Community | None: ...

    async def links(self, community_id: int) -> list[CommunityLink]: ...

    async def update(
        self,
        community_id: int,
        *,
        timezone: str | None = None,
        locale: str | None = None,
        manager_channel: Target | None = None,
        moderator_roles: tuple[str, ...] | None = None,
        manager_roles: tuple[str, ...] | None = None,
        organizer_roles: tuple[str, ...] | None = None,
    ) -> Community: ...

    async def relink_scope(self, platform: str, scope_id: str, title: str, community_id: int, now: datetime) -> None:
        """Move a scope (guild/chat) into another community (used by /setup link)."""
        ...
