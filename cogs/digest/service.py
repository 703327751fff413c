"""The digest's commands for managers: preview, subscribe, unsubscribe, schedule, the watch list, /stats and
/atrisk. Thin over the composer and the delivery; every handler re-checks nothing itself: the dispatcher already
refused non-managers (CommandSpec role) before a handler runs."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from bot.core.clock import Clock
from bot.core.commands import Invocation, Reply
from bot.core.errors import BadArgument, PermissionDenied
from bot.core.i18n import Moment, Text, t_, tn_
from bot.core.identity import Platform
from bot.core.outbound import OutMessage
from cogs.analytics.metrics.models import PLATFORM_ALL, Period, WeekMetrics
from cogs.analytics.ports import WeekMetricsSource
from cogs.community.models import Community
from cogs.community.ports import CommunityRepo
from cogs.digest.compose import Composer
from cogs.digest.delivery import DigestDelivery, scheduled_after
from cogs.digest.models import DigestSettings, Subscription
from cogs.digest.ports import DigestRepo, Providers
from cogs.digest.quick import atrisk_message, stats_chart, stats_message
from cogs.digest.risk import MAX_TERM, RiskMonitor

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CACHE_FOR = timedelta(minutes=10)  # /stats and /atrisk reuse a week's numbers this long
MAX_TERMS = 100


class DigestService:
    def __init__(
        self,
        repo: DigestRepo,
        composer: Composer,
        delivery: DigestDelivery,
        metrics: WeekMetricsSource,
        risk: RiskMonitor,
        communities: CommunityRepo,
        clock: Clock,
    ) -> None:
        self.repo = repo
        self.composer = composer
        self.delivery = delivery
        self.metrics = metrics
        self.risk = risk
        self.communities = communities
        self.clock = clock
        self._cache: dict[tuple[int, str], tuple[datetime, WeekMetrics]] = {}

    @property
    def providers(self) -> Providers:
        """Other features register their optional digest sections here (see ports.py)."""
        return self.composer.providers

    async def _community(self, inv: Invocation) -> Community:
        assert inv.community_id is not None  # needs_community: the dispatcher saw to it
        community = await self.communities.get(inv.community_id)
        assert community is not None
        return community

    # -- the digest -------------------------------------------------------------------------------------------------
    async def preview(self, inv: Invocation, _args: dict[str, Any]) -> Reply:
        community = await self._community(inv)
        period = Period.last_complete(inv.now, community.timezone)
        digest = await self.composer.compose(community.id, period, inv.now)
        message = await self.delivery.render(digest, inv.locale)
        return Reply.of(replace(message, ephemeral=True, private=True))

    async def telegram(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        """Telegram's one command: `/digest`, `/digest subscribe`, `/digest unsubscribe`."""
        action = args.get("action") or "preview"
        if action == "subscribe":
            return await self.subscribe(inv, args)
        if action == "unsubscribe":
            return await self.unsubscribe(inv, args)
        return await self.preview(inv, args)

    async def subscribe(self, inv: Invocation, _args: dict[str, Any]) -> Reply:
        community = await self._community(inv)
        if inv.platform is Platform.TELEGRAM and not inv.place.is_private:
            raise PermissionDenied(
                t_("Send /digest subscribe to me in a private chat: that is where your digest will come.")
            )
        sub = Subscription(community.id, inv.member_id, inv.platform.value, inv.caller.identity.id)
        new = await self.repo.subscribe(sub, inv.now)
        settings = await self.repo.settings(community.id)
        when = scheduled_after(settings, community.timezone, inv.now)
        await self.delivery.arm()
        text = (
            t_("Subscribed: the weekly digest of {community} comes to you in private, next on {when}.",
               community=community.name, when=Moment(when, community.timezone))
            if new
            else t_("You were already subscribed; the next digest comes on {when}.",
                    when=Moment(when, community.timezone))
        )  # fmt: skip
        return Reply.of(OutMessage.of(text, t_("Risk alerts come the same way, at once."), ephemeral=True))

    async def unsubscribe(self, inv: Invocation, _args: dict[str, Any]) -> Reply:
        community = await self._community(inv)
        if await self.repo.unsubscribe(community.id, inv.member_id):
            text = t_("Unsubscribed: no more digests or alerts for {community} by private message.",
                      community=community.name)  # fmt: skip
        else:
            text = t_("You were not subscribed. Subscribe with /digest subscribe.")
        return Reply.of(OutMessage.of(text, ephemeral=True))

    async def schedule(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        community = await self._community(inv)
        current = await self.repo.settings(community.id)
        weekday = WEEKDAYS.index(args["weekday"]) if args.get("weekday") else current.weekday
        hour = int(args["hour"]) if args.get("hour") is not None else current.hour
        if not 0 <= hour <= 23:
            raise BadArgument(t_("The hour is 0 to 23, in the community's time zone (e.g. 9 for 09:00)."))
        channel = current.to_channel if args.get("channel") is None else args["channel"] == "on"
        settings = DigestSettings(community.id, weekday, hour, channel)
        await self.repo.save_settings(settings, inv.now)
        await self.delivery.arm()
        when = scheduled_after(settings, community.timezone, inv.now)
        where: Text = (
            t_("to subscribed managers and the manager channel") if channel else t_("to subscribed managers only")
        )
        if channel and community.manager_channel is None:
            where = t_("to subscribed managers (no manager channel yet: set one with /setup channel)")
        return Reply.of(
            OutMessage.of(
                t_("The digest goes out {where}; next on {when}.", where=where, when=Moment(when, community.timezone)),
                ephemeral=True,
            )
        )

    # -- the watch list ---------------------------------------------------------------------------------------------
    async def watch(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        community = await self._community(inv)
        action = args.get("action") or "list"
        term = " ".join(str(args.get("term") or "").split()).casefold()
        if action in ("add", "remove"):
            if not term.rstrip("*") or len(term) > MAX_TERM:
                raise BadArgument(
                    t_(
                        "Give a word or phrase of 1 to {limit} characters, e.g. /watchlist add | scam* "
                        "(a * at the end also matches longer words).",
                        limit=MAX_TERM,
                    )
                )
            if action == "add":
                if len(await self.repo.watch_terms(community.id)) >= MAX_TERMS:
                    raise BadArgument(t_("The watch list is full ({limit} terms): remove one first.", limit=MAX_TERMS))
                changed = await self.repo.add_watch_term(community.id, term, inv.now)
                text = t_("Watching “{term}”.", term=term) if changed else t_("“{term}” is already watched.", term=term)
            else:
                changed = await self.repo.remove_watch_term(community.id, term)
                text = (
                    t_("No longer watching “{term}”.", term=term)
                    if changed
                    else t_("“{term}” was not on the watch list.", term=term)
                )
            terms = await self.repo.watch_terms(community.id)
            self.risk.terms_changed(community.id, terms)
            return Reply.of(OutMessage.of(text, ephemeral=True))
        terms = await self.repo.watch_terms(community.id)
        if not terms:
            return Reply.of(
                OutMessage.of(
                    t_(
                        "The watch list is empty. Add words that would signal trouble, in any language: "
                        "/watchlist add | scam*"
                    ),  # fmt: skip
                    ephemeral=True,
                    private=True,
                )
            )
        listed = tn_("Watched term ({count}): {terms}", "Watched terms ({count}): {terms}", len(terms),
                     terms=", ".join(terms))  # fmt: skip
        note = t_("A burst of messages with these, against the usual, alerts managers at once. Texts are never stored.")
        return Reply.of(OutMessage.of(listed, note, ephemeral=True, private=True))

    # -- quick views ------------------------------------------------------------------------------------------------
    async def week_metrics(self, community: Community, now: datetime) -> WeekMetrics:
        period = Period.last_complete(now, community.timezone)
        key = (community.id, period.week.isoformat())
        cached = self._cache.get(key)
        if cached is not None and now - cached[0] < CACHE_FOR:
            return cached[1]
        metrics = await self.metrics.week(community.id, period, now)
        self._cache[key] = (now, metrics)
        return metrics

    async def stats(self, inv: Invocation, _args: dict[str, Any]) -> Reply:
        community = await self._community(inv)
        m = await self.week_metrics(community, inv.now)
        current = Period.containing(inv.now, community.timezone).week
        rows = await self.metrics.community_weeks(community.id, current, current)
        so_far = next((r for r in rows if r.platform == PLATFORM_ALL), None)
        chart = None
        if self.delivery.with_charts:
            chart = await asyncio.to_thread(stats_chart, m, inv.locale)
        return Reply.of(stats_message(community.name, m, so_far, chart))

    async def atrisk(self, inv: Invocation, _args: dict[str, Any]) -> Reply:
        community = await self._community(inv)
        m = await self.week_metrics(community, inv.now)
        upcoming = await self.composer.events.upcoming(community.id, inv.now, 10) if self.composer.events else []
        drift = await self.composer.advise(community.id, m.drifting, upcoming)
        return Reply.of(atrisk_message(community.name, m, drift))
