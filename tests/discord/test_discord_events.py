"""Events end to end on Discord: the real discord.py client against FakeDiscord, on a fake clock.

/event create → public post with persistent RSVP buttons → RSVPs with capacity, waiting list and
promotion (told by DM) → reminders at 24 h and 1 h through `ReminderService.tick()` → /event list,
mine, ics and cancel. The services run on the root `clock` fixture (FakeClock at START, Monday
2026-03-02 12:00 UTC; the community zone is UTC), so "tomorrow 18:00" is Tuesday 18:00 UTC and the
reminders are due on Monday 18:00 (24 h) and Tuesday 17:00 (1 h)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from icalendar import Calendar
from pydantic import SecretStr

from bot.app import Services, build_services
from bot.core.clock import FakeClock
from bot.core.i18n import t_, tn_
from bot.core.outbound import OutMessage
from bot.core.targets import Target
from bot.discord.client import DiscordRuntime
from bot.discord.render import to_markdown
from cogs.events.models import EventStatus, RsvpStatus
from storage.tables import events, outbox
from tests.conftest import START, MakeSettings
from tests.discord.conftest import (
    ALICE,
    BOB,
    GENERAL,
    GUILD,
    HELPER,
    HELPER_ROLE,
    MANAGER,
    MODERATOR,
    RuntimeFactory,
    answered,
    slash,
)
from tests.fakes.discord import FakeDiscord, FakeInteraction, InvalidInteraction, InvalidOption, StoredMessage, perm

STARTS = datetime(2026, 3, 3, 18, 0, tzinfo=UTC)  # "tomorrow 18:00" read at START in the community zone (UTC)
STAMP = f"<t:{int(STARTS.timestamp())}:F>"  # how Discord shows it: in each viewer's own zone and language
GOING, MAYBE, NOT_GOING = "going", "maybe", "not_going"
REMINDER = "⏰ Reminder: **{title}** starts in {left}."
ORGANIZER = 7  # a member whose role has Manage Events only (not Manage Server)
ORGANIZER_ROLE = 303


@pytest.fixture
async def dc_services(make_settings: MakeSettings, fake: FakeDiscord, clock: FakeClock) -> AsyncIterator[Services]:
    """The Discord conftest's services on the fake clock (overrides its `dc_services` in this module)."""
    settings = make_settings(
        discord_token=SecretStr(fake.token),
        discord_api_base=fake.api_base,
        discord_gateway_url=fake.ws_url,
    )
    services = await build_services(settings, clock)
    assert services.clock is clock
    yield services
    await services.close()


# -- helpers ------------------------------------------------------------------------------------------
async def reply(fake: FakeDiscord, interaction: FakeInteraction) -> tuple[str, bool]:
    """The bot's answer to an interaction and whether only the invoker saw it."""
    text = await answered(fake, interaction)
    record = fake.interactions[interaction.id]
    assert record.original_id is not None
    return text, fake.messages[record.original_id].ephemeral


async def create(fake: FakeDiscord, user: int = MANAGER, **options: Any) -> tuple[str, bool]:
    options = {"title": "Board games", "when": "tomorrow 18:00", **options}
    return await reply(fake, await fake.invoke_slash(GUILD, GENERAL, user, "event create", options))


async def press(
    fake: FakeDiscord, user: int, choice: str, event: int = 1, locale: str | None = None, message: int | None = None
) -> tuple[str, bool]:
    """`user` clicks an RSVP button (on `message`, else on the latest message in #general that has it)."""
    custom_id = f"h:ev:rsvp:{event}:{choice}"
    return await reply(fake, await fake.invoke_button(GUILD, GENERAL, user, custom_id, message, locale=locale))


def post_of(fake: FakeDiscord, event: int = 1) -> StoredMessage:
    """The event's public post (sent through the messenger, not as an interaction response)."""
    found = [m for m in fake.bot_messages(GENERAL) if m.source == "rest" and m.content.startswith("**")]
    found = [m for m in found if f"(#{event})" in m.content.partition("\n")[0]]
    assert len(found) == 1, [m.content for m in fake.bot_messages(GENERAL)]
    return found[0]


