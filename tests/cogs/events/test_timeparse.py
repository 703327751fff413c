"""Reading event times, durations and reminder offsets in en/fi/de/ru (cogs/dispatch/timeparse.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.errors import BadArgument
from cogs.dispatch.timeparse import (
    DEFAULT_OFFSETS,
    DURATION_EXAMPLE,
    WHEN_EXAMPLES,
    format_local,
    parse_duration,
    parse_offsets,
    parse_when,
)

TZ = "Europe/Helsinki"
HELSINKI = ZoneInfo(TZ)
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # Wednesday, 14:00 in Helsinki (UTC+2)

UNREADABLE = "I could not read “{text}” as a time. Try {example}."
PAST = "“{when}” is in the past. Give a future time, for example {example}."
TOO_FAR = "“{when}” is more than two years ahead, probably a typo. Give a nearer time, for example {example}."
NO_TIME = "“{text}” has no time of day. Add one, for example {example}."
BAD_DURATION = "I could not read “{text}” as a duration. Try {example}."
DURATION_RANGE = "“{text}” is out of range: a duration must be longer than zero and at most 4 weeks. Try {example}."
TOO_MANY_OFFSETS = "At most {limit} reminder times, please. Try {example}."


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def when(text: str, locale: str = "en", now: datetime = NOW, tz: str = TZ) -> datetime:
    return parse_when(text, locale=locale, timezone=tz, now=now)


EXAMPLES = [
    # English
    ("en", "tomorrow 6pm", utc(2026, 11, 26, 16, 0)),
    ("en", "tomorrow at 18:30", utc(2026, 11, 26, 16, 30)),
    ("en", "next friday 19:30", utc(2026, 11, 27, 17, 30)),
    ("en", "friday 7pm", utc(2026, 11, 27, 17, 0)),
    ("en", "in 2 hours", utc(2026, 11, 25, 14, 0)),
    ("en", "dec 1 18:00", utc(2026, 12, 1, 16, 0)),
    # Finnish
    ("fi", "huomenna klo 18", utc(2026, 11, 26, 16, 0)),
    ("fi", "perjantaina klo 19", utc(2026, 11, 27, 17, 0)),
    ("fi", "ensi perjantaina 19:00", utc(2026, 11, 27, 17, 0)),
    ("fi", "1.12. klo 18", utc(2026, 12, 1, 16, 0)),
    ("fi", "la 18.00", utc(2026, 11, 28, 16, 0)),
    ("fi", "ylihuomenna klo 9.30", utc(2026, 11, 27, 7, 30)),
    ("fi", "1.1. klo 10", utc(2027, 1, 1, 8, 0)),  # no year: the next 1 January
    # German
    ("de", "morgen 18 Uhr", utc(2026, 11, 26, 16, 0)),
    ("de", "am Freitag um 19 Uhr", utc(2026, 11, 27, 17, 0)),
    ("de", "übermorgen 10:30", utc(2026, 11, 27, 8, 30)),
    ("de", "1.12. 18 Uhr", utc(2026, 12, 1, 16, 0)),
    ("de", "nächsten Freitag um 19:30", utc(2026, 11, 27, 17, 30)),
    # Russian
    ("ru", "завтра в 18:00", utc(2026, 11, 26, 16, 0)),
    ("ru", "в пятницу в 19:00", utc(2026, 11, 27, 17, 0)),
    ("ru", "послезавтра в 10:30", utc(2026, 11, 27, 8, 30)),
    ("ru", "1 декабря в 18:00", utc(2026, 12, 1, 16, 0)),
    ("ru", "в следующую пятницу в 19 часов", utc(2026, 11, 27, 17, 0)),
]


@pytest.mark.parametrize(("locale", "text", "expected"), EXAMPLES, ids=[f"{loc}:{t}" for loc, t, _ in EXAMPLES])
def test_natural_language_example_is_read_in_the_community_zone(locale: str, text: str, expected: datetime) -> None:
    result = when(text, locale)
    assert result == expected
    assert result.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01 18:00", utc(2026, 12, 1, 16, 0)),
        ("2026-12-01T18:00", utc(2026, 12, 1, 16, 0)),
        ("2026-12-01 18:00+02:00", utc(2026, 12, 1, 16, 0)),
        ("2026-12-01 18:00+05:00", utc(2026, 12, 1, 13, 0)),  # an explicit offset wins over the zone
        ("2026-12-01T18:00Z", utc(2026, 12, 1, 18, 0)),
        ("2026-12-01 klo 18", utc(2026, 12, 1, 16, 0)),
    ],
)
def test_iso_time_is_local_unless_it_carries_an_offset(text: str, expected: datetime) -> None:
    assert when(text, "fi") == expected


def test_a_time_alone_is_today_while_ahead_else_tomorrow() -> None:
    assert when("18:00") == utc(2026, 11, 25, 16, 0)
    assert when("klo 10", "fi") == utc(2026, 11, 26, 8, 0)


def test_a_bare_weekday_is_today_while_the_time_is_ahead_but_next_never_is() -> None:
    assert when("wednesday 18:00") == utc(2026, 11, 25, 16, 0)
    assert when("wednesday 10:00") == utc(2026, 12, 2, 8, 0)
    assert when("next wednesday 18:00") == utc(2026, 12, 2, 16, 0)
    assert when("keskiviikkona klo 18", "fi") == utc(2026, 11, 25, 16, 0)


def test_a_text_in_another_supported_language_is_still_read() -> None:
    assert when("tomorrow 6pm", "fi") == utc(2026, 11, 26, 16, 0)
    assert when("huomenna klo 18", "de") == utc(2026, 11, 26, 16, 0)


def test_a_relative_time_is_rounded_down_to_the_minute() -> None:
    assert when("in 30 minutes", now=NOW + timedelta(seconds=42)) == utc(2026, 11, 25, 12, 30)


def test_a_very_long_text_is_not_read() -> None:
    with pytest.raises(BadArgument) as caught:
        when("tomorrow " * 20 + "18:00")
    assert caught.value.text.msgid == UNREADABLE
    assert len(caught.value.text.params["text"]) <= 80


def test_control_characters_and_extra_spaces_are_ignored() -> None:
    assert when("  tomorrow\x00   6pm ") == utc(2026, 11, 26, 16, 0)


def test_a_time_in_the_spring_forward_gap_is_shifted_forward() -> None:
    # Helsinki 2027-03-28: 03:00 EET jumps to 04:00 EEST, so 03:30 does not exist → 04:30 EEST.
    result = when("2027-03-28 03:30", "fi")
    assert result == utc(2027, 3, 28, 1, 30)
    assert result.astimezone(HELSINKI).strftime("%H:%M") == "04:30"


def test_an_ambiguous_time_on_the_fall_back_night_takes_the_first_occurrence() -> None:
    # Helsinki 2026-10-25: 04:00 EEST falls back to 03:00 EET, so 03:30 happens twice; the first is EEST (+3).
    now = utc(2026, 10, 1, 12, 0)
    assert when("2026-10-25 03:30", now=now) == utc(2026, 10, 25, 0, 30)
    assert when("25.10. klo 3.30", "fi", now=now) == utc(2026, 10, 25, 0, 30)


@pytest.mark.parametrize("locale", ["en", "fi", "de", "ru"])
def test_an_unreadable_time_is_refused_with_an_example_in_the_readers_language(locale: str) -> None:
    with pytest.raises(BadArgument) as caught:
        when("the day after the meeting maybe", locale)
    assert caught.value.text.msgid == UNREADABLE
    assert caught.value.text.params["example"] == WHEN_EXAMPLES[locale]
    assert caught.value.text.params["text"] == "the day after the meeting maybe"


@pytest.mark.parametrize("text", ["", "   ", "25:00", "tomorrow 13pm", "31.2. klo 18", "1700000000", "next week"])
def test_garbage_is_refused_as_unreadable(text: str) -> None:
    with pytest.raises(BadArgument) as caught:
        when(text, "fi")
    assert caught.value.text.msgid == UNREADABLE


@pytest.mark.parametrize(
    ("locale", "text"), [("en", "2026-11-20 18:00"), ("fi", "tänään klo 9"), ("de", "heute 13:59 Uhr")]
)
def test_a_past_time_is_refused_and_echoed_unambiguously(locale: str, text: str) -> None:
    with pytest.raises(BadArgument) as caught:
        when(text, locale)
    assert caught.value.text.msgid == PAST
    assert caught.value.text.params["example"] == WHEN_EXAMPLES[locale]
    assert caught.value.text.params["when"].endswith("(Europe/Helsinki)")


def test_a_time_three_years_ahead_is_refused_as_a_probable_typo() -> None:
    with pytest.raises(BadArgument) as caught:
        when("2029-11-25 18:00", "de")
    assert caught.value.text.msgid == TOO_FAR
    assert caught.value.text.params["example"] == WHEN_EXAMPLES["de"]


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("en", "tomorrow"),
        ("en", "friday"),
        ("fi", "huomenna"),
        ("fi", "1.12."),
        ("de", "am Freitag"),
        ("ru", "1 декабря"),
    ],
)
def test_a_day_without_a_time_of_day_is_refused(locale: str, text: str) -> None:
    with pytest.raises(BadArgument) as caught:
        when(text, locale)
    assert caught.value.text.msgid == NO_TIME
    assert caught.value.text.params["example"] == WHEN_EXAMPLES[locale]


def test_a_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_when("tomorrow 18:00", locale="en", timezone=TZ, now=datetime(2026, 11, 25, 12, 0))


# Minute-precision instants from one minute to just under two years after NOW.
future_minutes = st.integers(min_value=1, max_value=(365 * 2 - 1) * 24 * 60).map(lambda m: NOW + timedelta(minutes=m))
zones = st.sampled_from(["Europe/Helsinki", "Europe/Berlin", "Europe/Moscow", "America/New_York", "UTC"])
locales = st.sampled_from(["en", "fi", "de", "ru"])


@settings(deadline=None, max_examples=200)
@given(instant=future_minutes, tz=zones, locale=locales)
def test_iso_text_in_the_zone_round_trips(instant: datetime, tz: str, locale: str) -> None:
    local = instant.astimezone(ZoneInfo(tz))
    with_offset = local.isoformat(timespec="minutes")
    assert when(with_offset, locale, tz=tz) == instant
    # Without an offset the wall time is read in the zone; on a fall-back night the first occurrence wins.
    wall = local.strftime("%Y-%m-%d %H:%M")
    first = local.replace(fold=0).astimezone(UTC)
    assert when(wall, locale, tz=tz) == first


LOCAL_FORMS = {
    "en": "{d}.{m}.{y} at {H}:{M}",
    "fi": "{d}.{m}.{y} klo {H}.{M}",
    "de": "am {d}.{m}.{y} um {H}:{M} Uhr",
    "ru": "{d}.{m}.{y} в {H}:{M}",
}


@settings(deadline=None, max_examples=100)
@given(instant=future_minutes, locale=locales)
def test_day_first_dates_with_a_local_time_word_round_trip(instant: datetime, locale: str) -> None:
    local = instant.astimezone(HELSINKI)
    text = LOCAL_FORMS[locale].format(d=local.day, m=local.month, y=local.year, H=local.hour, M=f"{local.minute:02}")
    assert when(text, locale) == local.replace(fold=0).astimezone(UTC)


@settings(deadline=None, max_examples=100)
@given(instant=future_minutes, tz=zones, locale=locales)
def test_format_local_shows_the_wall_time_and_the_zone(instant: datetime, tz: str, locale: str) -> None:
    local = instant.astimezone(ZoneInfo(tz))
    shown = format_local(instant, tz, locale)
    clock = f"{local.hour}.{local.minute:02}" if locale == "fi" else f"{local.hour:02}:{local.minute:02}"
    assert clock in shown
    assert shown.endswith(f"({tz})")
    assert str(local.year) in shown


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "Tuesday, December 1, 2026, 18:00 (Europe/Helsinki)"),
        ("fi", "tiistai 1. joulukuuta 2026 18.00 (Europe/Helsinki)"),
        ("de", "Dienstag, 1. Dezember 2026, 18:00 (Europe/Helsinki)"),
        ("ru", "вторник, 1 декабря 2026 г., 18:00 (Europe/Helsinki)"),
    ],
)
def test_format_local_is_a_full_24_hour_date_with_the_zone_name(locale: str, expected: str) -> None:
    shown = format_local(utc(2026, 12, 1, 16, 0), TZ, locale)
    assert " ".join(shown.split()) == expected  # CLDR uses (narrow) no-break spaces, e.g. before Russian "г."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("1h30m", timedelta(minutes=90)),
        ("1d", timedelta(days=1)),
        ("1w", timedelta(weeks=1)),
        ("90", timedelta(minutes=90)),
        ("2 h", timedelta(hours=2)),
        ("1,5h", timedelta(minutes=90)),
        ("1.5h", timedelta(minutes=90)),
        ("1H 15M", timedelta(minutes=75)),
        ("2 tuntia", timedelta(hours=2)),
        ("3 Stunden", timedelta(hours=3)),
        ("45 мин", timedelta(minutes=45)),
        ("4w", timedelta(weeks=4)),
    ],
)
def test_duration_is_read(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "2x", "h", "1h-30m", "-5m", "1..5h"])
def test_unreadable_duration_is_refused_with_an_example(text: str) -> None:
    with pytest.raises(BadArgument) as caught:
        parse_duration(text)
    assert caught.value.text.msgid == BAD_DURATION
    assert caught.value.text.params["example"] == DURATION_EXAMPLE


@pytest.mark.parametrize("text", ["0", "0m", "4w1m", "5w", "29d"])
def test_duration_of_zero_or_over_four_weeks_is_refused(text: str) -> None:
    with pytest.raises(BadArgument) as caught:
        parse_duration(text)
    assert caught.value.text.msgid == DURATION_RANGE
    assert caught.value.text.params["example"] == DURATION_EXAMPLE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24h,1h", (timedelta(hours=24), timedelta(hours=1))),
        ("24h, 1h", (timedelta(hours=24), timedelta(hours=1))),
        ("1h, 24h, 1h", (timedelta(hours=24), timedelta(hours=1))),
        ("1d 2h 15m", (timedelta(days=1), timedelta(hours=2), timedelta(minutes=15))),
        ("1h30m; 1,5h, 10m", (timedelta(minutes=90), timedelta(minutes=10))),
        ("", DEFAULT_OFFSETS),
    ],
)
def test_reminder_offsets_are_unique_and_longest_first(text: str, expected: tuple[timedelta, ...]) -> None:
    assert parse_offsets(text) == expected


def test_default_offsets_are_a_day_and_an_hour() -> None:
    assert (timedelta(hours=24), timedelta(hours=1)) == DEFAULT_OFFSETS


def test_more_than_five_reminder_offsets_are_refused() -> None:
    with pytest.raises(BadArgument) as caught:
        parse_offsets("1m, 2m, 3m, 4m, 5m, 6m")
    assert caught.value.text.msgid == TOO_MANY_OFFSETS
    assert caught.value.text.params["limit"] == 5


@pytest.mark.parametrize(("text", "msgid"), [("24h, soon", BAD_DURATION), ("5w, 1h", DURATION_RANGE)])
def test_a_bad_reminder_offset_is_refused(text: str, msgid: str) -> None:
    with pytest.raises(BadArgument) as caught:
        parse_offsets(text)
    assert caught.value.text.msgid == msgid
