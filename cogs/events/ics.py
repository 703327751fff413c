"""iCalendar (.ics, RFC 5545) for one event or a community's feed, built with `icalendar`.

One-off events carry DTSTART/DTEND in UTC. Recurring events carry DTSTART/DTEND with the TZID of the
community zone (plus a generated VTIMEZONE), so calendar apps keep the local wall time across DST as
`recurrence.py` does. Monthly series on days 29–31 use BYMONTHDAY=28,…,d;BYSETPOS=-1 ("the last of
those days that exists"), which is the same end-of-month clamping as `recurrence.next_occurrence`
(plain RFC 5545 would skip short months instead).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cogs.events.recurrence import Recurrence

PRODID = "-//Hearth//Community events//EN"
DEFAULT_HOST = "hearth.local"
_LINK = re.compile(r"https?://[^\s\"<>]+", re.IGNORECASE)


@dataclass(frozen=True)
class IcsEvent:
    id: int
    title: str
    starts_at: datetime  # aware
    duration: timedelta
    description: str
    location: str
    timezone: str
    recurrence: Recurrence
    interval: int
    cancelled: bool
    sequence: int = 0


def safe_text(text: str) -> str:
    """User text for a calendar: line ends normalised to \\n, other control characters dropped
    (icalendar escapes \\n ; , and \\ itself)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()


def _rrule(recurrence: Recurrence, interval: int, local_start: datetime) -> dict[str, Any] | None:
    interval = max(1, interval)
    if recurrence is Recurrence.WEEKLY:
        return {"FREQ": "WEEKLY", "INTERVAL": interval}
    if recurrence is Recurrence.MONTHLY:
        rule: dict[str, Any] = {"FREQ": "MONTHLY", "INTERVAL": interval}
        if local_start.day > 28:
            rule |= {"BYMONTHDAY": list(range(28, local_start.day + 1)), "BYSETPOS": -1}
        return rule
    return None


def _vevent(event: IcsEvent, host: str, stamp: datetime) -> Any:
    if event.starts_at.tzinfo is None:
        raise ValueError(f"event {event.id}: starts_at must be aware")
    recurrence = Recurrence(event.recurrence)
    zone = ZoneInfo(event.timezone) if recurrence is not Recurrence.NONE else UTC
    start = event.starts_at.astimezone(zone)
    end = (event.starts_at + event.duration).astimezone(zone)
    from icalendar import Event  # imported on first use: keeps start-up fast

    vevent = Event()
    vevent.add("uid", f"hearth-event-{event.id}@{host}")
    vevent.add("dtstamp", stamp.astimezone(UTC))
    vevent.add("dtstart", start)
    vevent.add("dtend", end)
    vevent.add("summary", safe_text(event.title))
    if description := safe_text(event.description):
        vevent.add("description", description)
    location = safe_text(event.location)
    if _LINK.fullmatch(location):
        vevent.add("url", location)
    elif location:
        vevent.add("location", location)
    vevent.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    vevent.add("sequence", max(0, event.sequence))
    if rule := _rrule(recurrence, event.interval, start):
        vevent.add("rrule", rule)
    return vevent


def event_ics(
    events: Iterable[IcsEvent],
    calendar_name: str,
    *,
    host: str = DEFAULT_HOST,
    stamp: datetime | None = None,
) -> bytes:
    """A VCALENDAR with one VEVENT per event. Pass `stamp` (DTSTAMP, from the Clock) for
    reproducible output; without it the current time is used."""
    stamp = stamp if stamp is not None else datetime.now(UTC)
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", " ".join(safe_text(calendar_name).split()))
    for event in events:
        calendar.add_component(_vevent(event, host, stamp))
    calendar.add_missing_timezones()
    return calendar.to_ical()
