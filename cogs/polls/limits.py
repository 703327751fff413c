"""Reading a poll as typed and checking it against the platform's limits, before anything is written.

Answers are one text separated by `|` (`Pizza | Sushi | Tacos`). On Telegram and the console, options may
follow the answers, each starting with `+`: `+multiple`, `+anonymous`, a duration (`+2h`, `+1d`) or a close
time (`+tomorrow 18:00`, `+2026-12-01 18:00`). On Discord they are separate options of `/poll create`."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.errors import BadArgument
from bot.core.i18n import Text, t_, tn_
from cogs.dispatch.timeparse import parse_when, read_duration
from cogs.polls.models import PollDraft


@dataclass(frozen=True, slots=True)
class Limits:
    max_answers: int
    answer_length: int
    max_open: timedelta  # the longest a poll may stay open
    question_length: int = 300  # Discord and Telegram alike
    min_answers: int = 2
    native_default: timedelta | None = None  # how long a native poll stays open when no time is given


# Discord: native polls take 1–10 answers of ≤ 55 characters and close within 32 days (Discord's default: 24 h).
# Telegram: 1–12 options of ≤ 100 characters; Hearth closes polls itself (the scheduler), so the length of time
# is ours to bound: 90 days catches a typo ("9000h") without getting in anyone's way.
LIMITS: dict[str, Limits] = {
    "discord": Limits(10, 55, timedelta(days=32), native_default=timedelta(hours=24)),
    "telegram": Limits(12, 100, timedelta(days=90)),
}
DEFAULT_LIMITS = Limits(12, 100, timedelta(days=90))
MIN_OPEN = timedelta(minutes=1)
OPTIONS_HELP = "+multiple, +anonymous, +2h, +tomorrow 18:00"
_MULTIPLE = frozenset({"multiple", "multi", "monivalinta", "useita", "mehrfach", "mehrere", "несколько", "мульти"})
_ANONYMOUS = frozenset({"anonymous", "anon", "nimetön", "anonyymi", "anonym", "анонимно", "анонимный", "аноним"})


def limits_for(platform: str) -> Limits:
    return LIMITS.get(platform, DEFAULT_LIMITS)


def clean(text: str) -> str:
    """One line, single spaces, no control characters."""
    text = unicodedata.normalize("NFC", text)
    return " ".join("".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text).split())


@dataclass(frozen=True, slots=True)
class Typed:
    answers: tuple[str, ...]
    multiple: bool = False
    anonymous: bool = False
    when: str | None = None  # a duration or a close time, as typed


def read_answers(text: str, with_options: bool) -> Typed:
    """`A | B | C [| +option …]` → answers and options. Empty pieces are skipped."""
    pieces = [clean(p) for p in text.split("|")]
    pieces = [p for p in pieces if p]
    multiple = anonymous = False
    when: str | None = None
    while with_options and pieces and pieces[-1].startswith("+"):
        for token in (t.strip() for t in pieces.pop().split("+")):
            if not token:
                continue
            word = token.lower()
            if word in _MULTIPLE:
                multiple = True
            elif word in _ANONYMOUS:
                anonymous = True
            elif when is None:
                when = token
            else:
                raise BadArgument(
                    t_("I don't know the option “+{option}”. Options are: {options}.", option=token,
                       options=OPTIONS_HELP)
                )  # fmt: skip
    return Typed(tuple(pieces), multiple, anonymous, when)


def close_time(typed: str, *, now: datetime, locale: str, timezone: str, limits: Limits) -> datetime:
    """A duration (`2h`, `1d`) or a close time (`tomorrow 18:00`) → when the poll closes, within limits."""
    text = clean(typed)
    too_short = BadArgument(t_("A poll must stay open at least 1 minute: “{text}” is too short.", text=text))
    if re.fullmatch(r"[+-]?\d+", text):
        if int(text) <= 0:
            raise too_short
        raise BadArgument(t_("Give the duration with a unit, for example 30m, 2h or 1d: “{text}”.", text=text))
    try:
        length = read_duration(text)
    except BadArgument:
        if re.fullmatch(r"-?\d+(?:[.,]\d+)?\s*[^\W\d_]+", text.lower()):
            raise  # looked like a duration: say so, not "not a time"
        try:
            length = parse_when(text, locale=locale, timezone=timezone, now=now) - now
        except BadArgument as refused:
            if not refused.text.msgid.startswith("I could not read"):
                raise  # in the past, no time of day: its own clear answer
            raise BadArgument(
                t_("I could not read “{text}” as a duration or a time. Try 2h, 1d or tomorrow 18:00.", text=text)
            ) from None
    if length < MIN_OPEN:
        raise too_short
    if length > limits.max_open:
        raise BadArgument(
            t_(
                "A poll can stay open at most {limit} here: “{text}” is too long. Give a shorter time.",
                limit=span_text(limits.max_open),
                text=text,
            )
        )
    return now + length


def check(question: str, typed: Typed, limits: Limits) -> tuple[str, tuple[str, ...]]:
    """The question and answers, or a clear BadArgument naming what is wrong and the limit."""
    question = clean(question)
    if not question:
        raise BadArgument(t_("The poll needs a question."))
    if len(question) > limits.question_length:
        raise BadArgument(
            t_(
                "The question is too long: {length} characters, at most {limit}.",
                length=len(question),
                limit=limits.question_length,
            )
        )
    answers = typed.answers
    if len(answers) < limits.min_answers:
        raise BadArgument(
            t_(
                "A poll needs at least {minimum} answers, separated by |, for example: Pizza | Sushi | Tacos.",
                minimum=limits.min_answers,
            )
        )
    if len(answers) > limits.max_answers:
        raise BadArgument(
            t_("Too many answers: {count}. A poll here can have at most {limit}.", count=len(answers),
               limit=limits.max_answers)
        )  # fmt: skip
    for number, answer in enumerate(answers, 1):
        if len(answer) > limits.answer_length:
            raise BadArgument(
                t_(
                    "Answer {number} is too long: {length} characters, at most {limit} here.",
                    number=number,
                    length=len(answer),
                    limit=limits.answer_length,
                )
            )
    seen: dict[str, str] = {}
    for answer in answers:
        key = answer.casefold()
        if key in seen:
            raise BadArgument(t_("“{answer}” is there twice: every answer must be different.", answer=answer))
        seen[key] = answer
    return question, answers


def draft(
    question: str,
    typed: Typed,
    *,
    limits: Limits,
    now: datetime,
    locale: str,
    timezone: str,
) -> PollDraft:
    question, answers = check(question, typed, limits)
    closes_at = close_time(typed.when, now=now, locale=locale, timezone=timezone, limits=limits) if typed.when else None
    return PollDraft(question, answers, typed.multiple, typed.anonymous, closes_at)


def span_text(delta: timedelta) -> Text:
    """A length of time in words: "32 days", "2 hours", "90 minutes"."""
    minutes = max(1, int(delta.total_seconds() // 60))
    if minutes % (24 * 60) == 0:
        return tn_("{count} day", "{count} days", minutes // (24 * 60))
    if minutes % 60 == 0:
        return tn_("{count} hour", "{count} hours", minutes // 60)
    return tn_("{count} minute", "{count} minutes", minutes)
