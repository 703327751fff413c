"""Reading times, durations and reminder offsets typed by members, in en, fi, de and ru (events, polls, …).

`parse_when` returns aware UTC. Dates are dateparser's job; this module only normalises the idioms
dateparser misreads (measured with dateparser 1.5: "huomenna klo 18" → 12:00, "morgen 18 Uhr" →
12:00, "am Freitag um 19 Uhr" → None, "1.12." → 01:12 today):

1. ISO 8601 (`2026-12-01 18:00`, `…T18:00`, `…18:00+02:00`) is read directly; an explicit offset wins.
2. The time of day is cut out with a small table of patterns (`klo 18.30`, `18 Uhr`, `um 19`,
   `в 18:00`, `6pm`, `at 18:30`, `18:00`, `18.00`).
3. What is left names the day: a weekday (`perjantaina`, `am Freitag`, `в пятницу`, `next friday`,
   `la`) → the next such day, today if the time is still ahead (with "next/ensi/nächsten/следующий":
   never today); a numeric day-first date (`1.12.`, `1.12.2027`) → the next such date; nothing →
   today, or tomorrow when the time has passed; anything else → dateparser (`languages=[locale]`,
   future preferred, relative to now in the zone). If the locale cannot read it, the other
   supported languages are tried.
4. Date + time are combined as wall time in the community zone (DST gap: shifted forward; fold:
   first occurrence) and converted to UTC. A date without a time of day is refused.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_datetime_format
from dateutil.relativedelta import relativedelta

from bot.core.errors import BadArgument
from bot.core.i18n import DEFAULT_LOCALE, LOCALES, t_

MAX_AHEAD = relativedelta(years=2)
MAX_DURATION = timedelta(weeks=4)
MAX_OFFSETS = 5
MAX_TEXT = 100  # longer input is not a time; also bounds the work dateparser does
DEFAULT_OFFSETS: tuple[timedelta, ...] = (timedelta(hours=24), timedelta(hours=1))

WHEN_EXAMPLES = {
    "en": "tomorrow 18:00 or 2026-12-01 18:00",
    "fi": "huomenna klo 18 tai 2026-12-01 18:00",
    "de": "morgen 18 Uhr oder 2026-12-01 18:00",
    "ru": "завтра в 18:00 или 2026-12-01 18:00",
}
DURATION_EXAMPLE = "30m, 2h, 1d, 1w"
OFFSETS_EXAMPLE = "24h, 1h"

_H = r"(?P<h>\d{1,2})"
_M = r"(?P<m>\d{2})"
_NOT_NUM = r"(?<![\d.:])"  # not in the middle of a number, a date or a time
# Time of day, per language; "*" applies to every language. First match wins, so marked forms come first.
_TIME_PATTERNS: dict[str, tuple[str, ...]] = {
    "en": (
        rf"(?:\bat\s+)?{_NOT_NUM}{_H}(?::{_M})?\s*(?P<ampm>[ap])\.?m\b\.?",
        rf"\bat\s+{_H}(?:[:.]{_M}|(?<=1[3-9]|2[0-3]))\b(?![.:]\d)",  # "at 6" is 6 am or pm: not read
    ),
    "fi": (rf"\b(?:klo|kello)\.?\s*{_H}(?:[.:]{_M})?\b(?![.:]\d)",),
    "de": (rf"(?:\bum\s+)?{_NOT_NUM}{_H}(?:[.:]{_M})?\s*uhr\b", rf"\bum\s+{_H}(?:[.:]{_M})?\b(?![.:]\d)"),
    "ru": (rf"(?<!\w)во?\s+{_H}(?:[.:]{_M})?(?:\s*(?:ч|час(?:а|ов)?)\b\.?)?(?![\w.:])",),
    "*": (rf"{_NOT_NUM}{_H}:{_M}(?![\d:]|\.\d)", rf"{_NOT_NUM}{_H}\.{_M}(?![\d.:])"),  # "1.12." is a date
}
# Weekday phrases: (plain prefix, "next" prefix: never today, names from Monday separated by spaces).
_WEEKDAYS: dict[str, tuple[str, str, str]] = {
    "en": (
        r"(?:on\s+)?(?:this\s+)?",
        r"next\s+|coming\s+",
        r"mon(?:day)? tue(?:s|sday)? wed(?:nesday)? thu(?:rs?|rsday)? fri(?:day)? sat(?:urday)? sun(?:day)?",
    ),
    "fi": (
        r"(?:tänä\s+)?",
        r"ensi\s+|tulevana\s+",
        r"maanantai(?:na)?|ma tiistai(?:na)?|ti keskiviikko(?:na)?|ke torstai(?:na)?|to perjantai(?:na)?|pe"
        r" lauantai(?:na)?|la sunnuntai(?:na)?|su",
    ),
    "de": (
        r"(?:am\s+)?(?:diesen\s+)?",
        r"(?:am\s+)?(?:nächsten|kommenden)\s+",
        r"montag|mo\.? dienstag|di\.? mittwoch|mi\.? donnerstag|do\.? freitag|fr\.?"
        r" samstag|sonnabend|sa\.? sonntag|so\.?",
    ),
    "ru": (
        r"(?:во?\s+)?(?:эт\w+\s+)?",
        r"(?:во?\s+)?следующ\w+\s+",
        r"понедельник|пн вторник|вт сред[ау]|ср четверг|чт пятниц[ау]|пт суббот[ау]|сб воскресенье|вс",
    ),
}
_DAY_MONTH = re.compile(r"(?:(?:am|den|on)\s+)*(?P<d>\d{1,2})\.(?P<mo>\d{1,2})(?:\.(?P<y>\d{4})?)?", re.IGNORECASE)
_DAY_WORDS = {"fi": {"ylihuomenna": "2 päivän päästä"}}  # idioms dateparser lacks
_PARSERS = ["relative-time", "custom-formats", "absolute-time"]  # no unix timestamps, no "1830"


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """Naive wall time in `zone` → aware UTC (gap: shift forward; fold: first occurrence)."""
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


class _NoTime(Exception):
    """A date was understood but no time of day was given."""


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    return " ".join(text.split())


def _shown(text: str) -> str:
    return text if len(text) <= 80 else text[:79] + "…"


def _example(locale: str) -> str:
    return WHEN_EXAMPLES.get(locale, WHEN_EXAMPLES[DEFAULT_LOCALE])


def _extract_time(text: str, lang: str) -> tuple[str, time | None]:
    """Cut the time of day out of `text`: (the rest, the time or None). ValueError if out of range."""
    for pattern in (*_TIME_PATTERNS.get(lang, ()), *_TIME_PATTERNS["*"]):
        found = re.search(pattern, text, re.IGNORECASE)
        if not found:
            continue
        hour, minute = int(found["h"]), int(found["m"] or 0)
        ampm = found.groupdict().get("ampm")
        if ampm:
            if not 1 <= hour <= 12:
                raise ValueError("hour out of range for am/pm")
            hour = hour % 12 + (12 if ampm.lower() == "p" else 0)
        rest = (text[: found.start()] + " " + text[found.end() :]).strip(" ,")
        return " ".join(rest.split()), time(hour, minute)  # time() raises ValueError when out of range
    return text, None


def _weekday(rest: str, lang: str) -> tuple[int, bool] | None:
    """(weekday 0=Monday, strict) when `rest` is only a weekday phrase in `lang`."""
    if lang not in _WEEKDAYS:
        return None
    plain, strict, names = _WEEKDAYS[lang]
    for index, name in enumerate(names.split()):
        found = re.fullmatch(rf"(?P<strict>{strict})?{plain}(?:{name})", rest, re.IGNORECASE)
        if found:
            return index, bool(found["strict"])
    return None


def _day_month(day: int, month: int, year: str | None, tod: time | None, zone: ZoneInfo, local_now: datetime) -> date:
    """A numeric day-first date ("1.12.", "1.12.2027"): without a year, the next one still ahead."""
    years = [int(year)] if year else range(local_now.year, local_now.year + 5)
    found: date | None = None
    for candidate_year in years:
        try:
            found = date(candidate_year, month, day)
        except ValueError:
            continue
        if tod is None or datetime.combine(found, tod, zone) > local_now:
            break
    if found is None:
        raise ValueError("no such date")
    return found


def _dateparser(rest: str, lang: str, local_now: datetime) -> tuple[datetime, str] | None:
    rest = _DAY_WORDS.get(lang, {}).get(rest.lower(), rest)
    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": local_now.replace(tzinfo=None),
        "RETURN_TIME_AS_PERIOD": True,
        "PARSERS": _PARSERS,
        **({} if lang == "en" else {"DATE_ORDER": "DMY"}),
    }
    with warnings.catch_warnings():
        # dateparser may warn about its own internals (e.g. strptime without a year); that is not our input.
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"dateparser(\.|$)")
        from dateparser.date import DateDataParser  # imported on first use: it is slow to import

        data = DateDataParser(languages=[lang], settings=settings).get_date_data(rest)
    if data.date_obj is None:
        return None
    return data.date_obj.replace(tzinfo=None), data.period or "day"


def _read(text: str, lang: str, zone: ZoneInfo, local_now: datetime) -> datetime | None:
    """Aware local datetime, None if `lang` cannot read it; raises _NoTime / ValueError."""
    rest, tod = _extract_time(text, lang)
    if not rest:
        day = local_now.date()
        if tod is not None and datetime.combine(day, tod, zone) <= local_now:
            day += timedelta(days=1)
    elif (weekday := _weekday(rest, lang)) is not None:
        wanted, strict = weekday
        ahead = (wanted - local_now.weekday()) % 7
        if ahead == 0 and (strict or tod is None or datetime.combine(local_now.date(), tod, zone) <= local_now):
            ahead = 7
        day = local_now.date() + timedelta(days=ahead)
    elif found := _DAY_MONTH.fullmatch(rest):
        day = _day_month(int(found["d"]), int(found["mo"]), found["y"], tod, zone, local_now)
    else:
        parsed = _dateparser(rest, lang, local_now)
        if parsed is None:
            return None
        when, period = parsed
        if period == "time" and tod is None:  # "in 2 hours": dateparser carried the time (to the minute)
            return to_utc(when.replace(second=0, microsecond=0), zone).astimezone(zone)
        if period != "day":  # two times ("in 2 hours 18:00"), or a vague "next week" / "december"
            return None
        day = when.date()
    if tod is None:
        raise _NoTime
    return to_utc(datetime.combine(day, tod), zone).astimezone(zone)


def parse_when(text: str, *, locale: str, timezone: str, now: datetime) -> datetime:
    """A member's time (ISO or natural language in en/fi/de/ru, read in `timezone`) → aware UTC.

    Raises BadArgument when it cannot be read, is in the past, is more than two years ahead, or names
    a day without a time of day."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    zone = ZoneInfo(timezone)
    cleaned = _clean(text)
    local_now = now.astimezone(zone)
    when: datetime | None = None
    try:
        iso = datetime.fromisoformat(cleaned) if re.fullmatch(r"\d{4}-\d\d-\d\d[T ]\S.*", cleaned) else None
    except ValueError:
        iso = None
    if iso is not None:
        when = iso if iso.tzinfo is not None else to_utc(iso, zone)
    elif 0 < len(cleaned) <= MAX_TEXT:
        first = locale if locale in LOCALES else DEFAULT_LOCALE
        no_time = False
        for lang in dict.fromkeys((first, *LOCALES)):  # the reader's language first, then the others
            try:
                when = _read(cleaned, lang, zone, local_now)
            except _NoTime:
                no_time = True
            except ValueError:
                pass
            if when is not None:
                break
        if when is None and no_time:
            raise BadArgument(
                t_(
                    "“{text}” has no time of day. Add one, for example {example}.",
                    text=_shown(cleaned),
                    example=_example(locale),
                )
            )
    if when is None:
        raise BadArgument(
            t_("I could not read “{text}” as a time. Try {example}.", text=_shown(cleaned), example=_example(locale))
        )
    when = when.astimezone(UTC)
    if when <= now:
        raise BadArgument(
            t_(
                "“{when}” is in the past. Give a future time, for example {example}.",
                when=format_local(when, timezone, locale),
                example=_example(locale),
            )
        )
    if when > now + MAX_AHEAD:
        raise BadArgument(
            t_(
                "“{when}” is more than two years ahead, probably a typo. Give a nearer time, for example {example}.",
                when=format_local(when, timezone, locale),
                example=_example(locale),
            )
        )
    return when


