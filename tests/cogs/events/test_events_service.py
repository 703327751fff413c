"""Ring 1 for events: the service with a fake clock, the recording messenger and real SQLite."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from bot.app import Services
from bot.core.clock import FakeClock
from bot.core.commands import Caller, Invocation, Place
from bot.core.errors import BadArgument
from cogs.events.commands import EventCommands
from cogs.events.models import RsvpStatus
from storage.tables import event_reminders, events, outbox
from tests.cogs.test_dispatch import texts
from tests.cogs.test_outbox import RecordingMessenger
from tests.conftest import START, caller, group

ORGANIZER = caller(uid="1")  # an owner: manager everywhere


@pytest.fixture
def messenger(services: Services) -> RecordingMessenger:
    recording = RecordingMessenger()
    services.messengers["telegram"] = recording
    return recording


async def create(services: Services, text: str, who: Caller = ORGANIZER, place: Place | None = None) -> str:
    answer = await services.dispatcher.run_text(place or group(), who, "newevent", text)
    return texts(answer) + ("!ERROR" if answer.error else "")


async def press(services: Services, who: Caller, action: str) -> str:
    answer = await services.dispatcher.press(group(), who, action)
    return texts(answer) + ("!ERROR" if answer.error else "")


async def test_create_posts_the_event_with_rsvp_buttons(services: Services, messenger: RecordingMessenger) -> None:
    reply = await create(services, "Board games | tomorrow 18:00 | Bring snacks | Cafe Aalto | 10")
    assert "Event #1 created" in reply and "!ERROR" not in reply
    target, post, _locale = messenger.sent[0]
    assert target.chat_id == "-1001"
    assert [b.action for row in post.buttons for b in row] == [
        "ev:rsvp:1:going",
        "ev:rsvp:1:maybe",
        "ev:rsvp:1:not_going",
    ]
    rendered = post.render_text("en", str, str)
    assert "Board games" in rendered and "Cafe Aalto" in rendered and "0/10 going" in rendered
    assert "Mar 3, 2026 18:00 (UTC)" in rendered  # tomorrow relative to the fake clock, in the community zone


async def test_capacity_waitlist_and_promotion(services: Services, messenger: RecordingMessenger) -> None:
    await create(services, "Sauna | tomorrow 18:00 | | | 2")
    ann, ben, cat = caller(uid="10", name="Ann"), caller(uid="11", name="Ben"), caller(uid="12", name="Cat")
    assert "You are going" in await press(services, ann, "ev:rsvp:1:going")
    assert "You are going" in await press(services, ben, "ev:rsvp:1:going")
    assert "number 1 on the waiting list" in await press(services, cat, "ev:rsvp:1:going")
    assert "already on the waiting list" in await press(services, cat, "ev:rsvp:1:going")
    assert "not going" in await press(services, ann, "ev:rsvp:1:not_going")
    promoted = [m for t, m, _ in messenger.sent if t.dm and t.chat_id == "12"]
    assert promoted and "a place opened up" in promoted[0].render_text("en", str, str)
    statuses = {r.member_id: r.status.value for r in await services.reminders.repo.rsvps(1)}
    assert sorted(statuses.values()) == ["going", "going", "not_going"]
    message_id, last_post, _ = messenger.edited[-1]
    assert message_id == "1" and "2/2 going" in last_post.render_text("en", str, str)  # live counts


async def test_duplicate_rsvp_click_changes_nothing(services: Services, messenger: RecordingMessenger) -> None:
    await create(services, "Walk | tomorrow 18:00")
    assert "You are going" in await press(services, caller(uid="10"), "ev:rsvp:1:going")
    assert "already answered" in await press(services, caller(uid="10"), "ev:rsvp:1:going")
    assert len(await services.reminders.repo.rsvps(1)) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Party | 2020-01-01 18:00", "in the past"),
        ("Party | tomorrow 18:00 | | | 0", "capacity must be between 1"),
        ("Party | tomorrow 18:00 | | | -5", "capacity must be between 1"),
        ("X" * 200 + " | tomorrow 18:00", "title is too long"),
        ("Party | whenever you like", "could not read"),
    ],
)
async def test_bad_input_is_refused_and_nothing_is_written(
    services: Services, messenger: RecordingMessenger, text: str, expected: str
) -> None:
    reply = await create(services, text)
    assert "!ERROR" in reply and expected.lower() in reply.lower()
    async with services.engine.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(events))).scalar() == 0
    assert messenger.sent == []


async def test_missing_title_is_asked_for_and_nothing_is_written(
    services: Services, messenger: RecordingMessenger
) -> None:
    reply = await create(services, " | tomorrow 18:00")
    assert "What is the event called?" in reply
    assert await services.reminders.repo.upcoming(1, START) == []


async def test_missing_arguments_start_a_guided_dialogue(services: Services, messenger: RecordingMessenger) -> None:
    first = await services.dispatcher.run_text(group(), ORGANIZER, "newevent", "")
    assert "What is the event called?" in texts(first)
    second = await services.dispatcher.continue_text(group(), ORGANIZER, "Picnic")
    assert second is not None and "When does it start?" in texts(second)
    wrong = await services.dispatcher.continue_text(group(), ORGANIZER, "someday")
    assert wrong is not None and wrong.error and "When does it start?" in texts(wrong)
    done = await services.dispatcher.continue_text(group(), ORGANIZER, "tomorrow 12:00")
    assert done is not None and "Event #1 created" in texts(done)
    assert await services.dispatcher.continue_text(group(), ORGANIZER, "hello") is None


async def test_plain_member_cannot_create_or_cancel(services: Services, messenger: RecordingMessenger) -> None:
    assert "Only event organizers" in await create(services, "Party | tomorrow 18:00", who=caller(uid="50"))
    await create(services, "Party | tomorrow 18:00")
    answer = await services.dispatcher.run_text(group(), caller(uid="50"), "cancelevent", "1")
    assert answer.error and "organizers" in texts(answer)


async def test_organizer_role_may_create(services: Services, messenger: RecordingMessenger) -> None:
    from bot.core.identity import PlatformId
    from bot.core.permissions import PlatformFacts

    spec = services.registry.by_discord(["setup", "roles"])
    assert spec is not None
    await services.dispatcher.run(
        group("discord", "55"), caller("discord", "9", manager=True), spec, {"organizer_role": "777"}
    )
    organizer = Caller(PlatformId.of("discord", "60"), "Olga", "en", PlatformFacts(role_ids=frozenset({"777"})))
    event_spec = services.registry.by_discord(["event", "create"])
    assert event_spec is not None
    answer = await services.dispatcher.run(
        group("discord", "55"), organizer, event_spec, {"title": "Jam", "when": "tomorrow 18:00"}
    )
    assert not answer.error, texts(answer)


async def test_reminders_reach_exactly_the_going_members_in_their_language(
    services: Services, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    await create(services, "Meetup | tomorrow 18:00")
    fi, de, maybe = caller(uid="20", locale="fi"), caller(uid="21"), caller(uid="22")
    await press(services, fi, "ev:rsvp:1:going")
    await services.dispatcher.press(group(), de, "lang:de")
    await press(services, de, "ev:rsvp:1:going")
    await press(services, maybe, "ev:rsvp:1:maybe")
    messenger.sent.clear()
    clock.set(START.replace(hour=18) + timedelta(days=1) - timedelta(hours=24))  # the 24 h reminder
    await services.reminders.tick()
    dms = {t.chat_id: (m, loc) for t, m, loc in messenger.sent if t.dm}
    assert set(dms) == {"20", "21"}
    assert dms["20"][1] == "fi" and dms["21"][1] == "de"
    assert "Meetup" in dms["20"][0].render_text("fi", str, str)
    channel = [m for t, m, _ in messenger.sent if not t.dm]
    assert len(channel) == 1
    await services.reminders.tick()  # nothing is sent twice
    assert len(messenger.sent) == 3
    clock.advance(timedelta(hours=23))  # the 1 h reminder
    await services.reminders.tick()
    assert len(messenger.sent) == 6


async def test_reminder_due_while_down_is_sent_late_or_reported_missed(
    services: Services, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    await create(services, "Late one | tomorrow 18:00")
    await press(services, caller(uid="30"), "ev:rsvp:1:going")
    messenger.sent.clear()
    due_24h = START.replace(hour=18)  # tomorrow 18:00 minus 24 h
    clock.set(due_24h + timedelta(minutes=30))  # back within the grace: sent, marked late
    await services.reminders.rehydrate()
    late = [m.render_text("en", str, str) for t, m, _ in messenger.sent if t.dm]
    assert len(late) == 1 and "late" in late[0]
    messenger.sent.clear()
    clock.set(due_24h + timedelta(days=1, hours=-1) + timedelta(hours=2))  # the 1 h reminder, 2 h overdue
    await services.reminders.rehydrate()
    async with services.engine.connect() as conn:
        statuses = dict(
            (await conn.execute(sa.select(event_reminders.c.offset_minutes, event_reminders.c.status))).all()
        )
    assert statuses == {1440: "sent", 60: "missed"}
    told = [m.render_text("en", str, str) for t, m, _ in messenger.sent]
    assert any("I was offline" in text for text in told)  # the organizer hears about it


async def test_blocked_dm_falls_back_to_a_channel_mention(
    services: Services, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    await create(services, "Fallback | tomorrow 18:00")
    await press(services, caller(uid="40", name="Dora"), "ev:rsvp:1:going")
    messenger.refuse.add("40")
    clock.set(START.replace(hour=18))
    await services.reminders.tick()
    await services.outbox.deliver_due()
    fallback = [m for t, m, _ in messenger.sent if not t.dm and m.mention_ids == ("40",)]
    assert fallback and "a reminder for you" in fallback[0].render_text("en", str, str)


async def test_cancel_tells_attendees_and_skips_reminders(
    services: Services, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    await create(services, "Gone | tomorrow 18:00")
    await press(services, caller(uid="41"), "ev:rsvp:1:going")
    answer = await services.dispatcher.run_text(group(), ORGANIZER, "cancelevent", "1 | storm")
    assert not answer.error
    told = [m.render_text("en", str, str) for t, m, _ in messenger.sent if t.dm and t.chat_id == "41"]
    assert told and "cancelled" in told[0] and "storm" in told[0]
    messenger.sent.clear()
    clock.set(START + timedelta(days=1))
    await services.reminders.tick()
    assert [t for t, _m, _ in messenger.sent if t.dm] == []
    assert "cancelled" in await press(services, caller(uid="42"), "ev:rsvp:1:going")


async def test_weekly_event_rolls_over_keeping_local_time_across_dst(
    services: Services, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    await services.dispatcher.run_text(group(), ORGANIZER, "settimezone", "Europe/Helsinki")
    spec = services.registry.by_telegram("newevent")
    assert spec is not None
    await services.dispatcher.run(
        group(), ORGANIZER, spec, {"title": "Weekly", "when": "2026-03-27 18:00", "repeat": "weekly"}
    )
    clock.set(START.replace(day=27, hour=17))  # Friday 19:00 Helsinki: the first one has started
    await services.reminders.tick()
    async with services.engine.connect() as conn:
        starts = (await conn.execute(sa.select(events.c.starts_at).order_by(events.c.id))).scalars().all()
    assert [s.hour for s in starts] == [16, 15]  # 18:00 local: UTC+2 before the change, UTC+3 after


async def test_ics_for_all_upcoming_events_parses_back(services: Services, messenger: RecordingMessenger) -> None:
    from icalendar import Calendar

    await create(services, "One | tomorrow 18:00")
    await create(services, "Two | tomorrow 20:00")
    answer = await services.dispatcher.run_text(group(), caller(uid="70"), "ics", "")
    attachment = answer.messages[0].attachments[0]
    calendar = Calendar.from_ical(attachment.data)
    assert [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")] == ["One", "Two"]


async def test_sends_go_through_the_outbox_once(
    services: Services, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    await create(services, "Once | tomorrow 18:00")
    await press(services, caller(uid="80"), "ev:rsvp:1:going")
    clock.set(START.replace(hour=18))
    await services.reminders.tick()
    await services.reminders.tick()
    async with services.engine.connect() as conn:
        keys = (await conn.execute(sa.select(outbox.c.key, outbox.c.status))).all()
    assert ("event:1:r1440:m" in k for k, _ in keys)
    assert sorted(s for _k, s in keys) == ["sent", "sent"]


INVISIBLE_TITLE = "\u200b\u200f\u2066\u2800\u3164"  # zero-width space, RLM, isolate, braille blank, Hangul filler


async def test_a_title_of_invisible_characters_counts_as_missing_and_nothing_is_written(
    services: Services, messenger: RecordingMessenger
) -> None:
    reply = await create(services, f"{INVISIBLE_TITLE} | tomorrow 18:00")
    assert "What is the event called?" in reply  # asked again, as for an empty title
    again = await services.dispatcher.continue_text(group(), ORGANIZER, " \u200b\u200e ")
    assert again is not None and "What is the event called?" in texts(again)
    assert await services.reminders.repo.upcoming(1, START) == [] and messenger.sent == []
    done = await services.dispatcher.continue_text(group(), ORGANIZER, "\u200b  Picnic \u202e\u200b")
    assert done is not None and not done.error, texts(done)
    (event,) = await services.reminders.repo.upcoming(1, START)
    assert event.title == "Picnic"  # padding and the override gone


async def test_editing_a_title_to_invisible_characters_is_refused_and_changes_nothing(
    services: Services, messenger: RecordingMessenger
) -> None:
    await create(services, "Walk | tomorrow 18:00 | \u200b\u200b | \u200f")
    (event,) = await services.reminders.repo.upcoming(1, START)
    assert event.description == "" and event.location == ""  # invisible description and location are none
    reply = await services.dispatcher.run_text(group(), ORGANIZER, "editevent", f"1 | title | {INVISIBLE_TITLE}")
    assert "What is the new value?" in texts(reply)
    with pytest.raises(BadArgument):  # and the handler refuses it on its own, whatever the front end
        await EventCommands(services.events).edit(
            await _invocation(services), {"event": "1", "field": "title", "value": "\u200b"}
        )
    (same,) = await services.reminders.repo.upcoming(1, START)
    assert same.title == "Walk"


async def _invocation(services: Services) -> Invocation:
    return await services.dispatcher.resolve(group(), ORGANIZER)


async def test_reminders_missed_while_down_reach_the_organizer_in_one_message_naming_them(
    services: Services, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    await create(services, "Long night | tomorrow 18:00 | | | | | | | 24h, 3h, 1h")
    await press(services, caller(uid="30"), "ev:rsvp:1:going")
    messenger.sent.clear()
    starts = START.replace(hour=18) + timedelta(days=1)
    clock.set(starts + timedelta(minutes=5))  # down through all three, each past its 1 h grace
    await services.reminders.rehydrate()
    await services.reminders.rehydrate()  # a second start-up tells nobody again
    to_organizer = [m.render_text("en", str, str) for t, m, _ in messenger.sent if t.dm and t.chat_id == "1"]
    assert len(to_organizer) == 1, to_organizer
    assert "1 day before, 3 hours before, 1 hour before" in to_organizer[0] and "Long night" in to_organizer[0]
    assert [t for t, _m, _ in messenger.sent if t.chat_id == "30"] == []  # the missed reminders were not sent
    async with services.engine.connect() as conn:
        statuses = set((await conn.execute(sa.select(event_reminders.c.status))).scalars())
    assert statuses == {"missed"}


async def test_a_single_missed_reminder_is_named_in_the_organizers_language(
    services: Services, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    await services.dispatcher.run_text(group(), ORGANIZER, "language", "de")
    await create(services, "Sauna | tomorrow 18:00 | | | | | | | 1h")
    messenger.sent.clear()
    clock.set(START.replace(hour=18) + timedelta(days=1, minutes=5))
    await services.reminders.rehydrate()
    (told,) = [(m, loc) for t, m, loc in messenger.sent if t.dm and t.chat_id == "1"]
    assert told[1] == "de" and "(Zeit bis zum Beginn: 1 Stunde)" in told[0].render_text("de", str, str)


async def test_the_typed_use_cases_work_without_an_invocation(
    services: Services, messenger: RecordingMessenger
) -> None:
    # What other features call (onboarding's nudges, the digest): no dispatcher, no parsed text.
    from bot.core.targets import Target
    from cogs.events.models import EventDraft

    community = await services.directory.community("telegram", "-1001", "Group", START)
    member = await services.directory.member_id("telegram", "5", "Org", START)
    draft = EventDraft(title="Standup", starts_at=START + timedelta(days=2), duration=timedelta(minutes=15))
    event = await services.events.create_event(
        community.id, member, Target.channel("telegram", "-1001"), "Europe/Helsinki", draft, START
    )
    assert event.reminder_offsets == (timedelta(hours=24), timedelta(hours=1))  # the defaults
    _event, change = await services.events.rsvp(community.id, member, event.id, RsvpStatus.GOING, START)
    assert change.changed and [e.id for e, _ in await services.events.member_events(member, START)] == [event.id]
    moved = await services.events.edit_event(event, START, starts_at=START + timedelta(days=3))
    assert moved.starts_at == START + timedelta(days=3)
    name, data, count = await services.events.calendar(community.id, None, "Group", START)
    assert (name, count) == ("events.ics", 1) and b"Standup" in data
