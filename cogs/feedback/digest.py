"""The read port the weekly digest and the reputation-risk alerts use (`ports.FeedbackReport`), and the digest's
feedback section built on it."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from cogs.digest.models import FeedbackDigest as FeedbackSectionData
from cogs.digest.models import FeedbackItem
from cogs.digest.models import StatusChange as StatusLine
from cogs.feedback.manage import themes_of
from cogs.feedback.models import Category, FeedbackSummary, Item, Status
from cogs.feedback.ports import FeedbackRepo
from cogs.feedback.render import STATUS_LABELS


class FeedbackDigest:
    def __init__(self, repo: FeedbackRepo) -> None:
        self.repo = repo

    async def summary(self, community_id: int, since: datetime, until: datetime, top: int = 5) -> FeedbackSummary:
        new = await self.repo.items_between(community_id, since, until)
        top_voted, _total = await self.repo.open_items(community_id, None, 0, top)
        changes = await self.repo.changes_between(community_id, since, until)
        still_open = await self.repo.open_texts(community_id)
        by_language = themes_of(still_open, top=5)
        found = sorted((t for ts in by_language.values() for t in ts), key=lambda t: (-t.count, t.language, t.term))
        return FeedbackSummary(
            new=tuple(new),
            top_voted=tuple(top_voted),
            status_changes=tuple(changes),
            themes=tuple(found),
            negative=sum(i.category is Category.PROBLEM for i in new),
            by_category=dict(Counter(i.category.value for i in new)),
            awaiting_reply=sum(i.status is Status.NEW for i in still_open),
        )

    async def negative_per_day(self, community_id: int, since: datetime, until: datetime) -> dict[date, int]:
        return await self.repo.problems_per_day(community_id, since, until)


class FeedbackSection:
    """Feedback's section of the weekly digest (cogs/digest/ports.py): new items, the most upvoted open ones,
    status changes, themes, and how many open items still wait for a manager's answer."""

    def __init__(self, report: FeedbackDigest) -> None:
        self.report = report

    async def feedback(self, community_id: int, start: datetime, end: datetime) -> FeedbackSectionData | None:
        s = await self.report.summary(community_id, start, end)
        if not (s.new or s.top_voted or s.status_changes or s.awaiting_reply):
            return None
        return FeedbackSectionData(
            new_items=len(s.new),
            top_voted=tuple(_line(i) for i in s.top_voted),
            status_changes=tuple(
                StatusLine(_line(i), STATUS_LABELS[c.previous], STATUS_LABELS[c.status]) for i, c in s.status_changes
            ),
            themes=tuple((t.term, t.count) for t in s.themes),
            awaiting_reply=s.awaiting_reply,
        )


def _line(item: Item) -> FeedbackItem:
    return FeedbackItem(item.number, item.title, item.votes, STATUS_LABELS[item.status])
