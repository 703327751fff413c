"""The one error mapper of the Discord adapter: log with context, then always answer the interaction
(ephemeral, in the caller's language) so a command never ends in "the application did not respond".

Used by the slash-command path, the command tree's `on_error` and button callbacks. Feature errors
(`UserError`) never get here: the dispatcher already turned them into a translated Answer."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.core.i18n import pick_locale, t_
from bot.core.outbound import OutMessage
from bot.discord.outages import describe, is_outage
from bot.discord.render import to_markdown

log = logging.getLogger(__name__)

APOLOGY = t_("Sorry, something went wrong on my side. Please try again in a moment.")


def _describe(interaction: discord.Interaction) -> str:
    what = interaction.command.qualified_name if interaction.command else None
    if what is None and interaction.data:
        what = str(interaction.data.get("custom_id") or interaction.data.get("name") or "?")
    return f"{interaction.type.name} {what} by {interaction.user.id} in guild {interaction.guild_id}"


async def answer_failure(interaction: discord.Interaction, error: BaseException) -> None:
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, app_commands.CommandNotFound):
        log.warning("Discord: unknown command %r (stale command sync?)", getattr(error, "name", "?"))
    elif is_outage(error):  # the REST OutageLog has said it; an apology would not get through either
        log.info("Discord: %s could not be answered: Discord unreachable (%s)", _describe(interaction), describe(error))
        return
    else:
        log.error("Discord: %s failed", _describe(interaction), exc_info=error)
    try:
        if interaction.type is discord.InteractionType.autocomplete:
            if not interaction.response.is_done():
                await interaction.response.autocomplete([])
            return
        text = to_markdown(OutMessage.of(APOLOGY), pick_locale(interaction.locale.value))
        none = discord.AllowedMentions.none()
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=none)
        else:
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=none)
    except discord.HTTPException as exc:
        log.warning("Discord: could not answer a failed interaction: %s", exc)


class HearthTree(app_commands.CommandTree):
    """Routes every error the tree sees (unknown command, bad option payload, failing check) to the mapper."""

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError, /) -> None:
        await answer_failure(interaction, error)
