"""Raid protection: a spike of joins switches lockdown on. While it lasts, each chat's lockdown measures
hold (Discord: slowmode on public channels and a higher verification level) and everyone who joins is
held at the gate (muted until it ends); moderators and managers are alerted at once. It ends by itself
after the configured time, or with /lockdown off."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Coroutine
from datetime import datetime, timedelta
from typing import Any

from bot.core.clock import Clock
from bot.core.hub import EventHub, MemberJoined
from bot.core.i18n import Moment, Text, t_, tn_
from bot.core.outbound import OutMessage
from bot.core.targets import Target
from cogs.community.ports import CommunityRepo
from cogs.moderation.actions import Enforcer
from cogs.moderation.models import ActionFailed, BotPermission, LockdownChanged, ModSettings
from cogs.moderation.render import PERMISSION_LABELS
from cogs.moderation.store import SettingsStore
from cogs.outbox.models import OutboxKey
from cogs.outbox.service import Outbox

log = logging.getLogger(__name__)
MAX_HELD = 500  # members held at the gate during one lockdown (remembered to release them)


class RaidGuard:
    def __init__(
        self,
        store: SettingsStore,
        enforcer: Enforcer,
        communities: CommunityRepo,
        outbox: Outbox,
        clock: Clock,
        hub: EventHub,
    ) -> None:
        self.store = store
        self.enforcer = enforcer
        self.communities = communities
        self.outbox = outbox
        self.clock = clock
        self.hub = hub
        self._joins: dict[int, deque[tuple[datetime, str, str, str]]] = {}
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- joins -----------------------------------------------------------------------------------------
    async def on_join(self, event: MemberJoined) -> None:
        settings = await self.store.get(event.community_id)
        now = self.clock.now()
        if settings.lockdown_until is not None and settings.lockdown_until > now:
            self._spawn(self._hold(event.community_id, [(event.platform, event.scope_id, event.user_id)]))
            return
        raid = settings.raid
        if not raid.enabled:
            return
        joins = self._joins.setdefault(event.community_id, deque(maxlen=max(raid.joins, 1) * 4))
        joins.append((event.at, event.platform, event.scope_id, event.user_id))
        window = timedelta(seconds=raid.seconds)
        while joins and event.at - joins[0][0] > window:
            joins.popleft()
        if len(joins) >= raid.joins:
            joiners = [(p, s, u) for _at, p, s, u in joins]
            joins.clear()
            self._spawn(self._raid(event.community_id, len(joiners), raid.seconds, joiners))

    async def _raid(self, community_id: int, count: int, seconds: int, joiners: list[tuple[str, str, str]]) -> None:
        settings = await self.store.get(community_id)
        reason = tn_(
            "{count} member joined within {seconds} seconds.",
            "{count} members joined within {seconds} seconds.",
            count,
            seconds=seconds,
        )
        await self.set(community_id, True, settings.raid.lockdown_minutes, automatic=True, reason=reason)
        await self._hold(community_id, joiners)

    # -- lockdown --------------------------------------------------------------------------------------
    async def set(
        self, community_id: int, on: bool, minutes: int | None, automatic: bool, reason: Text | None = None
    ) -> ModSettings:
        """Switch lockdown on (for `minutes`) or off, on every chat of the community, and alert staff."""
        async with self._lock:
            settings = await self.store.get(community_id)
            now = self.clock.now()
            state: dict[str, Any] = dict(settings.lockdown_state)
            scopes: dict[str, Any] = dict(state.get("scopes", {}))
            if on:
                until = now + timedelta(minutes=minutes or settings.raid.lockdown_minutes)
                for link in await self.communities.links(community_id):
                    key = f"{link.platform}:{link.scope_id}"
                    actions = self.enforcer.actions(link.platform)
                    if actions is None or key in scopes:
                        continue
                    try:
                        scopes[key] = await actions.lockdown(link.scope_id, True, settings.raid.slowmode_seconds, {})
                    except ActionFailed as exc:
                        log.warning("moderation: lockdown measures in %s failed: %s", key, exc.detail)
                        scopes[key] = {}
                state["scopes"] = scopes
                settings = await self.store.update(community_id, now, lockdown_until=until, lockdown_state=state)
            else:
                for key, saved in scopes.items():
                    platform, _, scope_id = key.partition(":")
                    actions = self.enforcer.actions(platform)
                    if actions is None:
                        continue
                    try:
                        await actions.lockdown(scope_id, False, 0, saved or {})
                    except ActionFailed as exc:
                        log.warning("moderation: ending lockdown measures in %s failed: %s", key, exc.detail)
                await self._release(state.get("held", []))
                settings = await self.store.update(community_id, now, lockdown_until=None, lockdown_state={})
                until = None
        self.hub.publish(LockdownChanged(community_id, on, automatic, now, until))
        await self._alert(community_id, on, until, automatic, reason, missing_permissions(settings))
        if self.enforcer.armed is not None:
            await self.enforcer.armed()
        return settings

    async def _hold(self, community_id: int, joiners: list[tuple[str, str, str]]) -> None:
        """New members wait at the gate (muted) until the lockdown ends."""
        async with self._lock:
            settings = await self.store.get(community_id)
            until = settings.lockdown_until
            if until is None:
                return
            held = [list(h) for h in settings.lockdown_state.get("held", [])]
            for platform, scope_id, user_id in joiners:
                actions = self.enforcer.actions(platform)
                if actions is None or [platform, scope_id, user_id] in held or len(held) >= MAX_HELD:
                    continue
                try:
                    await actions.mute(scope_id, user_id, until, "Hearth: raid lockdown")
                except ActionFailed as exc:
                    log.warning("moderation: could not hold %s in %s: %s", user_id, scope_id, exc.detail)
                    continue
                held.append([platform, scope_id, user_id])
            state = {**settings.lockdown_state, "held": held}
            await self.store.update(community_id, self.clock.now(), lockdown_state=state)

    async def _release(self, held: list[list[str]]) -> None:
        for platform, scope_id, user_id in held:
            actions = self.enforcer.actions(platform)
            if actions is None:
                continue
            try:
                await actions.unmute(scope_id, user_id, "Hearth: lockdown ended")
            except ActionFailed as exc:
                log.warning("moderation: could not release %s in %s: %s", user_id, scope_id, exc.detail)

    async def end_due(self, now: datetime) -> None:
        for settings in await self.enforcer.repo.lockdowns_until():
            if settings.lockdown_until is not None and settings.lockdown_until <= now:
                await self.set(settings.community_id, False, None, automatic=True)

    # -- alerts ----------------------------------------------------------------------------------------
    async def _alert(
        self,
        community_id: int,
        on: bool,
        until: datetime | None,
        automatic: bool,
        reason: Text | None,
        missing: tuple[Text, ...] = (),
    ) -> None:
        community = await self.communities.get(community_id)
        if community is None:
            return
        settings = await self.store.get(community_id)
        targets: list[Target] = []
        for target in (settings.log_channel, settings.queue_channel, community.manager_channel):
            if target is not None and target not in targets:
                targets.append(target)
        if on:
            assert until is not None
            lines = [
                t_("🚨 **Lockdown is on** until {until}.", until=Moment(until, community.timezone)),
                reason if reason is not None else t_("A moderator switched it on."),
                t_("New members are held (muted) until it ends; on Discord slowmode is on in public channels."),
                t_("End it early with /lockdown off."),
            ]
            if missing:
                lines.append(t_("I could not do all of it: I need {permissions}.", permissions=missing))
        else:
            lines = [t_("✅ **Lockdown has ended.** Members who joined meanwhile can write now.")]
            if automatic:
                lines.append(t_("It ended by itself on time."))
        stamp = int(self.clock.now().timestamp())
        for index, target in enumerate(targets):
            key = OutboxKey("modraid", f"{community_id}:{stamp}", f"{'on' if on else 'off'}:{index}")
            await self.outbox.enqueue(key, target, OutMessage(tuple(lines)), community.locale, self.clock.now())
        await self.outbox.deliver_due()

    # -- bookkeeping -----------------------------------------------------------------------------------
    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("moderation: raid handling failed", exc_info=task.exception())

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


def missing_permissions(settings: ModSettings) -> tuple[Text, ...]:
    """Lockdown measures a chat could not take, as the permissions that would allow them."""
    names: set[str] = set()
    for saved in (settings.lockdown_state.get("scopes") or {}).values():
        names.update((saved or {}).get("missing") or ())
    return tuple(PERMISSION_LABELS[BotPermission(n)] for n in sorted(names) if n in {p.value for p in BotPermission})
