"""Translations (gettext catalogs in locales/, read with Babel) and locale-aware formatting.

Message ids are the English text with named placeholders: `t_("Hello {name}", name=x)`.
`scripts/i18n.py` extracts `t_`/`tn_` calls into one catalog per feature (bot/core/catalogs.py);
tests check every catalog is complete
and keeps the same placeholders.
"""

from __future__ import annotations

import gettext
import logging
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton, format_time, format_timedelta
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

log = logging.getLogger(__name__)

LOCALES: tuple[str, ...] = ("en", "fi", "de", "ru")
DEFAULT_LOCALE = "en"
LOCALE_NAMES: dict[str, str] = {"en": "English", "fi": "Suomi", "de": "Deutsch", "ru": "Русский"}
LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"


@dataclass(frozen=True, slots=True)
class Text:
    """A translatable text: message id (English), named params, optional plural form.

    Params that are themselves `Text` are translated into the same locale before formatting.
    """

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)
    plural: str | None = None
    count: int | None = None

    def render(self, locale: str, escape: Any = None) -> str:
        """Translate and fill placeholders. `escape` is applied to every non-Text param value
        (adapters pass their HTML/markdown escaper); the template itself is never escaped here."""
        template = translate(locale, self.msgid, self.plural, self.count)
        values: dict[str, Any] = {}
        for key, value in self.params.items():
            if isinstance(value, Text):
                values[key] = value.render(locale, escape)
            elif isinstance(value, tuple) and value and all(isinstance(v, Text) for v in value):
                values[key] = ", ".join(v.render(locale, escape) for v in value)
            else:
                shown = format_value(value, locale)
                values[key] = escape(shown) if escape else shown
        if self.count is not None:
            values.setdefault("count", format_number(self.count, locale))
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):
            log.warning("bad placeholders in %r for %s; falling back to English", self.msgid, locale)
            return (self.msgid if self.count in (None, 1) or not self.plural else self.plural).format(**values)


def t_(msgid: str, **params: Any) -> Text:
    return Text(msgid, params)


def tn_(singular: str, plural: str, count: int, **params: Any) -> Text:
    return Text(singular, params, plural, count)


def normalise_locale(code: str | None) -> str | None:
    """Map a platform language tag (`fi-FI`, `de`, `pt-BR`) to a supported locale, or None."""
    if not code:
        return None
    base = code.replace("_", "-").split("-")[0].lower()
    return base if base in LOCALES else None


def pick_locale(*candidates: str | None) -> str:
    """First supported locale among candidates (member, platform, community), else English."""
    for cand in candidates:
        loc = normalise_locale(cand)
        if loc:
            return loc
    return DEFAULT_LOCALE


class _Catalog:
    """Every domain's catalog for one locale (`locales/<lang>/LC_MESSAGES/*.po`, see bot/core/catalogs.py)."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self.messages: dict[str, str | tuple[str, ...]] = {}
        self._plural: Callable[[int], int] | None = None
        for path in sorted((LOCALES_DIR / locale / "LC_MESSAGES").glob("*.po")):
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=locale)
            for msg in catalog:
                if not msg.id or msg.fuzzy:
                    continue
                key = msg.id[0] if isinstance(msg.id, tuple | list) else msg.id
                if isinstance(msg.string, tuple | list):
                    if all(msg.string):
                        self.messages.setdefault(key, tuple(msg.string))
                elif msg.string:
                    self.messages.setdefault(key, msg.string)
            # stdlib gettext turns the catalog's C-style Plural-Forms expression into a function.
            self._plural = gettext.c2py(catalog.plural_expr)  # type: ignore[attr-defined]

    def plural_index(self, n: int) -> int:
        return self._plural(n) if self._plural else (0 if n == 1 else 1)


@cache
def _catalog(locale: str) -> _Catalog:
    return _Catalog(locale)


def translate(locale: str, msgid: str, plural: str | None = None, count: int | None = None) -> str:
    loc = locale if locale in LOCALES else DEFAULT_LOCALE
    found = _catalog(loc).messages.get(msgid) if loc != DEFAULT_LOCALE else None
    if plural is not None:
        n = count if count is not None else 1
        if isinstance(found, tuple):
            idx = _catalog(loc).plural_index(n)
            return found[min(idx, len(found) - 1)]
        return msgid if n == 1 else plural
    if isinstance(found, str):
        return found
    return msgid


def reload_catalogs() -> None:
    _catalog.cache_clear()


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def format_number(value: float | int, locale: str) -> str:
    return format_decimal(value, locale=locale)


def format_share(value: float, locale: str) -> str:
    return format_percent(value, locale=locale, format="#,##0.#%")


def format_datetime(when: datetime, locale: str, tz: str = "UTC", with_date: bool = True) -> str:
    """Render an aware datetime in a time zone, 24-hour clock, with the zone named so it is unambiguous:
    "Tue, Dec 1, 2026 18:00 (Europe/Helsinki)", "ti 1.12.2026 18:00 (Europe/Helsinki)"."""
    if when.tzinfo is None:
        raise ValueError("naive datetime")
    zone = ZoneInfo(tz)
    local = when.astimezone(zone)
    clock = format_time(local, "HH:mm", tzinfo=zone, locale=locale)
    if not with_date:
        return f"{clock} ({tz})"
    return f"{format_skeleton('yMMMEd', local, tzinfo=zone, locale=locale)} {clock} ({tz})"


@dataclass(frozen=True, slots=True)
class Moment:
    """A point in time shown unambiguously: in the community's zone, plus the reader's own zone when
    known and different. Discord renders it as a `<t:…:F>` timestamp in each viewer's local time."""

    at: datetime
    timezone: str = "UTC"
    reader_timezone: str | None = None

    def render(self, locale: str) -> str:
        text = format_datetime(self.at, locale, self.timezone)
        if self.reader_timezone and self.reader_timezone != self.timezone:
            same_day = (
                self.at.astimezone(ZoneInfo(self.timezone)).date()
                == self.at.astimezone(ZoneInfo(self.reader_timezone)).date()
            )
            text += " · " + format_datetime(self.at, locale, self.reader_timezone, with_date=not same_day)
        return text


