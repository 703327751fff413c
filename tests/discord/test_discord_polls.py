"""Polls and surveys end to end on Discord: the real discord.py client against FakeDiscord, on a fake clock.

Named polls are Discord native polls (votes from MESSAGE_POLL_VOTE_ADD/REMOVE; ended through the end-poll
endpoint); anonymous polls use buttons with votes kept by Hearth and nobody's id or name in any request;
surveys with buttons and a comment modal; closing on time (`closer.tick()` on the moved clock), by
`/poll close` with autocomplete, and once after a restart; results with a chart; CSV exports."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from bot.app import Services, build_services
from bot.core.clock import FakeClock
from bot.discord.client import DiscordRuntime
from storage.tables import poll_answers, poll_votes, polls, survey_answers
from tests.cogs.polls.chart_bars import bars_in
from tests.conftest import START, MakeSettings
from tests.discord.conftest import ALICE, BOB, GENERAL, GUILD, HELPER, MANAGER, MODERATOR, RuntimeFactory, answered
from tests.fakes.discord import FakeDiscord, FakeInteraction, StoredMessage, perm

CLOSES = START + timedelta(hours=2)
STAMP = f"<t:{int(CLOSES.timestamp())}:F>"
ZELDA, YUKI = 881234567890123451, 881234567890123452  # voters whose ids and names must never leave the bot


@pytest.fixture
async def dc_services(make_settings: MakeSettings, fake: FakeDiscord, clock: FakeClock) -> AsyncIterator[Services]:
    """The Discord conftest's services on the fake clock (overrides its `dc_services` in this module)."""
    settings = make_settings(
        discord_token=SecretStr(fake.token),
        discord_api_base=fake.api_base,
        discord_gateway_url=fake.ws_url,
    )
    services = await build_services(settings, clock)
    yield services
    await services.polls.drain()
    await services.surveys.drain()
    await services.close()


# -- helpers ------------------------------------------------------------------------------------------
async def reply(fake: FakeDiscord, interaction: FakeInteraction) -> tuple[str, bool]:
    """The answer and whether only the invoker saw it. A slow command (the first chart loads matplotlib) is
    deferred ("thinking…") and answered in a follow-up, as Discord wants after three seconds."""
    record = await fake.wait_for_callback(interaction)
    if record.callback_type == 5:
        await fake.wait_for("POST", rf"/webhooks/\d+/{record.token}", timeout=30.0)
        message = fake.messages[record.followup_ids[0]]
        return message.content, message.ephemeral
    text = await answered(fake, interaction)
    assert record.original_id is not None
    return text, fake.messages[record.original_id].ephemeral


async def run(fake: FakeDiscord, user: int, command: str, **options: Any) -> tuple[str, bool]:
    return await reply(fake, await fake.invoke_slash(GUILD, GENERAL, user, command, options))


async def create(fake: FakeDiscord, user: int = MANAGER, **options: Any) -> tuple[str, bool]:
    options = {"question": "Where do we meet?", "answers": "Cafe | Park | Online", **options}
    return await run(fake, user, "poll create", **options)


async def press(fake: FakeDiscord, user: int, custom_id: str, message: int | None = None) -> tuple[str, bool]:
    return await reply(fake, await fake.invoke_button(GUILD, GENERAL, user, custom_id, message))


def native_post(fake: FakeDiscord) -> StoredMessage:
    (found,) = [m for m in fake.bot_messages(GENERAL) if m.data.get("poll")]
    return found


def results_of(fake: FakeDiscord) -> list[StoredMessage]:
    return [m for m in fake.bot_messages(GENERAL) if "Results of poll" in m.content]


async def settle(fake: FakeDiscord, services: Services) -> None:
    """Every gateway event sent so far is parsed and its listeners have finished."""
    await fake.gateway_roundtrip()
    while services._tasks:
        await asyncio.gather(*list(services._tasks), return_exceptions=True)
    await services.polls.drain()
    await services.surveys.drain()


async def count(services: Services, table: sa.Table) -> int:
    async with services.engine.connect() as conn:
        return (await conn.execute(sa.select(sa.func.count()).select_from(table))).scalar_one()


