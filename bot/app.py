"""Composition root: settings → storage → services → scheduler → adapters, and the process lifecycle.

`build_services` makes the shared core, then calls one small `wire_<feature>` function per feature: it
builds the feature's repository and service, registers its commands and buttons, subscribes it to the
event hub, registers its member-data part, and adds its periodic jobs and start-up work. A new feature
adds one such function and one line in `FEATURES`."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.capabilities import Capabilities
from bot.core.clock import Clock, SystemClock
from bot.core.commands import Registry
from bot.core.hub import (
    ActivityWritten,
    EventHub,
    MemberErased,
    MemberJoined,
    MemberLeft,
    MembersMerged,
    MessageSeen,
    PlatformReachable,
)
from bot.core.outbound import Messenger
from bot.platform import Connector, PlatformDeps, PlatformRuntime
from bot.scheduler import ApsScheduler
from cogs.analytics.ingest import ActivityIngest
from cogs.analytics.metrics.compute import Metrics
from cogs.community import commands as community_commands
from cogs.community.directory import Directory
from cogs.community.service import CommunityService
from cogs.digest import commands as digest_commands
from cogs.digest.compose import Composer
from cogs.digest.delivery import DigestDelivery
from cogs.digest.events import EventsFromRepo
from cogs.digest.models import RiskSignal
from cogs.digest.ports import Providers
from cogs.digest.risk import RiskMonitor
from cogs.digest.service import DigestService
from cogs.digest.signals import RiskSources
from cogs.dispatch.dispatcher import Dispatcher
from cogs.events import commands as event_commands
from cogs.events.models import EventCreated
from cogs.events.reminders import ReminderService
from cogs.events.service import EventService
from cogs.feedback.digest import FeedbackSection
from cogs.feedback.feature import Feedback, build_feedback
from cogs.feedback.models import FeedbackSubmitted
from cogs.help import commands as help_commands
from cogs.help.service import HelpService
from cogs.members import commands as member_commands
from cogs.members.link_codes import LinkCodes
from cogs.members.service import MemberService
from cogs.moderation import commands as moderation_commands
from cogs.moderation.digest import ModerationSection
from cogs.moderation.feature import Moderation
from cogs.moderation.models import AutomodHit, ReportFiled
from cogs.onboarding import commands as onboarding_commands
from cogs.onboarding.context import Context as OnboardingContext
from cogs.onboarding.digest import OnboardingDigest
from cogs.onboarding.models import JoinRequested
from cogs.onboarding.service import OnboardingService
from cogs.onboarding.setup import SetupService as OnboardingSetup
from cogs.outbox.service import Outbox
from cogs.polls import commands as poll_commands
from cogs.polls.digest import PollsDigest
from cogs.polls.models import NativeCountsSeen, NativeVoteSeen
from cogs.polls.results import Results as PollResults
from cogs.polls.service import PollService
from cogs.polls.surveys import SurveyService
from cogs.privacy import commands as privacy_commands
from cogs.privacy.exports import ExportService
from cogs.privacy.service import PrivacyService
from config.settings import Settings
from storage.analytics import ActivityData, SqlActivityRepo
from storage.analytics_exports import analytics_exports
from storage.analytics_metrics import SqlMetricsRepo
from storage.community import SqlCommunityRepo
from storage.cursors import SqlCursorRepo
from storage.db import create_engine, migrate
from storage.digest import DigestData, SqlDigestRepo, SqlRiskRepo
from storage.events import EventsData, SqlEventRepo
from storage.exports import (
    ActivityExport,
    EventsExport,
    InfractionsExport,
    MembersExport,
    PollsExport,
    RsvpExport,
    SurveyAnswersExport,
)
from storage.feedback import FeedbackData, SqlFeedbackRepo
from storage.member_data import SqlMemberData
from storage.members import MembersData, SqlLinkCodeRepo, SqlMemberRepo
from storage.moderation import ModerationData, SqlModerationRepo
from storage.onboarding import OnboardingData, SqlOnboardingRepo
from storage.outbox import OutboxData, SqlOutboxRepo
from storage.polls import PollsData, SqlPollRepo, SqlSurveyRepo

log = logging.getLogger(__name__)

Work = Callable[[], Coroutine[Any, Any, Any]]


@dataclass
class Services:
    """Everything the CLI, the adapters' wiring and the tests need, built once."""

    settings: Settings
    clock: Clock
    engine: AsyncEngine
    hub: EventHub
    registry: Registry
    directory: Directory
    dispatcher: Dispatcher
    scheduler: ApsScheduler
    cursors: SqlCursorRepo
    outbox: Outbox
    member_data: SqlMemberData
    members: SqlMemberRepo
    communities: SqlCommunityRepo
    codes: LinkCodes
    messengers: dict[str, Messenger]
    capabilities: Capabilities
    ingest: ActivityIngest = field(init=False)  # set by wire_analytics
    events: EventService = field(init=False)  # set by wire_events
    reminders: ReminderService = field(init=False)  # set by wire_events
    privacy: PrivacyService = field(init=False)  # set by wire_privacy
    digest: DigestService = field(init=False)  # set by wire_digest
    # Optional digest sections other features provide (cogs/digest/ports.py), set in their wire function in any
    # order, e.g. `s.digest_sections.funnel = OnboardingFunnel(repo)`.
    digest_sections: Providers = field(default_factory=Providers)
    exports: ExportService = field(default_factory=ExportService)  # managers' CSVs; features register theirs
    polls: PollService = field(init=False)  # set by wire_polls
    surveys: SurveyService = field(init=False)  # set by wire_polls
    poll_results: PollResults = field(init=False)  # set by wire_polls: what the digest reads
    moderation: Moderation = field(init=False)  # set by wire_moderation
    onboarding: OnboardingService = field(init=False)  # set by wire_onboarding; `.funnel` is a FunnelReader
    feedback: Feedback = field(init=False)  # set by wire_feedback (`hearth export feedback`, the digest's port)
    # Features' lifecycle work: periodic jobs (id, seconds, job), after-ready work, before-stop drains.
    periodic: list[tuple[str, float, Work]] = field(default_factory=list)
    after_ready: list[Work] = field(default_factory=list)
    before_stop: list[Work] = field(default_factory=list)
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    @property
    def deps(self) -> PlatformDeps:
        """The narrow door adapters get (bot/platform.py)."""
        return PlatformDeps(
            settings=self.settings,
            clock=self.clock,
            registry=self.registry,
            dispatcher=self.dispatcher,
            hub=self.hub,
            cursors=self.cursors,
            capabilities=self.capabilities,
            spawn=self.spawn,
        )

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

    async def close(self) -> None:
        """Finish background work (hub handlers, spawned tasks), write buffered activity, close the database.
        The last step of `hearth run`, the console and every test that builds services."""
        await self.hub.drain()
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        await self.hub.drain()  # what those tasks published
        await self.outbox.settle(cancel_after=10)  # sends started in the background (welcomes after a join)
        await self.flush_activity()
        await self.engine.dispose()

    async def flush_activity(self) -> None:
        try:
            await self.ingest.flush()
        except Exception:
            log.exception("activity flush failed; events kept for the next flush")


