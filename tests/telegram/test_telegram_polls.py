"""Polls and surveys end to end on Telegram: native polls through sendPoll, named votes from poll_answer,
anonymous counts from poll updates, closing on time by the real scheduler under a moved clock (and once after
a restart), closing by reply, results with a chart photo, surveys with buttons and a private comment, CSV
exports; bad input answered clearly with nothing written."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from bot.app import Services, build_services
from bot.telegram.application import TelegramRuntime
from bot.telegram.ratelimit import HearthRateLimiter
from config.settings import Settings
from storage.tables import poll_answers, poll_votes, polls, survey_answers, surveys
from tests.cogs.polls.chart_bars import bars_in
from tests.conftest import MakeSettings
from tests.fakes.telegram import Call, FakeTelegram
from tests.telegram.conftest import GROUP, OWNER, Waits
from tests.telegram.test_telegram_events import settings_for

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
MOD = 50  # an administrator who can restrict members: a moderator
AINO, BEN, CARL = 30, 31, 32
CHART_WAIT = 30.0  # the first chart in a process loads matplotlib: seconds on a busy machine


@pytest.fixture
def settings(make_settings: MakeSettings, tg: FakeTelegram) -> Settings:
    """One bot's settings, kept across its restarts in a test (on this test's database engine)."""
    return settings_for(make_settings, tg)


class Bot:
    """One running Hearth (services + Telegram runtime + scheduler) under a frozen, movable clock."""

    def __init__(self, services: Services, runtime: TelegramRuntime) -> None:
        self.services = services
        self.runtime = runtime

    @classmethod
    async def start(cls, settings: Settings, tg: FakeTelegram) -> Bot:
        services = await build_services(settings)
        runtime = TelegramRuntime(services.deps, poll_timeout=1, rate_limiter=HearthRateLimiter(sleep=Waits([]).sleep))
        services.messengers["telegram"] = runtime.messenger
        await runtime.start()
        services.scheduler.start()
        for work in services.after_ready:
            await work()
        await tg.wait_polling()
        return cls(services, runtime)

    async def stop(self) -> None:
        await self.services.scheduler.stop()
        for work in self.services.before_stop:
            await work()
        await self.runtime.stop()
        while self.services._tasks:
            await asyncio.gather(*list(self.services._tasks), return_exceptions=True)
        await self.services.close()

    async def count(self, table: sa.Table) -> int:
        async with self.services.engine.connect() as conn:
            return (await conn.execute(sa.select(sa.func.count()).select_from(table))).scalar_one()


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
async def bot(settings: Settings, tg: FakeTelegram, clock: time_machine.Coordinates) -> Iterator[Bot]:
    tg.set_member(GROUP, MOD, "administrator", can_restrict_members=True, can_change_info=False)
    tg.set_user(AINO, first_name="Aino", language_code="fi")
    running = await Bot.start(settings, tg)
    yield running  # type: ignore[misc]
    await running.stop()


async def say(tg: FakeTelegram, user: int, text: str, chat: int = GROUP, **kw: object) -> str:
    """The first message sent after the command."""
    before = len(tg.calls_to("sendMessage"))
    tg.push_update(tg.message_update(chat, user, text, **kw))  # type: ignore[arg-type]
    calls = await tg.wait_for("sendMessage", count=before + 1)
    return str(calls[before].params["text"])


async def answered(tg: FakeTelegram, user: int, text: str, **kw: object) -> str:
    """The bot's answer to the command (a reply to it), whatever else it sent first (posts, results)."""
    update = tg.push_update(tg.message_update(GROUP, user, text, **kw))  # type: ignore[arg-type]
    mid = update["message"]["message_id"]

    def is_reply(c: Call) -> bool:
        return (c.params.get("reply_parameters") or {}).get("message_id") == mid

    return str((await tg.wait_for("sendMessage", predicate=is_reply, timeout=CHART_WAIT))[0].params["text"])


