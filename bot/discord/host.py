"""What the Discord glue modules (activity, slash commands, messenger, feature exts) need from the runtime,
as a Protocol: they depend on this, not on client.py, so the package has no import cycle."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Protocol

import discord

from bot.platform import PlatformDeps


class DiscordHost(Protocol):
    deps: PlatformDeps
    defer_after: float  # answer "thinking…" first when the dispatcher is slower than this

    @property
    def client(self) -> discord.Client: ...

    def listen(self, event: str, handler: Callable[..., Coroutine[Any, Any, None]]) -> None:
        """Call `handler(*args)` for each gateway event `event` (discord.py's name without `on_`)."""
        ...

    async def press(self, interaction: discord.Interaction, action: str) -> None: ...
