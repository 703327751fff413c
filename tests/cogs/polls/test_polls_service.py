"""Ring 1 for polls: the services with a fake clock, recording messengers, a recording native-poll capability
and real SQLite. Platform end-to-end runs are in tests/telegram and tests/discord."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bot.app import Services
from bot.core.clock import FakeClock
from bot.core.commands import Caller, Place
from bot.core.hub import MemberActed
from bot.core.outbound import OutMessage
from bot.core.targets import Target
from cogs.polls.models import NativeCountsSeen, NativePollRef, NativeVoteSeen, Poll, PollMode, Status, Tally
from cogs.polls.ports import NativePolls
from storage.tables import outbox, poll_answers, poll_votes, polls
from tests.cogs.polls.chart_bars import bars_in
from tests.cogs.test_dispatch import texts
from tests.cogs.test_outbox import RecordingMessenger
from tests.conftest import START, caller, group, private

OWNER = caller(uid="1")  # HEARTH_OWNERS: a manager everywhere
DISCORD = group("discord", "55")


class RecordingNative:
    """A platform's native polls as the feature sees them: records opens and stops, answers stops with counts."""

    def __init__(self, hides_voters: bool) -> None:
        self.hides_voters = hides_voters
        self.opened: list[tuple[Target, Poll, OutMessage]] = []
        self.stopped: list[int] = []
        self.final: Tally | None = None
        self.fail_stop = False

    async def send_poll(self, target: Target, poll: Poll, note: OutMessage, locale: str) -> NativePollRef:
        self.opened.append((target, poll, note))
        return NativePollRef(f"m{poll.id}", f"native-{poll.id}")

    async def stop_poll(self, poll: Poll) -> Tally | None:
        if self.fail_stop:
            raise ConnectionError("platform unreachable")
        self.stopped.append(poll.id)
        return self.final


@pytest.fixture
def messenger(services: Services) -> RecordingMessenger:
    recording = RecordingMessenger()
    services.messengers["telegram"] = recording
    services.messengers["discord"] = recording
    return recording


@pytest.fixture
def telegram_polls(services: Services) -> RecordingNative:
    native = RecordingNative(hides_voters=True)
    services.capabilities.provide("telegram", NativePolls, native)  # type: ignore[type-abstract]
    return native


@pytest.fixture
def discord_polls(services: Services) -> RecordingNative:
    native = RecordingNative(hides_voters=False)
    services.capabilities.provide("discord", NativePolls, native)  # type: ignore[type-abstract]
    return native


async def poll(services: Services, text: str, who: Caller = OWNER, place: Place | None = None) -> str:
    answer = await services.dispatcher.run_text(place or group(), who, "poll", text)
    return texts(answer) + ("!ERROR" if answer.error else "")


async def discord_poll(services: Services, who: Caller | None = None, **args: object) -> str:
    spec = services.registry.by_discord(["poll", "create"])
    assert spec is not None
    answer = await services.dispatcher.run(DISCORD, who or caller("discord", "1", manager=True), spec, args)
    return texts(answer) + ("!ERROR" if answer.error else "")


async def press(services: Services, who: Caller, action: str, place: Place | None = None) -> str:
    answer = await services.dispatcher.press(place or group(), who, action)
    return texts(answer) + ("!ERROR" if answer.error else "")


async def rows(services: Services, table: sa.Table) -> list[sa.Row]:
    async with services.engine.connect() as conn:
        return list((await conn.execute(sa.select(table))).all())


def last_results(messenger: RecordingMessenger) -> OutMessage:
    found = [m for _t, m, _l in messenger.sent if "Results of poll" in m.render_text("en", str, str)]
    assert found, [m.render_text("en", str, str) for _t, m, _l in messenger.sent]
    return found[-1]


# -- create ---------------------------------------------------------------------------------------------------
async def test_a_telegram_poll_opens_as_a_native_poll_with_a_note_on_closing(
    services: Services, telegram_polls: RecordingNative, messenger: RecordingMessenger
) -> None:
    reply = await poll(services, "Where do we meet? | Cafe | Park | Online | +2h")
    assert reply.startswith("Poll #1 created: Where do we meet?") and "Mar 2, 2026 14:00 (UTC)" in reply
    ((target, opened, note),) = telegram_polls.opened
    assert target.chat_id == "-1001" and opened.answers == ("Cafe", "Park", "Online")
    assert (opened.multiple, opened.anonymous, opened.mode) == (False, False, PollMode.NATIVE)
    assert "Poll #1 · closes" in note.render_text("en", str, str)
    (stored,) = await services.polls.repo.open_polls(1)
    assert (stored.message_id, stored.native_id, stored.closes_at) == ("m1", "native-1", START + timedelta(hours=2))
    assert messenger.sent == []  # the platform's own poll is the post