async def settle(tg: FakeTelegram) -> None:
    """Updates are handled in order: once a later command is answered, the earlier updates were handled."""
    await say(tg, OWNER, "/help")


async def advance(traveller: time_machine.Coordinates, bot: Bot, to: datetime) -> None:
    traveller.move_to(to)
    bot.services.scheduler.wakeup()
    for _ in range(50):
        await asyncio.sleep(0)


def sent_polls(tg: FakeTelegram) -> list[Call]:
    return [c for c in tg.calls_to("sendPoll") if c.ok]


def survey_posts(tg: FakeTelegram) -> list[Call]:
    return [c for c in tg.calls_to("sendMessage") if c.params["chat_id"] == GROUP and c.params.get("reply_markup")]


def results_posts(tg: FakeTelegram) -> list[str]:
    return [str(c.params["text"]) for c in tg.calls_to("sendMessage") if "Results of poll" in str(c.params["text"])]


# -- named poll: native, votes, change, close on time ---------------------------------------------------------
async def test_a_named_poll_records_answers_and_closes_on_time_with_results_and_a_chart(
    bot: Bot, tg: FakeTelegram, clock: time_machine.Coordinates
) -> None:
    reply = await say(tg, OWNER, "/poll Where do we meet? | Cafe | Park | Online | +2h")
    assert reply.startswith("Poll #1 created: Where do we meet?") and "Dec 1, 2026 12:00 (UTC)" in reply
    (sent,) = sent_polls(tg)
    assert sent.params["question"] == "Where do we meet?" and sent.params["chat_id"] == GROUP
    assert [o["text"] for o in sent.params["options"]] == ["Cafe", "Park", "Online"]
    assert sent.params["is_anonymous"] is False and sent.params.get("allows_multiple_answers", False) is False
    assert "open_period" not in sent.params and "close_date" not in sent.params  # Hearth closes it
    assert "Poll #1 · closes" in sent.params["description"]
    poll_id = sent.result["poll"]["id"]

    tg.push_update(tg.poll_answer_update(poll_id, AINO, [0]))
    tg.push_update(tg.poll_answer_update(poll_id, BEN, [1]))
    tg.push_update(tg.poll_answer_update(poll_id, CARL, [1]))
    tg.push_update(tg.poll_answer_update(poll_id, AINO, [1]))  # Aino changes her vote
    tg.push_update(tg.poll_answer_update(poll_id, CARL, []))  # Carl takes his back
    tg.push_update(tg.poll_update(poll_id, [0, 2, 0]))
    await settle(tg)
    assert sorted((await bot.services.polls.repo.votes(1)).values()) == [(1,), (1,)]

    await advance(clock, bot, NOW + timedelta(hours=1, minutes=59))
    await settle(tg)
    assert tg.calls_to("stopPoll") == []
    await advance(clock, bot, NOW + timedelta(hours=2))
    (stop,) = await tg.wait_for("stopPoll", timeout=CHART_WAIT)
    assert stop.params == {"chat_id": GROUP, "message_id": sent.result["message_id"]}
    (photo,) = await tg.wait_for("sendPhoto", timeout=CHART_WAIT)
    (text,) = results_posts(tg)
    assert "Winner: <b>Park</b> with 2 votes (100%)." in text and "3. Online — 0 (0%)" in text
    assert photo.params["chat_id"] == GROUP and bars_in(photo.files["photo"]) == 3
    async with bot.services.engine.connect() as conn:
        final = dict((await conn.execute(sa.select(poll_answers.c.position, poll_answers.c.final_count))).all())
        status = (await conn.execute(sa.select(polls.c.status))).scalar_one()
    assert final == {0: 0, 1: 2, 2: 0} and status == "closed"
    await advance(clock, bot, NOW + timedelta(hours=3))
    await settle(tg)
    assert len(tg.calls_to("stopPoll")) == 1 and len(results_posts(tg)) == 1


