from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

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

    async def set_private_community(self, member_id: int, community_id: int | None) -> None: ...

    async def communities_of(self, member_id: int) -> list[int]:
        """Communities the member belongs to (seen in, joined and not left), oldest membership first."""
        ...

    async def set_usernames(self, platform: str, usernames: dict[str, str | None]) -> None:
        """Remember platform @usernames by user id (identities that exist; others are skipped)."""
        ...

    async def find_username(self, platform: str, username: str) -> Identity | None:
        """The identity last seen with this @username on the platform (case-insensitive), if any."""
        ...


class LinkCodeRepo(Protocol):
    async def create(self, code: str, kind: str, owner_id: int, platform: str, expires_at: datetime) -> None: ...

    async def consume(self, code: str, kind: str, now: datetime) -> tuple[int, str] | None:
        """Mark an unexpired, unused code used; return (owner_id, platform it was issued on) or None."""
        ...


# -- the member-data contract ----------------------------------------------------------------------
# Every table that holds a member id belongs to one feature, whose storage implements MemberDataPart
# for it. `/link` merges through all parts in one transaction; `/privacy` exports and erases through
# them. tests/storage/test_member_data.py fails for a member column that no part claims.


class MemberDataPart(Protocol):
    """One feature's member data. `tx` is the storage's open transaction (opaque to features)."""

    @property
    def feature(self) -> str:
        """Names the part in exports, e.g. "events"."""
        ...

    @property
    def columns(self) -> tuple[str, ...]:
        """Every "table.column" holding a member id that this part owns."""
        ...

    async def merge(self, tx: Any, keep_id: int, drop_id: int) -> None:
        """Move `drop_id`'s rows onto `keep_id`: history kept, no duplicate answers, nothing counted twice."""
        ...

    async def export(self, tx: Any, member_id: int) -> dict[str, Any]:
        """Everything this feature stores about the member, JSON-ready (ISO times, plain values)."""
        ...

    async def erase(self, tx: Any, member_id: int, anonymous_id: int) -> None:
        """Remove the member's personal data. Aggregates keep their counts by moving to `anonymous_id`,
        a fresh member with no identity, so totals stay right and nobody can be told apart."""
        ...


class MemberData(Protocol):
    """The contract run across every feature at once, in one transaction."""

    async def merge(self, keep_id: int, drop_id: int) -> None: ...

    async def export(self, member_id: int) -> dict[str, dict[str, Any]]:
        """{feature: that feature's export}."""
        ...

    async def erase(self, member_id: int) -> None: ...
