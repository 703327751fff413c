"""OutMessage → Telegram HTML (every user string escaped) and inline keyboards."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.outbound import OutMessage
from bot.core.textsplit import split_lines

MAX_TEXT = 4096


def to_html(message: OutMessage, locale: str) -> str:
    return message.render_text(locale, lambda s: html.escape(s, quote=False), lambda s: f"<b>{s}</b>")


def keyboard(message: OutMessage, locale: str) -> InlineKeyboardMarkup | None:
    """Buttons, then a `Select` as toggle buttons (two a row, ✅ on the chosen ones)."""
    rows = [
        [InlineKeyboardButton(b.label.render(locale), callback_data=b.action) for b in row] for row in message.buttons
    ]
    if message.select is not None:
        toggles = [
            InlineKeyboardButton(("✅ " if o.selected else "") + o.label.render(locale),
                                 callback_data=message.select.toggle_action(o.value))
            for o in message.select.options
        ]  # fmt: skip
        rows.extend(toggles[i : i + 2] for i in range(0, len(toggles), 2))
    return InlineKeyboardMarkup(rows) if rows else None


def split_html(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split long text at line breaks so every part stays valid (tags never span lines in our output)."""

    def safe_cut(line: str, cut: int) -> int:  # never inside an HTML entity or tag
        amp, lt = line.rfind("&", 0, cut), line.rfind("<", 0, cut)
        if amp > line.rfind(";", 0, cut):
            cut = amp
        if lt > line.rfind(">", 0, cut):
            cut = lt
        return cut

    return split_lines(text, limit, safe_cut)
