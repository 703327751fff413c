"""One interaction path for commands and buttons: interaction → Place/Caller → dispatcher → answer.

The answer's first message is the interaction response; the rest are follow-ups. When the
dispatcher takes longer than `defer_after` seconds the interaction is deferred (ephemeral
"thinking…") first and every message becomes a follow-up. Whatever happens, the interaction is
answered (see errors.py)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import TYPE_CHECKING

import discord

from bot.core.commands import Caller, Form, Place
from bot.core.identity import Platform, PlatformId
from bot.core.permissions import PlatformFacts
from bot.core.targets import Target
from bot.discord import render
from bot.discord.errors import answer_failure
from bot.discord.forms import FormModal

if TYPE_CHECKING:
    from bot.discord.host import DiscordHost
    from cogs.dispatch.answer import Answer

DONE = "\u2705"  # answered an empty Answer (nothing to say, but Discord needs an answer)


def place_of(interaction: discord.Interaction) -> Place:
    guild_id = interaction.guild_id
    channel_id = interaction.channel_id or interaction.user.id
    title = interaction.guild.name if interaction.guild is not None else str(guild_id or "")
    return Place(
        platform=Platform.DISCORD,
        scope_id=None if guild_id is None else str(guild_id),
        scope_title=title,
        channel=Target.channel(Platform.DISCORD, channel_id),
        is_private=guild_id is None,
    )


def facts_of(interaction: discord.Interaction) -> PlatformFacts:
    """Permissions in this channel (administrator implies all) and the member's role ids."""
    if interaction.guild_id is None:
        return PlatformFacts()
    perms = interaction.permissions
    admin = perms.administrator
    roles = getattr(interaction.user, "roles", ())
    return PlatformFacts(
        can_moderate=admin or perms.moderate_members or perms.kick_members or perms.ban_members,
        can_manage=admin or perms.manage_guild,
        can_organize=admin or perms.manage_events,
        role_ids=frozenset(str(r.id) for r in roles if r.id != interaction.guild_id),
    )


def caller_of(interaction: discord.Interaction) -> Caller:
    user = interaction.user
    return Caller(
        identity=PlatformId.of(Platform.DISCORD, user.id),
        display_name=user.display_name,
        platform_locale=interaction.locale.value,
        facts=facts_of(interaction),
        username=user.name,
    )


async def handle(
    interaction: discord.Interaction,
    work: Awaitable[Answer],
    defer_after: float,
    force_ephemeral: bool = False,
    host: DiscordHost | None = None,
) -> None:
    """Await the dispatcher, deferring if it is slow, then answer; any failure goes to the error mapper.
    An answer with a form opens it as a modal (only possible as the first response: handlers that ask
    for a form answer quickly)."""
    task = asyncio.ensure_future(work)
    try:
        done, _ = await asyncio.wait({task}, timeout=defer_after)
        if not done:
            await interaction.response.defer(ephemeral=True, thinking=True)
        answer = await task
        if answer.form is not None and host is not None and not interaction.response.is_done():
            await interaction.response.send_modal(modal_for(host, answer.form, answer.locale))
            return
        await respond(interaction, answer, force_ephemeral)
    except Exception as exc:
        if not task.done():
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        await answer_failure(interaction, exc)


async def respond(interaction: discord.Interaction, answer: Answer, force_ephemeral: bool = False) -> None:
    for message in answer.messages:
        ephemeral = force_ephemeral or message.ephemeral or message.private
        for payload in render.payloads(message, answer.locale):
            if not interaction.response.is_done():
                await interaction.response.send_message(ephemeral=ephemeral, **payload)
            else:
                await interaction.followup.send(ephemeral=ephemeral, wait=True, **payload)
    if not interaction.response.is_done():
        await interaction.response.send_message(DONE, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())


def modal_for(host: DiscordHost, form: Form, locale: str) -> FormModal:
    async def submit(interaction: discord.Interaction, filled: Form, values: dict[str, str]) -> None:
        work = host.deps.dispatcher.submit(place_of(interaction), caller_of(interaction), filled.action, values)
        await handle(interaction, work, host.defer_after, host=host)

    return FormModal(form, locale, submit)
