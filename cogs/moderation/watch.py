"""Every message passes here (hub `MessageSeen`): automod checks it in memory, and the author's @username is
remembered so moderators can name members by it. The common case — a message that breaks no rule — costs
no database access and starts no task; the text is never stored."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Iterable
from datetime import timedelta

from bot.core.clock import Clock
from bot.core.hub import EventHub, MessageSeen
from bot.core.i18n import UserRef, t_
from bot.core.outbound import OutMessage
from bot.core.permissions import Role, resolve_role
from cogs.community.directory import Directory
from cogs.community.ports import CommunityRepo
from cogs.members.ports import MemberRepo
from cogs.moderation import automod, render
from cogs.moderation.actions import Enforcer, Request, Subject
from cogs.moderation.models import ActionFailed, AutomodAction, AutomodHit, InfractionKind, Rule, Source
from cogs.moderation.ports import ModerationRepo
from cogs.moderation.store import SettingsStore
from cogs.outbox.models import OutboxKey

log = logging.getLogger(__name__)
SCOPE_TTL = 600.0  # seconds a chat → community mapping is trusted (/setup link may move a chat)


class MessageWatch:
    def __init__(
        self,
        store: SettingsStore,
        enforcer: Enforcer,
        repo: ModerationRepo,
        directory: Directory,
        members: MemberRepo,
        communities: CommunityRepo,
        clock: Clock,
        hub: EventHub,
        owners: Iterable[str] = (),
    ) -> None:
        self.store = store
        self.enforcer = enforcer
        self.repo = repo
        self.directory = directory
        self.members = members
        self.communities = communities
        self.clock = clock
        self.hub = hub
        self.owners = tuple(owners)
        self.trackers = automod.Trackers()
        self._scopes: dict[tuple[str, str], tuple[int, float]] = {}
        self._usernames: dict[tuple[str, str], str] = {}
        self._pending: dict[str, dict[str, str | None]] = {}
        self._flushing = False
        self._refreshing: set[int] = set()

    # -- the hot path (plain function: returns work only when there is some) -----------------------------
    def on_message(self, event: MessageSeen) -> Awaitable[None] | None:
        if event.username and self._usernames.get((event.platform, event.user_id)) != event.username:
            if len(self._usernames) > 200_000:
                self._usernames.clear()
            self._usernames[(event.platform, event.user_id)] = event.username
            self._pending.setdefault(event.platform, {})[event.user_id] = event.username
        scope = self._scopes.get((event.platform, event.scope_id))
        if scope is None or time.monotonic() - scope[1] > SCOPE_TTL:
            return self._first_sight(event)
        community_id = scope[0]
        cached = self.store.peek(community_id)
        refresh = None
        if cached is None:
            cached = self.store.stale(community_id)
            if cached is None:
                return self._first_sight(event)
            if community_id not in self._refreshing:  # one reload at a time; meanwhile the old settings hold
                self._refreshing.add(community_id)
                refresh = self._refresh(community_id)
        hits = self._check(community_id, cached[1], event)
        if hits:
            return self._then(refresh, self._handle(community_id, event, hits))
        if self._pending and not self._flushing:
            self._flushing = True
            return self._then(refresh, self._flush_usernames())
        return refresh

    async def _refresh(self, community_id: int) -> None:
        try:
            await self.store.refresh(community_id)
        finally:
            self._refreshing.discard(community_id)

    @staticmethod
    async def _then(first: Awaitable[None] | None, second: Awaitable[None]) -> None:
        if first is not None:
            await first
        await second

    def _check(self, community_id: int, compiled: automod.CompiledConfig, event: MessageSeen) -> list[automod.Hit]:
        created = None
        if compiled.config.rule(Rule.NEW_ACCOUNTS).enabled:
            actions = self.enforcer.actions(event.platform)
            created = actions.account_created(event.user_id) if actions is not None else None
        return automod.check(compiled, self.trackers, community_id, event, created)

    async def _first_sight(self, event: MessageSeen) -> None:
        ids = await self.directory.community_ids(
            [(event.platform, event.scope_id, event.scope_title)], self.clock.now()
        )
        community_id = ids[(event.platform, event.scope_id)]
        if len(self._scopes) > 50_000:
            self._scopes.clear()
        self._scopes[(event.platform, event.scope_id)] = (community_id, time.monotonic())
        _settings, compiled = await self.store.compiled(community_id)
        hits = self._check(community_id, compiled, event)
        if hits:
            await self._handle(community_id, event, hits)
        elif self._pending and not self._flushing:
            self._flushing = True
            await self._flush_usernames()

    async def _flush_usernames(self) -> None:
        try:
            while self._pending:
                pending, self._pending = self._pending, {}
                now = self.clock.now()
                for platform, names in pending.items():
                    await self.directory.member_ids([(platform, uid, None) for uid in names], now)
                    await self.members.set_usernames(platform, names)
        except Exception:
            log.exception("moderation: remembering usernames failed")
        finally:
            self._flushing = False

    # -- a message broke a rule ------------------------------------------------------------------------
    async def _handle(self, community_id: int, event: MessageSeen, hits: list[automod.Hit]) -> None:
        if self._pending and not self._flushing:
            self._flushing = True
            await self._flush_usernames()
        actions = self.enforcer.actions(event.platform)
        if actions is not None and await self._is_staff(community_id, event):
            return  # moderators and managers are exempt
        now = self.clock.now()
        member_id = await self.directory.member_id(event.platform, event.user_id, event.display_name, now)
        await self.repo.add_hits(
            [(community_id, member_id, h.rule.value, h.action.value, event.platform, event.at) for h in hits]
        )
        for hit in hits:
            self.hub.publish(AutomodHit(community_id, member_id, hit.rule.value, hit.action.value, event.platform,
                                        event.at, event.scope_id, event.channel_id, event.message_id))  # fmt: skip
        action = automod.strongest(hits)
        rule = next(h.rule for h in hits if h.action is action)
        self.trackers.forget((community_id, event.user_id))
        deleted = False
        if actions is not None and event.message_id is not None:
            try:
                await actions.delete_message(event.scope_id, event.channel_id, event.message_id)
                deleted = True
            except ActionFailed as exc:
                log.info("moderation: automod could not delete a message in %s: %s", event.scope_id, exc.detail)
        subject = Subject(member_id, event.platform, event.scope_id, event.user_id,
                          event.display_name or event.username or event.user_id)  # fmt: skip
        if action is AutomodAction.DELETE:
            await self._log_deletion(community_id, event, subject, hits, deleted)
            return
        settings = await self.store.get(community_id)
        kind = InfractionKind.WARN if action is AutomodAction.WARN else InfractionKind.MUTE
        duration = timedelta(minutes=settings.automod.mute_minutes) if kind is InfractionKind.MUTE else None
        try:
            await self.enforcer.act(
                Request(community_id, subject, kind, render.automod_reason(rule), Source.AUTOMOD, duration=duration)
            )
        except Exception:
            log.exception("moderation: automod %s of %s failed", kind, event.user_id)

    async def _is_staff(self, community_id: int, event: MessageSeen) -> bool:
        actions = self.enforcer.actions(event.platform)
        community = await self.communities.get(community_id)
        if actions is None or community is None:
            return False
        try:
            facts = await actions.staff_facts(event.scope_id, event.user_id)
        except ActionFailed:
            return False
        identity = f"{event.platform}:{event.user_id}"
        role = resolve_role(identity, facts, self.owners, community.moderator_roles, community.manager_roles)
        return role >= Role.MODERATOR

    async def _log_deletion(
        self, community_id: int, event: MessageSeen, subject: Subject, hits: list[automod.Hit], deleted: bool
    ) -> None:
        rules = tuple(render.RULE_LABELS[h.rule] for h in hits)
        member = UserRef(subject.user_id, subject.name)
        lines = [
            t_("🤖 Automod removed a message by {member}: {rules}.", member=member, rules=rules)
            if deleted
            else t_(
                "🤖 Automod caught a message by {member} ({rules}) but could not delete it: give me the "
                "permission to delete messages.",
                member=member,
                rules=rules,
            )  # fmt: skip
        ]
        found = [h.detail for h in hits if h.rule in (Rule.WORDS, Rule.LINKS, Rule.INVITES) and h.detail]
        if found:
            lines.append(t_("Matched: {found}", found=", ".join(found)))
        key = OutboxKey("mod", f"auto:{event.platform}:{event.scope_id}:{event.message_id or event.at.timestamp()}",
                        "log")  # fmt: skip
        await self.enforcer.post_log(community_id, key, OutMessage(tuple(lines)))