# -- one wiring function per feature ---------------------------------------------------------------


def wire_help(s: Services) -> None:
    help_commands.register(s.registry, HelpService(s.registry))


def wire_members(s: Services) -> None:
    member_commands.register(s.registry, MemberService(s.members, s.codes, s.directory, s.member_data, s.hub))
    s.hub.subscribe(MembersMerged, lambda _merged: s.directory.forget())


def wire_community(s: Services) -> None:
    community_commands.register(s.registry, CommunityService(s.communities, s.codes, s.directory, s.clock))


def wire_analytics(s: Services) -> None:
    # Subscribed first: joins are recorded (and their ids resolved) before other features hear of them.
    ingest = ActivityIngest(s.directory, SqlActivityRepo(s.engine), s.clock, s.hub, s.settings.activity_flush_rows)

    def flush_when_full() -> None:  # a None-returning callback: spawn's task is kept by Services
        s.spawn(s.flush_activity())

    ingest.on_full = flush_when_full
    ingest.subscribe()
    s.dispatcher.hub = s.hub  # staff callers (StaffSeen) reach analytics
    s.ingest = ingest
    s.member_data.register(ActivityData())
    s.periodic.append(("activity:flush", s.settings.activity_flush_seconds, s.flush_activity))
    s.periodic.append(("analytics:refresh", 60, ingest.repo.refresh))  # the digest's week tables, off the hot path


def wire_events(s: Services) -> None:
    repo = SqlEventRepo(s.engine)
    reminders = ReminderService(repo, s.members, s.communities, s.outbox, s.scheduler, s.clock)
    events = EventService(repo, s.members, reminders, s.messengers.get, s.clock, s.hub)
    reminders.publish = events.publish
    event_commands.register(s.registry, events)
    s.member_data.register(EventsData())
    s.events, s.reminders = events, reminders
    # Overdue reminders go out (late) or are reported (missed) while the bot already answers commands;
    # pending ones cost one query: the scheduler holds a single trigger for all of them.
    s.after_ready.append(reminders.rehydrate)
    s.before_stop.append(reminders.drain)


