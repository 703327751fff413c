from __future__ import annotations

from bot.core.commands import Arg, ArgKind, ButtonRoute, CommandSpec, Registry, Where
from bot.core.i18n import t_
from bot.core.permissions import Role
from cogs.events.service import EDITABLE, EventService

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
    registry.add(
        CommandSpec(
            key="event.create",
            description=t_("Create an event with RSVP buttons and reminders"),
            handler=service.create,
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
            handler=service.edit,
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
            handler=service.cancel,
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
            handler=service.upcoming,
            where=Where.ANYWHERE,
            discord=("event", "list"),
            telegram=("events",),
        ),
        CommandSpec(
            key="event.mine",
            description=t_("Events you answered, with your answer"),
            handler=service.mine,
            where=Where.ANYWHERE,
            discord=("event", "mine"),
            telegram=("myevents",),
        ),
        CommandSpec(
            key="event.ics",
            description=t_("Calendar file for one event or all upcoming ones"),
            handler=service.ics,
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
    registry.add_button(ButtonRoute("ev", service.press))
