"""The moderation feature's parts, built once by the composition root (bot/app.py `wire_moderation`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.core.capabilities import Capabilities
from bot.core.clock import Clock
from bot.core.hub import EventHub, MemberJoined, MessageSeen
from bot.core.outbound import Messenger
from cogs.community.directory import Directory
from cogs.community.ports import CommunityRepo
from cogs.members.ports import MemberRepo
from cogs.moderation.actions import Enforcer
from cogs.moderation.config import ConfigService
from cogs.moderation.expiry import Expiry, Timer
from cogs.moderation.ports import ModerationReader, ModerationRepo
from cogs.moderation.raid import RaidGuard
from cogs.moderation.reports import ReportService
from cogs.moderation.service import ModerationService
from cogs.moderation.store import SettingsStore
from cogs.moderation.watch import MessageWatch
from cogs.outbox.service import Outbox


@dataclass
class Moderation:
    service: ModerationService
    reports: ReportService
    config: ConfigService
    watch: MessageWatch
    raid: RaidGuard
    expiry: Expiry
    enforcer: Enforcer
    store: SettingsStore
    reader: ModerationReader  # the digest's read port (counts only)

    @classmethod
    def build(
        cls,
        repo: ModerationRepo,
        reader: ModerationReader,
        members: MemberRepo,
        communities: CommunityRepo,
        directory: Directory,
        outbox: Outbox,
        capabilities: Capabilities,
        messengers: Callable[[str], Messenger | None],
        timer: Timer,
        clock: Clock,
        hub: EventHub,
        owners: Iterable[str],
    ) -> Moderation:
        store = SettingsStore(repo)
        enforcer = Enforcer(repo, store, members, communities, outbox, capabilities, clock, hub)
        service = ModerationService(repo, enforcer, members, communities, directory, clock, owners)
        raid = RaidGuard(store, enforcer, communities, outbox, clock, hub)
        expiry = Expiry(repo, enforcer, raid, timer, clock)
        reports = ReportService(repo, service, enforcer, store, communities, members, outbox, messengers, clock, hub)
        config = ConfigService(store, raid, communities, clock)
        watch = MessageWatch(store, enforcer, repo, directory, members, communities, clock, hub, owners)
        return cls(service, reports, config, watch, raid, expiry, enforcer, store, reader)

    def subscribe(self, hub: EventHub) -> None:
        hub.subscribe(MessageSeen, self.watch.on_message)
        hub.subscribe(MemberJoined, self.raid.on_join)

    async def drain(self) -> None:
        await self.raid.drain()
        await self.expiry.drain()
