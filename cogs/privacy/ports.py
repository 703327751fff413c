from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any, Protocol


class CommunityExport(Protocol):
    """One CSV of a community's data for its managers (`/export`, `hearth export`). Each feature registers
    its own next to its repository. Rows stream in chunks so a million rows never sit in memory."""

    @property
    def name(self) -> str:
        """File name without extension, e.g. "activity_daily"."""
        ...

    @property
    def header(self) -> Sequence[str]: ...

    def rows(self, community_id: int, with_names: bool) -> AsyncIterator[Sequence[Sequence[Any]]]:
        """Chunks of rows. Members appear by pseudonymous id (`member-<id>`) unless `with_names`."""
        ...


class MemberPrivacy(Protocol):
    async def set_analytics_opt_out(self, member_id: int, opted_out: bool) -> None: ...


class RawRetention(Protocol):
    async def purge_raw_before(self, cutoff: datetime, batch: int = 10_000) -> int:
        """Delete raw activity older than `cutoff` in batches (rollups stay); the number deleted."""
        ...
