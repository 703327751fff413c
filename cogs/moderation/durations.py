"""Durations as moderators type them: `30m`, `2h`, `1d`, `1w`, `1h30m` (units also in fi, de, ru)."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.core.errors import BadArgument
from bot.core.i18n import Text, t_, tn_

_UNITS = {
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60, "мин": 60, "м": 60,
    "h": 3600, "hr": 3600, "hour": 3600, "hours": 3600, "t": 3600, "std": 3600, "ч": 3600,
    "d": 86400, "day": 86400, "days": 86400, "pv": 86400, "tag": 86400, "tage": 86400, "д": 86400,
    "w": 604800, "week": 604800, "weeks": 604800, "vk": 604800, "wo": 604800, "н": 604800,
}  # fmt: skip
_PART = re.compile(r"(\d{1,5})\s*([^\d\s]{1,7})")
_SHAPE = re.compile(r"^\s*\d{1,5}\s*[^\d\s]{1,7}(\s*\d{1,5}\s*[^\d\s]{1,7}){0,3}\s*$")
EXAMPLES = "30m, 2h, 1d, 1w"


def looks_like_duration(text: str) -> bool:
    """`1d`, `2 h`, `1h30m`: a number followed by a word-like unit (valid or not)."""
    return bool(_SHAPE.match(text or ""))


def parse_duration(text: str) -> timedelta:
    """Parse a duration; a clear, translated error says how to write one."""
    raw = (text or "").strip().lower()
    if not looks_like_duration(raw):
        raise BadArgument(t_("“{value}” is not a duration. Write it like {examples}.", value=text, examples=EXAMPLES))
    seconds = 0
    for number, unit in _PART.findall(raw):
        factor = _UNITS.get(unit)
        if factor is None:
            raise BadArgument(
                t_(
                    "Unknown unit “{unit}” in “{value}”. Write it like {examples}.",
                    unit=unit,
                    value=text,
                    examples=EXAMPLES,
                )  # fmt: skip
            )
        seconds += int(number) * factor
    if seconds < 60:
        raise BadArgument(t_("A duration must be at least one minute, like {examples}.", examples=EXAMPLES))
    return timedelta(seconds=seconds)


def duration_text(delta: timedelta) -> Text:
    minutes = max(1, int(delta.total_seconds() // 60))
    weeks, rest = divmod(minutes, 7 * 24 * 60)
    if weeks and not rest:
        return tn_("{count} week", "{count} weeks", weeks)
    days, rest = divmod(minutes, 24 * 60)
    if days and not rest:
        return tn_("{count} day", "{count} days", days)
    hours, mins = divmod(minutes, 60)
    if hours and not mins:
        return tn_("{count} hour", "{count} hours", hours)
    if not hours:
        return tn_("{count} minute", "{count} minutes", mins)
    return t_("{hours} h {minutes} min", hours=hours, minutes=mins)