def wire_privacy(s: Services) -> None:
    privacy = PrivacyService(s.member_data, s.members, s.members, s.hub, s.clock)
    s.exports.register(MembersExport(s.engine))
    s.exports.register(ActivityExport(s.engine))
    s.exports.register(EventsExport(s.engine))
    s.exports.register(RsvpExport(s.engine))
    s.exports.register(PollsExport(s.engine))
    s.exports.register(SurveyAnswersExport(s.engine))
    s.exports.register(InfractionsExport(s.engine))
    privacy_commands.register(s.registry, privacy, s.exports)
    s.hub.subscribe(MemberErased, lambda _erased: s.directory.forget())
    privacy.settle += [s.flush_activity, s.ingest.repo.refresh]
    s.privacy = privacy
    activity = SqlActivityRepo(s.engine)

    async def purge_old_activity() -> None:
        cutoff = s.clock.now() - timedelta(days=s.settings.raw_retention_days)
        purged = await activity.purge_raw_before(cutoff)
        if purged:
            log.info("retention: purged %d raw activity rows older than %s", purged, cutoff.date())

    s.periodic.append(("privacy:retention", 24 * 3600, purge_old_activity))
    s.after_ready.append(purge_old_activity)


def wire_polls(s: Services) -> None:
    repo, survey_repo = SqlPollRepo(s.engine), SqlSurveyRepo(s.engine)
    polls = PollService(repo, s.directory, s.capabilities, s.messengers.get, s.outbox, s.scheduler, s.clock, s.hub)
    surveys = SurveyService(survey_repo, s.messengers.get, s.outbox, s.scheduler, s.clock, s.hub)
    poll_commands.register(s.registry, polls, surveys)
    s.hub.subscribe(NativeVoteSeen, polls.on_native_vote)
    s.hub.subscribe(NativeCountsSeen, polls.on_native_counts)
    s.member_data.register(PollsData())
    s.polls, s.surveys, s.poll_results = polls, surveys, PollResults(repo, survey_repo)
    s.digest_sections.satisfaction = PollsDigest(s.poll_results)
    # Closes that came due while the bot was down happen now, once; the rest is one trigger per kind.
    s.after_ready += [polls.rehydrate, surveys.rehydrate]
    s.before_stop += [polls.drain, surveys.drain]


def wire_moderation(s: Services) -> None:
    repo = SqlModerationRepo(s.engine)
    moderation = Moderation.build(
        repo, repo, s.members, s.communities, s.directory, s.outbox, s.capabilities, s.messengers.get, s.scheduler,
        s.clock, s.hub, s.settings.owners,
    )  # fmt: skip
    moderation_commands.register(s.registry, moderation.service, moderation.reports, moderation.config)
    moderation.subscribe(s.hub)  # automod reads every message in memory; raid protection counts joins
    s.member_data.register(ModerationData())
    s.moderation = moderation
    s.digest_sections.moderation = ModerationSection(moderation.reader)
    # Mutes, bans and lockdowns overdue after a restart end now; the scheduler holds one trigger for the next.
    s.after_ready.append(moderation.expiry.rehydrate)
    s.before_stop.append(moderation.drain)


def wire_onboarding(s: Services) -> None:
    ctx = OnboardingContext(
        repo=SqlOnboardingRepo(s.engine),
        members=s.members,
        communities=s.communities,
        events=SqlEventRepo(s.engine),
        outbox=s.outbox,
        messengers=s.messengers.get,
        capabilities=s.capabilities,
        registry=s.registry,
        clock=s.clock,
        hub=s.hub,
        timer=s.scheduler,
        marks=s.cursors,
    )
    service = OnboardingService(ctx)
    onboarding_commands.register(s.registry, service, OnboardingSetup(ctx, service.welcome, service.interests))
    s.hub.subscribe(MemberJoined, service.on_join)
    s.hub.subscribe(MemberLeft, service.on_leave)
    s.hub.subscribe(JoinRequested, service.on_request)
    s.hub.subscribe(ActivityWritten, service.on_activity)
    s.hub.subscribe(EventCreated, service.on_event)
    s.hub.subscribe(MembersMerged, service.on_merged)
    s.member_data.register(OnboardingData())
    s.onboarding = service
    s.digest_sections.funnel = s.digest_sections.interests = OnboardingDigest(service)
    # Backfill (once), journeys brought up to date, overdue time limits and nudges; then a refresh of
    # "active in week 2" and "regular" from the rollups every six hours.
    s.after_ready.append(service.start)
    s.periodic.append(("onboarding:journeys", 6 * 3600, service.refresh))
    s.before_stop.append(service.drain)