async def test_an_anonymous_multiple_choice_poll_counts_from_poll_updates_and_closes_by_reply(
    bot: Bot, tg: FakeTelegram
) -> None:
    await say(tg, OWNER, "/poll Snacks? | Chips | Fruit | Nuts | +anonymous +multiple")
    (sent,) = sent_polls(tg)
    assert sent.params["is_anonymous"] is True and sent.params["allows_multiple_answers"] is True
    poll_id, message_id = sent.result["poll"]["id"], sent.result["message_id"]
    with pytest.raises(ValueError, match="anonymous polls deliver no poll_answer"):
        tg.poll_answer_update(poll_id, AINO, [0])  # Telegram never tells who voted in an anonymous poll
    tg.push_update(tg.poll_update(poll_id, [2, 1, 0]))
    await settle(tg)

    refused = await say(tg, AINO, "/closepoll", reply_to=message_id)
    assert "Vain kyselyn #1 luoja" in refused  # a plain member, in her own language
    assert tg.calls_to("stopPoll") == []
    closed = await answered(tg, MOD, "/closepoll", reply_to=message_id)
    assert "Poll #1 is closed" in closed
    await tg.wait_for("sendPhoto", timeout=CHART_WAIT)
    (text,) = results_posts(tg)
    assert "Winner: <b>Chips</b> with 2 votes" in text and "members voted" in text
    assert "already closed" in await answered(tg, OWNER, "/closepoll 1")


async def test_a_restart_after_the_close_time_closes_the_poll_once(
    settings: Settings, tg: FakeTelegram, clock: time_machine.Coordinates
) -> None:
    bot = await Bot.start(settings, tg)
    await say(tg, OWNER, "/poll Lunch? | Pizza | Sushi | +1h")
    await bot.stop()
    clock.move_to(NOW + timedelta(hours=6))  # down through the close time
    bot = await Bot.start(settings, tg)
    try:
        await tg.wait_for("sendPhoto", timeout=CHART_WAIT)
        assert len(tg.calls_to("stopPoll")) == 1 and len(results_posts(tg)) == 1
    finally:
        await bot.stop()
    bot = await Bot.start(settings, tg)
    try:
        await settle(tg)
        assert len(tg.calls_to("stopPoll")) == 1 and len(results_posts(tg)) == 1
    finally:
        await bot.stop()


async def test_a_guided_poll_asks_for_the_answers(bot: Bot, tg: FakeTelegram) -> None:
    assert "Send the answers separated by |" in await answered(tg, OWNER, "/poll Lunch?")
    assert "Poll #1 created: Lunch?" in await answered(tg, OWNER, "Pizza | Sushi | Soup")
    assert [o["text"] for o in sent_polls(tg)[0].params["options"]] == ["Pizza", "Sushi", "Soup"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/poll Lunch? | Pizza", "A poll needs at least 2 answers"),
        ("/poll Lunch? | " + " | ".join(f"Dish {i}" for i in range(13)), "Too many answers: 13"),
        ("/poll Lunch? | Pizza | Sushi | PIZZA", "“PIZZA” is there twice"),
        ("/poll Lunch? | " + "x" * 400 + " | Sushi", "Answer 1 is too long: 400 characters, at most 100 here."),
        ("/poll Lunch? | Pizza | Sushi | +0m", "at least 1 minute"),
        ("/poll Lunch? | Pizza | Sushi | +100d", "at most 90 days here"),
        ("/poll Lunch? | Pizza | Sushi | +often", "as a duration or a time"),
    ],
)
async def test_bad_poll_input_is_answered_and_nothing_is_sent_or_stored(
    bot: Bot, tg: FakeTelegram, text: str, expected: str
) -> None:
    assert expected in await say(tg, OWNER, text)
    assert sent_polls(tg) == [] and await bot.count(polls) == 0


async def test_an_empty_question_is_asked_for_and_a_plain_member_may_not_start_a_poll(
    bot: Bot, tg: FakeTelegram
) -> None:
    assert "What is the question?" in await say(tg, OWNER, "/poll  | Pizza | Sushi")
    assert "Stopped" in await say(tg, OWNER, "/cancel")
    assert "organizers" in await say(tg, BEN, "/poll Lunch? | Pizza | Sushi")
    assert sent_polls(tg) == [] and await bot.count(polls) == 0


