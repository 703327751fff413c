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
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, ApplicationBuilder, ApplicationHandlerStop, ContextTypes, TypeHandler

from bot.core.commands import CommandSpec
from bot.core.hub import PlatformReachable
from bot.core.i18n import LOCALES
from bot.core.outage import OutageLog
from bot.core.outbound import PlatformUnavailable
from bot.core.permissions import FactsLookup, Role
from bot.telegram import activity as analytics
from bot.telegram import command_handlers as commands
from bot.telegram import handlers as feature_glue
from bot.telegram.facts import FactsCache
from bot.telegram.messenger import TelegramMessenger
from bot.telegram.network import TrackedRequest, describe, is_outage
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

    def __init__(
        self,
        deps: PlatformDeps,
        poll_timeout: int = 30,
        rate_limiter: HearthRateLimiter | None = None,
        network_timeout: float = 10.0,
    ):
        """`network_timeout`: connect/read/write limit of a request (a long poll reads `poll_timeout`
        longer); past it the request counts as failed by an outage. Tests make it short."""
        # PTB 22 warns on every RetryAfter unless told to use timedeltas (its future default).
        os.environ.setdefault("PTB_TIMEDELTA", "true")
        self.deps = deps
        settings = deps.settings
        assert settings.telegram_token is not None
        root = settings.telegram_api_base.rstrip("/")
        self.outage = OutageLog("Telegram", deps.clock, log, on_recovered=self._reachable_again)
        timeouts = {
            "connect_timeout": network_timeout,
            "read_timeout": network_timeout,
            "write_timeout": network_timeout,
        }
        self.app: Application = (
            ApplicationBuilder()
            .token(settings.telegram_token.get_secret_value())
            .base_url(f"{root}/bot")
            .base_file_url(f"{root}/file/bot")
            .request(TrackedRequest(self.outage, connection_pool_size=256, **timeouts))
            .get_updates_request(TrackedRequest(self.outage, connection_pool_size=1, **timeouts))
            .rate_limiter(rate_limiter or HearthRateLimiter())
            .job_queue(None)  # the scheduler is ours (bot/scheduler.py); PTB's would be a second one
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
        self._menus_unset = False  # an outage interrupted setting them: again once Telegram answers
        self._prepared = False

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        """Connect and start polling. Raises PlatformUnavailable when Telegram cannot be reached (bot/app.py
        retries in the background) and RuntimeError when it refuses the token. Safe to call again after
        PlatformUnavailable."""
        if not self._prepared:
            await self._prepare()
        try:
            await self.app.initialize()  # getMe: the first request
        except TelegramError as exc:
            await self.app.bot.shutdown()  # its HTTP clients; a next attempt opens them again
            if isinstance(exc, InvalidToken):
                raise RuntimeError(
                    "Telegram rejected the token (HEARTH_TELEGRAM_TOKEN): copy it again from @BotFather (/token)"
                ) from None
            if is_outage(exc):
                raise PlatformUnavailable(describe(exc)) from None
            raise
        self.username = self.app.bot.username or ""
        if self._menus is None:
            self._menus = self.deps.spawn(self._set_menus())  # 12 calls; not worth delaying ready for
        if not self.app.running:
            await self.app.start()
        assert self.app.updater is not None
        try:
            await self.app.updater.start_polling(
                allowed_updates=ALLOWED_UPDATES,
                timeout=self.poll_timeout,
                poll_interval=0.0,
                drop_pending_updates=False,
                error_callback=self._polling_failed,
            )
        except TelegramError as exc:  # Telegram went away between getMe and the polling bootstrap
            if is_outage(exc):
                raise PlatformUnavailable(describe(exc)) from None
            raise
        self.outage.watch()
        log.info("Telegram: polling as @%s", self.username)

    async def _prepare(self) -> None:
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
        self._prepared = True

    def _reachable_again(self) -> None:
        self.deps.hub.publish(PlatformReachable(self.name))  # the outbox sends what it held
        if self._menus_unset and self._menus is not None and self._menus.done():
            self._menus = self.deps.spawn(self._set_menus())

    def _polling_failed(self, exc: TelegramError) -> None:
        """PTB's polling loop failed once and backs off (1 s → 30 s). An outage is logged once by the
        OutageLog (PTB would log a traceback per failed poll); anything else gets one line each."""
        if not is_outage(exc):
            log.warning("Telegram: polling failed: %s; retrying with backoff", exc)

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
        uid = getattr(update, "update_id", "?")
        if context.error is not None and is_outage(context.error):  # the OutageLog has said it
            log.info("Telegram: update %s could not be answered: %s", uid, describe(context.error))
            return
        log.error("Telegram handler error for update %s", uid, exc_info=context.error)

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
            self._menus_unset = False
        except TelegramError as exc:
            if is_outage(exc):  # the OutageLog has said it; set them when Telegram answers again
                self._menus_unset = True
                return
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