async def test_an_anonymous_poll_on_telegram_stays_native_but_on_discord_uses_buttons(
    services: Services, telegram_polls: RecordingNative, discord_polls: RecordingNative, messenger: RecordingMessenger
) -> None:
    await poll(services, "Snacks? | Chips | Fruit | +anonymous +multiple")
    assert telegram_polls.opened[0][1].anonymous and telegram_polls.opened[0][1].multiple
    reply = await discord_poll(services, question="Secret ballot", answers="Yes | No", anonymous=True)
    assert "nobody can see who voted" in reply and discord_polls.opened == []
    ((target, post, _locale),) = messenger.sent
    assert target.chat_id == "55" and [b.action for row in post.buttons for b in row] == ["pl:v:2:0", "pl:v:2:1"]
    assert "anonymous: nobody can see who voted" in post.render_text("en", str, str)


async def test_a_named_discord_poll_without_a_time_closes_after_discords_default_day(
    services: Services, discord_polls: RecordingNative
) -> None:
    reply = await discord_poll(services, question="Lunch?", answers="Pizza | Sushi")
    assert "!ERROR" not in reply
    (opened,) = await services.polls.repo.open_polls(1)
    assert opened.closes_at == START + timedelta(hours=24) and opened.mode is PollMode.NATIVE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Lunch? | Pizza", "A poll needs at least 2 answers"),
        ("Lunch? | " + " | ".join(f"A{i}" for i in range(13)), "Too many answers: 13. A poll here can have at most 12"),
        ("Lunch? | Pizza | pizza", "“pizza” is there twice"),
        ("Lunch? | " + "x" * 400 + " | Sushi", "Answer 1 is too long: 400 characters, at most 100 here."),
        ("Lunch? | Pizza | Sushi | +0m", "at least 1 minute"),
        ("Lunch? | Pizza | Sushi | +0", "at least 1 minute"),
        ("Lunch? | Pizza | Sushi | +91d", "at most 90 days here"),
        ("Lunch? | Pizza | Sushi | +2020-01-01 18:00", "is in the past"),
        ("Lunch? | Pizza | Sushi | +whenever", "I could not read “whenever” as a duration or a time"),
        ("Lunch? | Pizza | Sushi | +7", "Give the duration with a unit"),
        ("Q" * 301 + " | Pizza | Sushi", "question is too long: 301 characters, at most 300."),
    ],
)
async def test_bad_poll_input_is_refused_clearly_and_nothing_is_written(
    services: Services, telegram_polls: RecordingNative, text: str, expected: str
) -> None:
    reply = await poll(services, text)
    assert reply.endswith("!ERROR") and expected in reply
    assert await rows(services, polls) == [] and telegram_polls.opened == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"question": "Q", "answers": " | ".join(f"A{i}" for i in range(11))}, "at most 10"),
        ({"question": "Q", "answers": "x" * 56 + " | B"}, "Answer 1 is too long: 56 characters, at most 55 here."),
        ({"question": "Q", "answers": "A | B", "duration": "33d"}, "at most 32 days here"),
        ({"question": "Q", "answers": "A | B", "duration": "0"}, "at least 1 minute"),
        ({"question": "   ", "answers": "A | B"}, "Missing question. Use it like this: /poll create question:…"),
        ({"question": "Q", "answers": "A | B | +anonymous"}, "“+anonymous”"),  # options are Discord options there
    ],
)
async def test_discord_limits_are_ten_answers_of_55_characters_for_32_days(
    services: Services, discord_polls: RecordingNative, args: dict[str, object], expected: str
) -> None:
    reply = await discord_poll(services, **args)
    if "+anonymous" in str(args["answers"]):
        assert "!ERROR" not in reply  # "+anonymous" is just an answer's text on Discord
        assert discord_polls.opened[0][1].answers == ("A", "B", "+anonymous")
        return
    assert reply.endswith("!ERROR") and expected in reply and discord_polls.opened == []


async def test_errors_speak_the_callers_language(services: Services, telegram_polls: RecordingNative) -> None:
    finn = caller(uid="1", locale="fi")
    assert "Kyselyssä on oltava vähintään 2 vastausvaihtoehtoa" in await poll(services, "Lounas? | Pizza", finn)
    russian = caller(uid="1", locale="ru")
    assert "повторяется" in await poll(services, "Обед? | Пицца | пицца", russian)