async def test_a_poll_the_group_refuses_is_not_kept(bot: Bot, tg: FakeTelegram) -> None:
    tg.fail_next("sendPoll", error_code=400, description="Bad Request: not enough rights to send polls to the chat")
    assert "I can't post a poll in this channel" in await say(tg, OWNER, "/poll Lunch? | Pizza | Sushi")
    assert await bot.count(polls) == 0


async def test_exporting_a_named_poll_sends_the_csv_privately(bot: Bot, tg: FakeTelegram) -> None:
    await say(tg, OWNER, "/poll Lunch? | Pizza | Sushi")
    (sent,) = sent_polls(tg)
    tg.push_update(tg.poll_answer_update(sent.result["poll"]["id"], AINO, [1]))
    await settle(tg)
    note = await answered(tg, OWNER, "/exportpoll", reply_to=sent.result["message_id"])
    assert note == "I sent you a private message."
    files = [c for c in tg.calls_to("sendDocument") if c.params["chat_id"] == OWNER]
    assert [c.filenames["document"] for c in files] == ["poll-1-results.csv", "poll-1-votes.csv"]
    votes = list(csv.DictReader(io.StringIO(files[1].files["document"].decode("utf-8-sig"))))
    assert [(v["voter"], v["platform_id"], v["answer"]) for v in votes] == [("Aino", f"telegram:{AINO}", "Sushi")]
    assert "Only a manager" in await say(tg, BEN, "/exportpoll 1")
    assert await bot.count(poll_votes) == 1


