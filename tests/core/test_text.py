"""bot/core/text.py: titles and names are normalised, and empty-looking text is recognised."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.text import is_blank, one_line, quote, text_block

PERSIAN = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
EMPTY_LOOKING = [
    "",
    "   \t\n ",
    "\u200b",  # zero-width space
    "\u200b\u200b\u200b",
    "\u200e\u200f",  # left-to-right / right-to-left marks
    "\u202e\u202d\u2066\u2069",  # bidi overrides and isolates
    "\ufeff",  # byte order mark
    "\u00ad\u2060",  # soft hyphen, word joiner
    "\u3164\u115f\uffa0",  # Hangul fillers
    "\u2800\u2800",  # braille blank
    "\u0301\u0308",  # combining marks with nothing to combine with
    "\ufe0f",  # a lone variation selector
    "\u00a0\u2003\u3000",  # no-break, em and ideographic spaces
    "\x00\x07\x1b",  # controls
    " \u200b \u200f \u2800 ",
]


@pytest.mark.parametrize("text", EMPTY_LOOKING, ids=lambda t: repr(t))
def test_empty_looking_text_is_blank_and_normalises_to_nothing(text: str) -> None:
    assert is_blank(text)
    assert one_line(text) == ""
    assert text_block(text) == ""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Board   games\tnight\n", "Board games night"),
        ("\u200b\u200fBoard games\u200b", "Board games"),  # invisible padding trimmed
        ("Party \u202eevil\u202c time", "Party evil time"),  # an override cannot reverse what follows
        ("Cafe\u0301", "Café"),  # NFC: one code point, the mark kept with its letter
        ("I \u2764\ufe0f it", "I \u2764\ufe0f it"),  # emoji presentation selector stays
        ("\U0001f469\u200d\U0001f4bb meetup", "\U0001f469\u200d\U0001f4bb meetup"),  # ZWJ emoji stays whole
        (
            "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
            "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
        ),  # ZWNJ
        ("a\x00b\x1bc", "abc"),
        ("x\u2764\ufe0f", "x\u2764\ufe0f"),  # a trailing selector that belongs to the emoji is not trimmed
    ],
)
def test_one_line_normalises_and_keeps_what_is_meaningful(raw: str, expected: str) -> None:
    assert one_line(raw) == expected
    assert not is_blank(expected)


def test_text_block_keeps_line_breaks_but_trims_blank_lines_at_the_ends() -> None:
    assert text_block("\u200b\n  Bring   snacks \n\nand games\n\u200f\n") == "Bring snacks\n\nand games"


def test_quote_shortens_long_input_to_the_limit_on_one_line() -> None:
    assert quote("Europe/Helsinki") == "Europe/Helsinki"
    long = quote("x" * 5000)
    assert len(long) == 40 and long.endswith("…")
    assert quote("a\nb" * 100, limit=10).count("\n") == 0


@given(st.text())
def test_one_line_is_idempotent_and_never_padded_with_invisible_characters(text: str) -> None:
    once = one_line(text)
    assert one_line(once) == once
    assert "\n" not in once and "  " not in once
    assert (once == "") == is_blank(text)
    if once:
        assert not is_blank(once[0])  # starts with something visible
        assert not is_blank(once[-1]) or unicodedata.category(once[-1]) in ("Mn", "Me")  # ends with it, or its mark
