"""Welcome posts and DMs. Posts are batched per chat: the first newcomer is welcomed at once, and whoever
joins within the next minute is welcomed together in one post at the end of that minute ("Welcome, A, B
and C!"). The DM goes through the outbox; when the platform refuses it (Discord 50007, a Telegram user who
never started the bot) the welcome is posted in the channel or group instead and the fallback recorded."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.core.hub import MemberJoined
from bot.core.i18n import Text, UserRef, t_
from bot.core.outbound import MentionPolicy, OutMessage
from bot.core.targets import Target
from cogs.onboarding import render, templates
from cogs.onboarding.context import FEATURE, Context
from cogs.onboarding.models import OnboardingSettings, PendingWelcome, TemplateKind
from cogs.outbox.models import OutboxItem, OutboxKey

log = logging.getLogger(__name__)

BATCH_WINDOW = timedelta(minutes=1)
DM_PART = "welcome"


class WelcomeService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._posting = asyncio.Lock()

    # -- templates ----------------------------------------------------------------------------------
    async def template(self, community_id: int, kind: TemplateKind, locale: str, community_locale: str) -> str | None:
        """The manager's template for this language, else for the community's language, else None (default)."""
        custom = await self.ctx.repo.templates(community_id)
        return custom.get((locale, kind)) or custom.get((community_locale, kind))

    async def text(
        self,
        community_id: int,
        kind: TemplateKind,
        locale: str,
        people: Sequence[UserRef],
        count: int,
        settings: OnboardingSettings | None = None,
    ) -> Text:
        community = await self.ctx.community(community_id)
        settings = settings or await self.ctx.repo.settings(community_id)
        custom = await self.template(community_id, kind, locale, community.locale)
        return templates.render(custom, kind, people, community.name, count, settings.rules)

    # -- a newcomer ---------------------------------------------------------------------------------
    async def newcomer(self, settings: OnboardingSettings, joined: MemberJoined, gate_id: int | None) -> None:
        ctx, now = self.ctx, self.ctx.clock.now()
        name = joined.display_name or joined.user_id
        due = None
        if settings.welcome_post and await ctx.welcome_target(settings, joined.platform, joined.scope_id):
            due = await self._batch_due(joined.platform, joined.scope_id, now)
        await ctx.repo.add_welcome(
            joined.community_id, joined.member_id, joined.platform, joined.scope_id, joined.user_id, name, due, now
        )
        if not settings.welcome_dm and gate_id is not None:  # no welcome DM, but the rules still come privately
            gate = await ctx.repo.gate(gate_id)
            if gate is not None:
                key = OutboxKey(FEATURE, str(joined.community_id), f"gate:{joined.platform}", joined.member_id)
                locale = await ctx.locale_of(joined.member_id, joined.locale)
                message = render.gate_post(gate, settings.rules, settings.gate_minutes)
                await ctx.outbox.enqueue(key, Target.direct(joined.platform, joined.user_id), message, locale, now)
        if settings.welcome_dm:
            community = await ctx.community(joined.community_id)
            locale = await ctx.locale_of(joined.member_id, joined.locale or community.locale)
            count = await ctx.member_count(joined.community_id, joined.platform, joined.scope_id)
            person = UserRef(joined.user_id, name)
            text = await self.text(joined.community_id, TemplateKind.DM, locale, [person], count, settings)
            buttons = ((render.accept_button(gate_id),),) if gate_id is not None else ()
            key = OutboxKey(FEATURE, str(joined.community_id), f"{DM_PART}:{joined.platform}", joined.member_id)
            target = Target.direct(joined.platform, joined.user_id)
            await ctx.outbox.enqueue(key, target, OutMessage((text,), buttons=buttons), locale, now)

    async def _batch_due(self, platform: str, scope_id: str, now: datetime) -> datetime:
        waiting = await self.ctx.repo.welcome_batch_due(platform, scope_id)
        if waiting is not None:
            return waiting
        last = await self.ctx.repo.last_welcome_post(platform, scope_id)
        if last is not None and now - last < BATCH_WINDOW:
            return last + BATCH_WINDOW
        return now

    async def post_due(self, now: datetime) -> int:
        """Queue one welcome post per chat for everyone whose post is due (one transaction of marks each)."""
        async with self._posting:
            due = await self.ctx.repo.welcomes_due(now)
            chats: dict[tuple[int, str, str], list[PendingWelcome]] = defaultdict(list)
            for welcome in due:
                chats[(welcome.community_id, welcome.platform, welcome.scope_id)].append(welcome)
            for (community_id, platform, scope_id), people in chats.items():
                try:
                    await self._post(community_id, platform, scope_id, people, now)
                except Exception:  # one chat's trouble must not hold up the others' welcomes
                    log.exception("onboarding: welcome post in %s:%s failed", platform, scope_id)
                await self.ctx.repo.mark_welcomes_posted([p.id for p in people], now)
            return len(chats)

    async def _post(
        self, community_id: int, platform: str, scope_id: str, people: list[PendingWelcome], now: datetime
    ) -> None:
        ctx = self.ctx
        settings = await ctx.repo.settings(community_id)
        target = await ctx.welcome_target(settings, platform, scope_id)
        if target is None or not settings.welcome_post:
            return
        community = await ctx.community(community_id)
        refs = [UserRef(p.user_id, p.name) for p in people]
        count = await ctx.member_count(community_id, platform, scope_id)
        text = await self.text(community_id, TemplateKind.POST, community.locale, refs, count, settings)
        message = OutMessage((text,), mentions=MentionPolicy.USERS, mention_ids=tuple(p.user_id for p in people))
        key = OutboxKey(FEATURE, str(community_id), f"post:{min(p.id for p in people)}")
        await ctx.outbox.enqueue(key, target, message, community.locale, now)

    # -- a refused DM -------------------------------------------------------------------------------
    async def dm_refused(self, item: OutboxItem) -> None:
        """The welcome DM could not be delivered: post it in the channel or group, mentioning them."""
        key = item.key
        if key.member_id is None or key.fallback or not key.part.startswith(f"{DM_PART}:"):
            return
        community_id, platform = int(key.subject), item.target.platform.value
        welcome = await self.ctx.repo.latest_welcome(community_id, key.member_id, platform)
        settings = await self.ctx.repo.settings(community_id)
        target = await self.ctx.welcome_target(settings, platform, welcome.scope_id) if welcome else None
        now = self.ctx.clock.now()
        await self.ctx.repo.set_welcome_fallback(community_id, key.member_id, now)
        if target is None or welcome is None:
            log.info("onboarding: welcome DM to member %s refused and no channel to post in", key.member_id)
            return
        who = UserRef(welcome.user_id, welcome.name)
        intro = t_("{member}, I could not message you privately, so here is my welcome:", member=who)
        message = OutMessage((intro, *item.message.lines), mentions=MentionPolicy.USERS, mention_ids=(welcome.user_id,))
        await self.ctx.outbox.enqueue(key.as_fallback(), target, message, item.locale, now)