def format_local(when: datetime, timezone: str, locale: str) -> str:
    """`when` in `timezone`, unambiguous, 24-hour, zone named: "Tuesday, December 1, 2026, 18:00 (Europe/Helsinki)"."""
    if when.tzinfo is None:
        raise ValueError("naive datetime")
    loc = locale if locale in LOCALES else DEFAULT_LOCALE
    local = when.astimezone(ZoneInfo(timezone))
    day = format_date(local, "full", locale=loc)
    clock = format_time(local, "HH:mm" if loc == "en" else "short", locale=loc)  # fi/de/ru short forms are 24 h
    text = str(get_datetime_format("full", locale=loc)).replace("'", "").replace("{0}", clock).replace("{1}", day)
    return f"{text} ({timezone})"


_UNITS = {  # a few spellings per language, lower case
    "w": "w wk wks week weeks vk viikko viikkoa wo woche wochen н нед",
    "d": "d day days pv päivä päivää tag tage д дн день дня дней",
    "h": "h hr hrs hour hours t tunti tuntia std stunde stunden ч час часа часов",
    "m": "m min mins minute minutes minuutti minuuttia minuten мин минут минуты",
}
_UNIT_OF = {alias: unit for unit, aliases in _UNITS.items() for alias in aliases.split()}
_STEP = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}
_PART = re.compile(r"(\d+(?:[.,]\d+)?)\s*([^\W\d_]+)", re.IGNORECASE)


