"""Events: create, edit, cancel, RSVP with capacity and waiting list, lists and calendar files.

Reminders and recurrence live in `reminders.py`; how things look lives in `render.py`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bot.core.clock import Clock
from bot.core.commands import Invocation, Reply
from bot.core.errors import BadArgument, NotFound, PermissionDenied, PlatformLimitation
from bot.core.hub import EventHub, MemberActed
from bot.core.i18n import t_, tn_
from bot.core.outbound import Attachment, Messenger, OutMessage
from cogs.dispatch.timeparse import DEFAULT_OFFSETS, parse_duration, parse_offsets, parse_when
from cogs.events import render
from cogs.events.ics import IcsEvent, event_ics
from cogs.events.models import Event, EventCreated, EventStatus, NewEvent, RsvpChange, RsvpCounts, RsvpStatus
from cogs.events.ports import EventRepo
from cogs.events.recurrence import Recurrence
from cogs.events.reminders import ReminderService
from cogs.members.ports import MemberRepo

log = logging.getLogger(__name__)

DEFAULT_DURATION = timedelta(hours=1)
EDITABLE = ("title", "when", "duration", "description", "location", "capacity")
TITLE_MAX = 100


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
    async def create(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        assert inv.community_id is not None
        title = _title(args["title"])
        starts = parse_when(args["when"], locale=inv.locale, timezone=inv.timezone, now=inv.now)
        duration = parse_duration(args["duration"]) if args.get("duration") else DEFAULT_DURATION
        offsets = parse_offsets(args["reminders"]) if args.get("reminders") else DEFAULT_OFFSETS
        recurrence = Recurrence(args.get("repeat") or "none")
        event = await self.repo.create(
            NewEvent(
                community_id=inv.community_id,
                title=title,
                description=(args.get("description") or "").strip(),
                location=(args.get("location") or "").strip(),
                starts_at=starts,
                duration=duration,
                timezone=inv.timezone,
                capacity=args.get("capacity"),
                recurrence=recurrence,
                interval=args.get("every") or 1,
                reminder_offsets=offsets,
                interest=(args.get("interest") or "").strip() or None,
                channel=inv.place.channel,
                organizer_id=inv.member_id,
            ),
            inv.now,
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
        return Reply.of(
            OutMessage.of(
                t_(
                    "Event #{id} created: **{title}**, {when}.", id=event.id, title=event.title, when=render.when(event)
                ),
                t_(
                    "Reminders go to everyone going, {offsets} before.",
                    offsets=tuple(render.duration_text(o) for o in offsets),
                ),
                ephemeral=True,
            )
        )

    async def edit(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        event = await self._event(args["event"], inv)
        field, raw = args["field"], args["value"]
        changes: dict[str, Any] = {}
        if field == "title":
            changes["title"] = _title(raw)
        elif field == "when":
            changes["starts_at"] = parse_when(raw, locale=inv.locale, timezone=event.timezone, now=inv.now)
        elif field == "duration":
            changes["duration"] = parse_duration(raw)
        elif field == "description":
            changes["description"] = raw.strip()[:1000]
        elif field == "location":
            changes["location"] = raw.strip()[:300]
        elif field == "capacity":
            changes["capacity"] = _capacity(raw)
        updated = await self.repo.update(event.id, inv.now, **changes)
        if "starts_at" in changes:
            await self.reminders.schedule(updated)
        if "capacity" in changes:
            async with self._lock(event.id):
                promoted = await self._promote(updated)
            await self.reminders.notify_promoted(updated, promoted)
        await self.refresh_posts(updated)
        await self.reminders.notify_attendees(updated, "changed")
        return Reply.of(OutMessage.of(t_("Event #{id} updated.", id=event.id), ephemeral=True))

    async def cancel(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        event = await self._event(args["event"], inv)
        if event.status is EventStatus.CANCELLED:
            raise BadArgument(t_("Event #{id} is already cancelled.", id=event.id))
        updated = await self.repo.update(event.id, inv.now, status=EventStatus.CANCELLED)
        await self.reminders.cancel(updated)
        await self.refresh_posts(updated)
        await self.reminders.notify_attendees(updated, "cancelled", reason=(args.get("reason") or "").strip())
        return Reply.of(OutMessage.of(t_("Event #{id} cancelled; everyone who answered was told.", id=event.id)))

    # -- RSVP ----------------------------------------------------------------------------------------
    async def press(self, inv: Invocation, rest: str) -> Reply:
        verb, _, tail = rest.partition(":")
        event_id, _, status = tail.partition(":")
        if verb != "rsvp" or not event_id.isdigit() or status not in {s.value for s in RsvpStatus}:
            raise BadArgument(t_("This button no longer works. Run the command again."))
        return await self.rsvp(inv, int(event_id), RsvpStatus(status))

    async def rsvp(self, inv: Invocation, event_id: int, wanted: RsvpStatus) -> Reply:
        event = await self.repo.get(event_id)
        if event is None or event.community_id != inv.community_id:
            raise NotFound(t_("There is no event #{id} here.", id=event_id))
        if event.status is EventStatus.CANCELLED:
            raise BadArgument(t_("**{title}** was cancelled.", title=event.title))
        if event.starts_at <= inv.now:
            raise BadArgument(t_("**{title}** has already started.", title=event.title))
        async with self._lock(event.id):
            change = await self._apply(event, inv.member_id, wanted, inv.now)
        if change.changed:
            channel = event.channel
            self.hub.publish(
                MemberActed(event.community_id, inv.member_id, channel.platform.value, channel.chat_id, "rsvp", inv.now)
            )
            await self.reminders.notify_promoted(event, change.promoted)
            await self.refresh_posts(event)
        return Reply.of(OutMessage.of(_rsvp_answer(event, change), ephemeral=True))

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
    async def upcoming(self, inv: Invocation, _args: dict[str, Any]) -> Reply:
        assert inv.community_id is not None
        events = await self.repo.upcoming(inv.community_id, inv.now, limit=6)
        if not events:
            return Reply.of(OutMessage.of(t_("No upcoming events.")))
        shown = events[:5]
        messages = [await self._post_for(e) for e in shown]
        if len(events) > len(shown):
            messages.append(OutMessage.of(t_("More events are coming: /ics gives you the whole calendar.")))
        return Reply.of(*messages)

    async def mine(self, inv: Invocation, _args: dict[str, Any]) -> Reply:
        mine = await self.repo.for_member(inv.member_id, inv.now)
        if not mine:
            return Reply.of(OutMessage.of(t_("You have not answered any upcoming event."), ephemeral=True))
        _locale, zone = await self.reminders.locale_and_zone(inv.member_id)
        lines = [t_("**Your events**")]
        for event, status in mine:
            lines.append(
                t_(
                    "#{id} {title} — {when} — {status}",
                    id=event.id,
                    title=event.title,
                    when=render.when(event, zone),
                    status=render.STATUS_LABELS[status],
                )
            )
        return Reply.of(OutMessage(tuple(lines), ephemeral=True))

    async def ics(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        assert inv.community_id is not None
        if args.get("event"):
            events = [await self._event(args["event"], inv, organizer_only=False)]
            name = f"event-{events[0].id}.ics"
        else:
            events = await self.repo.upcoming(inv.community_id, inv.now, limit=200)
            name = "events.ics"
        # The feed lists concrete occurrences (the next one of a series exists as its own row); a single
        # event's file carries the repeat rule so a calendar app shows the whole series.
        data = event_ics(
            [_ics(e, with_rule=bool(args.get("event"))) for e in events],
            calendar_name=inv.place.scope_title or "Hearth",
            stamp=inv.now,
        )
        return Reply.of(
            OutMessage(
                (
                    tn_(
                        "Calendar file with {count} event: open it to add it to your calendar.",
                        "Calendar file with {count} events: open it to add them to your calendar.",
                        len(events),
                    ),
                ),
                attachments=(Attachment(name, data),),
            )
        )

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

    async def _event(self, raw_id: Any, inv: Invocation, organizer_only: bool = True) -> Event:
        event_id = int(str(raw_id).lstrip("#")) if str(raw_id).lstrip("#").isdigit() else None
        event = await self.repo.get(event_id) if event_id is not None else None
        if event is None or event.community_id != inv.community_id:
            raise NotFound(t_("There is no event #{id} here. /events lists them.", id=str(raw_id).lstrip("#")))
        if organizer_only and not inv.is_organizer:
            raise PermissionDenied(t_("Only event organizers can change events."))
        return event


def _title(raw: str) -> str:
    title = " ".join(raw.split())
    if not title:
        raise BadArgument(t_("The event needs a title."))
    if len(title) > TITLE_MAX:
        raise BadArgument(
            t_("The title is too long: {length} characters, at most {limit}.", length=len(title), limit=TITLE_MAX)
        )
    return title


def _capacity(raw: Any) -> int | None:
    text = str(raw).strip().lower()
    if text in ("", "0", "none", "-", "unlimited"):
        if text == "0":
            raise BadArgument(t_("Capacity must be at least 1, or “none” for no limit."))
        return None
    if not text.lstrip("-").isdigit() or int(text) < 1:
        raise BadArgument(t_("Capacity must be at least 1, or “none” for no limit."))
    return int(text)


def _position(rsvps: list[Any], member_id: int) -> int:
    waiting = [r.member_id for r in rsvps if r.status is RsvpStatus.WAITLIST]
    return waiting.index(member_id) + 1 if member_id in waiting else 0


def _rsvp_answer(event: Event, change: RsvpChange) -> Any:
    if not change.changed:
        if change.status is RsvpStatus.WAITLIST:
            return t_(
                "You are already on the waiting list for **{title}** (number {position}).",
                title=event.title,
                position=change.waitlist_position or 1,
            )
        return t_(
            "You already answered “{status}” for **{title}**.",
            status=render.STATUS_LABELS[change.status],
            title=event.title,
        )
    if change.status is RsvpStatus.WAITLIST:
        return t_(
            "**{title}** is full: you are number {position} on the waiting list. I will tell you if a place opens.",
            title=event.title,
            position=change.waitlist_position,
        )
    if change.status is RsvpStatus.GOING:
        return t_("You are going to **{title}**. See you there!", title=event.title)
    if change.status is RsvpStatus.MAYBE:
        return t_("Marked as maybe for **{title}**.", title=event.title)
    return t_("Got it: you are not going to **{title}**.", title=event.title)


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
