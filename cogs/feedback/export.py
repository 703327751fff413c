"""The "product proposals" pack: one CSV row per item, most upvoted open items first, for managers to hand
on. Times in the community's zone with their offset; the author only for items that are not anonymous;
cells that a spreadsheet would run as a formula are quoted so they stay text."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from cogs.feedback.models import ExportRow, Status
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


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def _local(when: datetime, zone: ZoneInfo) -> str:
    return when.astimezone(zone).isoformat(timespec="minutes")


def proposals_csv(rows: list[ExportRow], timezone: str) -> bytes:
    zone = ZoneInfo(timezone)
    ordered = sorted(rows, key=lambda r: (not r.item.is_open, r.item.status is Status.MERGED, -r.item.votes,
                                          r.item.number))  # fmt: skip
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in ordered:
        item = row.item
        writer.writerow(
            _cell(v)
            for v in (
                item.number,
                item.title,
                item.category.value,
                item.votes,
                item.status.value,
                item.merged_into_number or "",
                _local(item.created_at, zone),
                _local(item.updated_at, zone),
                quote(row.last_reply),
                quote(item.body),
                item.language,
                "" if item.anonymous else (item.author_name or ""),
            )
        )
    # A byte-order mark so spreadsheet programs read Finnish and Russian text as UTF-8.
    return out.getvalue().encode("utf-8-sig")