async def test_a_plain_member_cannot_start_a_poll(services: Services, telegram_polls: RecordingNative) -> None:
    reply = await poll(services, "Lunch? | Pizza | Sushi", caller(uid="77"))
    assert reply.endswith("!ERROR") and "organizers" in reply
    assert await rows(services, polls) == []


async def test_a_poll_that_cannot_be_posted_is_not_kept(services: Services, telegram_polls: RecordingNative) -> None:
    async def refuse(*_args: object) -> NativePollRef:
        raise ConnectionError("no rights")

    telegram_polls.send_poll = refuse  # type: ignore[method-assign]
    reply = await poll(services, "Lunch? | Pizza | Sushi")
    assert reply.endswith("!ERROR") and "I can't post a poll in this channel" in reply
    assert await rows(services, polls) == [] and await rows(services, poll_answers) == []


async def test_guided_poll_asks_for_the_answers(services: Services, telegram_polls: RecordingNative) -> None:
    asked = await services.dispatcher.run_text(group(), OWNER, "poll", "Lunch?")
    assert "Send the answers separated by |" in texts(asked)
    bad = await services.dispatcher.continue_text(group(), OWNER, "Pizza")
    assert bad is not None and bad.error and "at least 2 answers" in texts(bad)
    done = await services.dispatcher.continue_text(group(), OWNER, "Pizza | Sushi | +multiple")
    assert done is not None and "Poll #1 created: Lunch?" in texts(done)
    assert telegram_polls.opened[0][1].multiple


# -- votes ----------------------------------------------------------------------------------------------------
async def test_button_votes_change_and_are_taken_back_with_live_counts(
    services: Services, discord_polls: RecordingNative, messenger: RecordingMessenger
) -> None:
    await discord_poll(services, question="Secret", answers="Yes | No | Maybe", anonymous=True)
    ann, ben = caller("discord", "10"), caller("discord", "11")
    assert "Your vote on poll #1: “Yes”" in await press(services, ann, "pl:v:1:0", DISCORD)
    assert "“No”" in await press(services, ben, "pl:v:1:1", DISCORD)
    assert "Your vote on poll #1: “No”" in await press(services, ann, "pl:v:1:1", DISCORD)  # changed
    await services.polls.drain()
    assert "2. No — 2 (100%)" in messenger.edited[-1][1].render_text("en", str, str)
    assert "taken back" in await press(services, ben, "pl:v:1:1", DISCORD)
    await services.polls.drain()
    shown = messenger.edited[-1][1].render_text("en", str, str)
    assert "1. Yes — 0 (0%)" in shown and "2. No — 1 (100%)" in shown and "1 vote" in shown
    assert len(await rows(services, poll_votes)) == 1
    assert "There is no poll #1 here" in await press(services, ann, "pl:v:1:0")  # another community's chat


async def test_multiple_choice_buttons_toggle_each_answer(
    services: Services, discord_polls: RecordingNative, messenger: RecordingMessenger
) -> None:
    await discord_poll(services, question="Snacks", answers="Chips | Fruit | Nuts", anonymous=True, multiple=True)
    ann = caller("discord", "10")
    await press(services, ann, "pl:v:1:0", DISCORD)
    assert "“Chips”, “Nuts”" in await press(services, ann, "pl:v:1:2", DISCORD)
    assert "Your vote on poll #1: “Nuts”" in await press(services, ann, "pl:v:1:0", DISCORD)
    assert "no longer works" in await press(services, ann, "pl:v:1:7", DISCORD)


async def test_native_votes_are_recorded_replaced_and_count_as_activity(
    services: Services, telegram_polls: RecordingNative
) -> None:
    acted: list[MemberActed] = []
    services.hub.subscribe(MemberActed, acted.append)
    await poll(services, "Lunch? | Pizza | Sushi | Tacos")
    now = START
    for user, options in (("10", (0,)), ("11", (1,)), ("10", (2,)), ("12", ()), ("13", (5,))):
        await services.hub.deliver(NativeVoteSeen("telegram", "native-1", user, f"U{user}", options, now))
    votes = await services.polls.repo.votes(1)
    assert sorted(votes.values()) == [(1,), (2,)]  # 10 changed to Tacos; 12 retracted nothing; 13 out of range
    assert [a.kind for a in acted] == ["vote", "vote", "vote"] and {a.community_id for a in acted} == {1}
    await services.hub.deliver(NativeVoteSeen("telegram", "native-404", "10", None, (0,), now))  # not ours: ignored


