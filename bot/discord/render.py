"""OutMessage → Discord message payloads: escaped markdown, safe mentions, length limits, files, buttons.

Every payload carries explicit `allowed_mentions`: the client-wide default does not reach webhook
sends (interaction follow-ups), so nothing here relies on it."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import discord

from bot.core.i18n import Moment, UserRef
from bot.core.outbound import MentionPolicy, OutMessage
from bot.core.textsplit import split_lines
from bot.discord.buttons import view_for

MAX_CONTENT = 2000
MAX_EMBED_DESCRIPTION = 4096
MAX_EMBED_TITLE = 256
MAX_FILES = 10

# @everyone, @here, and user / role mentions (<@id>, <@!id>, <@&id>)
_MENTION = re.compile(r"@(everyone|here|[!&]?\d+)")


def _user_id(raw: str) -> str:
    return raw.rpartition(":")[2]  # "discord:123" or "123"


def escape(text: str) -> str:
    """Escape markdown and break every mention with a zero-width space: no ping and no visual ping,
    whatever `allowed_mentions` says. Real mentions come only from `UserRef` params (see `native_for`)."""
    return _MENTION.sub("@\u200b\\1", discord.utils.escape_markdown(text))


def bold(text: str) -> str:
    return f"**{text}**" if text else text


def native_for(message: OutMessage) -> Callable[[object, str], str | None]:
    """Discord-native rendering of special params: a `Moment` is a `<t:…:F>` timestamp (shown in each
    viewer's own zone and language); a `UserRef` is a real mention when the message may ping that user,
    otherwise plain (escaped) text."""
    pingable: set[str] = set()
    if message.mentions is MentionPolicy.USERS:
        pingable = {_user_id(m) for m in message.mention_ids}

    def native(value: object, _locale: str) -> str | None:
        if isinstance(value, Moment):
            return f"<t:{int(value.at.timestamp())}:F>"
        if isinstance(value, UserRef):
            uid = _user_id(value.user_id)
            return f"<@{uid}>" if uid in pingable and uid.isdigit() else None
        return None

    return native


def to_markdown(message: OutMessage, locale: str) -> str:
    return message.render_text(locale, escape, bold, native_for(message))


def allowed_mentions(message: OutMessage) -> discord.AllowedMentions:
    if message.mentions is MentionPolicy.USERS and message.mention_ids:
        users = [discord.Object(int(_user_id(m))) for m in message.mention_ids if _user_id(m).isdigit()]
        return discord.AllowedMentions(everyone=False, roles=False, users=users, replied_user=False)
    return discord.AllowedMentions.none()


def split_text(text: str, limit: int = MAX_CONTENT) -> list[str]:
    """Split at line breaks (then spaces) so every part fits; never leave a dangling escape backslash."""

    def safe_cut(line: str, cut: int) -> int:
        while cut > 1 and line[cut - 1] == "\\":
            cut -= 1
        return cut

    return split_lines(text, limit, safe_cut)


def files_for(message: OutMessage) -> list[discord.File]:
    return [discord.File(io.BytesIO(a.data), filename=a.filename) for a in message.attachments[:MAX_FILES]]


def payloads(message: OutMessage, locale: str) -> list[dict[str, Any]]:
    """Keyword arguments for `send` / `send_message` / `followup.send`, one dict per Discord message.

    A message with a title becomes embeds (description ≤ 4096); otherwise plain content split at
    2000 characters. Buttons and files go with the last part."""
    mentions = allowed_mentions(message)
    out: list[dict[str, Any]] = []
    if message.title is not None:
        title = message.title.render(locale, escape)[:MAX_EMBED_TITLE]
        body = replace(message, title=None).render_text(locale, escape, bold, native_for(message))
        for i, chunk in enumerate(split_text(body, MAX_EMBED_DESCRIPTION) if body else [""]):
            embed = discord.Embed(title=title if i == 0 else None, description=chunk or None)
            out.append({"embed": embed, "allowed_mentions": mentions})
    else:
        text = to_markdown(message, locale)
        out = [{"content": chunk, "allowed_mentions": mentions} for chunk in split_text(text)] if text else []
    if not out:
        out = [{"allowed_mentions": mentions}]
    last = out[-1]
    view = view_for(message, locale)
    if view is not None:
        last["view"] = view
    files = files_for(message)
    if files:
        last["files"] = files
    if "content" not in last and "embed" not in last and view is None and not files:
        last["content"] = "\u200b"  # Discord refuses an empty message
    return out