def read_duration(text: str) -> timedelta:
    """`30m`, `2h`, `1h30m`, `1,5h`, `2 h`, `1d`, `1w`; a bare number is minutes. Any length: callers bound
    it (BadArgument when it cannot be read)."""
    cleaned = _clean(text).lower()
    refuse = BadArgument(
        t_("I could not read “{text}” as a duration. Try {example}.", text=_shown(cleaned), example=DURATION_EXAMPLE)
    )
    if re.fullmatch(r"\d+", cleaned):
        return timedelta(minutes=int(cleaned))
    if not re.fullmatch(r"(?:\d+(?:[.,]\d+)?\s*[^\W\d_]+\s*)+", cleaned):
        raise refuse
    total = timedelta()
    for part in _PART.finditer(cleaned):
        unit = _UNIT_OF.get(part[2])
        if unit is None:
            raise refuse
        total += _STEP[unit] * float(part[1].replace(",", "."))
    return timedelta(seconds=round(total.total_seconds()))


def parse_duration(text: str) -> timedelta:
    """`read_duration`, and 0 < result ≤ 4 weeks."""
    total = read_duration(text)
    if not timedelta() < total <= MAX_DURATION:
        raise BadArgument(
            t_(
                "“{text}” is out of range: a duration must be longer than zero and at most 4 weeks. Try {example}.",
                text=_shown(_clean(text).lower()),
                example=DURATION_EXAMPLE,
            )
        )
    return total


def parse_offsets(text: str) -> tuple[timedelta, ...]:
    """Reminder offsets before the start: "24h,1h", "24h, 1h", "1d 2h 15m" (three offsets; write "1h30m"
    for one compound offset). Unique, longest first, at most 5, each ≤ 4 weeks; blank → DEFAULT_OFFSETS."""
    cleaned = _clean(text)
    if not cleaned:
        return DEFAULT_OFFSETS
    # Separators: ";" , "," (but not a decimal comma between digits, "1,5h"), or a space before a number.
    pieces = [p for p in re.split(r"\s*;\s*|,\s+|(?<!\d),\s*|,(?!\d)\s*|\s+(?=\d)", cleaned) if p]
    offsets = tuple(sorted({parse_duration(piece) for piece in pieces}, reverse=True))
    if not offsets:
        raise BadArgument(
            t_(
                "I could not read “{text}” as reminder times. Try {example}.",
                text=_shown(cleaned),
                example=OFFSETS_EXAMPLE,
            )
        )
    if len(offsets) > MAX_OFFSETS:
        raise BadArgument(
            t_("At most {limit} reminder times, please. Try {example}.", limit=MAX_OFFSETS, example=OFFSETS_EXAMPLE)
        )
    return offsets
