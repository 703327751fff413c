"""Events' commands and buttons: declared once, with thin handlers that read what people typed into typed
drafts and changes, call the service, and say what happened."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.core.commands import Arg, ArgKind, ButtonRoute, CommandSpec, Invocation, Registry, Reply, Where
from bot.core.errors import BadArgument, PermissionDenied
from bot.core.i18n import Text, t_, tn_
from bot.core.outbound import Attachment, OutMessage
from bot.core.permissions import Role
from bot.core.text import one_line, text_block
from cogs.dispatch.timeparse import DEFAULT_OFFSETS, parse_duration, parse_offsets, parse_when
from cogs.events import render
from cogs.events.models import Event, EventDraft, RsvpChange, RsvpStatus
from cogs.events.recurrence import Recurrence
from cogs.events.service import EventService

DEFAULT_DURATION = timedelta(hours=1)
EDITABLE = ("title", "when", "duration", "description", "location", "capacity")
TITLE_MAX = 100

# Literal t_() calls so the labels reach the catalogs (a t_(variable) cannot be extracted).
FIELD_LABELS = {
    "title": t_("title"),
    "when": t_("when"),
    "duration": t_("duration"),
    "description": t_("description"),
    "location": t_("location"),
    "capacity": t_("capacity"),
}
assert tuple(FIELD_LABELS) == EDITABLE

EVENT_ARG = Arg(
    "event",
    ArgKind.TEXT,
    t_("the event number, e.g. 12"),
    max_length=12,
    prompt=t_("Which event? Send its number (see /events)."),
)


def register(registry: Registry, service: EventService) -> None:
    c = EventCommands(service)
    registry.add(
        CommandSpec(
            key="event.create",
            description=t_("Create an event with RSVP buttons and reminders"),
            handler=c.create,
            role=Role.MANAGER,
            organizer=True,
            guided=True,
            discord=("event", "create"),
            telegram=("newevent",),
            args=(
                Arg(
                    "title",
                    ArgKind.TEXT,
                    t_("what is happening"),
                    max_length=200,
                    prompt=t_("What is the event called?"),
                ),
                Arg(
                    "when",
                    ArgKind.TEXT,
                    t_("e.g. tomorrow 18:00 or 2026-12-01 18:00"),
                    max_length=100,
                    prompt=t_("When does it start? For example: tomorrow 18:00, or 2026-12-01 18:00."),
                ),
                Arg("description", ArgKind.TEXT, t_("a few words about it"), required=False, max_length=1000),
                Arg("location", ArgKind.TEXT, t_("a place or a link"), required=False, max_length=300),
                Arg(
                    "capacity",
                    ArgKind.INT,
                    t_("places; more go on a waiting list"),
                    required=False,
                    min_value=1,
                    max_value=100_000,
                ),
                Arg("duration", ArgKind.TEXT, t_("e.g. 30m, 2h, 1d (default 1h)"), required=False, max_length=20),
                Arg(
                    "repeat",
                    ArgKind.CHOICE,
                    t_("repeat the event"),
                    required=False,
                    choices=(("none", t_("once")), ("weekly", t_("weekly")), ("monthly", t_("monthly"))),
                ),
                Arg("every", ArgKind.INT, t_("every N weeks or months"), required=False, min_value=1, max_value=12),
                Arg("reminders", ArgKind.TEXT, t_("when to remind, e.g. 24h, 1h"), required=False, max_length=40),
                Arg("interest", ArgKind.TEXT, t_("members interested in this are told"), required=False, max_length=64),
            ),
        ),
        CommandSpec(
            key="event.edit",
            description=t_("Change an event; everyone who answered is told"),
            handler=c.edit,
            role=Role.MANAGER,
            organizer=True,
            guided=True,
            discord=("event", "edit"),
            telegram=("editevent",),
            args=(
                EVENT_ARG,
                Arg(
                    "field",
                    ArgKind.CHOICE,
                    t_("what to change"),
                    choices=tuple(FIELD_LABELS.items()),
                    prompt=t_(
                        "What do you want to change? One of: title, when, duration, description, location, capacity."
                    ),
                ),
                Arg("value", ArgKind.TEXT, t_("the new value"), max_length=1000, prompt=t_("What is the new value?")),
            ),
        ),
        CommandSpec(
            key="event.cancel",
            description=t_("Cancel an event; everyone who answered is told"),
            handler=c.cancel,
            role=Role.MANAGER,
            organizer=True,
            guided=True,
            discord=("event", "cancel"),
            telegram=("cancelevent",),
            args=(EVENT_ARG, Arg("reason", ArgKind.TEXT, t_("told to attendees"), required=False, max_length=300)),
        ),
        CommandSpec(
            key="event.list",
            description=t_("Upcoming events, with RSVP buttons"),
            handler=c.upcoming,
            where=Where.ANYWHERE,
            discord=("event", "list"),
            telegram=("events",),
        ),
        CommandSpec(
            key="event.mine",
            description=t_("Events you answered, with your answer"),
            handler=c.mine,
            where=Where.ANYWHERE,
            discord=("event", "mine"),
            telegram=("myevents",),
        ),
        CommandSpec(
            key="event.ics",
            description=t_("Calendar file for one event or all upcoming ones"),
            handler=c.ics,
            where=Where.ANYWHERE,
            discord=("event", "ics"),
            telegram=("ics",),
            args=(
                Arg(
                    "event", ArgKind.TEXT, t_("the event number (all upcoming if empty)"), required=False, max_length=12
                ),
            ),
        ),
    )
    registry.add_button(ButtonRoute("ev", c.press))


class EventCommands:
    """Thin handlers: parse, call the typed service, answer."""

    def __init__(self, service: EventService) -> None:
        self.service = service

    async def create(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        assert inv.community_id is not None
        draft = EventDraft(
            title=_title(args["title"]),
            starts_at=parse_when(args["when"], locale=inv.locale, timezone=inv.timezone, now=inv.now),
            duration=parse_duration(args["duration"]) if args.get("duration") else DEFAULT_DURATION,
            description=text_block(args.get("description")),
            location=one_line(args.get("location")),
            capacity=args.get("capacity"),
            recurrence=Recurrence(args.get("repeat") or "none"),
            interval=args.get("every") or 1,
            reminder_offsets=parse_offsets(args["reminders"]) if args.get("reminders") else DEFAULT_OFFSETS,
            interest=one_line(args.get("interest")) or None,
        )
        event = await self.service.create_event(
            inv.community_id, inv.member_id, inv.place.channel, inv.timezone, draft, inv.now
        )
        return Reply.of(
            OutMessage.of(
                t_(
                    "Event #{id} created: **{title}**, {when}.", id=event.id, title=event.title, when=render.when(event)
                ),
                t_(
                    "Reminders go to everyone going, {offsets} before.",
                    offsets=tuple(render.duration_text(o) for o in event.reminder_offsets),
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
            changes["description"] = text_block(raw)[:1000]
        elif field == "location":
            changes["location"] = one_line(raw)[:300]
        elif field == "capacity":
            changes["capacity"] = _capacity(raw)
        await self.service.edit_event(event, inv.now, **changes)
        return Reply.of(OutMessage.of(t_("Event #{id} updated.", id=event.id), ephemeral=True))

    async def cancel(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        event = await self._event(args["event"], inv)
        await self.service.cancel_event(event, text_block(args.get("reason")), inv.now)
        return Reply.of(OutMessage.of(t_("Event #{id} cancelled; everyone who answered was told.", id=event.id)))

    async def press(self, inv: Invocation, rest: str) -> Reply:
        verb, _, tail = rest.partition(":")
        event_id, _, status = tail.partition(":")
        if verb != "rsvp" or not event_id.isdigit() or status not in {s.value for s in RsvpStatus}:
            raise BadArgument(t_("This button no longer works. Run the command again."))
        event, change = await self.service.rsvp(inv.community_id, inv.member_id, int(event_id), RsvpStatus(status),
                                                inv.now)  # fmt: skip
        return Reply.of(OutMessage.of(_rsvp_answer(event, change), ephemeral=True))

    async def upcoming(self, inv: Invocation, _args: dict[str, Any]) -> Reply:
        assert inv.community_id is not None
        events = await self.service.upcoming_events(inv.community_id, inv.now, limit=6)
        if not events:
            return Reply.of(OutMessage.of(t_("No upcoming events.")))
        messages = await self.service.posts_for(events[:5])
        if len(events) > 5:
            messages.append(OutMessage.of(t_("More events are coming: /ics gives you the whole calendar.")))
        return Reply.of(*messages)

    async def mine(self, inv: Invocation, _args: dict[str, Any]) -> Reply:
        mine = await self.service.member_events(inv.member_id, inv.now)
        if not mine:
            return Reply.of(OutMessage.of(t_("You have not answered any upcoming event."), ephemeral=True))
        _locale, zone = await self.service.reminders.locale_and_zone(inv.member_id)
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
        event = await self._event(args["event"], inv, organizer_only=False) if args.get("event") else None
        name, data, count = await self.service.calendar(
            inv.community_id, event, inv.place.scope_title or "Hearth", inv.now
        )
        message = tn_(
            "Calendar file with {count} event: open it to add it to your calendar.",
            "Calendar file with {count} events: open it to add them to your calendar.",
            count,
        )
        return Reply.of(OutMessage((message,), attachments=(Attachment(name, data),)))

    async def _event(self, raw_id: Any, inv: Invocation, organizer_only: bool = True) -> Event:
        shown = str(raw_id).lstrip("#")
        event = await self.service.find(inv.community_id, int(shown) if shown.isdigit() else None, shown)
        if organizer_only and not inv.is_organizer:
            raise PermissionDenied(t_("Only event organizers can change events."))
        return event


def _title(raw: str) -> str:
    title = one_line(raw)  # zero-width spaces or direction marks alone are no title
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


def _rsvp_answer(event: Event, change: RsvpChange) -> Text:
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
