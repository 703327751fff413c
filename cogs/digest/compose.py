"""A community's digest for one week: the metrics, the events, the optional sections from other features, drift
advice and three things to do. Composed once per community and week; rendered per reader (render.py)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Sequence
from datetime import datetime
from typing import TypeVar

from bot.core.capabilities import Capabilities
from cogs.analytics.metrics.models import DriftingMember, Period
from cogs.analytics.ports import WeekMetricsSource
from cogs.community.ports import CommunityRepo
from cogs.digest.actions import suggest
from cogs.digest.models import Digest, DriftAdvice, EventLine, Scope
from cogs.digest.ports import ChannelNames, EventsReader, Providers, RiskRepo

log = logging.getLogger(__name__)
T = TypeVar("T")
UPCOMING = 10


class Composer:
    def __init__(
        self,
        metrics: WeekMetricsSource,
        communities: CommunityRepo,
        risk: RiskRepo,
        events: EventsReader | None,
        providers: Providers,
        capabilities: Capabilities,
    ) -> None:
        self.metrics = metrics
        self.communities = communities
        self.risk = risk
        self.events = events
        self.providers = providers
        self.capabilities = capabilities

    async def compose(self, community_id: int, period: Period, now: datetime) -> Digest:
        community = await self.communities.get(community_id)
        name = community.name if community else str(community_id)
        m = await self.metrics.week(community_id, period, now)
        scopes = tuple(Scope(x.platform, x.scope_id, x.title) for x in await self.communities.links(community_id))
        held: list[EventLine] = []
        upcoming: list[EventLine] = []
        if self.events is not None:
            held = await self.events.held(community_id, period.start, period.end)
            upcoming = await self.events.upcoming(community_id, now, UPCOMING)
        p, start, end = self.providers, period.start, period.end
        funnel = await _optional("funnel", p.funnel.funnel(community_id, start, end) if p.funnel else None)
        satisfaction = await _optional(
            "satisfaction", p.satisfaction.satisfaction(community_id, start, end) if p.satisfaction else None
        )
        feedback = await _optional("feedback", p.feedback.feedback(community_id, start, end) if p.feedback else None)
        moderation = await _optional(
            "moderation", p.moderation.moderation(community_id, start, end) if p.moderation else None
        )
        drift = await self.advise(community_id, m.drifting, upcoming)
        wanted = {c.channel_id for c in m.channels} | {c.channel_id for c in m.dialogue.by_channel}
        names = self.channel_names(wanted)
        actions = suggest(m, drift, upcoming, scopes, names, funnel, feedback, moderation, satisfaction)
        missing = tuple(k for k in ("funnel", "satisfaction", "feedback", "moderation") if getattr(p, k) is None)
        return Digest(
            community_id=community_id,
            community_name=name,
            timezone=period.timezone,
            metrics=m,
            scopes=scopes,
            drift=drift,
            events_held=tuple(held),
            events_upcoming=tuple(upcoming),
            actions=actions,
            alerts=tuple(await self.risk.alerts(community_id, start, end)),
            funnel=funnel,
            satisfaction=satisfaction,
            feedback=feedback,
            moderation=moderation,
            sections_missing=missing,
            channel_names=names,
        )

    async def advise(
        self, community_id: int, drifting: Sequence[DriftingMember], upcoming: Sequence[EventLine]
    ) -> tuple[DriftAdvice, ...]:
        """Invite a drifting member to the next event matching their interests (when onboarding knows them), else
        to the next event for everyone; with no event coming, a personal message."""
        interests: dict[int, frozenset[str]] = {}
        if self.providers.interests is not None and drifting:
            try:
                interests = await self.providers.interests.interests(
                    community_id, [d.person.member_id for d in drifting]
                )
            except Exception:
                log.exception("digest: the interests provider failed; suggesting events for everyone")
        general = next((e for e in upcoming if not e.interest), None)
        out = []
        for member in drifting:
            mine = {name.casefold() for name in interests.get(member.person.member_id, ())}
            matching = next((e for e in upcoming if e.interest and e.interest.casefold() in mine), None)
            if matching is not None:
                out.append(DriftAdvice(member, matching, matching.interest))
            else:
                out.append(DriftAdvice(member, general))
        return tuple(out)

    def channel_names(self, channel_ids: set[str]) -> dict[str, str]:
        """Channel names the platforms can tell (Discord's cache); ids stay ids otherwise."""
        out: dict[str, str] = {}
        for platform in self.capabilities.platforms(ChannelNames):
            lookup = self.capabilities.get(platform, ChannelNames)
            if lookup is None:
                continue
            for channel_id in channel_ids - out.keys():
                name = lookup.channel_name(channel_id)
                if name:
                    out[channel_id] = name
        return out


async def _optional(name: str, call: Awaitable[T] | None) -> T | None:
    """A provider's section, or None when it is not registered or failed (logged: the digest goes out anyway)."""
    if call is None:
        return None
    try:
        return await call
    except Exception:
        log.exception("digest: the %s section's provider failed; leaving the section out", name)
        return None
