from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from cogs.analytics.models import ActivityRow, MemberDay


class ActivityRepo(Protocol):
    async def write_batch(self, rows: Sequence[ActivityRow]) -> None:
        """Write raw rows and add them to the member × day and member × week rollups, in one transaction.

        Rollup rules: messages and reactions count for their author; a reply counts as `replies` for
        its author and `replies_received` for the member replied to (never for replying to oneself);
        `questions` and `mentions` come from the row's flags."""
        ...

    async def record_membership(
        self, community_id: int, member_id: int, platform: str, joined: bool, at: datetime
    ) -> bool:
        """Record a join or leave; True when it is a join by someone who had joined this community before."""
        ...

    async def daily(self, community_id: int, since: date | None = None) -> list[MemberDay]: ...

    async def weekly(self, community_id: int) -> list[MemberDay]:
        """Member × week rollups (the `day` field holds the week's Monday), up to date."""
        ...

    async def membership_counts(self, community_id: int, since: datetime) -> tuple[int, int]:
        """(joins, leaves) since a time."""
        ...

    async def purge_raw_before(self, cutoff: datetime, batch: int = 10_000) -> int: ...
