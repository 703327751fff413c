"""What feedback needs from storage (`FeedbackRepo`) and what it offers other features (`FeedbackReport`,
read by the weekly digest and the reputation-risk alerts)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from bot.core.targets import Target
from cogs.feedback.models import (
    Category,
    Draft,
    ExportRow,
    FeedbackSummary,
    Item,
    NewItem,
    Post,
    Recipient,
    Status,
    StatusChange,
)


class FeedbackRepo(Protocol):
    # -- items -------------------------------------------------------------------------------------------
    async def create(self, new: NewItem, now: datetime) -> Item:
        """Insert with the community's next number (#1, #2, …), atomically."""
        ...

    async def get(self, item_id: int) -> Item | None: ...

    async def by_number(self, community_id: int, number: int) -> Item | None: ...

    async def open_items(
        self, community_id: int, category: Category | None, offset: int, limit: int
    ) -> tuple[list[Item], int]:
        """Open items (new, under review, planned) by votes, most first, then oldest first; and their total."""
        ...

    async def suggest(self, community_id: int, typed: str, limit: int) -> list[Item]:
        """Items whose number starts with, or whose title contains, what was typed (merged ones left out)."""
        ...

    async def items_between(self, community_id: int, since: datetime, until: datetime) -> list[Item]: ...

    async def open_texts(self, community_id: int) -> list[Item]:
        """Every open item (for themes)."""
        ...

    async def export_rows(self, community_id: int) -> list[ExportRow]: ...

    async def erase_texts(self, author_id: int) -> list[int]:
        """Blank the title and text of every item the member wrote (`/privacy delete` with content); their ids."""
        ...

    async def problems_per_day(self, community_id: int, since: datetime, until: datetime) -> dict[date, int]:
        """New "problem" items per UTC day."""
        ...

    # -- votes and followers -----------------------------------------------------------------------------
    async def add_vote(self, item_id: int, member_id: int, now: datetime) -> bool:
        """True when the vote is new; a second vote by the same member changes nothing."""
        ...

    async def remove_vote(self, item_id: int, member_id: int) -> bool: ...

    async def voted(self, member_id: int, item_ids: Sequence[int]) -> set[int]: ...

    async def audience(self, item_id: int) -> list[int]:
        """Everyone told about the item's progress: its author, followers and voters (each once)."""
        ...

    async def recipients(self, member_ids: Sequence[int], platform: str) -> list[Recipient]:
        """Each member's private chat (on `platform` when they have an account there) and language, in one go."""
        ...

    # -- status and merges ---------------------------------------------------------------------------------
    async def set_status(
        self, item_id: int, status: Status, reply: str, actor_id: int | None, now: datetime
    ) -> StatusChange:
        """Change the status and log it in one transaction."""
        ...

    async def history(self, item_id: int) -> list[StatusChange]: ...

    async def changes_between(
        self, community_id: int, since: datetime, until: datetime
    ) -> list[tuple[Item, StatusChange]]: ...

    async def merge(self, source_id: int, into_id: int, actor_id: int | None, now: datetime) -> tuple[int, int]:
        """Fold `source_id` into `into_id` in one transaction: the source becomes "merged", its voters vote
        for the target unless they already did (or wrote it), its author and followers follow the target.
        Returns (votes moved, votes that were already there)."""
        ...

    # -- posts, drafts, settings ---------------------------------------------------------------------------
    async def add_post(self, item_id: int, target: Target, message_id: str) -> None: ...

    async def posts(self, item_id: int) -> list[Post]: ...

    async def create_draft(
        self, community_id: int, member_id: int, title: str, body: str, origin: Target, now: datetime
    ) -> Draft: ...

    async def get_draft(self, draft_id: int) -> Draft | None: ...

    async def set_draft_anonymous(self, draft_id: int, anonymous: bool) -> None: ...

    async def take_draft(self, draft_id: int) -> bool:
        """Delete the draft; True for the one caller that got it (a double press submits once)."""
        ...

    async def purge_drafts(self, before: datetime) -> int: ...

    async def channel(self, community_id: int) -> Target | None: ...

    async def set_channel(self, community_id: int, channel: Target | None) -> None: ...


class FeedbackReport(Protocol):
    """The read port for the weekly digest and the risk alerts (implemented by `FeedbackDigest`)."""

    async def summary(self, community_id: int, since: datetime, until: datetime, top: int = 5) -> FeedbackSummary:
        """New items, the most upvoted open items, status changes and themes in [since, until)."""
        ...

    async def negative_per_day(self, community_id: int, since: datetime, until: datetime) -> dict[date, int]:
        """New "problem" items per UTC day in [since, until): the baseline and the burst for risk alerts."""
        ...
