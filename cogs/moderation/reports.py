"""Member reports and the mod queue: a report is stored, posted to the queue with buttons (dismiss, warn,
mute 1 h, ban) that survive restarts (their action names the report; the row holds its state), and the
reporter is thanked at once and told — without details — when a moderator handled it."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.core.clock import Clock
from bot.core.commands import Invocation, Reply
from bot.core.errors import BadArgument, NotFound
from bot.core.hub import EventHub, MemberActed
from bot.core.i18n import Text, UserRef, t_
from bot.core.outbound import Messenger, OutMessage
from bot.core.targets import Target
from cogs.community.ports import CommunityRepo
from cogs.members.ports import MemberRepo
from cogs.moderation import render
from cogs.moderation.actions import Enforcer, Request, Subject, log_target
from cogs.moderation.models import InfractionKind, NewReport, Report, ReportFiled, ReportStatus, Source
from cogs.moderation.ports import ModerationRepo
from cogs.moderation.service import ModerationService, clean_reason
from cogs.moderation.store import SettingsStore
from cogs.outbox.models import OutboxKey
from cogs.outbox.service import Outbox

log = logging.getLogger(__name__)

VERBS = {
    "dismiss": (None, t_("dismissed")),
    "warn": (InfractionKind.WARN, t_("warned")),
    "mute": (InfractionKind.MUTE, t_("muted for 1 hour")),
    "ban": (InfractionKind.BAN, t_("banned")),
}
REPORT_MUTE = timedelta(hours=1)
REPORTS_PER_WINDOW, REPORT_WINDOW = 5, timedelta(minutes=10)


class ReportService:
    def __init__(
        self,
        repo: ModerationRepo,
        moderation: ModerationService,
        enforcer: Enforcer,
        store: SettingsStore,
        communities: CommunityRepo,
        members: MemberRepo,
        outbox: Outbox,
        messengers: Callable[[str], Messenger | None],
        clock: Clock,
        hub: EventHub,
    ) -> None:
        self.repo = repo
        self.moderation = moderation
        self.enforcer = enforcer
        self.store = store
        self.communities = communities
        self.members = members
        self.outbox = outbox
        self.messengers = messengers
        self.clock = clock
        self.hub = hub
        self._locks: dict[int, asyncio.Lock] = {}
        self._recent: dict[tuple[int, int], deque[datetime]] = {}

    # -- filing ----------------------------------------------------------------------------------------
    async def report(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        assert inv.community_id is not None and inv.place.scope_id is not None
        message = inv.target_message
        if args.get("member") is None and message is None:
            raise BadArgument(
                t_(
                    "Reply to the message you want to report with /report and a reason, or name the member: "
                    "/report @name reason."
                )  # fmt: skip
            )
        reason = clean_reason(args.get("reason"))
        self._rate_limit(inv.community_id, inv.member_id, inv.now)
        platform = inv.platform.value
        target: Subject | None = None
        if args.get("member") is not None:
            target, _facts = await self.moderation.subject(inv, args["member"])
        if target is not None and target.user_id == inv.caller.identity.id:
            raise BadArgument(t_("You can't report yourself."))
        if message is not None and await self.repo.find_report(inv.community_id, inv.member_id, message.message_id):
            raise BadArgument(t_("You already reported this message: the moderators have it."))
        actions = self.enforcer.actions(platform)
        link = None
        if message is not None and actions is not None:
            link = actions.message_link(inv.place.scope_id, message.channel_id, message.message_id)
        report = await self.repo.add_report(
            NewReport(
                community_id=inv.community_id,
                reporter_id=inv.member_id,
                target_member_id=target.member_id if target else None,
                target_user_id=target.user_id if target else None,
                reason=reason,
                platform=platform,
                scope_id=inv.place.scope_id,
                channel_id=message.channel_id if message else inv.place.channel.chat_id,
                message_id=message.message_id if message else None,
                link=link,
                created_at=inv.now,
            )
        )
        self.hub.publish(ReportFiled(report.community_id, report.id, inv.member_id, report.target_member_id, inv.now,
                                     platform, report.scope_id, report.channel_id, report.message_id))  # fmt: skip
        self.hub.publish(MemberActed(inv.community_id, inv.member_id, platform, report.channel_id, "report", inv.now))
        reporter = UserRef(inv.caller.identity.id, inv.caller.display_name)
        await self._post(report, reporter, target.ref if target else None, message.text if message else "")
        return Reply.of(
            OutMessage.of(
                t_("Thank you for telling us. The moderators will look at it, and I'll let you know when they have."),
                ephemeral=True,
            )
        )

    def _rate_limit(self, community_id: int, reporter_id: int, now: datetime) -> None:
        """A few reports at a time per member, so nobody can flood the queue."""
        recent = self._recent.setdefault((community_id, reporter_id), deque(maxlen=REPORTS_PER_WINDOW))
        if len(recent) == REPORTS_PER_WINDOW and now - recent[0] < REPORT_WINDOW:
            raise BadArgument(t_("You have sent several reports just now. Please wait a few minutes."))
        if len(self._recent) > 10_000:
            self._recent.clear()
        recent.append(now)

    async def _post(self, report: Report, reporter: UserRef, member: UserRef | None, text: str) -> None:
        community = await self.communities.get(report.community_id)
        if community is None:
            return
        settings = await self.store.get(report.community_id)
        target = settings.queue_channel or log_target(settings, community)
        messenger = self.messengers(target.platform.value) if target is not None else None
        if target is None or messenger is None:
            log.info("moderation: report #%s waits in /reports (no mod queue channel is set)", report.id)
            return
        card = render.report_card(report, reporter, member, text, community.timezone)
        try:
            message_id = await messenger.send(target, card, community.locale)
        except Exception:
            log.warning("moderation: could not post report #%s to the mod queue", report.id, exc_info=True)
            return
        if message_id is not None:
            await self.repo.set_report_queue(report.id, target, message_id)

    # -- the queue -------------------------------------------------------------------------------------
    async def open_reports(self, inv: Invocation, _args: dict[str, Any]) -> Reply:
        assert inv.community_id is not None
        reports = await self.repo.open_reports(inv.community_id, limit=10)
        if not reports:
            return Reply.of(OutMessage.of(t_("No open reports."), ephemeral=True))
        cards = []
        for report in reports:
            reporter, member = await self._people(report)
            cards.append(render.report_card(report, reporter, member, "", inv.timezone))
        return Reply.of(*[OutMessage(c.lines, buttons=c.buttons, ephemeral=True, private=True) for c in cards])

    async def press(self, inv: Invocation, rest: str) -> Reply:
        number, _, verb = rest.partition(":")
        if not number.isdigit() or verb not in VERBS:
            raise BadArgument(t_("This button no longer works. Run the command again."))
        report = await self.repo.get_report(int(number))
        if report is None:
            raise NotFound(t_("That report no longer exists."))
        await self.moderation.require_moderator(inv, report.community_id)
        lock = self._locks.setdefault(report.id, asyncio.Lock())
        async with lock:
            report = await self.repo.get_report(report.id) or report
            if report.status is not ReportStatus.OPEN:
                raise BadArgument(t_("Report #{id} was already handled.", id=report.id))
            kind, done = VERBS[verb]
            if kind is not None:
                await self._act(inv, report, kind)
            status = ReportStatus.DISMISSED if kind is None else ReportStatus.ACTIONED
            await self.repo.close_report(report.id, status, inv.member_id, verb, self.clock.now())
        if len(self._locks) > 1000:
            self._locks = {k: v for k, v in self._locks.items() if v.locked()}
        moderator = UserRef(inv.caller.identity.id, inv.caller.display_name)
        await self._mark_card(report, moderator, done)
        await self._thank_reporter(report)
        return Reply.of(OutMessage.of(t_("Report #{id}: {action}.", id=report.id, action=done), ephemeral=True))

    async def _act(self, inv: Invocation, report: Report, kind: InfractionKind) -> None:
        if report.target_member_id is None or report.target_user_id is None:
            raise BadArgument(t_("This report names nobody to act on: use /warn, /mute or /ban yourself."))
        name = await self.enforcer.name_of(report.target_member_id, report.target_user_id)
        subject = Subject(report.target_member_id, report.platform, report.scope_id, report.target_user_id, name)
        same_platform = inv.platform.value == report.platform
        await self.enforcer.act(
            Request(
                report.community_id,
                subject,
                kind,
                render.report_reason(report.id, report.reason),
                Source.REPORT,
                moderator_id=inv.member_id,
                moderator=UserRef(inv.caller.identity.id, inv.caller.display_name),
                actor_user_id=inv.caller.identity.id if same_platform else None,
                duration=REPORT_MUTE if kind is InfractionKind.MUTE else None,
            )
        )

    async def _mark_card(self, report: Report, moderator: UserRef, done: Text) -> None:
        if report.queue_target is None or report.queue_message_id is None:
            return
        messenger = self.messengers(report.queue_target.platform.value)
        community = await self.communities.get(report.community_id)
        if messenger is None or community is None:
            return
        reporter, member = await self._people(report)
        handled = t_("✔ Handled by {moderator}: {action}.", moderator=moderator, action=done)
        card = render.report_card(report, reporter, member, "", community.timezone, handled=handled)
        try:
            await messenger.edit(report.queue_target, report.queue_message_id, card, community.locale)
        except Exception:
            log.warning("moderation: could not update the queue card of report #%s", report.id, exc_info=True)

    async def _thank_reporter(self, report: Report) -> None:
        identities = await self.members.identities(report.reporter_id)
        mine = [i for i in identities if i.platform == report.platform] or identities
        community = await self.communities.get(report.community_id)
        if not mine or community is None:
            return
        settings = await self.members.settings(report.reporter_id)
        message = OutMessage.of(
            t_(
                "Your report #{id} in **{community}** was handled by the moderators. Thank you for speaking up.",
                id=report.id,
                community=community.name,
            )  # fmt: skip
        )
        await self.outbox.enqueue(
            OutboxKey("modreport", str(report.id), "handled", report.reporter_id),
            Target.direct(mine[0].platform, mine[0].user_id),
            message,
            settings.effective_locale or community.locale,
            self.clock.now(),
        )
        await self.outbox.deliver_due()

    async def _people(self, report: Report) -> tuple[UserRef, UserRef | None]:
        identities = await self.members.identities(report.reporter_id)
        mine = next((i for i in identities if i.platform == report.platform), identities[0] if identities else None)
        reporter = UserRef(mine.user_id, mine.username or mine.user_id) if mine else UserRef("", "?")
        member = None
        if report.target_member_id is not None and report.target_user_id is not None:
            name = await self.enforcer.name_of(report.target_member_id, report.target_user_id)
            member = UserRef(report.target_user_id, name)
        return reporter, member