@dataclass(frozen=True, slots=True)
class UserRef:
    """A member named in a message. Plain text by default; where a message may ping (MentionPolicy.USERS
    with this id listed) the adapter renders a real mention."""

    user_id: str  # platform user id
    name: str

    def render(self, locale: str) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """A channel named in a message: Discord renders a clickable `<#id>`; elsewhere it is its name."""

    platform: str
    channel_id: str
    name: str

    def render(self, locale: str) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A message named in a message: a link where the platform has one (Discord; Telegram supergroups), else the
    label. `scope_id` is the guild / chat the message is in, when known."""

    platform: str
    scope_id: str | None
    channel_id: str
    message_id: str
    label: str

    def render(self, locale: str) -> str:
        return self.label


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number shown the reader's way. Styles: "decimal" (`digits` after the point), "percent" (0.25 → 25 %),
    "signed" (+3, −2), "signed_percent" (+12 %), "duration" (seconds → "2 hours", rounded to the largest unit)."""

    value: float
    style: str = "decimal"
    digits: int = 0

    def render(self, locale: str) -> str:
        loc = locale if locale in LOCALES else DEFAULT_LOCALE
        if self.style == "percent":
            return format_percent(self.value, locale=loc, format="#,##0%" if not self.digits else "#,##0.#%")
        if self.style == "signed_percent":
            shown = format_percent(abs(self.value), locale=loc, format="#,##0%")
            return ("+" if self.value >= 0 else "−") + shown
        if self.style == "signed":
            shown = format_decimal(abs(round(self.value, self.digits)), locale=loc)
            return ("+" if self.value >= 0 else "−") + shown
        if self.style == "duration":
            return format_timedelta(timedelta(seconds=self.value), locale=loc, threshold=1.5)
        pattern = "#,##0" + ("." + "#" * self.digits if self.digits else "")
        return format_decimal(round(self.value, self.digits), format=pattern, locale=loc)


@dataclass(frozen=True, slots=True)
class Day:
    """A calendar date in the reader's language: "Mar 2, 2026", "2.3.2026" (`skeleton` is a Babel skeleton)."""

    day: date
    skeleton: str = "yMMMd"

    def render(self, locale: str) -> str:
        loc = locale if locale in LOCALES else DEFAULT_LOCALE
        return format_skeleton(self.skeleton, self.day, locale=loc)


def format_value(value: Any, locale: str) -> str:
    if isinstance(value, UserRef | ChannelRef | MessageRef | Quantity | Day):
        return value.render(locale)
    if isinstance(value, Moment):
        return value.render(locale)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return format_number(value, locale)
    if isinstance(value, datetime):
        return format_datetime(value, locale)
    return str(value)
