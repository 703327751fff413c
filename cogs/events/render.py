"""How events look in messages: the post with live counts and RSVP buttons, reminders, notices."""

from __future__ import annotations

from datetime import timedelta

from bot.core.i18n import Moment, Text, t_, tn_
from bot.core.outbound import Button, ButtonStyle, OutMessage
from cogs.events.models import Event, EventStatus, RsvpCounts, RsvpStatus
from cogs.events.recurrence import Recurrence, describe

STATUS_LABELS = {
    RsvpStatus.GOING: t_("going"),
    RsvpStatus.MAYBE: t_("maybe"),
    RsvpStatus.NOT_GOING: t_("not going"),
    RsvpStatus.WAITLIST: t_("on the waiting list"),
}


def duration_text(delta: timedelta) -> Text:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days and not rest:
        return tn_("{count} day", "{count} days", days)
    if hours and not mins and not days:
        return tn_("{count} hour", "{count} hours", hours)
    if not hours and not days:
        return tn_("{count} minute", "{count} minutes", mins)
    return t_("{hours} h {minutes} min", hours=days * 24 + hours, minutes=mins)


def when(event: Event, reader_timezone: str | None = None) -> Moment:
    return Moment(event.starts_at, event.timezone, reader_timezone)


def event_lines(event: Event, counts: RsvpCounts | None, reader_timezone: str | None = None) -> list[Text]:
    lines = [t_("**{title}** (#{id})", title=event.title, id=event.id)]
    if event.status is EventStatus.CANCELLED:
        lines.append(t_("**Cancelled.**"))
    lines.append(t_("🗓 {when} · {duration}", when=when(event, reader_timezone), duration=duration_text(event.duration)))
    if event.recurrence is not Recurrence.NONE:
        lines.append(t_("🔁 {rule}", rule=describe(event.recurrence, event.interval)))
    if event.location:
        lines.append(t_("📍 {location}", location=event.location))
    if event.description:
        lines.append(t_("{description}", description=event.description))
    if counts is None:
        return lines
    if event.capacity:
        lines.append(
            t_(
                "✅ {going}/{capacity} going · ❔ {maybe} maybe · ⏳ {waitlist} waiting",
                going=counts.going,
                capacity=event.capacity,
                maybe=counts.maybe,
                waitlist=counts.waitlist,
            )
        )
    else:
        lines.append(t_("✅ {going} going · ❔ {maybe} maybe", going=counts.going, maybe=counts.maybe))
    return lines


def rsvp_buttons(event: Event) -> tuple[tuple[Button, ...], ...]:
    if event.status is EventStatus.CANCELLED:
        return ()
    return (
        (
            Button(t_("Going"), f"ev:rsvp:{event.id}:going", ButtonStyle.SUCCESS),
            Button(t_("Maybe"), f"ev:rsvp:{event.id}:maybe", ButtonStyle.SECONDARY),
            Button(t_("Not going"), f"ev:rsvp:{event.id}:not_going", ButtonStyle.DANGER),
        ),
    )


def post(event: Event, counts: RsvpCounts) -> OutMessage:
    return OutMessage(tuple(event_lines(event, counts)), buttons=rsvp_buttons(event))


def reminder(event: Event, left: timedelta, late: bool, reader_timezone: str | None = None) -> OutMessage:
    rounded = timedelta(minutes=max(1, round(left.total_seconds() / 60)))
    lines = [
        t_("⏰ Reminder: **{title}** starts in {left}.", title=event.title, left=duration_text(rounded)),
        t_("🗓 {when}", when=when(event, reader_timezone)),
    ]
    if event.location:
        lines.append(t_("📍 {location}", location=event.location))
    if late:
        lines.append(t_("(This reminder is late: I was offline when it was due.)"))
    return OutMessage(tuple(lines))
