"""Telegram runtime: the PTB Application run by hand inside our loop (no run_polling, no job queue)."""

from __future__ import annotations

import asyncio
import logging
import os
from collections import deque
from typing import TYPE_CHECKING

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeDefault,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, ApplicationHandlerStop, ContextTypes, TypeHandler

from bot.core.commands import CommandSpec
from bot.core.i18n import LOCALES
from bot.core.permissions import FactsLookup, Role
from bot.telegram import activity as analytics
from bot.telegram import command_handlers as commands
from bot.telegram import handlers as feature_glue
from bot.telegram.facts import FactsCache
from bot.telegram.messenger import TelegramMessenger
from bot.telegram.ratelimit import HearthRateLimiter

if TYPE_CHECKING:
    from bot.platform import PlatformDeps

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [
    "message",
    "edited_message",
    "callback_query",
    "chat_member",
    "my_chat_member",
    "message_reaction",
    "chat_join_request",
    "poll",
    "poll_answer",
]
CURSOR = "telegram:update_id"


class TelegramRuntime:
    name = "telegram"

    def __init__(self, deps: PlatformDeps, poll_timeout: int = 30, rate_limiter: HearthRateLimiter | None = None):
        # PTB 22 warns on every RetryAfter unless told to use timedeltas (its future default).
        os.environ.setdefault("PTB_TIMEDELTA", "true")
        self.deps = deps
        settings = deps.settings
        assert settings.telegram_token is not None
        root = settings.telegram_api_base.rstrip("/")
        self.app: Application = (
            ApplicationBuilder()
            .token(settings.telegram_token.get_secret_value())
            .base_url(f"{root}/bot")
            .base_file_url(f"{root}/file/bot")
            .rate_limiter(rate_limiter or HearthRateLimiter())
            .job_queue(None)  # the scheduler is ours (bot/scheduler.py); PTB's would be a second one
            .get_updates_read_timeout(poll_timeout + 10)
            .build()
        )
        self.poll_timeout = poll_timeout
        self.messenger = TelegramMessenger(self.app.bot)
        self.facts = FactsCache(self.app.bot)
        deps.capabilities.provide("telegram", FactsLookup, self.facts)
        self.username = ""
        self._cursor = 0  # highest update_id durably handled (persisted)
        self._max_seen = 0
        self._recent: deque[int] = deque(maxlen=10_000)
        self._recent_set: set[int] = set()
        self._menus: asyncio.Task[None] | None = None

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        self._cursor = await self.deps.cursors.get(CURSOR) or 0
        self._max_seen = self._cursor
        self.app.add_handler(TypeHandler(Update, self._dedupe), group=-1)
        for handler in commands.make_handlers(self):
            self.app.add_handler(handler, group=0)  # type: ignore[arg-type]
        for handler in analytics.make_handlers(self):
            self.app.add_handler(handler, group=1)  # type: ignore[arg-type]
        for module in feature_glue.modules():  # per-feature glue: its own group, after commands and activity
            setup = getattr(module, "setup", None)
            for handler in setup(self) if setup is not None else ():
                self.app.add_handler(handler, group=2)
        self.app.add_error_handler(self._on_error)
        await self.app.initialize()
        self.username = self.app.bot.username or ""
        self._menus = self.deps.spawn(self._set_menus())  # 12 calls; not worth delaying ready for
        await self.app.start()
        assert self.app.updater is not None
        await self.app.updater.start_polling(
            allowed_updates=ALLOWED_UPDATES, timeout=self.poll_timeout, poll_interval=0.0, drop_pending_updates=False
        )
        log.info("Telegram: polling as @%s", self.username)

    @property
    def bot(self) -> Bot:
        return self.app.bot

    async def tick(self) -> None:
        """Periodic (bot/app.py schedules it): save the update cursor of buffered activity."""
        await self.persist_cursor()

    async def stop(self) -> None:
        if self._menus is not None and not self._menus.done():
            # A request still in flight when shutdown() closes the HTTP client leaks its socket.
            self._menus.cancel()
            await asyncio.wait([self._menus])
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()
        await self.persist_cursor()

    # -- duplicate updates ----------------------------------------------------------------------
    async def _dedupe(self, update: Update, _ctx: ContextTypes.DEFAULT_TYPE) -> None:
        uid = update.update_id
        if uid <= self._cursor or uid in self._recent_set:
            log.info("Telegram: ignoring duplicate update %s", uid)
            raise ApplicationHandlerStop
        if len(self._recent) == self._recent.maxlen:
            self._recent_set.discard(self._recent[0])
        self._recent.append(uid)
        self._recent_set.add(uid)

    def note_update(self, update_id: int) -> None:
        """A buffered update (activity): its cursor is saved with the next periodic save."""
        self._max_seen = max(self._max_seen, update_id)

    async def mark_done(self, update_id: int, durable: bool) -> None:
        self.note_update(update_id)
        if durable:
            await self.persist_cursor()

    async def persist_cursor(self) -> None:
        if self._max_seen > self._cursor:
            self._cursor = self._max_seen
            await self.deps.cursors.set(CURSOR, self._cursor)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("Telegram handler error for update %s", getattr(update, "update_id", "?"), exc_info=context.error)

    # -- command menus per scope and language ---------------------------------------------------
    async def _set_menus(self) -> None:
        registry = self.deps.registry
        member = [s for s in registry.commands if s.telegram and s.role == Role.MEMBER and s.where.in_group]
        private = [s for s in registry.commands if s.telegram and s.role == Role.MEMBER and s.where.in_private]
        staff = [s for s in registry.commands if s.telegram and s.where.in_group]
        scopes = (
            (BotCommandScopeDefault(), member),
            (BotCommandScopeAllPrivateChats(), private),
            (BotCommandScopeAllChatAdministrators(), staff),
        )
        try:
            for scope, specs in scopes:
                for locale in LOCALES:
                    await self.app.bot.set_my_commands(
                        _menu(specs, locale), scope=scope, language_code=None if locale == "en" else locale
                    )
        except TelegramError as exc:
            log.warning("Telegram: could not set command menus: %s", exc)


def _menu(specs: list[CommandSpec], locale: str) -> list[BotCommand]:
    out: list[BotCommand] = []
    seen: set[str] = set()
    for spec in sorted(specs, key=lambda s: s.telegram[0]):
        name = spec.telegram[0].split(" ", 1)[0]  # "export feedback" is listed as /export
        if name in seen:
            continue
        seen.add(name)
        description = spec.description.render(locale)[:256] or name
        out.append(BotCommand(name, description))
    return out[:100]