def button_ids(message: StoredMessage) -> list[str]:
    return [c["custom_id"] for row in message.components for c in row["components"]]


def edits_of(fake: FakeDiscord, message: StoredMessage) -> int:
    return len(fake.calls_to("PATCH", rf"/channels/{GENERAL}/messages/{message.id}", status=200))


def post_count(fake: FakeDiscord) -> int:
    """Messages the bot tried to post in #general through REST (event posts, reminders)."""
    return len(fake.calls_to("POST", rf"/channels/{GENERAL}/messages"))


def message_posts(fake: FakeDiscord) -> int:
    """Every message the bot created through REST (channel posts and DMs), refused ones included."""
    return len(fake.calls_to("POST", r"/channels/\d+/messages"))


def reminders_to(fake: FakeDiscord, user: int) -> list[str]:
    return [m.content for m in fake.dms_to(user) if m.content.startswith("⏰")]


def channel_reminders(fake: FakeDiscord) -> list[StoredMessage]:
    return [m for m in fake.bot_messages(GENERAL) if m.source == "rest" and m.content.startswith("⏰")]


def reminder_line(locale: str, left: Any, title: str = "Board games") -> str:
    """The first reminder line as the catalog of `locale` renders it on Discord."""
    return to_markdown(OutMessage.of(t_(REMINDER, title=title, left=left)), locale)


async def event_rows(services: Services) -> int:
    async with services.engine.connect() as conn:
        return (await conn.execute(sa.select(sa.func.count()).select_from(events))).scalar_one()


async def statuses(services: Services, event: int = 1) -> dict[int, RsvpStatus]:
    """RSVPs by Discord user id."""
    out: dict[int, RsvpStatus] = {}
    for rsvp in await services.reminders.repo.rsvps(event):
        (identity,) = await services.directory.members.identities(rsvp.member_id)
        out[int(identity.user_id)] = rsvp.status
    return out


