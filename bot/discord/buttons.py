"""Persistent buttons: every `Button` is a `DynamicItem` with custom_id `h:<action>`, so a click is
routed after a restart too (no in-memory View has to survive). The click goes to the client's
`press` hook, which hands it to the dispatcher. A `Select` is a select menu with custom_id `hs:<action>`
that comes back the same way as `<action>:=<value>,<value>`."""

from __future__ import annotations

import re
from typing import Any, Protocol

import discord

from bot.core.outbound import ButtonStyle, OutMessage, Select

PREFIX = "h:"
SELECT_PREFIX = "hs:"
MAX_OPTIONS = 25
MAX_PLACEHOLDER = 150
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


class ActionSelect(discord.ui.DynamicItem[discord.ui.Select[Any]], template=re.compile(r"hs:(?P<action>.+)")):
    def __init__(self, action: str, select: discord.ui.Select[Any] | None = None) -> None:
        placeholder = discord.SelectOption(label="…", value="_")
        super().__init__(select or discord.ui.Select(custom_id=SELECT_PREFIX + action, options=[placeholder]))
        self.action = action

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ActionSelect:
        return cls(match["action"])

    async def callback(self, interaction: discord.Interaction) -> None:
        presser: Presser | None = getattr(interaction.client, "runtime", None)
        data: Any = interaction.data or {}
        values = [str(v) for v in data.get("values", [])]
        if presser is not None:
            await presser.press(interaction, f"{self.action}:=" + ",".join(values))


def select_for(select: Select, locale: str) -> ActionSelect:
    options = [
        discord.SelectOption(label=o.label.render(locale)[:MAX_LABEL] or "…", value=o.value, default=o.selected)
        for o in select.options[:MAX_OPTIONS]
    ]
    menu: discord.ui.Select[Any] = discord.ui.Select(
        custom_id=SELECT_PREFIX + select.action,
        placeholder=select.placeholder.render(locale)[:MAX_PLACEHOLDER] or None,
        min_values=0,
        max_values=max(1, min(select.max_values, len(options))),
        options=options,
    )
    return ActionSelect(select.action, menu)


def view_for(message: OutMessage, locale: str) -> discord.ui.View | None:
    """A timeout-less view of dynamic buttons (at most 5 rows of 5, as Discord allows) and a select menu."""
    select = message.select if message.select is not None and message.select.options else None
    if not message.buttons and select is None:
        return None
    view = discord.ui.View(timeout=None)
    rows = MAX_ROWS - (1 if select is not None else 0)
    for row_index, row in enumerate(message.buttons[:rows]):
        for button in row[:MAX_PER_ROW]:
            if len(PREFIX + button.action) > MAX_CUSTOM_ID:
                continue  # cannot happen with Button's 64-byte limit; never send an invalid payload
            item = ActionButton(button.action, button.label.render(locale), _STYLES[button.style])
            item.row = row_index
            view.add_item(item)
    if select is not None:
        menu = select_for(select, locale)
        menu.row = min(len(message.buttons), rows)
        view.add_item(menu)
    return view
