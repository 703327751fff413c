"""The rules gate. Telegram: a newcomer is restricted (no posting) until they press "I accept" under the
rules, within a time limit, else removed (kick, not ban) and told privately; join requests get the rules
in a private chat and are approved on acceptance, declined at the time limit. Discord: the member role is
granted on acceptance. Every gate is a row: buttons keep working and time limits survive restarts."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.core.errors import BadArgument, NotFound, PermissionDenied, PlatformLimitation
from bot.core.hub import MemberJoined
from bot.core.i18n import Text, t_
from bot.core.identity import Platform
from bot.core.outbound import OutMessage
from bot.core.targets import Target
from cogs.onboarding import render
from cogs.onboarding.context import FEATURE, Context
from cogs.onboarding.models import Gate, GateKind, GateStatus, JoinRequested, NewGate, OnboardingSettings
from cogs.onboarding.ports import AccessProblem, AccessRefused
from cogs.outbox.models import OutboxKey

log = logging.getLogger(__name__)


class GateService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def kind_for(self, settings: OnboardingSettings, platform: str, scope_id: str) -> GateKind | None:
        """Which gate a newcomer here meets now, if any (switched on, configured, and the bot able to)."""
        if not settings.gate_enabled:
            return None
        if platform == Platform.TELEGRAM.value:
            gate = self.ctx.group_gate(platform)
            if not settings.rules or gate is None:
                return None
            problem = await gate.problem(scope_id)
            if problem is not None:
                log.warning("onboarding: no rules gate in %s: %s", scope_id, problem.value)
                return None
            return GateKind.RESTRICT
        if platform == Platform.DISCORD.value and settings.member_role and self.ctx.role_gate(platform):
            return GateKind.ROLE
        return None

    # -- holding a newcomer -------------------------------------------------------------------------
    async def hold(
        self, settings: OnboardingSettings, joined: MemberJoined, kind: GateKind, locale: str
    ) -> Gate | None:
        ctx, now = self.ctx, self.ctx.clock.now()
        deadline = now + timedelta(minutes=settings.gate_minutes) if kind is GateKind.RESTRICT else None
        name = joined.display_name or joined.user_id
        gate = await ctx.repo.create_gate(
            NewGate(joined.community_id, joined.member_id, joined.platform, joined.scope_id, joined.user_id, name,
                    kind, deadline), now)  # fmt: skip
        if kind is GateKind.RESTRICT:
            group = ctx.group_gate(joined.platform)
            try:
                assert group is not None
                await group.restrict(joined.scope_id, joined.user_id)
            except Exception as exc:
                log.warning("onboarding: could not restrict %s in %s: %s", joined.user_id, joined.scope_id, exc)
                await ctx.repo.finish_gate(gate.id, GateStatus.FAILED, now)
                return None
        target = await ctx.welcome_target(settings, joined.platform, joined.scope_id)
        if target is not None and await self._post(gate, target, settings, locale):
            return gate
        if kind is GateKind.RESTRICT:  # nobody can press a button they never saw: let them in
            await self._let_in_after_failure(gate)
            return None
        return gate  # Discord: the DM carries the button too, and /rules shows it

    async def _post(self, gate: Gate, target: Target, settings: OnboardingSettings, locale: str) -> bool:
        messenger = self.ctx.messengers(target.platform.value)
        if messenger is None:
            return False
        message = render.gate_post(gate, settings.rules, settings.gate_minutes)
        try:
            post_id = await messenger.send(target, message, locale)
        except Exception as exc:
            log.warning("onboarding: could not post the rules gate in %s: %s", target.chat_id, exc)
            return False
        await self.ctx.repo.set_gate_post(gate.id, target, post_id)
        return True

    async def _let_in_after_failure(self, gate: Gate) -> None:
        group = self.ctx.group_gate(gate.platform)
        try:
            if group is not None:
                await group.unrestrict(gate.scope_id, gate.user_id)
        except Exception:
            log.exception("onboarding: could not lift the restriction of %s", gate.user_id)
        await self.ctx.repo.finish_gate(gate.id, GateStatus.FAILED, self.ctx.clock.now())

    # -- join requests (Telegram) -------------------------------------------------------------------
    async def request(self, asked: JoinRequested, community_id: int, member_id: int, locale: str) -> Gate | None:
        ctx, now = self.ctx, self.ctx.clock.now()
        settings = await ctx.repo.settings(community_id)
        group = ctx.group_gate(asked.platform)
        if not settings.gate_enabled or not settings.rules or group is None:
            return None  # managers approve requests themselves
        problem = await group.problem(asked.scope_id, requests=True)
        if problem is not None:
            log.warning("onboarding: join request in %s left to managers: %s", asked.scope_id, problem.value)
            return None
        if any(g.kind is GateKind.REQUEST for g in await ctx.repo.pending_gates(community_id, member_id)):
            return None  # asked again while the first request waits: the rules are already with them
        gate = await ctx.repo.create_gate(
            NewGate(community_id, member_id, asked.platform, asked.scope_id, asked.user_id,
                    asked.display_name or asked.user_id, GateKind.REQUEST,
                    now + timedelta(minutes=settings.gate_minutes)), now)  # fmt: skip
        community = await ctx.community(community_id)
        target = Target.direct(asked.platform, asked.user_id)
        messenger = ctx.messengers(asked.platform)
        try:
            if messenger is None:
                raise RuntimeError("platform not running")
            post_id = await messenger.send(target, render.request_dm(gate, community.name, settings.rules,
                                                                     settings.gate_minutes), locale)  # fmt: skip
        except Exception as exc:
            log.warning("onboarding: could not send the rules to %s: %s; request left to managers", asked.user_id, exc)
            await ctx.repo.finish_gate(gate.id, GateStatus.FAILED, now)
            return None
        await ctx.repo.set_gate_post(gate.id, target, post_id)
        return gate

    # -- accepting ----------------------------------------------------------------------------------
    async def accept(self, gate_id: int, member_id: int) -> Gate:
        ctx, now = self.ctx, self.ctx.clock.now()
        gate = await ctx.repo.gate(gate_id)
        if gate is None:
            raise NotFound(t_("This button no longer works. Send /rules to see the rules."))
        if gate.member_id != member_id:
            raise PermissionDenied(t_("This button is for {name}.", name=gate.name))
        if gate.status is GateStatus.ACCEPTED:
            raise BadArgument(t_("You already accepted the rules. Welcome!"))
        if gate.status is not GateStatus.PENDING:
            raise BadArgument(t_("This is no longer open. If you want to join, join again or ask again."))
        settings = await ctx.repo.settings(gate.community_id)
        try:
            await self._let_in(gate, settings)
        except AccessRefused as refused:
            if refused.problem is AccessProblem.REQUEST_GONE:
                await ctx.repo.finish_gate(gate.id, GateStatus.EXPIRED, now)
                raise BadArgument(t_("Your join request is no longer open. Ask to join again.")) from refused
            await self._tell_managers(gate, refused.problem)
            raise PlatformLimitation(
                t_(
                    "I could not let you in: {problem} The managers have been told.",
                    problem=render.PROBLEMS[refused.problem],
                )  # fmt: skip
            ) from refused
        await ctx.repo.finish_gate(gate.id, GateStatus.ACCEPTED, now)
        await ctx.repo.set_rules_accepted(gate.community_id, gate.member_id, now)
        await self._edit_post(gate, accepted=True)
        return gate

    async def _let_in(self, gate: Gate, settings: OnboardingSettings) -> None:
        if gate.kind is GateKind.ROLE:
            roles = self.ctx.role_gate(gate.platform)
            if roles is not None and settings.member_role:
                await roles.grant(gate.scope_id, gate.user_id, settings.member_role)
            return
        group = self.ctx.group_gate(gate.platform)
        if group is None:
            raise AccessRefused(AccessProblem.NOT_ADMIN, "platform not running")
        if gate.kind is GateKind.REQUEST:
            await group.approve(gate.scope_id, gate.user_id)
        else:
            await group.unrestrict(gate.scope_id, gate.user_id)

    async def _tell_managers(self, gate: Gate, problem: AccessProblem) -> None:
        """A failed role grant is the managers' to fix: say exactly what, in the manager channel (else the
        welcome channel)."""
        community = await self.ctx.community(gate.community_id)
        settings = await self.ctx.repo.settings(gate.community_id)
        target = community.manager_channel or await self.ctx.welcome_target(settings, gate.platform, gate.scope_id)
        if target is None:
            return
        text: Text = t_("I could not let {name} in after they accepted the rules: {problem}", name=gate.name,
                        problem=render.PROBLEMS[problem])  # fmt: skip
        now = self.ctx.clock.now()
        key = OutboxKey(FEATURE, str(gate.id), f"problem:{problem.value}:{int(now.timestamp())}")
        await self.ctx.outbox.enqueue(key, target, OutMessage.of(text), community.locale, now)
        await self.ctx.outbox.deliver_due()

    async def _edit_post(self, gate: Gate, accepted: bool) -> None:
        """The button goes away once answered (fewer stale buttons in the group)."""
        if gate.post is None or gate.post_id is None:
            return
        messenger = self.ctx.messengers(gate.post.platform.value)
        if messenger is None:
            return
        community = await self.ctx.community(gate.community_id)
        locale = await self.ctx.locale_of(gate.member_id, community.locale)  # as the post was written
        try:
            await messenger.edit(gate.post, gate.post_id, render.gate_done(gate, accepted), locale)
        except Exception as exc:
            log.info("onboarding: could not update the rules post of gate %s: %s", gate.id, exc)

    # -- time limits and leaving --------------------------------------------------------------------
    async def expire_due(self, now: datetime) -> int:
        done = 0
        for gate in await self.ctx.repo.gates_due(now):
            group = self.ctx.group_gate(gate.platform)
            if group is None:
                continue  # the platform is not running: the row waits for it
            try:
                if gate.kind is GateKind.REQUEST:
                    await group.decline(gate.scope_id, gate.user_id)
                else:
                    await group.remove(gate.scope_id, gate.user_id)
            except Exception as exc:  # gone already, or rights lost: the time limit still ends the gate
                log.warning("onboarding: time limit of gate %s: %s", gate.id, exc)
            if not await self.ctx.repo.finish_gate(gate.id, GateStatus.EXPIRED, now):
                continue
            done += 1
            await self._edit_post(gate, accepted=False)
            community = await self.ctx.community(gate.community_id)
            settings = await self.ctx.repo.settings(gate.community_id)
            locale = await self.ctx.locale_of(gate.member_id, community.locale)
            message = render.removed_dm(community.name, settings.gate_minutes, gate.kind is GateKind.REQUEST)
            key = OutboxKey(FEATURE, str(gate.id), "expired", gate.member_id)
            await self.ctx.outbox.enqueue(key, Target.direct(gate.platform, gate.user_id), message, locale, now)
        return done

    async def left(self, community_id: int, member_id: int, platform: str) -> None:
        now = self.ctx.clock.now()
        for gate in await self.ctx.repo.pending_gates(community_id, member_id):
            mine = gate.platform == platform and gate.kind is not GateKind.REQUEST
            if mine and await self.ctx.repo.finish_gate(gate.id, GateStatus.LEFT, now):
                await self._edit_post(gate, accepted=False)
