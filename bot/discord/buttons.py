"""Persistent buttons: every `Button` is a `DynamicItem` with custom_id `h:<action>`, so a click is
routed after a restart too (no in-memory View has to survive). The click goes to the client's
`press` hook, which hands it to the dispatcher."""

from __future__ import annotations

import re
from typing import Any, Protocol

import discord

from bot.core.outbound import ButtonStyle, OutMessage

PREFIX = "h:"
MAX_CUSTOM_ID = 100
MAX_LABEL = 80
MAX_ROWS = 5
MAX_PER_ROW = 5

_STYLES = {
    ButtonStyle.PRIMARY: discord.ButtonStyle.primary,
    ButtonStyle.SECONDARY: discord.ButtonStyle.secondary,
    ButtonStyle.SUCCESS: discord.ButtonStyle.success,
    ButtonStyle.DANGER: discord.ButtonStyle.danger,
}


class Presser(Protocol):
    async def press(self, interaction: discord.Interaction, action: str) -> None: ...


class ActionButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=re.compile(r"h:(?P<action>.+)")):
    def __init__(self, action: str, label: str = "…", style: discord.ButtonStyle = discord.ButtonStyle.secondary):
        super().__init__(discord.ui.Button(label=label[:MAX_LABEL] or "…", style=style, custom_id=PREFIX + action))
        self.action = action

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ActionButton:
        return cls(match["action"])

    async def callback(self, interaction: discord.Interaction) -> None:
        presser: Presser | None = getattr(interaction.client, "runtime", None)
        if presser is not None:
            await presser.press(interaction, self.action)


def view_for(message: OutMessage, locale: str) -> discord.ui.View | None:
    """A timeout-less view of dynamic buttons (at most 5 rows of 5, as Discord allows)."""
    if not message.buttons:
        return None
    view = discord.ui.View(timeout=None)
    for row_index, row in enumerate(message.buttons[:MAX_ROWS]):
        for button in row[:MAX_PER_ROW]:
            if len(PREFIX + button.action) > MAX_CUSTOM_ID:
                continue  # cannot happen with Button's 64-byte limit; never send an invalid payload
            item = ActionButton(button.action, button.label.render(locale), _STYLES[button.style])
            item.row = row_index
            view.add_item(item)
    return view
