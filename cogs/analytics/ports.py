from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from cogs.analytics.models import ActivityRow, MemberDay, RollupDelta, RollupKey


class ActivityRepo(Protocol):
    async def write_batch(
        self,
        rows: Sequence[ActivityRow],
        daily: dict[RollupKey, RollupDelta],
        weekly: dict[RollupKey, RollupDelta],
    ) -> None:
        """Write raw rows and add the deltas to the rollups, in one transaction."""
        ...

    async def record_membership(
        self, community_id: int, member_id: int, platform: str, joined: bool, at: datetime
    ) -> None: ...

    async def daily(self, community_id: int, since: date | None = None) -> list[MemberDay]: ...

    async def membership_counts(self, community_id: int, since: datetime) -> tuple[int, int]:
        """(joins, leaves) since a time."""
        ...

    async def purge_raw_before(self, cutoff: datetime) -> int: ...
