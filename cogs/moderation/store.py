"""A community's moderation settings, cached: automod reads them for every message, so they live in memory
(reloaded every few minutes, and at once when a moderator changes them here)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import datetime
from typing import Any

from cogs.moderation.automod import CompiledConfig
from cogs.moderation.models import ModSettings
from cogs.moderation.ports import ModerationRepo

TTL = 300.0  # seconds; another process (or a restart) may have changed them


class SettingsStore:
    def __init__(self, repo: ModerationRepo) -> None:
        self.repo = repo
        self._cache: dict[int, tuple[float, ModSettings, CompiledConfig]] = {}
        self._loading: dict[int, asyncio.Lock] = {}

    def peek(self, community_id: int) -> tuple[ModSettings, CompiledConfig] | None:
        hit = self._cache.get(community_id)
        if hit is None or time.monotonic() - hit[0] > TTL:
            return None
        return hit[1], hit[2]

    def stale(self, community_id: int) -> tuple[ModSettings, CompiledConfig] | None:
        """What is cached, however old (the hot path checks with it while one refresh runs)."""
        hit = self._cache.get(community_id)
        return (hit[1], hit[2]) if hit is not None else None

    async def refresh(self, community_id: int) -> ModSettings:
        return self._keep(await self.repo.settings(community_id))

    async def get(self, community_id: int) -> ModSettings:
        hit = self.peek(community_id)
        if hit is not None:
            return hit[0]
        return self._keep(await self.repo.settings(community_id))

    async def compiled(self, community_id: int) -> tuple[ModSettings, CompiledConfig]:
        hit = self.peek(community_id)
        if hit is not None:
            return hit
        async with self._loading.setdefault(community_id, asyncio.Lock()):  # one load for a burst of messages
            hit = self.peek(community_id)
            if hit is None:
                self._keep(await self.repo.settings(community_id))
                hit = self.peek(community_id) or self.stale(community_id)
        self._loading.pop(community_id, None)
        assert hit is not None
        return hit

    async def update(self, community_id: int, now: datetime, **changes: Any) -> ModSettings:
        """Read the stored settings, change some fields, save, and cache the result."""
        current = await self.repo.settings(community_id)
        updated = replace(current, **changes)
        await self.repo.save_settings(updated, now)
        return self._keep(updated)

    def _keep(self, settings: ModSettings) -> ModSettings:
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[settings.community_id] = (time.monotonic(), settings, CompiledConfig.of(settings.automod))
        return settings
