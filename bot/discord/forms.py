"""Forms as Discord modals: a handler's `Reply.ask(form)` opens one; its submission goes back through the
dispatcher like a button. Modals are answered within seconds, so they need no persistence: one that is
left open past its timeout is answered by Discord itself ("interaction failed")."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import discord

from bot.core.commands import Form

MODAL_FIELDS = 5  # Discord: at most five inputs per modal
TITLE_MAX, LABEL_MAX, INPUT_MAX, CUSTOM_ID_MAX = 45, 45, 4000, 100


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class FormModal(discord.ui.Modal):
    def __init__(
        self, form: Form, locale: str, submit: Callable[[discord.Interaction, Form, dict[str, str]], Awaitable[None]]
    ) -> None:
        super().__init__(
            title=_cut(form.title.render(locale), TITLE_MAX) or "Hearth",
            custom_id=form.action[:CUSTOM_ID_MAX],
            timeout=900,
        )
        self.form = form
        self._submit = submit
        self.inputs: dict[str, discord.ui.TextInput[FormModal]] = {}
        for field in form.fields[:MODAL_FIELDS]:
            item: discord.ui.TextInput[FormModal] = discord.ui.TextInput(
                label=_cut(field.label.render(locale), LABEL_MAX),
                style=discord.TextStyle.paragraph if field.long else discord.TextStyle.short,
                custom_id=field.name,
                required=field.required,
                max_length=min(field.max_length, INPUT_MAX),
                default=field.default[: min(field.max_length, INPUT_MAX)] or None,
            )
            self.add_item(item)
            self.inputs[field.name] = item

    async def on_submit(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        values = {name: (item.value or "").strip() for name, item in self.inputs.items()}
        await self._submit(interaction, self.form, values)