def wire_feedback(s: Services) -> None:
    s.feedback = build_feedback(SqlFeedbackRepo(s.engine), s.communities, s.outbox, s.messengers.get, s.hub, s.spawn)
    s.feedback.register(s.registry)
    s.digest_sections.feedback = FeedbackSection(s.feedback.report)
    data = FeedbackData()  # remembers erased authors' items, whose channel posts then drop the name
    s.member_data.register(data)
    s.hub.subscribe(MemberErased, lambda _erased: s.feedback.service.refresh_posts(data.take_erased_items()))
    s.exports.register(s.feedback.export)  # feedback.csv in /export and hearth export
    s.privacy.content_erasers.append(s.feedback.service.erase_content)  # /privacy delete, feedback too
    s.periodic.append(("feedback:drafts", 3600, lambda: s.feedback.service.purge_drafts(s.clock.now())))


def wire_digest(s: Services) -> None:
    metrics = Metrics(SqlMetricsRepo(s.engine, s.ingest.repo))
    repo, risk_repo = SqlDigestRepo(s.engine), SqlRiskRepo(s.engine)
    events = EventsFromRepo(s.reminders.repo)
    composer = Composer(metrics, s.communities, risk_repo, events, s.digest_sections, s.capabilities)
    delivery = DigestDelivery(repo, composer, s.communities, s.members, s.outbox, s.scheduler, s.clock)
    risk = RiskMonitor(risk_repo, repo, s.directory, s.clock, delivery.send_alert)
    s.digest = DigestService(repo, composer, delivery, metrics, risk, s.communities, s.clock)
    digest_commands.register(s.registry, s.digest)
    s.member_data.register(DigestData())
    for export in analytics_exports(s.engine):
        s.exports.register(export)
    s.hub.subscribe(MessageSeen, risk.on_message)  # watch-list terms, in memory
    s.hub.subscribe(MemberLeft, risk.on_leave)
    s.hub.subscribe(RiskSignal, risk.on_signal)
    sources = RiskSources(risk.on_signal)  # reports, automod hits, problem feedback, from their features' events
    s.hub.subscribe(ReportFiled, sources.on_report)
    s.hub.subscribe(AutomodHit, sources.on_automod)
    s.hub.subscribe(FeedbackSubmitted, sources.on_feedback)
    s.periodic.append(("digest:due", 3600, delivery.run_due))  # the precise trigger is armed by run_due itself
    s.periodic.append(("risk:flush", 60, risk.flush))
    s.periodic.append(("risk:purge", 24 * 3600, risk.purge))
    activity = SqlActivityRepo(s.engine)

    async def purge_old_ties() -> None:  # who-replied-to-whom weeks: 26 kept (the weekly totals stay)
        await activity.purge_ties_before((s.clock.now() - timedelta(weeks=26)).date())

    s.periodic.append(("analytics:ties-retention", 24 * 3600, purge_old_ties))
    s.after_ready.append(risk.load_terms)
    s.after_ready.append(delivery.catch_up)  # a week missed while the bot was down goes out now
    s.before_stop.append(risk.flush)


FEATURES: tuple[Callable[[Services], None], ...] = (
    wire_analytics,
    wire_help,
    wire_members,
    wire_community,
    wire_events,
    wire_onboarding,
    wire_privacy,
    wire_polls,
    wire_moderation,
    wire_feedback,
    wire_digest,
)


async def build_services(settings: Settings, clock: Clock | None = None, run_migrations: bool = True) -> Services:
    clock = clock or SystemClock()
    engine = create_engine(settings.resolved_database_url)
    if run_migrations:
        await migrate(engine)
    members = SqlMemberRepo(engine)
    communities = SqlCommunityRepo(engine)
    directory = Directory(communities, members, settings.timezone, settings.locale)
    registry = Registry()
    messengers: dict[str, Messenger] = {}
    member_data = SqlMemberData(engine, clock, core=MembersData())
    member_data.register(OutboxData())
    capabilities = Capabilities()
    services = Services(
        settings=settings,
        clock=clock,
        engine=engine,
        hub=EventHub(),
        registry=registry,
        directory=directory,
        dispatcher=Dispatcher(registry, directory, clock, settings.owners, capabilities),
        scheduler=ApsScheduler(),
        cursors=SqlCursorRepo(engine),
        outbox=Outbox(SqlOutboxRepo(engine), messengers.get, clock),
        member_data=member_data,
        members=members,
        communities=communities,
        codes=LinkCodes(SqlLinkCodeRepo(engine), clock),
        messengers=messengers,
        capabilities=capabilities,
    )
    services.periodic.append(("outbox:deliver", 15, services.outbox.deliver_due))

    # After an outage (or a late start) what was held goes out at once, not at the next 15 s pass.
    async def deliver_held(_back: PlatformReachable) -> None:
        await services.outbox.deliver_due()

    services.hub.subscribe(PlatformReachable, deliver_held)
    for wire in FEATURES:
        wire(services)
    return services


