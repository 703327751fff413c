"""Events: create, edit, cancel, RSVP with capacity and waiting list, lists and calendar files — typed use
cases that other features (onboarding, the digest) can call without an invocation. Reading what people
type and answering them lives in `commands.py`; reminders and recurrence in `reminders.py`; how things
look in `render.py`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.core.clock import Clock
from bot.core.errors import BadArgument, NotFound, PlatformLimitation
from bot.core.hub import EventHub, MemberActed
from bot.core.i18n import t_
from bot.core.outbound import Messenger, OutMessage
from bot.core.targets import Target
from cogs.dispatch.timeparse import DEFAULT_OFFSETS
from cogs.events import render
from cogs.events.ics import IcsEvent, event_ics
from cogs.events.models import (
    Event,
    EventCreated,
    EventDraft,
    EventStatus,
    NewEvent,
    RsvpChange,
    RsvpCounts,
    RsvpStatus,
)
from cogs.events.ports import EventRepo
from cogs.events.recurrence import Recurrence
from cogs.events.reminders import ReminderService
from cogs.members.ports import MemberRepo

log = logging.getLogger(__name__)


def counts_of(statuses: list[RsvpStatus]) -> RsvpCounts:
    return RsvpCounts(
        going=statuses.count(RsvpStatus.GOING),
        maybe=statuses.count(RsvpStatus.MAYBE),
        not_going=statuses.count(RsvpStatus.NOT_GOING),
        waitlist=statuses.count(RsvpStatus.WAITLIST),
    )


class EventService:
    def __init__(
        self,
        repo: EventRepo,
        members: MemberRepo,
        reminders: ReminderService,
        messengers: Callable[[str], Messenger | None],
        clock: Clock,
        hub: EventHub,
    ) -> None:
        self.repo = repo
        self.hub = hub
        self.members = members
        self.reminders = reminders
        self.messengers = messengers
        self.clock = clock
        self._locks: dict[int, asyncio.Lock] = {}

    # -- create / edit / cancel ---------------------------------------------------------------------
    async def create_event(
        self, community_id: int, organizer_id: int, channel: Target, timezone: str, draft: EventDraft, now: datetime
    ) -> Event:
        """Store the event, post it with RSVP buttons, arm its reminders. Nothing is kept when the post fails."""
        event = await self.repo.create(
            NewEvent(
                community_id=community_id,
                title=draft.title,
                description=draft.description,
                location=draft.location,
                starts_at=draft.starts_at,
                duration=draft.duration,
                timezone=timezone,
                capacity=draft.capacity,
                recurrence=draft.recurrence,
                interval=draft.interval,
                reminder_offsets=draft.reminder_offsets or DEFAULT_OFFSETS,
                interest=draft.interest,
                channel=channel,
                organizer_id=organizer_id,
            ),
            now,
        )
        try:
            await self.publish(event)
        except Exception as exc:
            # Nothing half-written: without its post (and buttons) the event is useless, so it goes.
            await self.repo.delete(event.id)
            log.warning("event %s removed: its post could not be published (%s)", event.id, exc)
            raise PlatformLimitation(
                t_(
                    "I can't post in this channel, so the event was not created. Give me permission to send "
                    "messages here, or create it in another channel."
                )
            ) from exc
        await self.reminders.schedule(event)
        self.hub.publish(EventCreated(event))
        return event

    async def find(self, community_id: int | None, event_id: int | None, shown: str = "") -> Event:
        """The community's event #id, or a NotFound that says how to list them."""
        event = await self.repo.get(event_id) if event_id is not None else None
        if event is None or event.community_id != community_id:
            raise NotFound(t_("There is no event #{id} here. /events lists them.", id=shown or str(event_id)))
        return event

    async def edit_event(self, event: Event, now: datetime, **changes: Any) -> Event:
        """Apply parsed changes (title, starts_at, duration, description, location, capacity); reminders are
        re-armed, the waiting list promoted into new places, posts refreshed and attendees told."""
        updated = await self.repo.update(event.id, now, **changes)
        if "starts_at" in changes:
            await self.reminders.schedule(updated)
        if "capacity" in changes:
            async with self._lock(event.id):
                promoted = await self._promote(updated)
            await self.reminders.notify_promoted(updated, promoted)
        await self.refresh_posts(updated)
        await self.reminders.notify_attendees(updated, "changed")
        return updated

    async def cancel_event(self, event: Event, reason: str, now: datetime) -> Event:
        if event.status is EventStatus.CANCELLED:
            raise BadArgument(t_("Event #{id} is already cancelled.", id=event.id))
        updated = await self.repo.update(event.id, now, status=EventStatus.CANCELLED)
        await self.reminders.cancel(updated)
        await self.refresh_posts(updated)
        await self.reminders.notify_attendees(updated, "cancelled", reason=reason)
        return updated

    # -- RSVP ----------------------------------------------------------------------------------------
    async def rsvp(
        self, community_id: int | None, member_id: int, event_id: int, wanted: RsvpStatus, now: datetime
    ) -> tuple[Event, RsvpChange]:
        event = await self.repo.get(event_id)
        if event is None or event.community_id != community_id:
            raise NotFound(t_("There is no event #{id} here.", id=event_id))
        if event.status is EventStatus.CANCELLED:
            raise BadArgument(t_("**{title}** was cancelled.", title=event.title))
        if event.starts_at <= now:
            raise BadArgument(t_("**{title}** has already started.", title=event.title))
        async with self._lock(event.id):
            change = await self._apply(event, member_id, wanted, now)
        if change.changed:
            channel = event.channel
            self.hub.publish(
                MemberActed(event.community_id, member_id, channel.platform.value, channel.chat_id, "rsvp", now)
            )
            await self.reminders.notify_promoted(event, change.promoted)
            await self.refresh_posts(event)
        return event, change

    async def _apply(self, event: Event, member_id: int, wanted: RsvpStatus, now: Any) -> RsvpChange:
        async with self.repo.rsvp_transaction(event.id) as tx:
            rsvps = await tx.rsvps()
            current = next((r.status for r in rsvps if r.member_id == member_id), None)
            going = sum(r.status is RsvpStatus.GOING for r in rsvps)
            if wanted is RsvpStatus.GOING and current in (RsvpStatus.GOING, RsvpStatus.WAITLIST):
                position = _position(rsvps, member_id) if current is RsvpStatus.WAITLIST else None
                return RsvpChange(current, changed=False, waitlist_position=position)
            if wanted is current:
                return RsvpChange(wanted, changed=False)
            if wanted is RsvpStatus.GOING and event.capacity and going >= event.capacity:
                await tx.set(member_id, RsvpStatus.WAITLIST, now)
                waiting = [r for r in rsvps if r.status is RsvpStatus.WAITLIST and r.member_id != member_id]
                return RsvpChange(RsvpStatus.WAITLIST, changed=True, waitlist_position=len(waiting) + 1)
            await tx.set(member_id, wanted, now)
            change = RsvpChange(wanted, changed=True)
            if current is RsvpStatus.GOING and event.capacity:
                change.promoted = await self._promote_in(tx, event, going - 1, now)
            return change

    async def _promote(self, event: Event) -> list[int]:
        async with self.repo.rsvp_transaction(event.id) as tx:
            rsvps = await tx.rsvps()
            going = sum(r.status is RsvpStatus.GOING for r in rsvps)
            return await self._promote_in(tx, event, going, self.clock.now())

    async def _promote_in(self, tx: Any, event: Event, going: int, now: Any) -> list[int]:
        """Fill free places from the waiting list, first come first served."""
        promoted: list[int] = []
        waiting = [r for r in await tx.rsvps() if r.status is RsvpStatus.WAITLIST]
        for rsvp in waiting:
            if event.capacity is not None and going >= event.capacity:
                break
            await tx.set(rsvp.member_id, RsvpStatus.GOING, now)
            promoted.append(rsvp.member_id)
            going += 1
        return promoted

    def _lock(self, event_id: int) -> asyncio.Lock:
        # One process serialises RSVPs per event; across processes the transaction does (PostgreSQL).
        if len(self._locks) > 1000:
            self._locks = {k: v for k, v in self._locks.items() if v.locked()}
        return self._locks.setdefault(event_id, asyncio.Lock())

    # -- lists and calendars -------------------------------------------------------------------------
    async def upcoming_events(self, community_id: int, now: datetime, limit: int = 20) -> list[Event]:
        return await self.repo.upcoming(community_id, now, limit=limit)

    async def posts_for(self, events: list[Event]) -> list[OutMessage]:
        """Each event as its post, with live counts and RSVP buttons."""
        return [await self._post_for(e) for e in events]

    async def member_events(self, member_id: int, now: datetime) -> list[tuple[Event, RsvpStatus]]:
        return await self.repo.for_member(member_id, now)

    async def calendar(
        self, community_id: int, event: Event | None, name: str, now: datetime
    ) -> tuple[str, bytes, int]:
        """(file name, .ics bytes, number of events): one event with its repeat rule, or the upcoming feed."""
        events = [event] if event is not None else await self.repo.upcoming(community_id, now, limit=200)
        # The feed lists concrete occurrences (the next one of a series exists as its own row); a single
        # event's file carries the repeat rule so a calendar app shows the whole series.
        data = event_ics([_ics(e, with_rule=event is not None) for e in events], calendar_name=name, stamp=now)
        return (f"event-{event.id}.ics" if event is not None else "events.ics"), data, len(events)

    # -- posts ---------------------------------------------------------------------------------------
    async def publish(self, event: Event) -> None:
        """Post the event with RSVP buttons in its channel; the post's id is kept for live counts."""
        messenger = self.messengers(event.channel.platform.value)
        if messenger is None:
            return
        locale = await self.reminders.community_locale(event)
        message_id = await messenger.send(event.channel, await self._post_for(event), locale)
        if message_id is not None:
            await self.repo.add_post(event.id, event.channel, message_id)

    async def refresh_posts(self, event: Event) -> None:
        fresh = await self.repo.get(event.id) or event
        message = await self._post_for(fresh)
        locale = await self.reminders.community_locale(fresh)
        for posted in await self.repo.posts(event.id):
            messenger = self.messengers(posted.target.platform.value)
            if messenger is None:
                continue
            try:
                await messenger.edit(posted.target, posted.message_id, message, locale)
            except Exception:  # a deleted post must not fail the RSVP that triggered the refresh
                log.warning("could not update the post of event %s", event.id, exc_info=True)

    async def _post_for(self, event: Event) -> OutMessage:
        statuses = [r.status for r in await self.repo.rsvps(event.id)]
        return render.post(event, counts_of(statuses))


def _position(rsvps: list[Any], member_id: int) -> int:
    waiting = [r.member_id for r in rsvps if r.status is RsvpStatus.WAITLIST]
    return waiting.index(member_id) + 1 if member_id in waiting else 0


def _ics(event: Event, with_rule: bool) -> IcsEvent:
    return IcsEvent(
        id=event.id,
        title=event.title,
        starts_at=event.starts_at,
        duration=event.duration,
        description=event.description,
        location=event.location,
        timezone=event.timezone,
        recurrence=event.recurrence if with_rule else Recurrence.NONE,
        interval=event.interval,
        cancelled=event.status is EventStatus.CANCELLED,
        sequence=event.sequence,
    )
