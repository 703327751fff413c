"""Recurring events keep their local wall time (cogs/events/recurrence.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.events.recurrence import Recurrence, describe, next_occurrence, occurrences

TZ = "Europe/Helsinki"
HELSINKI = ZoneInfo(TZ)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def local_hm(when: datetime) -> str:
    return when.astimezone(HELSINKI).strftime("%H:%M")


def test_weekly_event_stays_at_18_local_across_the_spring_dst_change() -> None:
    start = utc(2027, 3, 21, 16, 0)  # Sunday 18:00 EET (UTC+2)
    following = next_occurrence(start, TZ, Recurrence.WEEKLY)
    assert following == utc(2027, 3, 28, 15, 0)  # Sunday 18:00 EEST (UTC+3): the UTC hour moved
    assert local_hm(start) == local_hm(following) == "18:00"


def test_weekly_event_stays_at_18_local_across_the_autumn_dst_change() -> None:
    start = utc(2026, 10, 18, 15, 0)  # 18:00 EEST
    assert next_occurrence(start, TZ, Recurrence.WEEKLY) == utc(2026, 10, 25, 16, 0)  # 18:00 EET


def test_every_two_weeks_skips_a_week() -> None:
    start = utc(2026, 12, 2, 16, 0)
    assert next_occurrence(start, TZ, Recurrence.WEEKLY, 2) == utc(2026, 12, 16, 16, 0)
    assert list(occurrences(start, TZ, Recurrence.WEEKLY, 2, limit=3)) == [
        utc(2026, 12, 2, 16, 0),
        utc(2026, 12, 16, 16, 0),
        utc(2026, 12, 30, 16, 0),
    ]


def test_monthly_on_the_31st_is_clamped_per_month_from_the_original_day() -> None:
    start = utc(2027, 1, 31, 16, 0)  # 18:00 Helsinki
    days = [
        when.astimezone(HELSINKI).date().isoformat() for when in occurrences(start, TZ, Recurrence.MONTHLY, limit=5)
    ]
    assert days == ["2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30", "2027-05-31"]
    assert all(local_hm(when) == "18:00" for when in occurrences(start, TZ, Recurrence.MONTHLY, limit=5))


def test_next_occurrence_walks_a_series_from_its_anchor_with_after() -> None:
    start = utc(2027, 1, 31, 16, 0)
    february = next_occurrence(start, TZ, Recurrence.MONTHLY)
    assert february is not None and february.astimezone(HELSINKI).day == 28
    march = next_occurrence(start, TZ, Recurrence.MONTHLY, after=february)
    assert march is not None and march.astimezone(HELSINKI).day == 31  # back to the 31st, not stuck on the 28th
    assert local_hm(march) == "18:00"


def test_next_occurrence_before_the_start_is_the_start() -> None:
    start = utc(2027, 1, 31, 16, 0)
    assert next_occurrence(start, TZ, Recurrence.WEEKLY, after=utc(2026, 1, 1)) == start


def test_a_one_off_event_has_no_next_occurrence() -> None:
    start = utc(2027, 1, 31, 16, 0)
    assert next_occurrence(start, TZ, Recurrence.NONE) is None
    assert list(occurrences(start, TZ, Recurrence.NONE)) == [start]


def test_occurrences_stop_at_until_inclusive() -> None:
    start = utc(2026, 12, 2, 16, 0)
    found = list(occurrences(start, TZ, Recurrence.WEEKLY, 1, until_utc=utc(2026, 12, 16, 16, 0)))
    assert found == [start, utc(2026, 12, 9, 16, 0), utc(2026, 12, 16, 16, 0)]


@settings(deadline=None, max_examples=200)
@given(
    hours=st.integers(min_value=0, max_value=3 * 365 * 24),
    recurrence=st.sampled_from([Recurrence.WEEKLY, Recurrence.MONTHLY]),
    interval=st.integers(min_value=1, max_value=4),
    skip=st.integers(min_value=0, max_value=60 * 24 * 400),
)
def test_next_occurrence_after_any_time_is_the_first_later_member_of_the_series(
    hours: int, recurrence: Recurrence, interval: int, skip: int
) -> None:
    start = utc(2026, 1, 1) + timedelta(hours=hours)
    after = start + timedelta(minutes=skip)
    series = list(occurrences(start, TZ, recurrence, interval, limit=200))
    expected = next(when for when in series if when > after)
    assert next_occurrence(start, TZ, recurrence, interval, after=after) == expected


def test_the_spring_gap_shifts_one_occurrence_forward_and_the_series_returns() -> None:
    start = utc(2027, 3, 21, 1, 30)  # Sunday 03:30 EET; 2027-03-28 03:30 does not exist in Helsinki
    first, second, third = occurrences(start, TZ, Recurrence.WEEKLY, limit=3)
    assert [local_hm(first), local_hm(second), local_hm(third)] == ["03:30", "04:30", "03:30"]


@pytest.mark.parametrize("interval", [0, -1])
def test_an_interval_below_one_is_a_programming_error(interval: int) -> None:
    with pytest.raises(ValueError, match="interval"):
        next_occurrence(utc(2027, 1, 1), TZ, Recurrence.WEEKLY, interval)


@pytest.mark.parametrize(
    ("recurrence", "interval", "msgid", "count"),
    [
        (Recurrence.NONE, 1, "once", None),
        (Recurrence.WEEKLY, 1, "every week", None),
        (Recurrence.WEEKLY, 3, "every {count} week", 3),
        (Recurrence.MONTHLY, 1, "every month", None),
        (Recurrence.MONTHLY, 2, "every {count} month", 2),
    ],
)
def test_describe_names_the_rhythm_as_translatable_text(
    recurrence: Recurrence, interval: int, msgid: str, count: int | None
) -> None:
    text = describe(recurrence, interval)
    assert (text.msgid, text.count) == (msgid, count)


def test_describe_renders_english_plurals() -> None:
    assert describe(Recurrence.WEEKLY, 2).render("en") == "every 2 weeks"
    assert describe(Recurrence.MONTHLY, 3).render("en") == "every 3 months"


def test_recurrence_values_are_stable_strings_for_storage() -> None:
    assert [r.value for r in Recurrence] == ["none", "weekly", "monthly"]
    assert Recurrence("weekly") is Recurrence.WEEKLY
