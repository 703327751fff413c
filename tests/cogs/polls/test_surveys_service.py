"""Ring 1 for surveys: NPS and CSAT posts, one changeable answer per member, comments, closing, results with
margins and trends, exports and what the digest reads; the member-data contract for votes and answers."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bot.app import Services
from bot.core.clock import FakeClock
from bot.core.commands import Caller
from bot.core.hub import MemberActed
from cogs.polls.models import NativeVoteSeen
from cogs.polls.ports import NativePolls
from storage.tables import poll_votes, survey_answers, surveys
from tests.cogs.polls.test_polls_service import OWNER, RecordingNative
from tests.cogs.test_dispatch import texts
from tests.cogs.test_outbox import RecordingMessenger
from tests.conftest import START, caller, group, private

DISCORD = group("discord", "55")


@pytest.fixture
def messenger(services: Services) -> RecordingMessenger:
    recording = RecordingMessenger()
    for platform in ("telegram", "discord", "console"):
        services.messengers[platform] = recording
    return recording


async def survey(services: Services, text: str, who: Caller = OWNER) -> str:
    answer = await services.dispatcher.run_text(group(), who, "survey", text)
    return texts(answer) + ("!ERROR" if answer.error else "")


async def press(services: Services, who: Caller, action: str, place: object = None) -> str:
    answer = await services.dispatcher.press(place or group(), who, action)  # type: ignore[arg-type]
    return texts(answer) + ("!ERROR" if answer.error else "")


async def count(services: Services, table: sa.Table) -> int:
    async with services.engine.connect() as conn:
        return (await conn.execute(sa.select(sa.func.count()).select_from(table))).scalar_one()


def sent_texts(messenger: RecordingMessenger, needle: str) -> list[str]:
    return [m.render_text("en", str, str) for _t, m, _l in messenger.sent if needle in m.render_text("en", str, str)]


async def test_an_nps_survey_is_posted_with_eleven_buttons_for_a_week(
    services: Services, messenger: RecordingMessenger
) -> None:
    reply = await survey(services, "nps")
    assert reply.startswith("Survey #1 posted: How likely are you to recommend Group to a friend?")
    assert "Closes Mon, Mar 9, 2026 12:00 (UTC)." in reply
    ((target, post, _locale),) = messenger.sent
    assert target.chat_id == "-1001"
    assert [[b.action for b in row] for row in post.buttons] == [
        ["sv:a:1:0", "sv:a:1:1", "sv:a:1:2", "sv:a:1:3"],
        ["sv:a:1:4", "sv:a:1:5", "sv:a:1:6", "sv:a:1:7"],
        ["sv:a:1:8", "sv:a:1:9", "sv:a:1:10"],
    ]
    assert "never who gave them" in post.render_text("en", str, str)


async def test_one_answer_per_member_changeable_and_inside_the_scale(
    services: Services, messenger: RecordingMessenger
) -> None:
    acted: list[MemberActed] = []
    services.hub.subscribe(MemberActed, acted.append)
    await survey(services, "csat | 2d | How was the meetup?")
    ann = caller(uid="10")
    assert "Thanks! Your answer: 4." in await press(services, ann, "sv:a:1:4")
    assert "Your answer is now 5" in await press(services, ann, "sv:a:1:5")
    assert "already 5" in await press(services, ann, "sv:a:1:5")
    for bad in ("sv:a:1:0", "sv:a:1:6", "sv:a:1:-1"):
        assert "Answers to survey #1 go from 1 to 5." in await press(services, ann, bad)
    assert "no longer works" in await press(services, ann, "sv:x:1:3")
    assert "There is no survey #9 here" in await press(services, ann, "sv:a:9:3")
    (answer,) = await services.surveys.repo.answers(1)
    assert (answer.score, await count(services, survey_answers)) == (5, 1)
    assert [a.kind for a in acted] == ["survey", "survey"]


async def test_on_telegram_the_comment_is_asked_in_a_private_dialogue(
    services: Services, messenger: RecordingMessenger
) -> None:
    await survey(services, "nps")
    ann = caller(uid="10", locale="ru")
    assert "Для комментария я написал вам в личные сообщения." in await press(services, ann, "sv:a:1:9")
    (offer,) = [m for t, m, _l in messenger.sent if t.dm and t.chat_id == "10"]
    assert [b.action for row in offer.buttons for b in row] == ["sv:c:1"]
    asked = await services.dispatcher.press(private(uid="10"), ann, "sv:c:1")
    assert asked.form is None and "Что бы вы хотели сказать менеджерам?" in texts(asked)
    done = await services.dispatcher.continue_text(private(uid="10"), ann, "Больше  встреч\nвечером")
    assert done is not None and not done.error and "комментарий к анкете #1 сохранён" in texts(done)
    (answer,) = await services.surveys.repo.answers(1)
    assert answer.comment == "Больше встреч вечером"


async def test_on_discord_the_comment_button_opens_a_form(services: Services, messenger: RecordingMessenger) -> None:
    spec = services.registry.by_discord(["survey", "csat"])
    assert spec is not None
    manager = caller("discord", "1", manager=True)
    await services.dispatcher.run(DISCORD, manager, spec, {"question": "Good talks?"})
    answered = await services.dispatcher.press(DISCORD, caller("discord", "10"), "sv:a:1:5")
    (message,) = answered.messages
    assert message.ephemeral and [b.action for row in message.buttons for b in row] == ["sv:c:1"]
    opened = await services.dispatcher.press(DISCORD, caller("discord", "10"), "sv:c:1")
    assert opened.form is not None and opened.form.action == "svc:1" and opened.messages == ()
    saved = await services.dispatcher.submit(DISCORD, caller("discord", "10"), "svc:1", {"comment": "yes!"})
    assert not saved.error
    refused = await services.dispatcher.submit(DISCORD, caller("discord", "11"), "svc:1", {"comment": "me too"})
    assert refused.error and "Answer the survey with one of its buttons first." in texts(refused)
    empty = await services.dispatcher.submit(DISCORD, caller("discord", "10"), "svc:1", {"comment": "  "})
    assert empty.error and "empty" in texts(empty)


async def test_results_have_the_margin_and_the_trend_against_the_previous_survey(
    services: Services, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    await survey(services, "nps | 1d")
    for uid, score in (("10", 9), ("11", 3), ("12", 8), ("13", 10)):
        await press(services, caller(uid=uid), f"sv:a:1:{score}")
    clock.advance(timedelta(days=1))
    await services.surveys.closer.tick()
    (first,) = sent_texts(messenger, "Results of NPS survey #1")
    # 2 promoters, 1 passive, 1 detractor: NPS 25; scores 1, 1, 0, −1, mean .25, s² = 2.75/3, margin 93.8.
    assert "NPS 25 ± 94 (95% margin of error, 4 answers)." in first
    assert "Promoters (9–10): 2 · passives (7–8): 1 · detractors (0–6): 1." in first and "Up from" not in first

    await survey(services, "nps | 1d")
    await survey(services, "nps | 1d")  # a survey nobody answers: the trend skips it
    for uid, score in (("10", 10), ("11", 9), ("12", 9)):
        await press(services, caller(uid=uid), f"sv:a:2:{score}")
    clock.advance(timedelta(days=1))
    await services.surveys.closer.tick()
    (second,) = sent_texts(messenger, "Results of NPS survey #2")
    assert "NPS 100 ± 0" in second and "Up from 25 in survey #1." in second
    (third,) = sent_texts(messenger, "Results of NPS survey #3")
    assert "No answers yet." in third and "from" not in third

    found = await services.poll_results.surveys_run(1, START, START + timedelta(days=3))
    assert [(r.survey_id, r.score.n, r.previous_id) for r in found] == [(1, 4, None), (2, 3, 1), (3, 0, 2)]
    assert found[1].previous is not None and found[1].previous.value == 25.0


async def test_only_the_creator_moderators_and_managers_close_a_survey(
    services: Services, messenger: RecordingMessenger
) -> None:
    await survey(services, "csat")
    refused = await services.dispatcher.run_text(group(), caller(uid="77"), "closepoll", "")
    assert refused.error and "Reply to the poll" in texts(refused)
    spec = services.registry.by_discord(["survey", "close"])
    assert spec is not None
    member = await services.dispatcher.run(group(), caller(uid="77"), spec, {"survey": "1"})
    assert member.error and "Only the creator of survey #1" in texts(member)
    done = await services.dispatcher.run(group(), caller(uid="78", moderator=True), spec, {"survey": "1"})
    assert not done.error and "Survey #1 is closed" in texts(done)
    assert "Survey #1 is closed." in await press(services, caller(uid="10"), "sv:a:1:3")
    assert await count(services, survey_answers) == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mood", "kind must be one of: nps, csat"),
        ("nps | 0m", "at least 1 minute"),
        ("csat | 200d", "at most 90 days here"),
        ("csat | 1d | " + "Q" * 301, "question is too long"),
    ],
)
async def test_bad_survey_input_is_refused_and_nothing_is_written(
    services: Services, messenger: RecordingMessenger, text: str, expected: str
) -> None:
    reply = await survey(services, text)
    assert reply.endswith("!ERROR") and expected in reply
    assert await count(services, surveys) == 0 and messenger.sent == []


async def test_a_survey_exports_a_summary_and_anonymous_answers(
    services: Services, messenger: RecordingMessenger
) -> None:
    await survey(services, "csat | 1d | Venue OK?")
    await press(services, caller(uid="10", name="Aino Virtanen"), "sv:a:1:4")
    await services.dispatcher.press(private(uid="10"), caller(uid="10"), "sv:c:1")
    await services.dispatcher.continue_text(private(uid="10"), caller(uid="10"), "Bigger room")
    exported = await services.dispatcher.run_text(group(), OWNER, "exportsurvey", "1")
    (message,) = exported.messages
    files = {a.filename: a.data.decode("utf-8-sig") for a in message.attachments}
    assert set(files) == {"survey-1-summary.csv", "survey-1-answers.csv"} and message.private
    (summary,) = csv.DictReader(io.StringIO(files["survey-1-summary.csv"]))
    assert (summary["kind"], summary["n"], summary["score"], summary["top_group"]) == ("csat", "1", "1.0", "1")
    (row,) = csv.DictReader(io.StringIO(files["survey-1-answers.csv"]))
    assert (row["score"], row["group"], row["comment"]) == ("4", "satisfied", "Bigger room")
    assert "Aino" not in files["survey-1-answers.csv"] and "10" not in row.values()


# -- the member-data contract -----------------------------------------------------------------------------
async def _member(services: Services, platform: str, uid: str) -> int:
    return await services.directory.member_id(platform, uid, None, services.clock.now())


async def test_votes_and_answers_are_exported_merged_and_erased_with_counts_kept(
    services: Services, messenger: RecordingMessenger
) -> None:
    native = RecordingNative(hides_voters=True)
    services.capabilities.provide("telegram", NativePolls, native)  # type: ignore[type-abstract]
    await services.dispatcher.run_text(group(), OWNER, "poll", "Lunch? | Pizza | Sushi")
    await services.hub.deliver(NativeVoteSeen("telegram", "native-1", "10", "Aino", (0,), START))
    await survey(services, "csat | 1d | Venue OK?")
    await press(services, caller(uid="10"), "sv:a:1:2")
    await services.dispatcher.press(private(uid="10"), caller(uid="10"), "sv:c:1")
    await services.dispatcher.continue_text(private(uid="10"), caller(uid="10"), "Too small")
    aino = await _member(services, "telegram", "10")

    exported = (await services.member_data.export(aino))["polls"]
    assert [(v["question"], v["answer"]) for v in exported["votes"]] == [("Lunch?", "Pizza")]
    assert [(a["score"], a["comment"]) for a in exported["survey_answers"]] == [(2, "Too small")]

    # Her Discord account answered the same survey differently, later: after /link one answer remains.
    other = await _member(services, "discord", "20")
    await services.surveys.repo.answer(1, other, 5, START + timedelta(minutes=5))
    await services.polls.repo.set_votes(1, other, [1], START)
    await services.member_data.merge(aino, other)
    assert [a.score for a in await services.surveys.repo.answers(1)] == [5]
    assert await services.polls.repo.votes(1) == {aino: (0,)}

    await services.member_data.erase(aino)
    async with services.engine.connect() as conn:
        answer = (await conn.execute(sa.select(survey_answers))).one()
        vote = (await conn.execute(sa.select(poll_votes))).one()
    assert answer.member_id != aino and answer.comment is None and answer.score == 5  # the count stays
    assert vote.member_id == answer.member_id and vote.position == 0  # the anonymous member holds both
    assert (await services.member_data.export(aino))["polls"]["votes"] == []
