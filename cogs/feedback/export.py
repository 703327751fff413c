"""The "product proposals" pack: one CSV row per item, most upvoted open items first, for managers to hand
on. Times in the community's zone with their offset; the author never for anonymous items; cells that a
spreadsheet would run as a formula are quoted so they stay text.

Two doors: `/feedback export` (Telegram `/export feedback`) sends this one file with authors' names; and
`FeedbackExport` puts the same rows into the community export (`/export`, `hearth export [feedback]`),
where named authors appear by pseudonymous id unless the manager asks for names."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from cogs.community.ports import CommunityRepo
from cogs.feedback.models import ExportRow, Item, Status
from cogs.feedback.ports import FeedbackRepo
from cogs.feedback.render import quote

COLUMNS = (
    "number",
    "title",
    "category",
    "votes",
    "status",
    "merged_into",
    "created",
    "last_change",
    "latest_reply",
    "quote",
    "language",
    "author",
)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
Author = Callable[[Item], str]


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def _local(when: datetime, zone: ZoneInfo) -> str:
    return when.astimezone(zone).isoformat(timespec="minutes")


def by_name(item: Item) -> str:
    return "" if item.anonymous else (item.author_name or "")


def proposal_rows(rows: Sequence[ExportRow], timezone: str, author: Author = by_name) -> list[list[str]]:
    zone = ZoneInfo(timezone)
    ordered = sorted(rows, key=lambda r: (not r.item.is_open, r.item.status is Status.MERGED, -r.item.votes,
                                          r.item.number))  # fmt: skip
    return [
        [
            _cell(v)
            for v in (
                r.item.number,
                r.item.title,
                r.item.category.value,
                r.item.votes,
                r.item.status.value,
                r.item.merged_into_number or "",
                _local(r.item.created_at, zone),
                _local(r.item.updated_at, zone),
                quote(r.last_reply),
                quote(r.item.body),
                r.item.language,
                "" if r.item.anonymous else author(r.item),
            )
        ]
        for r in ordered
    ]


def proposals_csv(rows: Sequence[ExportRow], timezone: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(proposal_rows(rows, timezone))
    # A byte-order mark so spreadsheet programs read Finnish and Russian text as UTF-8.
    return out.getvalue().encode("utf-8-sig")


class FeedbackExport:
    """Feedback's CSV in the community export (a `cogs.privacy.ports.CommunityExport`)."""

    name = "feedback"
    header: Sequence[str] = COLUMNS

    def __init__(self, repo: FeedbackRepo, communities: CommunityRepo) -> None:
        self.repo = repo
        self.communities = communities

    async def rows(self, community_id: int, with_names: bool) -> AsyncIterator[Sequence[Sequence[str]]]:
        community = await self.communities.get(community_id)
        timezone = community.timezone if community else "UTC"
        author = by_name if with_names else _pseudonym
        rows = proposal_rows(await self.repo.export_rows(community_id), timezone, author)
        for start in range(0, len(rows), 5000):
            yield rows[start : start + 5000]


def _pseudonym(item: Item) -> str:
    return f"member-{item.author_id}"  # the community export's pseudonymous ids
