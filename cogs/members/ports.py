from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from cogs.members.models import Identity, MemberSettings


class MemberRepo(Protocol):
    async def ensure_members(
        self, identities: Iterable[tuple[str, str, str | None]], now: datetime
    ) -> dict[tuple[str, str], int]:
        """Map (platform, user_id, display name) to member ids, creating members that are new. Batched."""
        ...

    async def ensure_community_members(self, pairs: Iterable[tuple[int, int]], now: datetime) -> None:
        """Record that members belong to communities (first seen now). Batched, idempotent."""
        ...

    async def identities(self, member_id: int) -> list[Identity]: ...

    async def settings(self, member_id: int) -> MemberSettings: ...

    async def set_locale(self, member_id: int, locale: str | None) -> None: ...

    async def set_seen_locale(self, member_id: int, locale: str) -> None: ...

    async def set_timezone(self, member_id: int, timezone: str | None) -> None: ...

    async def merge(self, keep_id: int, drop_id: int) -> None:
        """Move every identity, setting and membership of `drop_id` onto `keep_id`, then delete it."""
        ...


class LinkCodeRepo(Protocol):
    async def create(self, code: str, kind: str, owner_id: int, platform: str, expires_at: datetime) -> None: ...

    async def consume(self, code: str, kind: str, now: datetime) -> tuple[int, str] | None:
        """Mark an unexpired, unused code used; return (owner_id, platform it was issued on) or None."""
        ...
