"""Carrying out an infraction, the same way whoever asked (a moderator, a report button, automod, the
warning ladder): check it may happen, write the row, call the platform, mark the row, tell the member,
log it, and escalate.

The row is written before the platform call and marked failed when the call fails, so nothing a
moderator did is ever lost, and nothing that did not happen is shown as done."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from bot.core.capabilities import Capabilities
from bot.core.clock import Clock
from bot.core.errors import PermissionDenied, PlatformLimitation, UserError
from bot.core.hub import EventHub
from bot.core.i18n import Text, UserRef
from bot.core.outbound import OutMessage
from bot.core.targets import Target
from cogs.community.models import Community
from cogs.community.ports import CommunityRepo
from cogs.members.ports import MemberRepo
from cogs.moderation import render
from cogs.moderation.models import (
    ActionFailed,
    BotPermission,
    Infraction,
    InfractionKind,
    InfractionRecorded,
    InfractionState,
    ModSettings,
    NewInfraction,
    Source,
    TargetFacts,
)
from cogs.moderation.ports import ModerationActions, ModerationRepo
from cogs.moderation.store import SettingsStore
from cogs.outbox.models import OutboxKey
from cogs.outbox.service import Outbox

log = logging.getLogger(__name__)

FEATURE = "mod"
PLATFORM_KINDS = frozenset(
    {InfractionKind.MUTE, InfractionKind.UNMUTE, InfractionKind.KICK, InfractionKind.BAN, InfractionKind.UNBAN}
)
NEEDS_PRESENT = frozenset({InfractionKind.MUTE, InfractionKind.UNMUTE, InfractionKind.KICK})
# What each action needs from the bot, per platform.
PERMISSIONS: dict[str, dict[InfractionKind, BotPermission]] = {
    "discord": {
        InfractionKind.MUTE: BotPermission.TIMEOUT_MEMBERS,
        InfractionKind.UNMUTE: BotPermission.TIMEOUT_MEMBERS,
        InfractionKind.KICK: BotPermission.KICK_MEMBERS,
        InfractionKind.BAN: BotPermission.BAN_MEMBERS,
        InfractionKind.UNBAN: BotPermission.BAN_MEMBERS,
    },
    "telegram": dict.fromkeys(PLATFORM_KINDS, BotPermission.RESTRICT_MEMBERS),
}
DELETE_PERMISSION = {"discord": BotPermission.MANAGE_MESSAGES, "telegram": BotPermission.DELETE_MESSAGES}


@dataclass(frozen=True, slots=True)
class Subject:
    """Whom an action is aimed at: the member, and their account where it happens."""

    member_id: int
    platform: str
    scope_id: str
    user_id: str
    name: str

    @property
    def ref(self) -> UserRef:
        return UserRef(self.user_id, self.name)


@dataclass(frozen=True, slots=True)
class Request:
    community_id: int
    subject: Subject
    kind: InfractionKind
    reason: str
    source: Source
    moderator_id: int | None = None  # None: the bot by itself
    moderator: UserRef | None = None
    actor_user_id: str | None = None  # the moderator's platform id, for the role hierarchy
    duration: timedelta | None = None
    delete_days: int = 0
    facts: TargetFacts | None = None  # already asked of the platform (saves a second call)

    @property
    def by_person(self) -> bool:
        return self.source in (Source.MANUAL, Source.REPORT)


class Enforcer:
    def __init__(
        self,
        repo: ModerationRepo,
        store: SettingsStore,
        members: MemberRepo,
        communities: CommunityRepo,
        outbox: Outbox,
        capabilities: Capabilities,
        clock: Clock,
        hub: EventHub,
    ) -> None:
        self.repo = repo
        self.store = store
        self.members = members
        self.communities = communities
        self.outbox = outbox
        self.capabilities = capabilities
        self.clock = clock
        self.hub = hub
        self.armed: Callable[[], Awaitable[None]] | None = None  # the expiry timer re-arms (set by wiring)

    def actions(self, platform: str) -> ModerationActions | None:
        return self.capabilities.get(platform, ModerationActions)  # type: ignore[type-abstract]

    # -- checks ----------------------------------------------------------------------------------------
    async def problem(self, req: Request) -> str | None:
        """Why the action may not happen (a code for `render.problem_text`), or None."""
        subject, kind = req.subject, req.kind
        if req.actor_user_id is not None and req.actor_user_id == subject.user_id and kind is not InfractionKind.NOTE:
            return "yourself"
        actions = self.actions(subject.platform)
        if actions is None:
            return "platform" if kind in PLATFORM_KINDS else None
        facts = req.facts or await actions.target(subject.scope_id, req.actor_user_id, subject.user_id)
        found = self._rules(req, facts, actions)
        if found is not None:
            return found
        needed = PERMISSIONS.get(subject.platform, {}).get(kind)
        if needed is not None and needed not in await actions.bot_permissions(subject.scope_id):
            return f"perm:{needed.value}"
        return None

    @staticmethod
    def _rules(req: Request, facts: TargetFacts, actions: ModerationActions) -> str | None:
        kind = req.kind
        if facts.is_self:
            return "self"
        if kind is InfractionKind.NOTE:
            return None if facts.known else "unknown"
        if not facts.known:
            return "unknown"
        if facts.is_bot and kind is not InfractionKind.UNBAN:
            return "bot"
        if not facts.present:
            return "absent" if kind in NEEDS_PRESENT else None
        if facts.is_owner:
            return "owner"
        if facts.is_admin and actions.admins_protected:
            return "admin"
        if facts.is_admin and kind is InfractionKind.MUTE:
            return "admin_timeout"
        if facts.target_rank is not None:
            outranked = facts.actor_rank is None or facts.actor_rank <= facts.target_rank
            if req.actor_user_id is not None and not facts.actor_is_owner and outranked:
                return "rank_actor"
            if kind in PLATFORM_KINDS and facts.bot_rank is not None and facts.bot_rank <= facts.target_rank:
                return "rank_bot"
        return None

    # -- acting ----------------------------------------------------------------------------------------
    async def act(self, req: Request) -> Infraction:
        """Check, record, carry out. A person is refused with a UserError before anything is written; for
        the bot's own actions a refusal is recorded as a failed row (and logged)."""
        now = self.clock.now()
        problem = await self.problem(req)
        if problem is not None and req.by_person:
            cls = PlatformLimitation if problem.startswith("perm:") or problem == "platform" else PermissionDenied
            raise cls(render.problem_text(problem, req.subject.name))
        settings = await self.store.get(req.community_id)
        until = now + req.duration if req.duration is not None else None
        if req.kind is InfractionKind.WARN:
            until = now + timedelta(days=settings.escalation.days)
        state = {
            InfractionKind.WARN: InfractionState.ACTIVE,
            InfractionKind.NOTE: InfractionState.DONE,
        }.get(req.kind, InfractionState.PENDING)
        if problem is not None:
            state = InfractionState.FAILED
        subject = req.subject
        row = await self.repo.add(
            NewInfraction(
                req.community_id,
                subject.member_id,
                req.moderator_id,
                req.kind,
                req.reason,
                now,
                until,
                state,
                req.source,
                subject.platform,
                subject.scope_id,
                subject.user_id,
            )  # fmt: skip
        )
        if problem is not None:
            row = await self.repo.set_state(row.id, InfractionState.FAILED, now, problem)
            await self._after(row, req, settings)
            return row
        if req.kind in (InfractionKind.KICK, InfractionKind.BAN):
            await self.notify(row, settings)  # before they leave: afterwards a DM may no longer reach them
        if req.kind in PLATFORM_KINDS:
            row = await self._carry_out(row, req)
            if row.state is InfractionState.FAILED:
                await self._after(row, req, settings)
                if req.by_person:
                    raise PlatformLimitation(render.problem_text(row.detail, subject.name))
                return row
        if req.kind not in (InfractionKind.KICK, InfractionKind.BAN, InfractionKind.NOTE):
            await self.notify(row, settings)
        await self._after(row, req, settings)
        if row.until is not None and row.kind in (InfractionKind.MUTE, InfractionKind.BAN) and self.armed:
            await self.armed()
        if row.kind is InfractionKind.WARN:
            await self.escalate(req, settings)
        return row

    async def _carry_out(self, row: Infraction, req: Request) -> Infraction:
        actions = self.actions(row.platform)
        assert actions is not None
        now = self.clock.now()
        scope, user, reason = row.scope_id, row.user_id, self._audit_reason(row, req)
        try:
            if row.kind is InfractionKind.MUTE:
                assert row.until is not None
                await actions.mute(scope, user, row.until, reason)
            elif row.kind is InfractionKind.UNMUTE:
                await actions.unmute(scope, user, reason)
            elif row.kind is InfractionKind.KICK:
                await actions.kick(scope, user, reason)
            elif row.kind is InfractionKind.BAN:
                await actions.ban(scope, user, row.until, reason, req.delete_days)
            elif row.kind is InfractionKind.UNBAN:
                await actions.unban(scope, user, reason)
        except ActionFailed as exc:
            code = f"perm:{exc.permission.value}" if exc.permission else f"refused:{exc.detail[:200]}"
            log.warning("moderation: %s of %s in %s failed: %s", row.kind, user, scope, exc.detail)
            return await self.repo.set_state(row.id, InfractionState.FAILED, now, code)
        lifted = {InfractionKind.UNMUTE: InfractionKind.MUTE, InfractionKind.UNBAN: InfractionKind.BAN}
        ends = lifted.get(row.kind) or (row.kind if row.kind in (InfractionKind.MUTE, InfractionKind.BAN) else None)
        if ends is not None:  # an unmute lifts the mute; a new mute replaces the one before
            for earlier in await self.repo.active(row.community_id, row.member_id, ends):
                if earlier.id != row.id:
                    await self.repo.set_state(earlier.id, InfractionState.LIFTED, now)
        final = (
            InfractionState.ACTIVE if row.kind in (InfractionKind.MUTE, InfractionKind.BAN) else InfractionState.DONE
        )
        return await self.repo.set_state(row.id, final, now)

    @staticmethod
    def _audit_reason(row: Infraction, req: Request) -> str:
        """For the platform's audit log (English, short): who asked and why."""
        who = req.moderator.name if req.moderator else "Hearth"
        text = render.reason_text(row.reason).render("en")
        return f"#{row.id} by {who}: {text}"[:400]

    async def _after(self, row: Infraction, req: Request, settings: ModSettings) -> None:
        await self.log(row, req.subject.ref, req.moderator, settings)
        self.hub.publish(
            InfractionRecorded(
                row.community_id,
                row.id,
                row.member_id,
                row.kind.value,
                row.source.value,
                row.state.value,
                row.created_at,
            )  # fmt: skip
        )

    async def escalate(self, req: Request, settings: ModSettings) -> Infraction | None:
        ladder = settings.escalation
        if ladder.warnings <= 0:
            return None
        since = self.clock.now() - timedelta(days=ladder.days)
        count = await self.repo.warnings_since(req.community_id, req.subject.member_id, since)
        if count < ladder.warnings:
            return None
        duration = timedelta(minutes=ladder.minutes) if ladder.minutes else None
        if ladder.action is InfractionKind.MUTE and duration is None:
            duration = timedelta(hours=1)
        step = Request(
            req.community_id,
            req.subject,
            ladder.action,
            render.escalation_reason(count, ladder.days),
            Source.ESCALATION,
            duration=duration,
        )
        try:
            return await self.act(step)
        except UserError:
            log.exception("moderation: escalation for member %s failed", req.subject.member_id)
            return None

    # -- ending on time --------------------------------------------------------------------------------
    async def end(self, row: Infraction) -> bool:
        """A temporary mute or ban whose time is up: lift it on the platform and mark it expired.
        False when it could not be lifted now (the platform is not running, or refused): try again later."""
        actions = self.actions(row.platform)
        if actions is None:
            return False
        now = self.clock.now()
        reason = f"#{row.id}: ended on time"
        try:
            if row.kind is InfractionKind.MUTE:
                await actions.unmute(row.scope_id, row.user_id, reason)
            else:
                await actions.unban(row.scope_id, row.user_id, reason)
        except ActionFailed as exc:
            if not exc.gone:  # a ban already lifted, a member who left: nothing left to end
                log.warning("moderation: could not end #%s (%s): %s", row.id, row.kind, exc.detail)
                return False
        row = await self.repo.set_state(row.id, InfractionState.EXPIRED, now)
        settings = await self.store.get(row.community_id)
        community = await self.communities.get(row.community_id)
        if community is not None:
            target = Target.direct(row.platform, row.user_id)
            locale, _zone = await self._reader(row.member_id, community)
            await self.outbox.enqueue(
                OutboxKey(FEATURE, str(row.id), "ended", row.member_id),
                target,
                render.ended_notice(row, community.name),
                locale,
                now,
            )
            name = await self.name_of(row.member_id, row.user_id)
            await self._send_log(row, render.ended_log(row, UserRef(row.user_id, name)), settings, community, "endlog")
            await self.outbox.deliver_due()
        return True

    # -- telling people --------------------------------------------------------------------------------
    async def notify(self, row: Infraction, settings: ModSettings) -> None:
        """The member, privately and in their language: what, why, for how long, how to appeal."""
        community = await self.communities.get(row.community_id)
        if community is None:
            return
        locale, zone = await self._reader(row.member_id, community)
        message = render.member_notice(row, community.name, settings.appeal, community.timezone, zone)
        key = OutboxKey(FEATURE, str(row.id), "notice", row.member_id)
        await self.outbox.enqueue(key, Target.direct(row.platform, row.user_id), message, locale, self.clock.now())
        await self.outbox.deliver_due()

    async def log(self, row: Infraction, member: UserRef, moderator: UserRef | None, settings: ModSettings) -> None:
        community = await self.communities.get(row.community_id)
        if community is None:
            return
        entry = render.log_entry(row, member, moderator, community.timezone)
        await self._send_log(row, entry, settings, community, f"log:{row.state.value}")

    async def _send_log(
        self, row: Infraction, message: OutMessage, settings: ModSettings, community: Community, part: str
    ) -> None:
        target = log_target(settings, community)
        if target is None:
            return
        await self.outbox.enqueue(OutboxKey(FEATURE, str(row.id), part), target, message, community.locale,
                                  self.clock.now())  # fmt: skip
        await self.outbox.deliver_due()

    async def post_log(self, community_id: int, key: OutboxKey, message: OutMessage) -> None:
        """Any other entry for the mod log (automod deletions, purges, lockdowns)."""
        community = await self.communities.get(community_id)
        if community is None:
            return
        target = log_target(await self.store.get(community_id), community)
        if target is not None:
            await self.outbox.enqueue(key, target, message, community.locale, self.clock.now())
            await self.outbox.deliver_due()

    async def _reader(self, member_id: int, community: Community) -> tuple[str, str | None]:
        settings = await self.members.settings(member_id)
        return settings.effective_locale or community.locale, settings.timezone

    async def name_of(self, member_id: int, fallback: str) -> str:
        identities = await self.members.identities(member_id)
        return next((i.username for i in identities if i.username), None) or fallback

    def problem_of(self, code: str, name: str) -> Text:
        return render.problem_text(code, name)


def log_target(settings: ModSettings, community: Community) -> Target | None:
    return settings.log_channel or community.manager_channel