# -- named polls: Discord's own ------------------------------------------------------------------------
async def test_a_named_poll_is_native_records_changed_votes_and_closes_on_time_with_a_chart(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services, clock: FakeClock
) -> None:
    text, ephemeral = await create(fake, duration="2h")
    assert ephemeral and text.startswith("Poll #1 created: Where do we meet?") and STAMP in text
    post = native_post(fake)
    (sent,) = fake.calls_to("POST", rf"/channels/{GENERAL}/messages")
    assert sent.json["poll"]["question"] == {"text": "Where do we meet?"}
    assert [a["poll_media"]["text"] for a in sent.json["poll"]["answers"]] == ["Cafe", "Park", "Online"]
    assert sent.json["poll"]["duration"] == 2 and sent.json["poll"]["allow_multiselect"] is False
    assert post.content == f"Poll #1 · closes {STAMP} · the results will be posted here."
    assert sent.json["allowed_mentions"] == {"parse": []}

    await fake.poll_vote(post.id, ALICE, 1)
    await fake.poll_vote(post.id, BOB, 2)
    await fake.poll_vote(post.id, HELPER, 2)
    await fake.poll_vote(post.id, ALICE, 1, remove=True)  # Alice changes her vote: Discord removes, then adds
    await fake.poll_vote(post.id, ALICE, 2)
    await settle(fake, dc_services)
    votes = await dc_services.polls.repo.votes(1)
    assert sorted(votes.values()) == [(1,), (1,), (1,)]

    clock.set(CLOSES - timedelta(minutes=1))
    await dc_services.polls.closer.tick()
    assert fake.calls_to("POST", rf"/channels/{GENERAL}/polls/{post.id}/expire") == []
    clock.set(CLOSES)
    await dc_services.polls.closer.tick()
    await dc_services.polls.closer.tick()
    assert len(fake.calls_to("POST", rf"/channels/{GENERAL}/polls/{post.id}/expire", status=200)) == 1
    (results,) = results_of(fake)
    assert results.content.startswith("📊 **Results of poll #1: Where do we meet?**\nWinner: **Park** with 3 votes")
    assert "1. Cafe — 0 (0%)" in results.content and "3 votes in total." in results.content
    ((chart),) = results.files
    assert chart.filename == "poll-1.png" and bars_in(chart.content) == 3
    async with dc_services.engine.connect() as conn:
        final = dict((await conn.execute(sa.select(poll_answers.c.position, poll_answers.c.final_count))).all())
    assert final == {0: 0, 1: 3, 2: 0}