async def test_anonymous_counts_from_the_platform_are_kept_until_the_close(
    services: Services, telegram_polls: RecordingNative, messenger: RecordingMessenger
) -> None:
    await poll(services, "Snacks? | Chips | Fruit | +anonymous")
    await services.hub.deliver(NativeCountsSeen("telegram", "native-1", (3, 1), 4, False, START))
    (stored,) = await services.polls.repo.open_polls(1)
    assert stored.platform_counts == (3, 1) and stored.voters == 4
    telegram_polls.final = None  # the platform had closed it already: the last counts it sent stand
    assert "is closed" in texts(await services.dispatcher.run_text(group(), OWNER, "closepoll", "1"))
    text = last_results(messenger).render_text("en", str, str)
    assert "Winner: Chips with 3 votes (75%)." in text and "4 votes in total." in text


# -- close ----------------------------------------------------------------------------------------------------
async def test_the_poll_closes_on_time_once_with_results_and_a_chart(
    services: Services, telegram_polls: RecordingNative, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    await poll(services, "Where? | Cafe | Park | Online | +2h")
    telegram_polls.final = Tally((1, 2, 0), 3)
    clock.advance(timedelta(hours=1, minutes=59))
    await services.polls.closer.tick()
    assert telegram_polls.stopped == []
    clock.advance(timedelta(minutes=1))
    await services.polls.closer.tick()
    await services.polls.closer.tick()
    assert telegram_polls.stopped == [1]
    results = last_results(messenger)
    text = results.render_text("en", str, str)
    assert "Winner: Park with 2 votes (66.7%)." in text and "1. Cafe — 1 (33.3%)" in text
    assert "3. Online — 0 (0%)" in text
    ((chart),) = results.attachments
    assert chart.is_image and chart.filename == "poll-1.png" and bars_in(chart.data) == 3
    (closed,) = await services.polls.repo.closed_between(1, START, START + timedelta(days=1))
    assert closed.status is Status.CLOSED and closed.final_counts == (1, 2, 0) and closed.voters == 3
    async with services.engine.connect() as conn:
        keys = (await conn.execute(sa.select(outbox.c.key, outbox.c.status))).all()
    assert keys == [("poll:1:results", "sent")]


async def test_a_tie_is_named_in_words_and_in_finnish_numbers(
    services: Services, telegram_polls: RecordingNative, messenger: RecordingMessenger
) -> None:
    await poll(services, "Lounas? | Pizza | Sushi | Keitto", caller(uid="1", locale="fi"))
    telegram_polls.final = Tally((2, 2, 1), 5)
    await services.polls.close(1)
    results = last_results(messenger)
    text = results.render_text("fi", str, str)
    assert "Tasapeli: Pizza, Sushi, kullakin 2 ääntä (40 %)." in text and "3. Keitto — 1 (20 %)" in text
    assert messenger.sent[-1][2] == "fi"  # posted in the poll's language


async def test_only_the_creator_moderators_and_managers_may_close(
    services: Services, telegram_polls: RecordingNative
) -> None:
    await poll(services, "Lunch? | Pizza | Sushi")
    refused = await services.dispatcher.run_text(group(), caller(uid="77"), "closepoll", "1")
    assert refused.error and "Only the creator of poll #1, moderators and managers can close it." in texts(refused)
    assert telegram_polls.stopped == []
    done = await services.dispatcher.run_text(group(), caller(uid="78", moderator=True), "closepoll", "1")
    assert not done.error and "Poll #1 is closed" in texts(done)
    again = await services.dispatcher.run_text(group(), OWNER, "closepoll", "1")
    assert again.error and "already closed" in texts(again)


async def test_closing_by_reply_finds_the_poll_from_its_message(
    services: Services, telegram_polls: RecordingNative
) -> None:
    await poll(services, "Lunch? | Pizza | Sushi")
    replying = Place(group().platform, "-1001", "Group", group().channel, reply_to="m1")
    done = await services.dispatcher.run_text(replying, OWNER, "closepoll", "")
    assert not done.error and telegram_polls.stopped == [1]
    nothing = await services.dispatcher.run_text(group(), OWNER, "closepoll", "")
    assert nothing.error and "Reply to the poll" in texts(nothing)


async def test_a_platform_outage_while_stopping_keeps_the_poll_open_and_retries(
    services: Services, telegram_polls: RecordingNative, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    await poll(services, "Lunch? | Pizza | Sushi | +1h")
    telegram_polls.fail_stop = True
    clock.advance(timedelta(hours=1))
    await services.polls.closer.tick()
    (still,) = await services.polls.repo.open_polls(1)
    assert still.is_open
    telegram_polls.fail_stop = False
    clock.advance(timedelta(minutes=1))
    await services.polls.closer.tick()
    assert await services.polls.repo.open_polls(1) == [] and telegram_polls.stopped == [1]


async def test_a_restart_after_the_close_time_closes_once(
    services: Services, telegram_polls: RecordingNative, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    await poll(services, "Lunch? | Pizza | Sushi | +1h")
    clock.advance(timedelta(hours=5))
    await services.polls.rehydrate()
    await services.polls.rehydrate()
    assert telegram_polls.stopped == [1]
    assert len([m for _t, m, _l in messenger.sent if "Results of poll" in m.render_text("en", str, str)]) == 1


# -- export and the digest ------------------------------------------------------------------------------------
async def test_a_named_poll_exports_results_and_votes_an_anonymous_one_results_only(
    services: Services, telegram_polls: RecordingNative, discord_polls: RecordingNative, messenger: RecordingMessenger
) -> None:
    await poll(services, "Lunch? | Pizza | Sushi")
    await services.hub.deliver(NativeVoteSeen("telegram", "native-1", "10", "Aino Virtanen", (1,), START))
    answer = await services.dispatcher.run_text(group(), OWNER, "exportpoll", "1")
    (message,) = answer.messages
    assert message.private and [a.filename for a in message.attachments] == ["poll-1-results.csv", "poll-1-votes.csv"]
    results = list(csv.DictReader(io.StringIO(message.attachments[0].data.decode("utf-8-sig"))))
    assert [(r["answer"], r["votes"]) for r in results] == [("Pizza", "0"), ("Sushi", "1")]
    votes = list(csv.DictReader(io.StringIO(message.attachments[1].data.decode("utf-8-sig"))))
    assert [(v["voter"], v["platform_id"], v["answer"]) for v in votes] == [("Aino Virtanen", "telegram:10", "Sushi")]

    assert "!ERROR" not in await discord_poll(services, question="Secret", answers="Yes | No", anonymous=True)
    await press(services, caller("discord", "4242", "Zelda Voter"), "pl:v:2:0", DISCORD)
    spec = services.registry.by_discord(["export", "poll"])
    assert spec is not None
    exported = await services.dispatcher.run(DISCORD, caller("discord", "1", manager=True), spec, {"poll": "2"})
    (message,) = exported.messages
    assert [a.filename for a in message.attachments] == ["poll-2-results.csv"]
    assert b"Zelda" not in message.attachments[0].data and b"4242" not in message.attachments[0].data
    refused = await services.dispatcher.run(DISCORD, caller("discord", "4242"), spec, {"poll": "2"})
    assert refused.error and "manager" in texts(refused)


async def test_the_digest_reads_polls_closed_in_a_period(
    services: Services, telegram_polls: RecordingNative, clock: FakeClock
) -> None:
    await poll(services, "Lunch? | Pizza | Sushi")
    await poll(services, "Dinner? | Soup | Salad")
    telegram_polls.final = Tally((4, 1), 5)
    clock.advance(timedelta(days=2))
    await services.polls.close(1)
    found = await services.poll_results.polls_closed(1, START, START + timedelta(days=7))
    assert [(r.poll_id, r.tally.counts, r.tally.leaders) for r in found] == [(1, (4, 1), (0,))]
    assert await services.poll_results.polls_closed(1, START, START + timedelta(days=1)) == []


async def test_autocomplete_offers_a_member_only_their_own_open_polls(
    services: Services, discord_polls: RecordingNative
) -> None:
    organizer = Caller(caller("discord", "20").identity, "Olli", "en", caller("discord", "20").facts)
    await discord_poll(services, question="Lunch?", answers="Pizza | Sushi")
    spec = services.registry.by_discord(["poll", "close"])
    assert spec is not None
    everyone = await services.dispatcher.suggest(DISCORD, caller("discord", "4", moderator=True), spec, "poll", "")
    assert everyone == [("1", "#1 Lunch?")]
    assert await services.dispatcher.suggest(DISCORD, organizer, spec, "poll", "") == []
    assert await services.dispatcher.suggest(DISCORD, caller("discord", "4", moderator=True), spec, "poll", "din") == []


async def test_in_a_private_chat_poll_commands_say_where_to_use_them(
    services: Services, telegram_polls: RecordingNative
) -> None:
    for name, text in (("poll", "Lunch? | Pizza | Sushi"), ("closepoll", "1")):
        answer = await services.dispatcher.run_text(private(uid="1"), OWNER, name, text)
        assert answer.error and "in your community's group or server" in texts(answer), name
    assert await rows(services, polls) == []
    # An export is fine in private, for the manager's own community (none known yet here).
    stranger = await services.dispatcher.run_text(private(uid="1"), OWNER, "exportpoll", "1")
    assert stranger.error and "/link" in texts(stranger)
