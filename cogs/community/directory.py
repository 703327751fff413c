"""Resolves platform scopes and users to community and member ids, creating them on first sight.

Shared by command dispatch and activity ingestion; caches ids (they never change for a key except
through /link and /setup link, which call `forget`)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime

from bot.core.text import one_line
from cogs.community.models import Community
from cogs.community.ports import CommunityRepo
from cogs.members.ports import MemberRepo


class Directory:
    def __init__(self, communities: CommunityRepo, members: MemberRepo, default_timezone: str, default_locale: str):
        self.communities = communities
        self.members = members
        self.default_timezone = default_timezone
        self.default_locale = default_locale
        self._scope_cache: dict[tuple[str, str], int] = {}
        self._member_cache: dict[tuple[str, str], int] = {}
        self._membership_cache: set[tuple[int, int]] = set()
        self._scope_locks: dict[tuple[str, str], asyncio.Lock] = {}

    async def community(self, platform: str, scope_id: str, title: str, now: datetime) -> Community:
        found = await self.communities.find_by_scope(platform, scope_id)
        if found is None:
            found = await self.communities.create_for_scope(
                platform, scope_id, title, self.default_timezone, self.default_locale, now
            )
        self._scope_cache[(platform, scope_id)] = found.id
        return found

    async def community_ids(self, scopes: Iterable[tuple[str, str, str]], now: datetime) -> dict[tuple[str, str], int]:
        out: dict[tuple[str, str], int] = {}
        for platform, scope_id, title in scopes:
            key = (platform, scope_id)
            if key not in self._scope_cache:
                # One lookup per new scope: a burst of first messages (a backlog after start-up) waits for it
                # instead of each racing to find and create the same community.
                lock = self._scope_locks.setdefault(key, asyncio.Lock())
                async with lock:
                    if key not in self._scope_cache:
                        await self.community(platform, scope_id, title, now)
                self._scope_locks.pop(key, None)
            out[key] = self._scope_cache[key]
        return out

    async def member_ids(
        self, identities: Iterable[tuple[str, str, str | None]], now: datetime
    ) -> dict[tuple[str, str], int]:
        wanted = list(identities)
        missing = [(p, u, one_line(n) or None) for p, u, n in wanted if (p, u) not in self._member_cache]
        if missing:  # a name of zero-width spaces is no name: stored as none, shown as the member's number
            self._member_cache.update(await self.members.ensure_members(missing, now))
        return {(p, u): self._member_cache[(p, u)] for p, u, _ in wanted}

    async def member_id(self, platform: str, user_id: str, name: str | None, now: datetime) -> int:
        return (await self.member_ids([(platform, user_id, name)], now))[(platform, user_id)]

    async def ensure_memberships(self, pairs: Iterable[tuple[int, int]], now: datetime) -> None:
        new = {p for p in pairs if p not in self._membership_cache}
        if new:
            await self.members.ensure_community_members(new, now)
            self._membership_cache |= new

    @property
    def known_members(self) -> dict[tuple[str, str], int]:
        """The id cache itself, read-only by convention (the ingestion hot path reads it directly)."""
        return self._member_cache

    def forget(self) -> None:
        """Drop caches after ids were merged or scopes relinked."""
        self._scope_cache.clear()
        self._member_cache.clear()
        self._membership_cache.clear()