async def test_a_multiple_choice_poll_counts_voters(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    await create(fake, question="Snacks?", answers="Chips | Fruit | Nuts", multiple=True)
    post = native_post(fake)
    assert post.data["poll"]["allow_multiselect"] is True
    for user, answer in ((ALICE, 1), (ALICE, 3), (BOB, 1)):
        await fake.poll_vote(post.id, user, answer)
    await settle(fake, dc_services)
    text, _ = await run(fake, MANAGER, "poll close", poll="1")
    assert text == "Poll #1 is closed; the results are posted in its chat."
    (results,) = results_of(fake)
    assert "Winner: **Chips** with 2 votes (100%)." in results.content and "2 members voted." in results.content


async def test_only_the_creator_moderators_and_managers_close_and_autocomplete_offers_what_you_may_close(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    await create(fake)
    post = native_post(fake)
    text, ephemeral = await run(fake, ALICE, "poll close", poll="1")
    assert ephemeral and text == "Only the creator of poll #1, moderators and managers can close it."
    assert fake.calls_to("POST", r"/channels/\d+/polls/\d+/expire") == []

    typing = await fake.invoke_autocomplete(GUILD, GENERAL, ALICE, "poll close", {"poll": ""}, focused="poll")
    assert (await fake.wait_for_callback(typing)).callback_data["choices"] == []
    typing = await fake.invoke_autocomplete(GUILD, GENERAL, MODERATOR, "poll close", {"poll": "meet"}, focused="poll")
    record = await fake.wait_for_callback(typing)
    assert record.callback_type == 8 and record.callback_data["choices"] == [
        {"name": "#1 Where do we meet?", "value": "1"}
    ]

    text, _ = await run(fake, MODERATOR, "poll close", poll="1")
    assert text == "Poll #1 is closed; the results are posted in its chat."
    assert len(fake.calls_to("POST", rf"/channels/{GENERAL}/polls/{post.id}/expire")) == 1
    assert len(results_of(fake)) == 1
    assert (await run(fake, MANAGER, "poll close", poll="1"))[0] == "Poll #1 is already closed."
    assert (await run(fake, MANAGER, "poll close", poll="7"))[0] == "There is no poll #7 here."


async def test_a_restart_after_the_close_time_ends_the_poll_once(
    make_runtime: RuntimeFactory, fake: FakeDiscord, dc_services: Services, clock: FakeClock
) -> None:
    first = make_runtime()
    await first.start()
    await create(fake, duration="1h")
    await first.stop()
    clock.set(START + timedelta(hours=5))  # down through the close time
    await make_runtime().start()
    await dc_services.polls.rehydrate()
    await dc_services.polls.rehydrate()
    assert len(fake.calls_to("POST", r"/channels/\d+/polls/\d+/expire")) == 1
    assert len(results_of(fake)) == 1


# -- anonymous polls: buttons ----------------------------------------------------------------------------
async def test_an_anonymous_poll_keeps_votes_with_buttons_and_never_sends_a_voters_id_or_name(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    fake.add_member(GUILD, ZELDA, "zelda.secret")
    fake.add_member(GUILD, YUKI, "yuki.hidden")
    text, _ = await create(fake, question="Should we move the meetup?", answers="Yes | No", anonymous=True)
    assert "nobody can see who voted" in text
    (post,) = [m for m in fake.bot_messages(GENERAL) if m.source == "rest"]
    assert "poll" not in post.data  # no native poll: Discord would show the voters
    assert [c["custom_id"] for row in post.components for c in row["components"]] == ["h:pl:v:1:0", "h:pl:v:1:1"]
    before = len(fake.calls)

    answer, ephemeral = await press(fake, ZELDA, "h:pl:v:1:0", post.id)
    assert ephemeral and answer == "Your vote on poll #1: “Yes”. Press an answer again to take it back."
    await press(fake, YUKI, "h:pl:v:1:0", post.id)
    await press(fake, YUKI, "h:pl:v:1:1", post.id)  # Yuki changes to No
    await settle(fake, dc_services)
    shown = fake.messages[post.id].content
    assert "1. Yes — 1 (50%)" in shown and "2. No — 1 (50%)" in shown and "2 votes" in shown
    assert await count(dc_services, poll_votes) == 2

    await run(fake, MANAGER, "poll close", poll="1")
    (results,) = results_of(fake)
    assert "A tie between **Yes**, **No**, with 1 vote each (50%)." in results.content
    assert fake.messages[post.id].components == []  # closed: no more buttons
    interaction = await fake.invoke_slash(GUILD, GENERAL, MANAGER, "export poll", {"poll": "1"})
    await reply(fake, interaction)
    (callback,) = fake.calls_to("POST", rf"/interactions/{interaction.id}/[^/]+/callback")
    assert [f.filename for f in callback.files] == ["poll-1-results.csv"]  # no votes file: anonymous

    secrets = [str(ZELDA), str(YUKI), "zelda", "yuki"]
    for call in fake.calls[before:]:
        sent = json.dumps(call.json, ensure_ascii=False) + call.path + json.dumps(call.query)
        sent += "".join(f.content.decode("utf-8", "replace") for f in call.files)
        assert not any(s in sent.lower() for s in secrets), f"{call} carries a voter's identity"


# -- bad input --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"answers": "Cafe"}, "A poll needs at least 2 answers, separated by \\|"),
        ({"answers": " | ".join(f"Place {i}" for i in range(11))}, "Too many answers: 11."),
        ({"answers": "Cafe | Park | cafe"}, "“cafe” is there twice: every answer must be different."),
        ({"answers": "x" * 400 + " | Park"}, "Answer 1 is too long: 400 characters, at most 55 here."),
        ({"question": "   "}, "Missing question. Use it like this: /poll create question:… answers:…"),
        ({"duration": "0"}, "A poll must stay open at least 1 minute"),
        ({"duration": "33d"}, "A poll can stay open at most 32 days here"),
        ({"duration": "2020-01-01 18:00"}, "is in the past"),
    ],
    ids=["one-answer", "eleven-answers", "duplicate", "long-answer", "empty-question", "zero", "too-long", "past"],
)
async def test_bad_poll_input_is_answered_ephemerally_and_nothing_is_written(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services, options: dict[str, Any], expected: str
) -> None:
    text, ephemeral = await create(fake, **options)
    assert ephemeral and expected in text
    assert await count(dc_services, polls) == 0 and fake.calls_to("POST", rf"/channels/{GENERAL}/messages") == []


async def test_a_plain_member_cannot_start_a_poll_and_an_error_speaks_russian(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    text, ephemeral = await create(fake, user=ALICE)
    assert ephemeral and text.startswith("Only event organizers can use this command.")
    interaction = await fake.invoke_slash(GUILD, GENERAL, MANAGER, "poll create",
                                          {"question": "Обед?", "answers": "Суп | суп"}, locale="ru")  # fmt: skip
    assert await answered(fake, interaction) == "Вариант «суп» повторяется: все варианты должны быть разными."
    assert await count(dc_services, polls) == 0


# -- surveys ---------------------------------------------------------------------------------------------
async def test_a_csat_survey_takes_answers_with_buttons_a_comment_in_a_modal_and_closes_on_time(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services, clock: FakeClock
) -> None:
    text, _ = await run(fake, MANAGER, "survey csat", question="How was the meetup?", duration="1d")
    assert text.startswith("Survey #1 posted: How was the meetup?")
    (post,) = [m for m in fake.bot_messages(GENERAL) if m.source == "rest"]
    assert [c["custom_id"] for row in post.components for c in row["components"]] == [
        f"h:sv:a:1:{s}" for s in range(1, 6)
    ]
    answer, ephemeral = await press(fake, ALICE, "h:sv:a:1:4", post.id)
    assert ephemeral and answer.startswith("Thanks! Your answer to survey #1: 4.")
    record = fake.interactions[max(fake.interactions)]
    offer = fake.messages[record.original_id or 0]
    assert [c["custom_id"] for row in offer.components for c in row["components"]] == ["h:sv:c:1"]

    opened = await fake.invoke_button(GUILD, GENERAL, ALICE, "h:sv:c:1", offer.id)
    modal = await fake.wait_for_callback(opened)
    assert modal.callback_type == 9 and modal.callback_data["custom_id"] == "svc:1"
    submitted = await fake.invoke_modal_submit(GUILD, GENERAL, ALICE, "svc:1", {"comment": "More  talks,\nplease"})
    assert await answered(fake, submitted) == "Thank you: your comment on survey #1 is saved."
    await press(fake, BOB, "h:sv:a:1:2", post.id)
    assert (await press(fake, BOB, "h:sv:a:1:2", post.id))[0] == "Your answer is already 2."
    await settle(fake, dc_services)
    assert "2 answers so far." in fake.messages[post.id].content

    clock.set(START + timedelta(days=1))
    await dc_services.surveys.closer.tick()
    (results,) = [m for m in fake.bot_messages(GENERAL) if "Results of CSAT survey #1" in m.content]
    assert "CSAT **50%** satisfied (4 or 5), 95% interval 9.5%–90.5% (2 answers)." in results.content
    assert "1 comment was left for the managers." in results.content
    assert fake.messages[post.id].components == []
    async with dc_services.engine.connect() as conn:
        comment = (await conn.execute(sa.select(survey_answers.c.comment).where(survey_answers.c.score == 4))).scalar()
    assert comment == "More talks, please"


async def test_an_nps_survey_closed_by_its_creator_not_by_a_plain_member(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    await run(fake, MANAGER, "survey nps")
    (post,) = [m for m in fake.bot_messages(GENERAL) if m.source == "rest"]
    assert "How likely are you to recommend Hearth Test to a friend?" in post.content
    assert len([c for row in post.components for c in row["components"]]) == 11
    text, _ = await reply(fake, await fake.invoke_button(GUILD, GENERAL, ALICE, "h:sv:a:1:10", post.id))
    assert text.startswith("Thanks!")
    assert (await run(fake, ALICE, "survey close", survey="1"))[0] == (
        "Only the creator of survey #1, moderators and managers can close it."
    )
    assert (await run(fake, MANAGER, "survey close", survey="1"))[0].startswith("Survey #1 is closed")
    results = [m for m in fake.bot_messages(GENERAL) if "Results of NPS survey #1" in m.content]
    assert "NPS **100** from a single answer: too few for a margin of error." in results[0].content
    assert fake.messages[post.id].components == []  # closed: no buttons to press


async def test_a_channel_where_the_bot_may_not_post_polls_gets_a_clear_answer_and_no_poll(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    deny_polls = {"id": str(fake.bot_id), "type": 1, "allow": "0", "deny": str(perm("send_polls"))}
    fake.add_channel(GUILD, {"id": 211, "name": "no-polls", "permission_overwrites": [deny_polls]})
    options = {"question": "Lunch?", "answers": "Pizza | Sushi"}
    text, ephemeral = await reply(fake, await fake.invoke_slash(GUILD, 211, MANAGER, "poll create", options))
    assert fake.calls_to("POST", "/channels/211/messages", status=403)
    assert ephemeral and text.startswith("I can't post a poll in this channel, so none was created.")
    assert await count(dc_services, polls) == 0