# -- create and the post ------------------------------------------------------------------------------
async def test_create_answers_ephemerally_and_posts_the_event_with_three_rsvp_buttons_and_a_timestamp(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    text, ephemeral = await create(fake, capacity=2, location="Cafe")
    assert ephemeral and text.startswith("Event #1 created: **Board games**") and STAMP in text
    post = post_of(fake)
    assert not post.ephemeral and post.channel_id == GENERAL
    assert button_ids(post) == ["h:ev:rsvp:1:going", "h:ev:rsvp:1:maybe", "h:ev:rsvp:1:not_going"]
    assert STAMP in post.content and "Cafe" in post.content and "0/2 going" in post.content
    assert post.allowed_mentions == {"parse": []} and not post.data["mention_everyone"]
    assert await event_rows(dc_services) == 1
    (event,) = await dc_services.reminders.repo.upcoming(1, START)
    assert event.starts_at == STARTS and event.capacity == 2 and event.location == "Cafe"


# -- RSVP, capacity, waiting list, promotion ----------------------------------------------------------
async def test_the_third_going_member_waits_and_is_promoted_with_a_dm_when_a_place_opens(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    await create(fake, capacity=2)
    post = post_of(fake)
    assert await press(fake, ALICE, GOING) == ("You are going to **Board games**. See you there!", True)
    assert (await press(fake, BOB, GOING))[0].startswith("You are going")
    text, ephemeral = await press(fake, HELPER, GOING)
    assert ephemeral and "is full: you are number 1 on the waiting list" in text
    assert edits_of(fake, post) == 3 and "✅ 2/2 going · ❔ 0 maybe · ⏳ 1 waiting" in fake.messages[post.id].content
    assert button_ids(fake.messages[post.id]) == button_ids(post)  # the edit keeps the buttons

    # Duplicate clicks: a clear answer, nothing written, no edit, no DM.
    assert "already answered “going”" in (await press(fake, ALICE, GOING))[0]
    assert "already on the waiting list for **Board games** (number 1)" in (await press(fake, HELPER, GOING))[0]
    assert edits_of(fake, post) == 3 and not any(fake.dms_to(u) for u in (ALICE, BOB, HELPER))

    text, ephemeral = await press(fake, ALICE, NOT_GOING)
    assert ephemeral and text == "Got it: you are not going to **Board games**."
    (dm,) = await fake.wait_for("POST", rf"/channels/{fake.dm_channel_id(HELPER)}/messages")
    assert dm.status == 200 and "a place opened up and you are now going to **Board games**" in dm.json["content"]
    assert STAMP in dm.json["content"] and dm.json["allowed_mentions"] == {"parse": []}
    assert "✅ 2/2 going · ❔ 0 maybe · ⏳ 0 waiting" in fake.messages[post.id].content
    assert "already answered “not going”" in (await press(fake, ALICE, NOT_GOING))[0]
    assert edits_of(fake, post) == 4 and [len(fake.dms_to(u)) for u in (ALICE, BOB, HELPER)] == [0, 0, 1]
    assert await statuses(dc_services) == {ALICE: RsvpStatus.NOT_GOING, BOB: RsvpStatus.GOING,
                                           HELPER: RsvpStatus.GOING}  # fmt: skip


async def test_simultaneous_clicks_never_overfill_the_event(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    crowd = list(range(20, 26))
    for user in crowd:
        fake.add_member(GUILD, user, f"user{user}")
    await create(fake, capacity=2)
    clicks = await asyncio.gather(*(fake.invoke_button(GUILD, GENERAL, u, "h:ev:rsvp:1:going") for u in crowd))
    answers = [text for text, _ in await asyncio.gather(*(reply(fake, c) for c in clicks))]
    assert sum(a.startswith("You are going") for a in answers) == 2
    positions = sorted(a.split("number ")[1].split(" ")[0] for a in answers if "waiting list" in a)
    assert positions == ["1", "2", "3", "4"]
    assert sorted(s.value for s in (await statuses(dc_services)).values()) == ["going"] * 2 + ["waitlist"] * 4


async def test_rsvp_buttons_keep_working_after_a_restart(
    make_runtime: RuntimeFactory, fake: FakeDiscord, dc_services: Services
) -> None:
    first = make_runtime()
    await first.start()
    await create(fake)
    await first.stop()
    await make_runtime().start()  # a new client: no in-memory view survives, the dynamic item routes the click
    assert (await press(fake, BOB, MAYBE))[0] == "Marked as maybe for **Board games**."
    assert "❔ 1 maybe" in fake.messages[post_of(fake).id].content


# -- reminders ----------------------------------------------------------------------------------------
async def test_reminders_at_24_h_and_1_h_reach_exactly_the_going_members_in_their_language_once(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services, clock: FakeClock
) -> None:
    await create(fake, capacity=2, location="Cafe")
    await press(fake, ALICE, GOING, locale="fi")  # Alice's Discord client is Finnish: her seen language
    await press(fake, BOB, GOING)
    await press(fake, HELPER, GOING)  # waiting list: no reminder
    await press(fake, MODERATOR, MAYBE)  # maybe: no reminder
    before = message_posts(fake)

    clock.set(STARTS - timedelta(hours=24))
    await dc_services.reminders.tick()
    day = tn_("{count} day", "{count} days", 1)
    (alice,), (bob,) = reminders_to(fake, ALICE), reminders_to(fake, BOB)
    assert alice.startswith(reminder_line("fi", day)) and bob.startswith(reminder_line("en", day))
    assert bob.startswith("⏰ Reminder: **Board games** starts in 1 day.") and "Cafe" in bob
    assert alice.startswith("⏰ Muistutus: **Board games** – alkuun on aikaa") and "Reminder" not in alice
    assert reminders_to(fake, HELPER) == reminders_to(fake, MODERATOR) == reminders_to(fake, MANAGER) == []
    (channel,) = channel_reminders(fake)
    assert channel.content.startswith(reminder_line("en", day)) and STAMP in channel.content
    assert message_posts(fake) == before + 3  # two DMs and one channel post
    async with dc_services.engine.connect() as conn:
        rows = (await conn.execute(sa.select(outbox.c.key, outbox.c.locale, outbox.c.target))).all()
    locales = {Target.from_json(r.target).chat_id: r.locale for r in rows if r.key.startswith("event:1:r1440:m")}
    assert locales == {str(ALICE): "fi", str(BOB): "en"}  # each copy queued in its reader's language

    await dc_services.reminders.tick()  # nothing is due any more: nothing is sent twice
    assert message_posts(fake) == before + 3

    clock.set(STARTS - timedelta(hours=1))
    await dc_services.reminders.tick()
    hour = tn_("{count} hour", "{count} hours", 1)
    assert reminders_to(fake, ALICE)[1].startswith(reminder_line("fi", hour))
    assert reminders_to(fake, BOB)[1].startswith("⏰ Reminder: **Board games** starts in 1 hour.")
    assert [len(reminders_to(fake, u)) for u in (ALICE, BOB, HELPER, MODERATOR)] == [2, 2, 0, 0]
    assert len(channel_reminders(fake)) == 2 and message_posts(fake) == before + 6
    await dc_services.reminders.tick()
    assert message_posts(fake) == before + 6


async def test_a_member_with_closed_dms_is_mentioned_in_the_channel_and_nobody_else_is_pinged(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services, clock: FakeClock
) -> None:
    await create(fake, title="@everyone BBQ <@&301>")
    await press(fake, ALICE, GOING)
    await press(fake, BOB, GOING)
    fake.dm_blocked(BOB)
    clock.set(STARTS - timedelta(hours=24))
    await dc_services.reminders.tick()
    assert fake.calls_to("POST", rf"/channels/{fake.dm_channel_id(BOB)}/messages", status=403)
    assert len(reminders_to(fake, ALICE)) == 1 and reminders_to(fake, BOB) == []
    await dc_services.outbox.deliver_due()  # the periodic outbox pass sends the fallback queued by the refusal
    (fallback,) = [m for m in fake.bot_messages(GENERAL) if "a reminder for you" in m.content]
    assert fallback.content.startswith(f"<@{BOB}>, a reminder for you:")
    assert "@\u200beveryone BBQ" in fallback.content and "<@&301>" not in fallback.content
    assert fallback.allowed_mentions is not None
    assert fallback.allowed_mentions["parse"] == [] and [int(u) for u in fallback.allowed_mentions["users"]] == [BOB]
    assert [u["id"] for u in fallback.data["mentions"]] == [str(BOB)]
    assert fallback.data["mention_roles"] == [] and fallback.data["mention_everyone"] is False
    (channel,) = channel_reminders(fake)  # the ordinary channel reminder pings nobody
    assert channel.allowed_mentions == {"parse": []} and channel.data["mentions"] == []
    await dc_services.outbox.deliver_due()
    await dc_services.reminders.tick()
    assert len([m for m in fake.bot_messages(GENERAL) if "a reminder for you" in m.content]) == 1


async def test_a_rate_limited_reminder_dm_is_retried_and_delivered_exactly_once(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services, clock: FakeClock
) -> None:
    await create(fake)
    await press(fake, ALICE, GOING)
    await press(fake, BOB, GOING)
    fake.fail_next("POST", rf"/channels/{fake.dm_channel_id(ALICE)}/messages", times=2, retry_after=0.01)
    clock.set(STARTS - timedelta(hours=24))
    await dc_services.reminders.tick()
    statuses_seen = [c.status for c in fake.calls_to("POST", rf"/channels/{fake.dm_channel_id(ALICE)}/messages")]
    assert statuses_seen == [429, 429, 200]
    assert len(reminders_to(fake, ALICE)) == len(reminders_to(fake, BOB)) == len(channel_reminders(fake)) == 1
    async with dc_services.engine.connect() as conn:
        rows = (await conn.execute(sa.select(outbox.c.key, outbox.c.status))).all()
    assert {r.status for r in rows if r.key.startswith("event:1:r1440:")} == {"sent"} and len(rows) == 3


# -- bad input and permissions ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"when": "2026-03-01 18:00"}, "is in the past. Give a future time, for example tomorrow 18:00"),
        ({"when": "when the moon is blue"}, "I could not read “when the moon is blue” as a time. Try tomorrow 18:00"),
        ({"title": "x" * 150}, "The title is too long: 150 characters, at most 100."),
        ({"title": "   "}, "Missing title. Use it like this: /event create title:… when:…"),
        ({"duration": "forever"}, "I could not read “forever” as a duration."),
    ],
    ids=["past", "unreadable-time", "long-title", "blank-title", "bad-duration"],
)
async def test_bad_input_is_answered_ephemerally_and_nothing_is_written(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services, options: dict[str, Any], expected: str
) -> None:
    text, ephemeral = await create(fake, **options)
    assert ephemeral and expected in text
    assert await event_rows(dc_services) == 0 and post_count(fake) == 0


async def test_discord_refuses_a_title_over_its_option_limit(runtime: DiscordRuntime, fake: FakeDiscord) -> None:
    with pytest.raises(InvalidOption, match="longer than max_length"):
        await create(fake, title="x" * 201)  # the synced option allows 200; the service allows 100 (see above)


@pytest.mark.parametrize("capacity", [0, -3])
async def test_capacity_below_one_is_refused_by_discord_and_again_by_the_bot(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services, capacity: int
) -> None:
    with pytest.raises(InvalidOption, match="below min_value 1"):
        await create(fake, capacity=capacity)
    # A client that skips the check (or a stale command definition) still reaches the bot: refused there.
    (event,) = [c for c in fake.commands[GUILD] if c["name"] == "event"]
    (create_def,) = [o for o in event["options"] if o["name"] == "create"]
    (capacity_def,) = [o for o in create_def["options"] if o["name"] == "capacity"]
    del capacity_def["min_value"]
    text, ephemeral = await create(fake, capacity=capacity)
    assert ephemeral and "capacity must be between 1 and" in text
    assert await event_rows(dc_services) == 0 and post_count(fake) == 0


async def test_event_commands_are_visible_to_all_so_the_bot_refuses_a_plain_member_itself(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    # /event mixes organizer subcommands with list/mine/ics, and Discord sets permissions per top-level
    # command only: the group is shown to everyone and the dispatcher's check is the only guard.
    (event,) = [c for c in fake.commands[GUILD] if c["name"] == "event"]
    assert event["default_member_permissions"] is None
    text, ephemeral = await create(fake, user=ALICE)
    assert ephemeral and text.startswith("Only event organizers can use this command.")
    assert await event_rows(dc_services) == 0 and post_count(fake) == 0

    await create(fake)  # by the manager
    post = post_of(fake)
    for command, options in [("event cancel", {"event": "1"}),
                             ("event edit", {"event": "1", "field": "title", "value": "Mine now"})]:  # fmt: skip
        text, ephemeral = await reply(fake, await fake.invoke_slash(GUILD, GENERAL, ALICE, command, options))
        assert ephemeral and text.startswith("Only event organizers can use this command.")
    (stored,) = await dc_services.reminders.repo.upcoming(1, START)
    assert stored.status is EventStatus.SCHEDULED and stored.title == "Board games" and edits_of(fake, post) == 0


async def test_manage_events_or_the_configured_organizer_role_may_create_events(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    fake.add_role(GUILD, {"id": ORGANIZER_ROLE, "name": "Event crew", "permissions": perm("manage_events")})
    fake.add_member(GUILD, ORGANIZER, "olli", roles=[ORGANIZER_ROLE])
    assert (await create(fake, user=ORGANIZER, title="Picnic"))[0].startswith("Event #1 created")

    assert (await create(fake, user=HELPER, title="Quiz"))[0].startswith("Only event organizers")
    assert await slash(fake, MANAGER, "setup roles", {"organizer_role": HELPER_ROLE}) == "Staff roles saved."
    assert (await create(fake, user=HELPER, title="Quiz"))[0].startswith("Event #2 created")
    assert await event_rows(dc_services) == 2 and post_of(fake, 2).content.startswith("**Quiz**")


# -- list, mine, ics ----------------------------------------------------------------------------------
async def test_ics_is_a_calendar_file_that_parses_back(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    await create(fake, location="Cafe", duration="2h")
    await create(fake, title="Sauna", when="2026-03-05 19:00")
    interaction = await fake.invoke_slash(GUILD, GENERAL, ALICE, "event ics", {"event": "1"})
    text, _ephemeral = await reply(fake, interaction)
    assert text.startswith("Calendar file with 1 event")  # (the text says "1 events": see the report)
    (callback,) = fake.calls_to("POST", rf"/interactions/{interaction.id}/[^/]+/callback")
    (file,) = callback.files  # sent as multipart/form-data
    assert file.filename == "event-1.ics"
    (vevent,) = Calendar.from_ical(file.content).walk("VEVENT")
    assert str(vevent["UID"]).startswith("hearth-event-1@") and str(vevent["SUMMARY"]) == "Board games"
    assert vevent.decoded("DTSTART") == STARTS and vevent.decoded("DTEND") == STARTS + timedelta(hours=2)
    assert str(vevent["LOCATION"]) == "Cafe" and str(vevent["STATUS"]) == "CONFIRMED"
    message = fake.messages[fake.interactions[interaction.id].original_id or 0]
    assert [a["filename"] for a in message.data["attachments"]] == ["event-1.ics"]

    everything = await fake.invoke_slash(GUILD, GENERAL, ALICE, "event ics", {})
    await answered(fake, everything)
    (callback,) = fake.calls_to("POST", rf"/interactions/{everything.id}/[^/]+/callback")
    calendar = Calendar.from_ical(callback.files[0].content)
    assert callback.files[0].filename == "events.ics"
    assert sorted(str(e["SUMMARY"]) for e in calendar.walk("VEVENT")) == ["Board games", "Sauna"]


async def test_list_shows_upcoming_events_with_working_buttons_and_mine_lists_my_answers(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    await create(fake)
    await create(fake, title="Sauna", when="2026-03-05 19:00")
    await create(fake, title="Quiz", when="2026-03-06 19:00")
    listing = await fake.invoke_slash(GUILD, GENERAL, BOB, "event list", {})
    record = await fake.wait_for_callback(listing)
    await fake.wait_for("POST", rf"/webhooks/\d+/{record.token}", count=2)
    shown = [fake.messages[i] for i in [record.original_id or 0, *record.followup_ids]]
    assert [m.content.partition("\n")[0] for m in shown] == ["**Board games** (#1)", "**Sauna** (#2)", "**Quiz** (#3)"]
    assert [button_ids(m)[0] for m in shown] == ["h:ev:rsvp:1:going", "h:ev:rsvp:2:going", "h:ev:rsvp:3:going"]

    # The listed copy's buttons work like the post's: the answer is recorded and the post updated.
    assert (await press(fake, BOB, GOING, event=2, message=shown[1].id))[0].startswith("You are going to **Sauna**")
    await press(fake, BOB, MAYBE, event=1)
    await press(fake, BOB, NOT_GOING, event=3)
    assert "✅ 1 going" in fake.messages[post_of(fake, 2).id].content

    text, ephemeral = await reply(fake, await fake.invoke_slash(GUILD, GENERAL, BOB, "event mine", {}))
    assert ephemeral
    assert text.split("\n") == [
        "**Your events**",  # "#" at a line start is escaped (a heading otherwise); Discord shows "#1"
        f"\\#1 Board games — {STAMP} — maybe",
        f"\\#2 Sauna — <t:{int(datetime(2026, 3, 5, 19, tzinfo=UTC).timestamp())}:F> — going",
    ]
    text, ephemeral = await reply(fake, await fake.invoke_slash(GUILD, GENERAL, ALICE, "event mine", {}))
    assert ephemeral and text == "You have not answered any upcoming event."


# -- cancel -------------------------------------------------------------------------------------------
async def test_cancel_edits_the_post_tells_attendees_the_reason_and_refuses_later_rsvps(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services, clock: FakeClock
) -> None:
    await create(fake)
    post = post_of(fake)
    await press(fake, ALICE, GOING)
    await press(fake, BOB, GOING)
    await press(fake, HELPER, NOT_GOING)
    listing = await fake.invoke_slash(GUILD, GENERAL, MODERATOR, "event list", {})  # a copy with buttons stays
    listed = fake.interactions[(await fake.wait_for_callback(listing)).id].original_id or 0

    text, _ = await reply(fake, await fake.invoke_slash(GUILD, GENERAL, MANAGER, "event cancel",
                                                        {"event": "1", "reason": "rain"}))  # fmt: skip
    assert text == "Event #1 cancelled; everyone who answered was told."
    cancelled = fake.messages[post.id]
    assert "**Cancelled.**" in cancelled.content and cancelled.components == []
    for user in (ALICE, BOB):
        (dm,) = fake.dms_to(user)
        assert dm.content == f"**Board games** ({STAMP}) has been cancelled.\nReason: rain"
    assert fake.dms_to(HELPER) == []  # answered "not going": not told

    with pytest.raises(InvalidInteraction):  # the post has no buttons any more
        await fake.invoke_button(GUILD, GENERAL, MODERATOR, "h:ev:rsvp:1:going", post.id)
    text, ephemeral = await press(fake, MODERATOR, GOING, message=listed)  # the old listing still has them
    assert ephemeral and text == "**Board games** was cancelled."
    assert await statuses(dc_services) == {ALICE: RsvpStatus.GOING, BOB: RsvpStatus.GOING,
                                           HELPER: RsvpStatus.NOT_GOING}  # fmt: skip
    assert "already cancelled" in (await reply(fake, await fake.invoke_slash(
        GUILD, GENERAL, MANAGER, "event cancel", {"event": "1"})))[0]  # fmt: skip

    before = message_posts(fake)
    clock.set(STARTS - timedelta(hours=1))  # both reminders are due now, but the event is cancelled
    await dc_services.reminders.tick()
    assert message_posts(fake) == before


async def test_mine_does_not_list_a_cancelled_event(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    await create(fake)
    await press(fake, ALICE, GOING)
    await slash(fake, MANAGER, "event cancel", {"event": "1"})
    text, _ = await reply(fake, await fake.invoke_slash(GUILD, GENERAL, ALICE, "event mine", {}))
    assert text == "You have not answered any upcoming event."


async def test_a_channel_the_bot_cannot_post_in_gets_a_clear_answer_and_no_event(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    deny_send = {"id": str(fake.bot_id), "type": 1, "allow": "0", "deny": str(perm("send_messages"))}
    fake.add_channel(GUILD, {"id": 210, "name": "read-only", "permission_overwrites": [deny_send]})
    options = {"title": "Board games", "when": "tomorrow 18:00"}
    text, ephemeral = await reply(fake, await fake.invoke_slash(GUILD, 210, MANAGER, "event create", options))
    assert fake.calls_to("POST", "/channels/210/messages", status=403)
    assert ephemeral and "Sorry, something went wrong" not in text  # today: the generic apology …
    assert await event_rows(dc_services) == 0  # … and an event without a post, whose reminders will still fire
