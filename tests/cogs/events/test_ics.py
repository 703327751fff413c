"""Calendar files for events (cogs/events/ics.py), checked by parsing them back with icalendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from icalendar import Calendar

from cogs.events.ics import PRODID, IcsEvent, event_ics, safe_text
from cogs.events.recurrence import Recurrence, occurrences

TZ = "Europe/Helsinki"
STAMP = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def event(**changes: Any) -> IcsEvent:
    base: dict[str, Any] = {
        "id": 7,
        "title": "Game night",
        "starts_at": datetime(2026, 12, 2, 16, 0, tzinfo=UTC),  # 18:00 Helsinki
        "duration": timedelta(hours=2),
        "description": "Bring snacks",
        "location": "Community hall",
        "timezone": TZ,
        "recurrence": Recurrence.NONE,
        "interval": 1,
        "cancelled": False,
    }
    return IcsEvent(**(base | changes))


def parse(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def vevents(calendar: Calendar) -> dict[str, Any]:
    return {str(component["uid"]): component for component in calendar.walk("VEVENT")}


def two_events() -> bytes:
    weekly = event(
        id=1, title="Weekly call", recurrence=Recurrence.WEEKLY, interval=2, location="https://meet.example/x"
    )
    cancelled = event(id=2, title="Picnic", cancelled=True, sequence=3)
    return event_ics([weekly, cancelled], "Hearth fans", stamp=STAMP)


def test_calendar_has_prodid_version_and_name() -> None:
    calendar = parse(two_events())
    assert str(calendar["prodid"]) == PRODID == "-//Hearth//Community events//EN"
    assert str(calendar["version"]) == "2.0"
    assert str(calendar["x-wr-calname"]) == "Hearth fans"


def test_each_event_has_a_stable_uid_on_the_host() -> None:
    assert set(vevents(parse(two_events()))) == {"hearth-event-1@hearth.local", "hearth-event-2@hearth.local"}
    other = parse(event_ics([event()], "x", host="events.example.org", stamp=STAMP))
    assert set(vevents(other)) == {"hearth-event-7@events.example.org"}


def test_recurring_event_keeps_the_community_zone_and_an_rrule() -> None:
    calendar = parse(two_events())
    weekly = vevents(calendar)["hearth-event-1@hearth.local"]
    assert weekly["dtstart"].params["TZID"] == TZ
    start = weekly.decoded("dtstart")
    assert start == datetime(2026, 12, 2, 16, 0, tzinfo=UTC)
    assert start.utcoffset() == timedelta(hours=2)  # written as local wall time 18:00, not as UTC
    assert weekly.decoded("dtend") - start == timedelta(hours=2)
    assert weekly["rrule"]["FREQ"] == ["WEEKLY"]
    assert weekly["rrule"]["INTERVAL"] == [2]
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == [TZ]
    assert str(weekly["url"]) == "https://meet.example/x"
    assert "location" not in weekly


def test_one_off_event_is_in_utc_and_a_cancelled_one_says_so() -> None:
    picnic = vevents(parse(two_events()))["hearth-event-2@hearth.local"]
    assert picnic.decoded("dtstart") == datetime(2026, 12, 2, 16, 0, tzinfo=UTC)
    assert picnic.decoded("dtstart").utcoffset() == timedelta(0)
    assert "TZID" not in picnic["dtstart"].params
    assert "rrule" not in picnic
    assert str(picnic["status"]) == "CANCELLED"
    assert int(picnic["sequence"]) == 3
    assert str(picnic["location"]) == "Community hall"
    assert picnic.decoded("dtstamp") == STAMP


def test_confirmed_event_status_and_description() -> None:
    found = vevents(parse(event_ics([event()], "x", stamp=STAMP)))["hearth-event-7@hearth.local"]
    assert str(found["status"]) == "CONFIRMED"
    assert str(found["description"]) == "Bring snacks"
    assert int(found["sequence"]) == 0


def test_only_utc_events_need_no_vtimezone() -> None:
    assert parse(event_ics([event()], "x", stamp=STAMP)).walk("VTIMEZONE") == []


def test_user_text_with_special_characters_round_trips() -> None:
    title = "Line one\nLine two; semi, comma \\ backslash"
    data = event_ics([event(title=title, description="a;b,c\r\nd")], "Name; with, commas", stamp=STAMP)
    assert b"\nLine two" not in data  # the newline is escaped, not a raw line break
    calendar = parse(data)
    found = vevents(calendar)["hearth-event-7@hearth.local"]
    assert str(found["summary"]) == title
    assert str(found["description"]) == "a;b,c\nd"
    assert str(calendar["x-wr-calname"]) == "Name; with, commas"


def test_control_characters_are_stripped_from_user_text() -> None:
    data = event_ics([event(title="Bell\x07 and\x00 nul\x1b[31m", location="Room\x0b 4")], "Cal\x00", stamp=STAMP)
    found = vevents(parse(data))["hearth-event-7@hearth.local"]
    assert str(found["summary"]) == "Bell and nul[31m"
    assert str(found["location"]) == "Room 4"
    assert safe_text("a\tb\r\nc\x7f") == "a\tb\nc"


def test_monthly_rrule_clamps_to_month_end_like_the_recurrence_module() -> None:
    start = datetime(2027, 1, 31, 16, 0, tzinfo=UTC)  # 18:00 Helsinki on the 31st
    data = event_ics([event(starts_at=start, recurrence=Recurrence.MONTHLY)], "x", stamp=STAMP)
    found = vevents(parse(data))["hearth-event-7@hearth.local"]
    assert found["rrule"]["FREQ"] == ["MONTHLY"]
    local_start = found.decoded("dtstart")
    assert local_start.tzinfo is not None and str(local_start.tzinfo) == TZ
    rule = rrulestr(found["rrule"].to_ical().decode(), dtstart=local_start.replace(tzinfo=None))
    expanded = [naive.replace(tzinfo=ZoneInfo(TZ)).astimezone(UTC) for naive in rule[:6]]
    assert expanded == list(occurrences(start, TZ, Recurrence.MONTHLY, limit=6))


def test_recurrence_given_as_a_stored_string_still_gets_an_rrule() -> None:
    data = event_ics([event(recurrence="weekly")], "x", stamp=STAMP)
    assert vevents(parse(data))["hearth-event-7@hearth.local"]["rrule"]["FREQ"] == ["WEEKLY"]


def test_monthly_rrule_on_an_early_day_is_plain() -> None:
    data = event_ics([event(recurrence=Recurrence.MONTHLY, interval=3)], "x", stamp=STAMP)
    rule = vevents(parse(data))["hearth-event-7@hearth.local"]["rrule"]
    assert rule["FREQ"] == ["MONTHLY"] and rule["INTERVAL"] == [3]
    assert "BYMONTHDAY" not in rule
