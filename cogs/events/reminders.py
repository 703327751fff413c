"""Reminders, notices and recurrence: the database rows are the truth, the scheduler holds ONE trigger
(the next due time), so start-up cost does not grow with the number of pending reminders.

A reminder due while the bot was down is sent late (and says so) within the grace period, otherwise
recorded as missed and the organizer told — never silently dropped. Each member's copy goes through
the outbox with a unique key, so it is sent once even if the fan-out is interrupted and redone."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.clock import Clock
from bot.core.i18n import UserRef, t_
from bot.core.outbound import MentionPolicy, OutMessage
from bot.core.targets import Target
from cogs.community.ports import CommunityRepo
from cogs.events import render
from cogs.events.models import Event, EventStatus, NewEvent, Reminder, ReminderStatus, RsvpStatus
from cogs.events.ports import EventRepo
from cogs.events.recurrence import next_occurrence
from cogs.members.ports import MemberRepo
from cogs.outbox.models import OutboxItem, OutboxKey
from cogs.outbox.service import Outbox

log = logging.getLogger(__name__)

GRACE = timedelta(hours=1)
LATE_AFTER = timedelta(minutes=1)
TICK_JOB = "events:tick"
RETRY = timedelta(minutes=1)


class Timer(Protocol):
    def at(self, job_id: str, when: datetime, job: Callable[[], Awaitable[object]], grace_seconds: int) -> None: ...


FEATURE = "event"


def _key(event: Event, part: str, member_id: int | None = None) -> OutboxKey:
    return OutboxKey(FEATURE, str(event.id), part, member_id)


class ReminderService:
    def __init__(
        self,
        repo: EventRepo,
        members: MemberRepo,
        communities: CommunityRepo,
        outbox: Outbox,
        timer: Timer,
        clock: Clock,
        grace: timedelta = GRACE,
    ) -> None:
        self.repo = repo
        self.members = members
        self.communities = communities
        self.outbox = outbox
        self.timer = timer
        self.clock = clock
        self.grace = grace
        self.publish: Callable[[Event], Awaitable[None]] | None = None  # set by EventService
        self._lock = asyncio.Lock()
        outbox.when_refused(FEATURE, self._dm_refused)

    # -- schedule --------------------------------------------------------------------------------------
    async def schedule(self, event: Event) -> None:
        now = self.clock.now()
        due = [(o, event.starts_at - o) for o in event.reminder_offsets if event.starts_at - o > now]
        await self.repo.set_reminders(event.id, due)
        await self.arm()

    async def cancel(self, event: Event) -> None:
        await self.repo.set_reminders(event.id, [])
        await self.arm()

    async def arm(self, not_before: datetime | None = None) -> None:
        """Point the one trigger at the earliest pending reminder or series roll-over."""
        first = await self.repo.next_reminder_due()
        times = [first] if first is not None else []
        roll = await self.repo.next_series_start_without_successor()
        if roll is not None:
            times.append(roll)
        if times:
            # Past times fire at once; the grace is ours to judge (late vs missed), so never drop here.
            when = max(min(times), not_before or self.clock.now())
            self.timer.at(TICK_JOB, when, self.tick, grace_seconds=10 * 365 * 86400)

    async def drain(self) -> None:
        """Wait for a tick in progress (shutdown): its sends are marked before the database closes."""
        async with self._lock:
            return

    async def rehydrate(self) -> None:
        """At start-up: overdue work happens now, the rest is armed."""
        await self.tick()

    async def tick(self) -> None:
        retry_in: timedelta | None = None
        try:
            async with self._lock:
                now = self.clock.now()
                missed: dict[int, tuple[Event, list[Reminder]]] = {}
                try:
                    while due := await self.repo.due_reminders(now):
                        for reminder in due:
                            await self._fire(reminder, now, missed)
                finally:  # what was marked missed is told even if a later reminder failed
                    for event, reminders in missed.values():
                        await self._tell_organizer_missed(event, reminders)
                await self._roll_series(now)
                await self.outbox.deliver_due()
        except Exception:
            log.exception("event reminders: tick failed; trying again in a minute")
            retry_in = RETRY
        finally:
            await self.arm(not_before=self.clock.now() + retry_in if retry_in else None)

    # -- firing ----------------------------------------------------------------------------------------
    async def _fire(self, reminder: Reminder, now: datetime, missed: dict[int, tuple[Event, list[Reminder]]]) -> None:
        """Send one due reminder, or mark it missed and add it to `missed` (told per event by the caller)."""
        event = await self.repo.get(reminder.event_id)
        if (
            event is None
            or event.status is EventStatus.CANCELLED
            or event.starts_at - reminder.offset != reminder.due_at
        ):
            await self.repo.mark_reminder(reminder.event_id, reminder.offset, ReminderStatus.SKIPPED)
            return
        late = now - reminder.due_at
        if late > self.grace:
            if await self.repo.mark_reminder(event.id, reminder.offset, ReminderStatus.MISSED):
                log.warning("event %s: the %s reminder was missed (due %s)", event.id, reminder.offset, reminder.due_at)
                missed.setdefault(event.id, (event, []))[1].append(reminder)
            return
        minutes = int(reminder.offset.total_seconds() // 60)
        left = event.starts_at - now
        community_locale = await self.community_locale(event)
        # Enqueue every copy first (idempotent keys, one transaction), then mark: a crash in between only
        # repeats the enqueue, which the unique keys make harmless.
        is_late = late > LATE_AFTER
        channel_copy = render.reminder(event, left, is_late)
        copies = [(_key(event, f"r{minutes}:channel"), event.channel, channel_copy, community_locale, reminder.due_at)]
        for rsvp in await self.repo.rsvps(event.id):
            if rsvp.status is not RsvpStatus.GOING:
                continue
            target = await self.dm_target(rsvp.member_id, event.channel.platform.value)
            if target is None:
                continue
            locale, zone = await self.locale_and_zone(rsvp.member_id)
            message = render.reminder(event, left, is_late, zone)
            key = _key(event, f"r{minutes}", rsvp.member_id)
            copies.append((key, target, message, locale or community_locale, reminder.due_at))
        await self.outbox.enqueue_many(copies)
        await self.repo.mark_reminder(event.id, reminder.offset, ReminderStatus.SENT)

    async def _tell_organizer_missed(self, event: Event, reminders: list[Reminder]) -> None:
        """ONE message per event for all its reminders missed while the bot was down, naming them."""
        offsets = sorted({r.offset for r in reminders}, reverse=True)
        about = {"title": event.title, "id": event.id, "when": render.when(event)}
        which = tuple(t_("{offset} before", offset=render.duration_text(o)) for o in offsets)
        if len(offsets) == 1:
            told = t_(
                "I was offline when the reminder {offset} before **{title}** (#{id}, {when}) was due, "
                "so it was not sent.",
                offset=render.duration_text(offsets[0]),
                **about,
            )
        else:
            told = t_(
                "I was offline when these reminders for **{title}** (#{id}, {when}) were due, so they were not "
                "sent: {reminders}.",
                reminders=which,
                **about,
            )
        text = OutMessage.of(told)
        now = self.clock.now()
        minutes = "+".join(str(int(o.total_seconds() // 60)) for o in offsets)  # one outbox key per set
        target = await self.dm_target(event.organizer_id, event.channel.platform.value)
        locale, _zone = await self.locale_and_zone(event.organizer_id)
        if target is not None:
            await self.outbox.enqueue(
                _key(event, f"missed{minutes}:organizer"),
                target,
                text,
                locale or await self.community_locale(event),
                now,
            )
        community = await self.communities.get(event.community_id)
        if community is not None and community.manager_channel is not None:
            await self.outbox.enqueue(
                _key(event, f"missed{minutes}:managers"), community.manager_channel, text, community.locale, now
            )

    async def _roll_series(self, now: datetime) -> None:
        """A recurring event that has started gets its next occurrence (one ahead, same local time)."""
        for event in await self.repo.started_series_without_successor(now):
            # Walk from the series' first start so monthly clamping stays right (Jan 31 → Feb 28 → Mar 31);
            # after a long downtime this skips straight to the next future occurrence.
            first = await self.repo.get(event.series_id) if event.series_id else event
            anchor = (first or event).starts_at
            start = next_occurrence(anchor, event.timezone, event.recurrence, event.interval,
                                    after=max(event.starts_at, now))  # fmt: skip
            if start is None:
                continue
            created = await self.repo.create(NewEvent.next_of(event, start), now)
            await self.schedule(created)
            if self.publish is not None:
                await self.publish(created)

    # -- notices ---------------------------------------------------------------------------------------
    async def notify_promoted(self, event: Event, member_ids: list[int]) -> None:
        now = self.clock.now()
        for member_id in member_ids:
            target = await self.dm_target(member_id, event.channel.platform.value)
            if target is None:
                continue
            locale, zone = await self.locale_and_zone(member_id)
            message = OutMessage.of(
                t_(
                    "Good news: a place opened up and you are now going to **{title}** ({when}).",
                    title=event.title,
                    when=render.when(event, zone),
                ),
            )
            stamp = int(now.timestamp())
            await self.outbox.enqueue(
                _key(event, f"promoted:{stamp}", member_id),
                target,
                message,
                locale or await self.community_locale(event),
                now,
            )
        if member_ids:
            await self.outbox.deliver_due()

    async def notify_attendees(self, event: Event, kind: str, reason: str = "") -> None:
        now = self.clock.now()
        for rsvp in await self.repo.rsvps(event.id):
            if rsvp.status is RsvpStatus.NOT_GOING:
                continue
            target = await self.dm_target(rsvp.member_id, event.channel.platform.value)
            if target is None:
                continue
            locale, zone = await self.locale_and_zone(rsvp.member_id)
            if kind == "cancelled":
                lines = [
                    t_("**{title}** ({when}) has been cancelled.", title=event.title, when=render.when(event, zone))
                ]
                if reason:
                    lines.append(t_("Reason: {reason}", reason=reason))
            else:
                lines = [t_("**{title}** has changed:", title=event.title), *render.event_lines(event, None, zone)]
            await self.outbox.enqueue(
                _key(event, f"{kind}:{event.sequence}", rsvp.member_id),
                target,
                OutMessage(tuple(lines)),
                locale or await self.community_locale(event),
                now,
            )
        await self.outbox.deliver_due()

    async def _dm_refused(self, item: OutboxItem) -> None:
        """A reminder DM the platform refused (blocked, never started the bot) → mention in the channel."""
        key = item.key
        if key.member_id is None or key.fallback or not item.target.dm:
            return  # only per-member DMs of events (reminders, promotions, notices) fall back
        event = await self.repo.get(int(key.subject))
        if event is None:
            return
        user_id = item.target.chat_id
        name = await self._name_of(key.member_id)
        who = UserRef(user_id, name)
        is_reminder = key.part.startswith("r")
        intro = (
            t_("{member}, a reminder for you:", member=who)
            if is_reminder
            else t_("{member}, a message for you:", member=who)
        )
        message = OutMessage(
            (intro, *item.message.lines),
            mentions=MentionPolicy.USERS,
            mention_ids=(user_id,),
        )
        await self.outbox.enqueue(key.as_fallback(), event.channel, message, item.locale, item.due_at)

    # -- members ---------------------------------------------------------------------------------------
    async def dm_target(self, member_id: int, platform: str) -> Target | None:
        identities = await self.members.identities(member_id)
        preferred = [i for i in identities if i.platform == platform] or identities
        if not preferred:
            return None
        return Target.direct(preferred[0].platform, preferred[0].user_id)

    async def locale_and_zone(self, member_id: int) -> tuple[str | None, str | None]:
        settings = await self.members.settings(member_id)
        return settings.effective_locale, settings.timezone

    async def community_locale(self, event: Event) -> str:
        community = await self.communities.get(event.community_id)
        return community.locale if community else "en"

    async def _name_of(self, member_id: int) -> str:
        identities = await self.members.identities(member_id)
        return next((i.username for i in identities if i.username), None) or f"#{member_id}"
