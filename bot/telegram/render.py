"""OutMessage → Telegram HTML (every user string escaped) and inline keyboards."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.i18n import ChannelRef, MessageRef
from bot.core.outbound import OutMessage
from bot.core.textsplit import pack_blocks, split_lines

MAX_TEXT = 4096


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def _bold(text: str) -> str:
    return f"<b>{text}</b>"


def native(value: object, _locale: str) -> str | None:
    """A message in a supergroup is a t.me link; a channel is its name. Members stay plain text: a text mention
    would notify them wherever the message is posted."""
    if isinstance(value, MessageRef) and value.platform == "telegram" and value.message_id.isdigit():
        scope = value.scope_id or ""
        if scope.startswith("-100") and scope[4:].isdigit():
            url = f"https://t.me/c/{scope[4:]}/{value.message_id}"
            return f'<a href="{html.escape(url)}">{_escape(value.label)}</a>'
    if isinstance(value, ChannelRef):
        return _escape(value.name)
    return None


def to_html(message: OutMessage, locale: str) -> str:
    return message.render_text(locale, _escape, _bold, native)


def html_parts(message: OutMessage, locale: str, limit: int = MAX_TEXT) -> list[str]:
    """The message as HTML parts within `limit`, cut between sections when it has them."""
    if not message.sections:
        return split_html(to_html(message, locale), limit)
    return pack_blocks(message.render_blocks(locale, _escape, _bold, native), limit, _safe_cut)


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


def _safe_cut(line: str, cut: int) -> int:  # never inside an HTML entity or tag
    amp, lt = line.rfind("&", 0, cut), line.rfind("<", 0, cut)
    if amp > line.rfind(";", 0, cut):
        cut = amp
    if lt > line.rfind(">", 0, cut):
        cut = lt
    return cut


def split_html(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split long text at line breaks so every part stays valid (tags never span lines in our output)."""
    return split_lines(text, limit, _safe_cut)
