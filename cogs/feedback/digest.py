"""The read port the weekly digest and the reputation-risk alerts use (`ports.FeedbackReport`)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from cogs.feedback.manage import themes_of
from cogs.feedback.models import Category, FeedbackSummary
from cogs.feedback.ports import FeedbackRepo


class FeedbackDigest:
    def __init__(self, repo: FeedbackRepo) -> None:
        self.repo = repo

    async def summary(self, community_id: int, since: datetime, until: datetime, top: int = 5) -> FeedbackSummary:
        new = await self.repo.items_between(community_id, since, until)
        top_voted, _total = await self.repo.open_items(community_id, None, 0, top)
        changes = await self.repo.changes_between(community_id, since, until)
        by_language = themes_of(await self.repo.open_texts(community_id), top=5)
        found = sorted((t for ts in by_language.values() for t in ts), key=lambda t: (-t.count, t.language, t.term))
        return FeedbackSummary(
            new=tuple(new),
            top_voted=tuple(top_voted),
            status_changes=tuple(changes),
            themes=tuple(found),
            negative=sum(i.category is Category.PROBLEM for i in new),
            by_category=dict(Counter(i.category.value for i in new)),
        )

    async def negative_per_day(self, community_id: int, since: datetime, until: datetime) -> dict[date, int]:
        return await self.repo.problems_per_day(community_id, since, until)
