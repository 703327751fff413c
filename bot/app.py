"""Composition root: settings → storage → services → scheduler → adapters, and the process lifecycle."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.clock import Clock, SystemClock
from bot.core.commands import Registry
from bot.core.outbound import Messenger
from bot.scheduler import ApsScheduler
from cogs.analytics.ingest import ActivityIngest
from cogs.community import commands as community_commands
from cogs.community.directory import Directory
from cogs.community.service import CommunityService
from cogs.dispatch.dispatcher import Dispatcher
from cogs.events import commands as event_commands
from cogs.events.reminders import ReminderService
from cogs.events.service import EventService
from cogs.help import commands as help_commands
from cogs.help.service import HelpService
from cogs.members import commands as member_commands
from cogs.members.link_codes import LinkCodes
from cogs.members.service import MemberService
from cogs.outbox.service import Outbox
from config.settings import Settings
from storage.analytics import SqlActivityRepo
from storage.community import SqlCommunityRepo
from storage.cursors import SqlCursorRepo
from storage.db import create_engine, migrate
from storage.events import SqlEventRepo
from storage.members import SqlLinkCodeRepo, SqlMemberRepo
from storage.outbox import SqlOutboxRepo

log = logging.getLogger(__name__)


class PlatformRuntime(Protocol):
    name: str

    @property
    def messenger(self) -> Messenger: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass
class Services:
    """Everything adapters and the CLI need, built once."""

    settings: Settings
    clock: Clock
    engine: AsyncEngine
    registry: Registry
    directory: Directory
    dispatcher: Dispatcher
    ingest: ActivityIngest
    outbox: Outbox
    scheduler: ApsScheduler
    reminders: ReminderService
    cursors: SqlCursorRepo
    messengers: dict[str, Messenger] = field(default_factory=dict)
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Fire-and-forget with a kept reference (asyncio only keeps weak ones) and logged failures."""
        task: asyncio.Task[Any] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task failed", exc_info=task.exception())

    async def flush_activity(self) -> None:
        try:
            await self.ingest.flush()
        except Exception:
            log.exception("activity flush failed; events kept for the next flush")


async def build_services(settings: Settings, clock: Clock | None = None, run_migrations: bool = True) -> Services:
    clock = clock or SystemClock()
    engine = create_engine(settings.resolved_database_url)
    if run_migrations:
        await migrate(engine)
    members = SqlMemberRepo(engine)
    communities = SqlCommunityRepo(engine)
    codes = LinkCodes(SqlLinkCodeRepo(engine), clock)
    directory = Directory(communities, members, settings.timezone, settings.locale)
    registry = Registry()
    help_commands.register(registry, HelpService(registry))
    member_commands.register(registry, MemberService(members, codes, directory, clock))
    community_commands.register(registry, CommunityService(communities, codes, directory, clock))
    dispatcher = Dispatcher(registry, directory, clock, settings.owners)
    scheduler = ApsScheduler()
    messengers: dict[str, Messenger] = {}
    outbox = Outbox(SqlOutboxRepo(engine), messengers.get, clock)
    event_repo = SqlEventRepo(engine)
    reminders = ReminderService(event_repo, members, communities, outbox, scheduler, clock)
    events = EventService(event_repo, members, reminders, messengers.get, clock)
    reminders.publish = events.publish
    event_commands.register(registry, events)
    ingest = ActivityIngest(directory, SqlActivityRepo(engine), clock, settings.activity_flush_rows)
    events.on_rsvp.append(ingest.rsvp)
    services = Services(
        settings=settings,
        clock=clock,
        engine=engine,
        registry=registry,
        directory=directory,
        dispatcher=dispatcher,
        ingest=ingest,
        outbox=outbox,
        scheduler=scheduler,
        reminders=reminders,
        cursors=SqlCursorRepo(engine),
        messengers=messengers,
    )

    def flush_when_full() -> None:
        services.spawn(services.flush_activity())

    services.ingest.on_full = flush_when_full
    return services


def make_runtimes(services: Services) -> list[PlatformRuntime]:
    runtimes: list[PlatformRuntime] = []
    if services.settings.discord_token:
        from bot.discord.client import DiscordRuntime

        runtimes.append(DiscordRuntime(services))
    if services.settings.telegram_token:
        from bot.telegram.application import TelegramRuntime

        runtimes.append(TelegramRuntime(services))
    return runtimes


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """`hearth run`: migrate, start every configured platform and the scheduler, stop cleanly on `stop`."""
    started = time.perf_counter()
    services = await build_services(settings)
    runtimes = make_runtimes(services)
    if not runtimes:
        log.warning("no platform token set (HEARTH_DISCORD_TOKEN / HEARTH_TELEGRAM_TOKEN): only the scheduler runs")
    services.scheduler.every("activity:flush", settings.activity_flush_seconds, services.flush_activity)
    services.scheduler.every("outbox:deliver", 15, services.outbox.deliver_due)
    services.scheduler.start()
    try:
        for runtime in runtimes:
            services.messengers[runtime.name] = runtime.messenger
            await runtime.start()
        # Overdue reminders go out (late) or are reported (missed) while the bot already answers commands;
        # pending ones cost one query: the scheduler holds a single trigger for all of them.
        services.spawn(services.reminders.rehydrate())
        log.info(
            "Hearth ready in %.0f ms (platforms: %s)",
            (time.perf_counter() - started) * 1000,
            ", ".join(r.name for r in runtimes) or "none",
        )
        await stop.wait()
    finally:
        log.info("shutting down")
        # Jobs in progress (a reminder fan-out) finish while the platforms can still deliver.
        await services.scheduler.stop()
        await services.reminders.drain()
        for runtime in reversed(runtimes):
            try:
                await runtime.stop()
            except Exception:
                log.exception("stopping %s failed", runtime.name)
        await services.flush_activity()
        await services.engine.dispose()
        log.info("stopped; %d activity events written this run", services.ingest.flushed_total)
