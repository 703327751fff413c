"""Recurring events: the next start keeps the community's LOCAL wall time.

A weekly event at 18:00 Helsinki stays at 18:00 local when daylight saving time changes, so its UTC
hour moves. Occurrences are always computed from the series anchor (the first start), never from the
previous occurrence, so a monthly event on the 31st is clamped to each month's end but comes back to
the 31st: Jan 31 → Feb 28 → Mar 31 → Apr 30 (dateutil's relativedelta clamps; RFC 5545's plain
BYMONTHDAY would skip short months instead — `ics.py` writes an RRULE with the same clamping).

Local wall time → UTC (`to_utc`): a time in a DST gap (e.g. 03:30 on the spring-forward night) is
shifted forward by the gap (→ 04:30); an ambiguous time on the fall-back night takes the first
occurrence (the summer-time one). This is what zoneinfo does with fold=0 (PEP 495).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from bot.core.i18n import Text, t_, tn_

DEFAULT_LIMIT = 100


class Recurrence(StrEnum):
    NONE = "none"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """Naive wall time in `zone` → aware UTC (gap: shift forward; fold: first occurrence)."""
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def _check(start_utc: datetime, interval: int) -> None:
    if start_utc.tzinfo is None:
        raise ValueError("start_utc must be an aware datetime")
    if interval < 1:
        raise ValueError(f"interval must be at least 1, got {interval}")


def _nth(anchor: datetime, zone: ZoneInfo, recurrence: Recurrence, interval: int, k: int) -> datetime:
    """The k-th start of the series (k = 0 is the anchor itself); `anchor` is naive local wall time."""
    if recurrence is Recurrence.WEEKLY:
        step = relativedelta(weeks=k * interval)
    elif recurrence is Recurrence.MONTHLY:
        step = relativedelta(months=k * interval)
    else:
        step = relativedelta()
    return to_utc(anchor + step, zone)


def _anchor(start_utc: datetime, zone: ZoneInfo) -> datetime:
    return start_utc.astimezone(zone).replace(tzinfo=None)


def next_occurrence(
    start_utc: datetime,
    timezone: str,
    recurrence: Recurrence,
    interval: int = 1,
    *,
    after: datetime | None = None,
) -> datetime | None:
    """The first start of the series anchored at `start_utc` strictly after `after` (default: the
    anchor itself, i.e. the second start), as aware UTC; None for a one-off event.

    Keep the original start as the anchor and pass `after=` to walk the series: that keeps the
    monthly day-of-month clamping right (Jan 31 → Feb 28 → Mar 31)."""
    _check(start_utc, interval)
    recurrence = Recurrence(recurrence)
    if recurrence is Recurrence.NONE:
        return None
    after = start_utc if after is None else after
    if after < start_utc:
        return start_utc.astimezone(UTC)
    zone = ZoneInfo(timezone)
    anchor = _anchor(start_utc, zone)
    # Jump close to `after` (one step early is enough to absorb DST offsets), then walk.
    if recurrence is Recurrence.WEEKLY:
        k = int((after - start_utc).total_seconds() // (7 * 86400 * interval))
    else:
        local_after = after.astimezone(zone)
        k = ((local_after.year - anchor.year) * 12 + local_after.month - anchor.month) // interval
    k = max(1, k - 1)
    while (found := _nth(anchor, zone, recurrence, interval, k)) <= after:
        k += 1
    return found


def occurrences(
    start_utc: datetime,
    timezone: str,
    recurrence: Recurrence,
    interval: int = 1,
    until_utc: datetime | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Iterator[datetime]:
    """Starts of the series in order, beginning with `start_utc` itself, up to `until_utc` (inclusive)
    and at most `limit` of them."""
    _check(start_utc, interval)
    recurrence = Recurrence(recurrence)
    zone = ZoneInfo(timezone)
    anchor = _anchor(start_utc, zone)
    for k in range(limit):
        when = start_utc.astimezone(UTC) if k == 0 else _nth(anchor, zone, recurrence, interval, k)
        if until_utc is not None and when > until_utc:
            return
        yield when
        if recurrence is Recurrence.NONE:
            return


def describe(recurrence: Recurrence, interval: int = 1) -> Text:
    """How often, as a translatable text: "once", "every week", "every 2 weeks", "every month"…"""
    recurrence = Recurrence(recurrence)
    if recurrence is Recurrence.WEEKLY:
        if interval == 1:
            return t_("every week")
        return tn_("every {count} week", "every {count} weeks", interval)
    if recurrence is Recurrence.MONTHLY:
        if interval == 1:
            return t_("every month")
        return tn_("every {count} month", "every {count} months", interval)
    return t_("once")
