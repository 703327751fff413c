"""Nudges: a newcomer who has not posted N days after joining (default 3 and 7) gets a friendly DM in their
language with one useful next step — the next event, or saying hello — and a button to opt out. Each nudge
is a row, sent through the outbox once; whether they posted within 3 days after it is recorded."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.core.i18n import Moment
from cogs.onboarding import render
from cogs.onboarding.context import FEATURE, Context
from cogs.onboarding.models import Journey, Nudge, NudgeStatus, OnboardingSettings
from cogs.outbox.models import OutboxKey

log = logging.getLogger(__name__)

OUTCOME_WINDOW = timedelta(days=3)  # "did they post afterwards": within this long after the nudge
GRACE = timedelta(hours=24)  # a nudge due while the bot was down is still worth sending this late
MAX_DAY = 60


def skip_reason(nudge: Nudge, journey: Journey | None, settings: OnboardingSettings) -> str | None:
    if journey is None or not journey.present:
        return "left"
    if journey.first_message_at is not None:
        return "posted"
    if journey.nudges_opt_out:
        return "opted out"
    if not settings.nudges_enabled or nudge.day not in settings.nudge_days:
        return "switched off"
    return None


class NudgeService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def plan(self, settings: OnboardingSettings, community_id: int, member_id: int, joined: datetime) -> None:
        if settings.nudges_enabled and settings.nudge_days:
            now = self.ctx.clock.now()  # a join learnt of late gets only the nudges still ahead
            due = [(day, joined + timedelta(days=day)) for day in settings.nudge_days]
            await self.ctx.repo.add_nudges(community_id, member_id, [(d, at) for d, at in due if at > now])

    async def run_due(self, now: datetime) -> int:
        ctx, sent = self.ctx, 0
        for nudge in await ctx.repo.nudges_due(now):
            journey = await ctx.repo.journey(nudge.community_id, nudge.member_id)
            settings = await ctx.repo.settings(nudge.community_id)
            if skip_reason(nudge, journey, settings) is not None:
                await ctx.repo.mark_nudge(nudge, NudgeStatus.SKIPPED, now)
                continue
            if now - nudge.due_at > GRACE:
                log.warning("onboarding: nudge day %s for member %s missed (due %s)", nudge.day, nudge.member_id,
                            nudge.due_at)  # fmt: skip
                await ctx.repo.mark_nudge(nudge, NudgeStatus.MISSED, now)
                continue
            assert journey is not None
            target = await ctx.dm_target(nudge.member_id, journey.platform)
            if target is None:
                await ctx.repo.mark_nudge(nudge, NudgeStatus.SKIPPED, now)
                continue
            community = await ctx.community(nudge.community_id)
            locale = await ctx.locale_of(nudge.member_id, community.locale)
            zone = (await ctx.members.settings(nudge.member_id)).timezone
            upcoming = await ctx.events.upcoming(nudge.community_id, now, limit=1)
            next_event = (
                (upcoming[0].title, Moment(upcoming[0].starts_at, upcoming[0].timezone, zone)) if upcoming else None
            )
            message = render.nudge(community.name, nudge.day, next_event, nudge.community_id)
            key = OutboxKey(FEATURE, str(nudge.community_id), f"nudge{nudge.day}", nudge.member_id)
            # Queue first, then mark: a crash in between only repeats the queueing, which the key makes harmless.
            await ctx.outbox.enqueue(key, target, message, locale, now)
            if await ctx.repo.mark_nudge(nudge, NudgeStatus.SENT, now):
                sent += 1
        for nudge in await ctx.repo.nudges_awaiting_outcome(now - OUTCOME_WINDOW):
            journey = await ctx.repo.journey(nudge.community_id, nudge.member_id)
            first = journey.first_message_at if journey else None
            assert nudge.sent_at is not None
            posted = first is not None and nudge.sent_at <= first <= nudge.sent_at + OUTCOME_WINDOW
            await ctx.repo.set_nudge_outcome(nudge, posted)
        return sent

    async def opt_out(self, community_id: int, member_id: int) -> None:
        await self.ctx.repo.set_opt_out(community_id, member_id, True)
        await self.ctx.repo.skip_pending_nudges(community_id, member_id, self.ctx.clock.now())
