"""Weekly delivery: each community's digest goes out on its weekday and hour (community time zone) to the
managers who subscribed (private message) and to the manager channel — once per community, week and recipient,
across restarts (outbox keys), and a week missed while the bot was down is sent at start-up.

The rows are the truth: `run_due` looks at every community's schedule and the weeks already sent; the scheduler
holds one trigger, for the next due time of all communities, and an hourly sweep catches new subscribers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.core.clock import Clock
from bot.core.i18n import pick_locale
from bot.core.outbound import Attachment, OutMessage
from bot.core.targets import Target
from cogs.analytics.metrics.models import Period
from cogs.community.models import Community
from cogs.community.ports import CommunityRepo
from cogs.digest import charts
from cogs.digest.alerts import alert_message
from cogs.digest.compose import Composer
from cogs.digest.models import Digest, DigestSettings, RiskAlert, Scope
from cogs.digest.ports import DigestRepo
from cogs.digest.render import digest_message
from cogs.members.ports import MemberRepo
from cogs.outbox.models import OutboxKey
from cogs.outbox.service import Outbox

log = logging.getLogger(__name__)

FEATURE = "digest"
ALERT_FEATURE = "alert"
JOB = "digest:next"
GRACE_SECONDS = 7 * 24 * 3600  # a late trigger still runs: run_due itself decides what is due
LATE = timedelta(hours=6)  # while running, a digest is sent up to this late (a busy or sleepy scheduler)


class Timer(Protocol):
    def at(self, job_id: str, when: datetime, job: Callable[[], Awaitable[object]], grace_seconds: int) -> None: ...


def scheduled_before(settings: DigestSettings, timezone: str, now: datetime) -> datetime:
    """The latest scheduled send at or before `now` (the weekday and hour in the community's zone)."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    day = local.date() - timedelta(days=(local.weekday() - settings.weekday) % 7)
    candidate = datetime.combine(day, time(settings.hour), zone)
    if candidate.astimezone(ZoneInfo("UTC")) > now:
        candidate = datetime.combine(day - timedelta(days=7), time(settings.hour), zone)
    return candidate.astimezone(ZoneInfo("UTC"))


def scheduled_after(settings: DigestSettings, timezone: str, now: datetime) -> datetime:
    """The next scheduled send after `now`."""
    before = scheduled_before(settings, timezone, now)
    local = before.astimezone(ZoneInfo(timezone))
    nxt = datetime.combine(local.date() + timedelta(days=7), time(settings.hour), ZoneInfo(timezone))
    return nxt.astimezone(ZoneInfo("UTC"))


def week_reported(settings: DigestSettings, timezone: str, sent_at: datetime) -> Period:
    """A digest sent at `sent_at` reports on the last week that ended before it."""
    return Period.last_complete(sent_at, timezone)


class DigestDelivery:
    def __init__(
        self,
        repo: DigestRepo,
        composer: Composer,
        communities: CommunityRepo,
        members: MemberRepo,
        outbox: Outbox,
        timer: Timer | None,
        clock: Clock,
        with_charts: bool = True,
    ) -> None:
        self.repo = repo
        self.composer = composer
        self.communities = communities
        self.members = members
        self.outbox = outbox
        self.timer = timer
        self.clock = clock
        self.with_charts = with_charts
        self._lock = asyncio.Lock()

    # -- the schedule -----------------------------------------------------------------------------------------
    async def arm(self) -> None:
        """Set the trigger for the next send of any community (after a subscription or a schedule change)."""
        if self.timer is None:
            return
        now = self.clock.now()
        upcoming = []
        for community_id in await self.repo.community_ids():
            community = await self.communities.get(community_id)
            if community is not None:
                settings = await self.repo.settings(community_id)
                upcoming.append(scheduled_after(settings, community.timezone, now))
        if upcoming:
            self.timer.at(JOB, min(upcoming), self.run_due, GRACE_SECONDS)

    async def catch_up(self) -> int:
        """At start-up: a week whose digest came due while the bot was down goes out now."""
        return await self.run_due(late=timedelta(days=7))

    async def run_due(self, late: timedelta = LATE) -> int:
        """Send every community's digest that came due within `late` and is not sent yet, then arm the next trigger.
        Only the latest due week counts (an older one is stale); a manager who subscribes mid-week gets the next
        one, not last week's. Returns how many digests went out."""
        async with self._lock:
            now = self.clock.now()
            sent = 0
            upcoming: list[datetime] = []
            for community_id in await self.repo.community_ids():
                community = await self.communities.get(community_id)
                if community is None:
                    continue
                settings = await self.repo.settings(community_id)
                upcoming.append(scheduled_after(settings, community.timezone, now))
                due = scheduled_before(settings, community.timezone, now)
                if now - due > late:
                    continue
                period = week_reported(settings, community.timezone, due)
                if await self.repo.ran(community_id, period.week):
                    continue
                if not await self._recipients(community, settings, period.week):
                    continue
                try:
                    await self.deliver(community, period, now)
                    sent += 1
                except Exception:
                    log.exception("digest for community %s (week of %s) failed; retried at the next sweep",
                                  community_id, period.week)  # fmt: skip
            if upcoming and self.timer is not None:
                self.timer.at(JOB, min(upcoming), self.run_due, GRACE_SECONDS)
        if sent:
            await self.outbox.deliver_due()
        return sent

    async def deliver(self, community: Community, period: Period, now: datetime) -> int:
        """Compose once, render per recipient language, hand every copy to the outbox (keys make it once per
        recipient), then record the week as sent."""
        settings = await self.repo.settings(community.id)
        recipients = await self._recipients(community, settings, period.week)
        digest = await self.composer.compose(community.id, period, now)
        rendered: dict[str, OutMessage] = {}
        items = []
        for key, target, locale in recipients:
            if locale not in rendered:
                rendered[locale] = await self.render(digest, locale)
            items.append((key, target, rendered[locale], locale, now))
        await self.outbox.enqueue_many(items)
        await self.repo.record_run(community.id, period.week, len(items), now)
        log.info("digest for %s, week of %s: %d recipients", community.name, period.week, len(items))
        return len(items)

    async def _recipients(
        self, community: Community, settings: DigestSettings, week: date
    ) -> list[tuple[OutboxKey, Target, str]]:
        """Subscribed managers (private message, their language) and the manager channel (community language)."""
        about = subject(community.id, week)
        out: list[tuple[OutboxKey, Target, str]] = []
        for sub in await self.repo.subscriptions(community.id):
            member = await self.members.settings(sub.member_id)
            locale = pick_locale(member.effective_locale, community.locale)
            target = Target.direct(sub.platform, sub.user_id)
            out.append((OutboxKey(FEATURE, about, "dm", sub.member_id), target, locale))
        if settings.to_channel and community.manager_channel is not None:
            key = OutboxKey(FEATURE, about, "channel")
            out.append((key, community.manager_channel, pick_locale(community.locale)))
        return out

    async def send_alert(self, alert: RiskAlert) -> int:
        """An urgent alert to the same managers, at once; once per recipient (outbox keys)."""
        community = await self.communities.get(alert.community_id)
        if community is None:
            return 0
        settings = await self.repo.settings(community.id)
        scopes = [Scope(x.platform, x.scope_id, x.title) for x in await self.communities.links(community.id)]
        message = alert_message(alert, community.name, community.timezone, scopes)
        now = self.clock.now()
        items = []
        for key, target, locale in await self._recipients(community, settings, alert.hour.date()):
            alert_key = OutboxKey(ALERT_FEATURE, str(alert.id), key.part, key.member_id)
            items.append((alert_key, target, message, locale, now))
        if not items:
            log.warning("risk alert for %s: no manager subscribed and no manager channel set", community.name)
            return 0
        await self.outbox.enqueue_many(items)
        await self.outbox.deliver_due()
        return len(items)

    async def render(self, digest: Digest, locale: str) -> OutMessage:
        attachments: tuple[Attachment, ...] = ()
        if self.with_charts:
            m = digest.metrics
            attachments = await asyncio.to_thread(charts.digest_charts, m.series, m.cohorts, digest.funnel, locale)
        return digest_message(digest, attachments)


def subject(community_id: int, week: date) -> str:
    """The outbox subject of a community's digest for a week: one send per recipient, ever."""
    return f"{community_id}:{week.isoformat()}"