# -- surveys --------------------------------------------------------------------------------------------------
async def test_an_nps_survey_with_buttons_a_private_comment_and_results_with_the_margin(
    bot: Bot, tg: FakeTelegram
) -> None:
    posted = await say(tg, OWNER, "/survey nps | 3d")  # the survey's post, then the answer to the command
    assert posted.startswith("📋 <b>How likely are you to recommend Hearth Testers to a friend?</b>")
    reply = (await tg.wait_for("sendMessage", predicate=lambda c: "Survey #1 posted" in c.params["text"]))[0]
    assert "Closes Fri, Dec 4, 2026 10:00 (UTC)." in reply.params["text"]  # answering the command
    (post,) = survey_posts(tg)
    buttons = [b["callback_data"] for row in post.params["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == [f"sv:a:1:{s}" for s in range(11)]
    message_id = post.result["message_id"]

    answer = await click(tg, AINO, "sv:a:1:10", message_id)
    assert answer.startswith("Kiitos!")  # in Finnish; the comment is offered in a private chat
    (offer,) = [c for c in tg.calls_to("sendMessage") if c.params["chat_id"] == AINO]
    assert offer.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "sv:c:1"
    tg.push_update(tg.callback_update(AINO, AINO, "sv:c:1", offer.result["message_id"], chat_type="private"))
    asked = await tg.wait_for("sendMessage", predicate=lambda c: c.params["chat_id"] == AINO, count=3)
    assert "Mitä haluaisit kertoa" in asked[-1].params["text"]
    tg.push_update(tg.message_update(AINO, AINO, "More evening meetups, please", chat_type="private"))
    saved = await tg.wait_for("sendMessage", predicate=lambda c: c.params["chat_id"] == AINO, count=4)
    assert "kommenttisi" in saved[-1].params["text"].lower()

    tg.forbid_chat(BEN)  # never started a chat with the bot: the answer still counts
    assert await click(tg, BEN, "sv:a:1:9", message_id) == "Thanks! Your answer: 9."
    assert (await click(tg, CARL, "sv:a:1:3", message_id)).startswith("Thanks!")
    assert "Your answer is now 6" in await click(tg, CARL, "sv:a:1:6", message_id)  # changed
    assert "go from 0 to 10" in await click(tg, CARL, "sv:a:1:11", message_id)  # outside the scale
    assert await bot.count(survey_answers) == 3

    closed = await answered(tg, MOD, "/closepoll", reply_to=message_id)
    assert "Survey #1 is closed" in closed
    text = (await tg.wait_for("sendMessage", predicate=lambda c: "Results of NPS survey #1" in c.params["text"]))[0]
    # 10, 9 promoters, 6 detractor: NPS 33.3; scores +1 +1 −1, s² = 4/3, margin 1.96·√(4/9)·100 = 130.7.
    assert "NPS <b>33</b> ± 131 (95% margin of error, 3 answers)." in text.params["text"]
    assert "1 comment was left for the managers." in text.params["text"]
    assert "Survey #1 is closed" in await click(tg, BEN, "sv:a:1:5", message_id)

    assert "I sent you a private message" in await answered(tg, OWNER, "/exportsurvey 1")
    await tg.wait_for("sendDocument", count=2)
    files = {c.filenames["document"]: c.files["document"] for c in tg.calls_to("sendDocument")}
    rows = list(csv.DictReader(io.StringIO(files["survey-1-answers.csv"].decode("utf-8-sig"))))
    assert sorted(r["score"] for r in rows) == ["10", "6", "9"]
    assert [r["comment"] for r in rows if r["comment"]] == ["More evening meetups, please"]
    assert b"Aino" not in files["survey-1-answers.csv"] and str(AINO).encode() not in files["survey-1-answers.csv"]


async def test_a_csat_survey_shows_the_trend_against_the_previous_one(bot: Bot, tg: FakeTelegram) -> None:
    await say(tg, OWNER, "/survey csat | 1d | How was the meetup?")
    (first,) = survey_posts(tg)
    assert [b["callback_data"] for b in first.params["reply_markup"]["inline_keyboard"][0]] == [
        f"sv:a:1:{s}" for s in range(1, 6)
    ]
    for user, score in ((AINO, 5), (BEN, 2)):
        await click(tg, user, f"sv:a:1:{score}", first.result["message_id"])
    assert "Survey #1 is closed" in await answered(tg, OWNER, "/closepoll", reply_to=first.result["message_id"])
    await answered(tg, OWNER, "/survey csat | 1d | How was the workshop?")
    (_first, second) = survey_posts(tg)
    for user, score in ((AINO, 5), (BEN, 4), (CARL, 4)):
        await click(tg, user, f"sv:a:2:{score}", second.result["message_id"])
    await say(tg, OWNER, "/closepoll", reply_to=second.result["message_id"])
    text = (await tg.wait_for("sendMessage", predicate=lambda c: "CSAT survey #2" in c.params["text"]))[0]
    # Wilson, n = 3, p̂ = 1: centre (1 + 3.8416/6) / (1 + 3.8416/3) = 0.7193, half 1.96·√(3.8416/36) / 2.2805 = 0.2807.
    assert "CSAT <b>100%</b> satisfied (4 or 5), 95% interval 43.8%–100% (3 answers)." in text.params["text"]
    assert "Up from 50% in survey #1." in text.params["text"]
    assert await bot.count(surveys) == 2


async def test_bad_survey_input_is_answered(bot: Bot, tg: FakeTelegram) -> None:
    assert "Which survey?" in await say(tg, OWNER, "/survey")
    assert "kind must be one of: nps, csat" in await say(tg, OWNER, "/survey mood")
    assert "at least 1 minute" in await say(tg, OWNER, "/survey nps | 0m")
    assert "organizers" in await say(tg, BEN, "/survey nps")
    assert await bot.count(surveys) == 0


async def click(tg: FakeTelegram, user: int, data: str, message_id: int) -> str:
    before = len(tg.calls_to("answerCallbackQuery"))
    tg.push_update(tg.callback_update(GROUP, user, data, message_id))
    calls = await tg.wait_for("answerCallbackQuery", count=before + 1)
    return str(calls[before].params.get("text", ""))
