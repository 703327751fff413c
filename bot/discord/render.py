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

from bot.core.i18n import ChannelRef, MessageRef, Moment, UserRef
from bot.core.outbound import MentionPolicy, OutMessage, Section, render_markup
from bot.core.textsplit import split_lines
from bot.discord.buttons import view_for

MAX_CONTENT = 2000
MAX_EMBED_DESCRIPTION = 4096
MAX_EMBED_TITLE = 256
MAX_FILES = 10
# Discord's embed limits (docs "Embed Limits"; the fakes check them against the OpenAPI spec).
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000  # characters across every embed of one message
MAX_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER = 2048
EMBED_COLOUR = 0xE8590C  # Hearth's ember

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
        return _links(value)

    return native


def _links(value: object) -> str | None:
    """Channels and messages on Discord are links (a mention of a channel never pings)."""
    if isinstance(value, ChannelRef) and value.platform == "discord" and value.channel_id.isdigit():
        return f"<#{value.channel_id}>"
    if isinstance(value, MessageRef) and value.platform == "discord" and value.scope_id and value.message_id.isdigit():
        label = escape(value.label).replace("]", "\\]")
        return f"[{label}](https://discord.com/channels/{value.scope_id}/{value.channel_id}/{value.message_id})"
    return None


def embed_native(value: object, locale: str) -> str | None:
    """Inside embeds nothing ever pings: a Discord member is a clickable mention, a time a local timestamp."""
    if isinstance(value, UserRef) and value.user_id.startswith("discord:") and _user_id(value.user_id).isdigit():
        return f"<@{_user_id(value.user_id)}>"
    if isinstance(value, Moment):
        return f"<t:{int(value.at.timestamp())}:F>"
    return _links(value)


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


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip("\\") + "…"


def _embeds_of(section: Section, locale: str) -> list[tuple[discord.Embed, int]]:
    """One section as embeds (more than one only when its text exceeds a description), with their sizes."""

    def md(text: Any) -> str:
        return render_markup(text, locale, escape, bold, embed_native)

    title = _cut(md(section.title), MAX_EMBED_TITLE) if section.title is not None else None
    body = "\n".join(md(line) for line in section.lines)
    chunks = split_text(body, MAX_EMBED_DESCRIPTION) if body else [""]
    out: list[tuple[discord.Embed, int]] = []
    for i, chunk in enumerate(chunks):
        embed = discord.Embed(title=title if i == 0 else None, description=chunk or None, colour=EMBED_COLOUR)
        size = len(title or "") * (i == 0) + len(chunk)
        if i == len(chunks) - 1:
            for field in section.fields[:MAX_FIELDS]:
                name = _cut(md(field.name), MAX_FIELD_NAME) or "\u200b"
                value = _cut(md(field.value), MAX_FIELD_VALUE) or "\u200b"
                embed.add_field(name=name, value=value, inline=field.inline)
                size += len(name) + len(value)
            if section.footer is not None:
                footer = _cut(md(section.footer), MAX_FOOTER)
                embed.set_footer(text=footer)
                size += len(footer)
            if section.image:
                embed.set_image(url=f"attachment://{section.image}")
        out.append((embed, size))
    return out


def _sectioned(message: OutMessage, locale: str) -> list[dict[str, Any]]:
    """A structured message: its title and lines as content, each section as embeds, packed into as few messages as
    Discord allows (≤ 10 embeds and ≤ 6,000 characters of embeds each); an image travels with its embed."""
    mentions = allowed_mentions(message)
    head = (
        replace(message, sections=()).render_text(locale, escape, bold, native_for(message))
        if (message.lines or message.title)
        else ""
    )
    out: list[dict[str, Any]] = (
        [{"content": chunk, "allowed_mentions": mentions} for chunk in split_text(head)] if head else []
    )
    files = {a.filename: a for a in message.attachments[:MAX_FILES]}
    used: set[str] = set()
    current: dict[str, Any] | None = None
    total = 0
    for section in message.sections:
        for embed, size in _embeds_of(section, locale):
            size = min(size, MAX_EMBED_TOTAL)
            if current is None or len(current["embeds"]) >= MAX_EMBEDS or total + size > MAX_EMBED_TOTAL:
                if out and "embeds" not in out[-1] and "files" not in out[-1] and current is None:
                    current = out[-1]  # the head's last part carries the first embeds
                    current["embeds"] = []
                else:
                    current = {"embeds": [], "allowed_mentions": mentions}
                    out.append(current)
                total = 0
            current["embeds"].append(embed)
            total += size
            if section.image in files and section.image not in used:
                current.setdefault("files", []).append(_file(files[section.image]))
                used.add(section.image)
    rest = [_file(a) for name, a in files.items() if name not in used]
    if rest:
        if not out:
            out.append({"allowed_mentions": mentions})
        out[-1].setdefault("files", []).extend(rest)
    view = view_for(message, locale)
    if view is not None:
        if not out:
            out.append({"allowed_mentions": mentions})
        out[-1]["view"] = view
    if not out:
        out = [{"content": "\u200b", "allowed_mentions": mentions}]
    return out


def _file(attachment: Any) -> discord.File:
    return discord.File(io.BytesIO(attachment.data), filename=attachment.filename)


def payloads(message: OutMessage, locale: str) -> list[dict[str, Any]]:
    """Keyword arguments for `send` / `send_message` / `followup.send`, one dict per Discord message.

    A message with sections becomes embeds (see `_sectioned`); one with a title becomes an embed (description
    ≤ 4096); otherwise plain content split at 2000 characters. Buttons and files go with the last part."""
    if message.sections:
        return _sectioned(message, locale)
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
