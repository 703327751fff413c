"""What the Telegram glue modules (activity, command handlers, feature handlers) need from the runtime, as a
Protocol: they depend on this, not on application.py, so the package has no import cycle."""

from __future__ import annotations

from typing import Protocol

from telegram import Bot

from bot.platform import PlatformDeps
from bot.telegram.facts import FactsCache
from bot.telegram.messenger import TelegramMessenger


class TelegramHost(Protocol):
    deps: PlatformDeps
    facts: FactsCache
    messenger: TelegramMessenger
    username: str

    @property
    def bot(self) -> Bot: ...

    def note_update(self, update_id: int) -> None:
        """A buffered update (activity): its cursor is saved with the next periodic save."""
        ...

    async def mark_done(self, update_id: int, durable: bool) -> None: ...
