"""What a platform adapter is given and what it gives back: the narrow door between the composition root
(bot/app.py) and the adapters (bot/discord, bot/telegram, bot/console).

An adapter receives `PlatformDeps` — the dispatcher for commands and buttons, the event hub for what
happens on its platform, a cursor store, the clock and its settings — and nothing else: no services bag,
no storage, no scheduler. It gives back a `PlatformRuntime` whose messenger features send through."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

from bot.core.capabilities import Capabilities
from bot.core.clock import Clock
from bot.core.commands import Registry
from bot.core.hub import EventHub
from bot.core.outbound import Messenger
from cogs.dispatch.dispatcher import Dispatcher
from config.settings import Settings


class CursorStore(Protocol):
    """Named integers kept across restarts (the last Telegram update_id, the slash-command digest)."""

    async def get(self, name: str) -> int | None: ...

    async def set(self, name: str, value: int) -> None: ...


@dataclass(frozen=True)
class PlatformDeps:
    settings: Settings
    clock: Clock
    registry: Registry
    dispatcher: Dispatcher
    hub: EventHub
    cursors: CursorStore
    capabilities: Capabilities  # adapters' glue provides what features need beyond messages
    spawn: Callable[[Coroutine[Any, Any, Any]], asyncio.Task[Any]]  # fire-and-forget, kept and logged


class PlatformRuntime(Protocol):
    name: str

    @property
    def messenger(self) -> Messenger: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def tick(self) -> None:
        """Periodic housekeeping the composition root schedules (an adapter schedules nothing itself)."""
        ...
