"""Onboarding, put together: what happens when someone joins, leaves or asks to join, the one timer for
gate time limits, batched welcome posts and nudges, the buttons members press, and the funnel.

The parts live beside it: `welcome.py`, `gate.py`, `interests.py`, `nudges.py`, `journey.py`; the manager
commands in `setup.py`."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from bot.core.commands import Invocation, Reply
from bot.core.errors import BadArgument
from bot.core.hub import ActivityWritten, MemberJoined, MemberLeft, MembersMerged
from bot.core.i18n import Text, t_
from bot.core.identity import Platform
from bot.core.outbound import OutMessage
from bot.core.targets import Target
from cogs.events.models import EventCreated
from cogs.onboarding import render
from cogs.onboarding.context import FEATURE, Context
from cogs.onboarding.gate import GateService
from cogs.onboarding.interests import InterestService, find, unknown
from cogs.onboarding.journey import JourneyService
from cogs.onboarding.models import Funnel, GateKind, JoinRequested
from cogs.onboarding.nudges import OUTCOME_WINDOW, NudgeService
from cogs.onboarding.welcome import WelcomeService
from cogs.outbox.models import OutboxItem, OutboxKey

log = logging.getLogger(__name__)

TICK_JOB = "onboarding:tick"
RETRY = timedelta(minutes=1)
NEVER_DROP = 10 * 365 * 86400  # the tick judges lateness itself (gates expire, nudges have their own grace)
# A join reported this late (redelivered after downtime, or history fed in by `hearth demo`) is recorded
# in the journey, but nobody is welcomed or held at the door for it any more.
FRESH_JOIN = timedelta(hours=1)


class OnboardingService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.welcome = WelcomeService(ctx)
        self.gates = GateService(ctx)
        self.interests = InterestService(ctx)
        self.nudges = NudgeService(ctx)
        self.journeys = JourneyService(ctx)
        self._lock = asyncio.Lock()  # gate decisions (accept vs. time limit) and ticks, one at a time
        ctx.outbox.when_refused(FEATURE, self._refused)

    # -- what happens on the platforms --------------------------------------------------------------
    async def on_join(self, joined: MemberJoined) -> None:
        ctx, repo = self.ctx, self.ctx.repo
        cid, mid = joined.community_id, joined.member_id
        if joined.locale and (await ctx.members.settings(mid)).seen_locale is None:
            await ctx.members.set_seen_locale(mid, joined.locale)
        settings = await repo.settings(cid)
        community = await ctx.community(cid)
        locale = await ctx.locale_of(mid, joined.locale or community.locale)
        fresh = ctx.clock.now() - joined.at <= FRESH_JOIN
        async with self._lock:
            before = await repo.journey(cid, mid)
            accepted = before.rules_accepted_at if before else None
            if accepted is None and (earlier := await repo.accepted_gate(cid, mid)) is not None:
                accepted = earlier.finished_at  # a join request accepted in private before the join
            kind = None if accepted or not fresh else await self.gates.kind_for(settings, joined.platform,
                                                                                  joined.scope_id)  # fmt: skip
            journey, first = await repo.record_join(
                cid, mid, joined.platform, joined.at, kind is not None or bool(accepted)
            )
            if accepted is not None and journey.rules_accepted_at is None:
                await repo.set_rules_accepted(cid, mid, accepted)
            held = await self.gates.hold(settings, joined, kind, locale) if kind is not None else None
        newcomer = first and not joined.rejoined
        if newcomer and fresh:
            await self.welcome.newcomer(settings, joined, held.id if held is not None else None)
        if newcomer:
            await self.nudges.plan(settings, cid, mid, joined.at)
        elif joined.platform == Platform.DISCORD.value:
            await self._restore_roles(settings, joined, accepted is not None)
        self.journeys.watch(journey)
        await self.welcome.post_due(ctx.clock.now())
        ctx.outbox.deliver_soon()  # the next update (the next join) does not wait for the welcome to be sent
        await self.arm()

    async def _restore_roles(self, settings: Any, joined: MemberJoined, accepted: bool) -> None:
        """A rejoin keeps history: the member role (if they accepted the rules) and interest roles return."""
        roles = self.ctx.role_gate(joined.platform)
        if roles is not None and accepted and settings.member_role:
            try:
                await roles.grant(joined.scope_id, joined.user_id, settings.member_role)
            except Exception as exc:
                log.warning("onboarding: could not give the member role back to %s: %s", joined.user_id, exc)
        await self.interests.restore_roles(joined.community_id, joined.member_id)

    async def on_leave(self, left: MemberLeft) -> None:
        await self.ctx.repo.record_leave(left.community_id, left.member_id, left.at)
        async with self._lock:
            await self.gates.left(left.community_id, left.member_id, left.platform)

    async def on_request(self, asked: JoinRequested) -> None:
        now = self.ctx.clock.now()
        community = await self.ctx.communities.find_by_scope(asked.platform, asked.scope_id)
        if community is None:
            return  # a chat the bot has never seen a message in: nothing configured for it yet
        member_id = (await self.ctx.members.ensure_members([(asked.platform, asked.user_id, asked.display_name)],
                                                           now))[(asked.platform, asked.user_id)]  # fmt: skip
        if asked.locale and (await self.ctx.members.settings(member_id)).seen_locale is None:
            await self.ctx.members.set_seen_locale(member_id, asked.locale)
        locale = await self.ctx.locale_of(member_id, asked.locale or community.locale)
        async with self._lock:
            await self.gates.request(asked, community.id, member_id, locale)
        await self.arm()

    def on_activity(self, written: ActivityWritten) -> Any:
        return self.journeys.on_activity(written)

    async def on_event(self, created: EventCreated) -> None:
        await self.interests.on_event(created)

    async def on_merged(self, merged: MembersMerged) -> None:
        await self.journeys.merged(merged.keep_id, merged.drop_id)

    async def _refused(self, item: OutboxItem) -> None:
        await self.welcome.dm_refused(item)
        await self.interests.dm_refused(item)

    # -- time ---------------------------------------------------------------------------------------
    async def start(self) -> None:
        """At start-up: the backfill (once), fresh journeys, then overdue work (time limits, nudges)."""
        try:
            await self.journeys.start()
        except Exception:
            log.exception("onboarding: journey start-up failed; the periodic refresh tries again")
        await self.tick()

    async def tick(self) -> None:
        retry: timedelta | None = None
        try:
            async with self._lock:
                now = self.ctx.clock.now()
                await self.gates.expire_due(now)
                await self.welcome.post_due(now)
                await self.nudges.run_due(now)
            await self.ctx.outbox.deliver_due()
        except Exception:
            log.exception("onboarding: tick failed; trying again in a minute")
            retry = RETRY
        finally:
            await self.arm(self.ctx.clock.now() + retry if retry else None)

    async def arm(self, not_before: datetime | None = None) -> None:
        repo = self.ctx.repo
        times = [t for t in (await repo.next_gate_deadline(), await repo.next_welcome_due(),
                             await repo.next_nudge_work(OUTCOME_WINDOW.days)) if t is not None]  # fmt: skip
        if times:
            when = max(min(times), not_before or self.ctx.clock.now())
            self.ctx.timer.at(TICK_JOB, when, self.tick, grace_seconds=NEVER_DROP)

    async def drain(self) -> None:
        async with self._lock:
            return

    async def refresh(self) -> None:
        await self.journeys.refresh(self.ctx.clock.now())

    # -- the funnel (FunnelReader) ------------------------------------------------------------------
    async def funnel(self, community_id: int, now: datetime, weeks: int = 8) -> Funnel:
        return await self.journeys.funnel(community_id, now, weeks)

    # -- members' commands and buttons --------------------------------------------------------------
    async def show_rules(self, inv: Invocation, _args: dict[str, Any]) -> Reply:
        assert inv.community_id is not None
        settings = await self.ctx.repo.settings(inv.community_id)
        if not settings.rules:
            return Reply.of(OutMessage.of(t_("No rules have been set here yet.")))
        pending = [g for g in await self.ctx.repo.pending_gates(inv.community_id, inv.member_id)
                   if g.kind is not GateKind.REQUEST]  # fmt: skip
        buttons = ((render.accept_button(pending[0].id),),) if pending else ()
        return Reply.of(OutMessage(render.rules_lines(settings.rules), buttons=buttons))

    async def show_interests(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        assert inv.community_id is not None
        interests = await self.ctx.repo.interests(inv.community_id)
        if not interests:
            return Reply.of(OutMessage.of(t_("This community has no interests to pick yet."), ephemeral=True))
        chosen = await self.ctx.repo.member_interests(inv.community_id, inv.member_id)
        if args.get("interest"):
            interest = find(interests, args["interest"])
            if interest is None:
                raise unknown(args["interest"], interests)
            chosen ^= {interest.id}
            interests, problems = await self.interests.choose(inv.community_id, inv.member_id, chosen)
            return Reply.of(OutMessage.of(render.chosen_line(interests, chosen), *problems, ephemeral=True))
        return Reply.of(render.picker(inv.community_id, interests, chosen))

    async def press(self, inv: Invocation, rest: str) -> Reply:
        verb, _, tail = rest.partition(":")
        if verb == "acc" and tail.isdigit():
            return await self._accept(inv, int(tail))
        if verb == "it":
            _cid, interests, chosen, problems = await self.interests.press(inv.member_id, tail)
            return Reply.of(OutMessage.of(render.chosen_line(interests, chosen), *problems, ephemeral=True))
        if verb == "nno" and tail.isdigit():
            await self.nudges.opt_out(int(tail), inv.member_id)
            return Reply.of(OutMessage.of(t_("Done: no more tips like this from me."), ephemeral=True))
        raise BadArgument(t_("This button no longer works. Run the command again."))

    async def _accept(self, inv: Invocation, gate_id: int) -> Reply:
        async with self._lock:
            gate = await self.gates.accept(gate_id, inv.member_id)
        community = await self.ctx.community(gate.community_id)
        thanks: Text = (
            t_("Thank you! You are in: welcome to **{community}**.", community=community.name)
            if gate.kind is GateKind.REQUEST
            else t_("Thank you! Welcome to **{community}**.", community=community.name)
        )
        interests = await self.ctx.repo.interests(gate.community_id)
        if not interests:
            return Reply.of(OutMessage.of(thanks, ephemeral=True))
        chosen = await self.ctx.repo.member_interests(gate.community_id, gate.member_id)
        picker = render.picker(gate.community_id, interests, chosen)
        if inv.platform is Platform.TELEGRAM and not inv.place.is_private:
            # A group: the thanks is the button's short answer; the picker goes privately where it can.
            key = OutboxKey(FEATURE, str(gate.community_id), "interests-offer", gate.member_id)
            target = Target.direct(gate.platform, gate.user_id)
            await self.ctx.outbox.enqueue(key, target, picker, inv.locale, inv.now)
            await self.ctx.outbox.deliver_due()
            return Reply.of(OutMessage.of(thanks, ephemeral=True))
        return Reply.of(OutMessage.of(thanks, ephemeral=True), picker)

    async def funnel_command(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        assert inv.community_id is not None
        weeks = args.get("weeks") or 8
        await self.journeys.refresh(inv.now, inv.community_id)
        funnel = await self.funnel(inv.community_id, inv.now, weeks)
        return Reply.of(render.funnel_message(funnel, weeks))
