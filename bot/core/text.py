"""User text that becomes a title or a name: normalised, and refused when nothing visible is left.

A title made of zero-width spaces, direction marks, Hangul fillers or only whitespace looks empty on
every platform (an event post with a blank title). `one_line` gives the text as it should be stored
and shown; it is "" when nothing visible remains, and callers refuse that with their own message.
`quote` shortens user input echoed back in an answer (never repeat a 5,000-character argument)."""

from __future__ import annotations

import re
import unicodedata

# Characters that draw nothing but are not Unicode whitespace or format characters (Cf).
_BLANK_LOOKING = frozenset(
    "\u034f"  # combining grapheme joiner
    "\u115f\u1160\u3164\uffa0"  # Hangul fillers
    "\u2800"  # braille pattern blank
    "\u17b4\u17b5"  # Khmer inherent vowels
)
# Bidi embeddings, overrides and isolates reorder the text around them (even our own text after a
# title); they are dropped everywhere. Marks (LRM, RLM, ALM) and joiners (ZWJ in emoji, ZWNJ in
# Persian) stay inside text, where they can matter, but do not count as visible.
_REORDERING = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
_SPACES = re.compile(r"\s+")


def _invisible(ch: str) -> bool:
    if ch in _BLANK_LOOKING or ch.isspace():
        return True
    category = unicodedata.category(ch)
    # Cf: format (ZWSP, joiners, marks, BOM, soft hyphen, tags); Cc: controls; Zs/Zl/Zp: separators;
    # Mn/Me: combining marks and variation selectors, which draw nothing without a base character.
    return category in ("Cf", "Cc", "Zs", "Zl", "Zp", "Mn", "Me")


def is_blank(text: str | None) -> bool:
    """True when the text would look empty: nothing but whitespace and invisible characters."""
    return not text or all(_invisible(ch) for ch in text)


def one_line(text: str | None) -> str:
    """A title or name as stored and shown: NFC, on one line, whitespace runs collapsed to one space,
    controls and bidi overrides dropped, invisible characters trimmed from both ends. "" when
    nothing visible is left."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text).translate(_REORDERING)
    text = "".join(" " if ch.isspace() else ch for ch in text if ch.isspace() or unicodedata.category(ch) != "Cc")
    text = _SPACES.sub(" ", text)
    start, end = 0, len(text)
    while start < end and _invisible(text[start]) and not _is_mark_after_visible(text, start):
        start += 1
    while end > start and _invisible(text[end - 1]) and not _is_mark_after_visible(text, end - 1):
        end -= 1
    return text[start:end]


def _is_mark_after_visible(text: str, i: int) -> bool:
    """A combining mark or variation selector that belongs to the visible character before it (é, ❤️)."""
    return unicodedata.category(text[i]) in ("Mn", "Me") and i > 0 and not _invisible(text[i - 1])


def text_block(text: str | None) -> str:
    """Free text (a description, a reason): line breaks kept, invisible padding trimmed at both ends,
    "" when it would look empty."""
    if is_blank(text):
        return ""
    assert text is not None
    text = unicodedata.normalize("NFC", text).translate(_REORDERING)
    lines = [one_line(line) for line in text.splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def quote(text: str, limit: int = 40) -> str:
    """User input to echo back in an answer: one line, at most `limit` characters (… when cut)."""
    shown = one_line(text) or text.strip()
    return shown if len(shown) <= limit else shown[: limit - 1].rstrip() + "…"