def make_runtimes(services: Services) -> list[PlatformRuntime]:
    runtimes: list[PlatformRuntime] = []
    if services.settings.discord_token:
        from bot.discord.client import DiscordRuntime

        runtimes.append(DiscordRuntime(services.deps))
    if services.settings.telegram_token:
        from bot.telegram.application import TelegramRuntime

        runtimes.append(TelegramRuntime(services.deps))
    return runtimes


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """`hearth run`: migrate, start every configured platform and the scheduler, stop cleanly on `stop`."""
    started = time.perf_counter()
    services = await build_services(settings)
    runtimes = make_runtimes(services)
    if not runtimes:
        log.warning("no platform token set (HEARTH_DISCORD_TOKEN / HEARTH_TELEGRAM_TOKEN): only the scheduler runs")
    for job_id, seconds, job in services.periodic:
        services.scheduler.every(job_id, seconds, job)

    async def tick() -> None:
        for runtime in runtimes:
            await runtime.tick()

    services.scheduler.every("platforms:tick", settings.activity_flush_seconds, tick)
    services.scheduler.start()

    def connected(runtime: PlatformRuntime) -> None:  # a platform unreachable at start-up answers now
        services.messengers[runtime.name] = runtime.messenger
        services.hub.publish(PlatformReachable(runtime.name))

    connector = Connector(services.clock, connected)
    try:
        for runtime in runtimes:
            services.messengers[runtime.name] = runtime.messenger
            if not await connector.start(runtime):
                del services.messengers[runtime.name]  # its sends stay pending in the outbox meanwhile
        for work in services.after_ready:
            services.spawn(work())
        waiting = f"; still connecting: {', '.join(connector.retrying)}" if connector.retrying else ""
        log.info(
            "Hearth ready in %.0f ms (platforms: %s%s)",
            (time.perf_counter() - started) * 1000,
            ", ".join(r.name for r in runtimes if r.name not in connector.retrying) or "none",
            waiting,
        )
        await connector.wait(stop)
    finally:
        log.info("shutting down")
        await connector.cancel()
        # Jobs in progress (a reminder fan-out) finish while the platforms can still deliver.
        await services.scheduler.stop()
        for work in services.before_stop:
            await work()
        for runtime in reversed(runtimes):
            try:
                await runtime.stop()
            except Exception:
                log.exception("stopping %s failed", runtime.name)
        await services.close()
        log.info("stopped; %d activity events written this run", services.ingest.flushed_total)


async def console(settings: Settings, persona: str | None, name: str | None) -> None:
    """`hearth console`: one person typing, against the same database as `hearth run`."""
    from pathlib import Path

    from rich.console import Console

    from bot.console.repl import HELP, PERSONAS, SCOPE_TITLE, ConsoleSession

    screen = Console()
    services = await build_services(settings)
    persona = persona or await _ask(screen, "Who are you? member / moderator / manager", "member", set(PERSONAS))
    name = name or await _ask(screen, "Your name", "alice", None)
    session = ConsoleSession(services.deps, screen.print, persona, name)
    services.messengers["console"] = session.messenger
    session.messenger.save_dir = Path.cwd()  # calendar files (.ics) land where you started the console
    screen.print(f"[bold]Hearth console[/bold] — {SCOPE_TITLE}, as {persona} {name}. {HELP}")
    try:
        while True:
            try:
                line = await asyncio.to_thread(screen.input, "[bold green]> [/bold green]")
            except (EOFError, KeyboardInterrupt):
                break
            if not await session.handle(line):
                break
    finally:
        await services.close()


async def _ask(screen: Any, question: str, default: str, allowed: set[str] | None) -> str:
    while True:
        try:
            answer = (await asyncio.to_thread(screen.input, f"{question} [{default}]: ")).strip() or default
        except EOFError:
            return default
        if allowed is None or answer in allowed:
            return answer
        screen.print(f"Please answer one of: {', '.join(sorted(allowed))}")
