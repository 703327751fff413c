"""Ring 1 for feedback, members' side: submit (Telegram text + category button, the Discord form, the guided
dialogue), numbering, upvotes, the list, the feedback channel, anonymity — with real SQLite and a fake clock."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.app import Services
from bot.core.clock import FakeClock
from cogs.feedback.models import Category, Status
from storage.tables import activity_events, feedback_drafts, feedback_items, feedback_votes
from tests.cogs.feedback.helpers import (
    AINO,
    ALICE,
    BOB,
    CAROL,
    DMITRI,
    OWNER,
    buttons,
    item_count,
    item_id,
    rendered,
    said,
    submit,
    upvote,
)
from tests.cogs.test_dispatch import texts
from tests.cogs.test_outbox import RecordingMessenger
from tests.conftest import caller, group, private


@pytest.fixture
def messenger(services: Services) -> RecordingMessenger:
    recording = RecordingMessenger()
    services.messengers["telegram"] = recording
    services.messengers["discord"] = recording
    return recording


# -- submit ------------------------------------------------------------------------------------------------
async def test_typed_feedback_gets_a_category_keyboard_then_its_number(
    services: Services, messenger: RecordingMessenger
) -> None:
    typed = await services.dispatcher.run_text(group(), ALICE, "feedback", "Dark mode | My eyes hurt at night")
    assert "Which category fits your feedback “Dark mode”?" in texts(typed)
    assert buttons(typed) == [
        "fb:cat:1:idea",
        "fb:cat:1:problem",
        "fb:cat:1:praise",
        "fb:cat:1:question",
        "fb:cat:1:other",
        "fb:anon:1",
    ]
    assert await item_count(services) == 0  # nothing is an item before the category is chosen
    done = await services.dispatcher.press(group(), ALICE, "fb:cat:1:idea")
    assert not done.error and "Your feedback is #1 (idea): Dark mode" in texts(done)
    assert "tell you privately when its status changes" in texts(done)
    assert buttons(done) == [f"fb:view:{await item_id(services, 1)}"]
    item = await services.feedback.repo.by_number(1, 1)
    assert item is not None and (item.title, item.body, item.category) == ("Dark mode", "My eyes hurt at night",
                                                                             Category.IDEA)  # fmt: skip
    assert item.status is Status.NEW and not item.anonymous and item.author_name == "Alice"
    again = await services.dispatcher.press(group(), ALICE, "fb:cat:1:problem")  # a second press sends nothing
    assert again.error and "already sent" in texts(again) and await item_count(services) == 1


async def test_numbers_count_per_community_and_feedback_is_activity(
    services: Services, messenger: RecordingMessenger
) -> None:
    assert "#1" in said(await submit(services, ALICE, "Search is slow", "problem"))
    assert "#2" in said(await submit(services, BOB, "Great meetup yesterday", "praise"))
    assert "#1" in said(await submit(services, BOB, "Other group, first one", place=group(scope="-2002")))
    await services.hub.drain()
    await services.ingest.flush()
    async with services.engine.connect() as conn:
        kinds = [r.kind for r in await conn.execute(sa.select(activity_events.c.kind))]
    assert kinds.count("feedback") == 3


async def test_without_text_the_feedback_is_asked_for_step_by_step(
    services: Services, messenger: RecordingMessenger
) -> None:
    asked = await services.dispatcher.run_text(group(), AINO, "feedback", "")
    assert asked.locale == "fi" and "Mitä haluaisit kertoa" in texts(asked)
    empty = await services.dispatcher.continue_text(group(), AINO, "   ")
    assert empty is None or empty.error or "Mitä" in texts(empty)
    typed = await services.dispatcher.continue_text(group(), AINO, "Tumma teema olisi kiva")
    assert typed is not None and "fb:cat:1:idea" in buttons(typed)
    done = await services.dispatcher.press(group(), AINO, "fb:cat:1:idea")
    assert "#1" in texts(done) and done.locale == "fi" and "Kiitos" in texts(done)
    item = await services.feedback.repo.by_number(1, 1)
    assert item is not None and item.language == "fi"


async def test_the_discord_form_submits_with_its_category_and_anonymity(
    services: Services, messenger: RecordingMessenger
) -> None:
    spec = services.registry.by_discord(["feedback", "submit"])
    assert spec is not None
    opened = await services.dispatcher.run(group("discord", "55"), caller("discord", "7"), spec,
                                           {"category": "problem", "anonymous": "yes"})  # fmt: skip
    assert opened.form is not None and opened.form.action == "fb:new:problem:1"
    assert [(f.name, f.max_length) for f in opened.form.fields] == [("title", 100), ("text", 2000)]
    done = await services.dispatcher.submit(
        group("discord", "55"), caller("discord", "7"), "fb:new:problem:1", {"title": "Crash", "text": "On login"}
    )
    assert not done.error, texts(done)
    assert "#1 (problem): Crash" in texts(done) and "It is anonymous" in texts(done)
    assert "This group saw you" not in texts(done)  # a Discord modal is seen by nobody else
    assert done.messages[0].ephemeral and done.messages[0].private


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("   ", "Missing text"),  # Telegram: nothing typed after /feedback → asked for it
        ("x" * 5000, "5,000 characters long; at most 2,000 fit"),
        ("Title only | " + "y" * 2500, "2,500 characters long"),
    ],
)
async def test_bad_feedback_text_is_refused_and_nothing_is_written(
    services: Services, messenger: RecordingMessenger, text: str, expected: str
) -> None:
    answer = await services.dispatcher.run_text(group(), ALICE, "feedback", text)
    if expected == "Missing text":
        assert "What would you like to tell the team?" in texts(answer)
    else:
        assert answer.error and expected in texts(answer)
    assert await item_count(services) == 0 and messenger.sent == []
    async with services.engine.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(feedback_drafts))).scalar() == 0


@pytest.mark.parametrize(
    ("values", "action", "expected"),
    [
        ({"title": "Crash", "text": "   "}, "fb:new:problem:0", "Your feedback is empty"),
        ({"title": "  ", "text": "On login"}, "fb:new:problem:0", "The title is empty"),
        ({"title": "Crash", "text": "z" * 5000}, "fb:new:problem:0", "5,000 characters long"),
        ({"title": "Crash", "text": "On login"}, "fb:new:complaint:0", "Unknown category “complaint”"),
        ({"title": "Crash", "text": "On login"}, "fb:old:problem", "no longer works"),
    ],
)
async def test_bad_form_values_are_refused_and_nothing_is_written(
    services: Services, messenger: RecordingMessenger, values: dict[str, str], action: str, expected: str
) -> None:
    answer = await services.dispatcher.submit(group("discord", "55"), caller("discord", "7"), action, values)
    assert answer.error and expected in texts(answer)
    assert await item_count(services) == 0


async def test_unknown_category_and_foreign_draft_are_refused(
    services: Services, messenger: RecordingMessenger
) -> None:
    spec = services.registry.by_discord(["feedback", "submit"])
    assert spec is not None
    bad = await services.dispatcher.run(group("discord", "55"), caller("discord", "7"), spec, {"category": "rant"})
    assert bad.error and "category must be one of: idea, problem, praise, question, other" in texts(bad)
    listed = await services.dispatcher.run_text(group(), ALICE, "ideas", "rants")
    assert listed.error and "category must be one of" in texts(listed)
    await services.dispatcher.run_text(group(), ALICE, "feedback", "Longer events")
    wrong = await services.dispatcher.press(group(), ALICE, "fb:cat:1:rant")
    assert wrong.error and "Unknown category “rant”" in texts(wrong)
    foreign = await services.dispatcher.press(group(), BOB, "fb:cat:1:idea")
    assert foreign.error and "someone else's feedback" in texts(foreign)
    assert (await services.dispatcher.press(group(), BOB, "fb:anon:1")).error
    assert await item_count(services) == 0


# -- upvotes -----------------------------------------------------------------------------------------------
async def test_two_members_upvote_a_duplicate_changes_nothing_and_a_vote_can_be_taken_back(
    services: Services, messenger: RecordingMessenger
) -> None:
    await submit(services, ALICE, "Dark mode")
    assert "Upvoted #1: 1 vote now." in said(await upvote(services, BOB))
    assert "Upvoted #1: 2 votes now." in said(await upvote(services, CAROL))
    again = await upvote(services, BOB)
    assert "You already upvoted #1 (2 votes). One vote per member." in texts(again)
    assert buttons(again) == [f"fb:un:{await item_id(services, 1)}"]
    own = await upvote(services, ALICE)
    assert own.error and "your own feedback" in texts(own)
    async with services.engine.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(feedback_votes))).scalar() == 2
    removed = await services.dispatcher.press(group(), BOB, f"fb:un:{await item_id(services, 1)}")
    assert "Your vote for #1 was removed." in texts(removed)
    twice = await services.dispatcher.press(group(), BOB, f"fb:un:{await item_id(services, 1)}")
    assert "You had not upvoted #1." in texts(twice)
    item = await services.feedback.repo.by_number(1, 1)
    assert item is not None and item.votes == 1
    await services.hub.drain()
    await services.ingest.flush()
    async with services.engine.connect() as conn:
        kinds = [r.kind for r in await conn.execute(sa.select(activity_events.c.kind))]
    assert kinds.count("upvote") == 2  # the duplicate and the refused own vote are not activity


async def test_upvote_from_another_community_or_a_stale_button_is_refused(
    services: Services, messenger: RecordingMessenger
) -> None:
    await submit(services, ALICE, "Dark mode")
    elsewhere = await services.dispatcher.press(group(scope="-2002"), BOB, f"fb:up:{await item_id(services, 1)}")
    assert elsewhere.error and "not in this community" in texts(elsewhere)
    for action in ("fb:up:999", "fb:up:x", "fb:zap:1", "fb:top:all:x"):
        assert (await services.dispatcher.press(group(), BOB, action)).error


# -- browse ------------------------------------------------------------------------------------------------
async def test_ideas_lists_open_items_by_votes_with_pages_filter_and_upvote_buttons(
    services: Services, messenger: RecordingMessenger
) -> None:
    voters = [caller(uid=str(200 + i), name=f"V{i}") for i in range(4)]
    for n in range(1, 8):
        await submit(services, ALICE, f"Idea number {n}", "problem" if n == 7 else "idea")
    for i, voter in enumerate(voters):
        for number in range(3, 3 + i + 1):  # #3 gets 4 votes, #4 3, #5 2, #6 1
            await upvote(services, voter, number)
    listed = await services.dispatcher.run_text(group(), voters[0], "ideas", "")
    text = texts(listed)
    assert "Open feedback · all categories · page 1 of 2" in text
    order = [line.split(" ")[0] for line in text.splitlines() if line.startswith("#")]
    assert order == ["#3", "#4", "#5", "#6", "#1"]
    ids = {n: await item_id(services, n) for n in range(1, 8)}
    assert buttons(listed)[:5] == [f"fb:up:{ids[n]}" for n in (3, 4, 5, 6, 1)] and "fb:top:all:1" in buttons(listed)
    marks = [b.label.msgid for b in listed.messages[0].buttons[0]]
    assert marks[0].startswith("✅") and marks[1].startswith("👍")  # voters[0] voted for #3 only
    second = await services.dispatcher.press(group(), voters[0], "fb:top:all:1")
    assert "page 2 of 2" in texts(second) and "fb:top:all:0" in buttons(second)
    problems = await services.dispatcher.run_text(group(), voters[0], "ideas", "problem")
    assert "#7" in texts(problems) and "#3" not in texts(problems)
    empty = await services.dispatcher.run_text(group(), voters[0], "ideas", "praise")
    assert "No open feedback in praise yet" in texts(empty)


async def test_idea_shows_one_item_with_its_history_and_refuses_unknown_numbers(
    services: Services, messenger: RecordingMessenger
) -> None:
    await submit(services, ALICE, "Dark mode | Please")
    await services.dispatcher.run_text(group(), OWNER, "fbstatus", "1 | review | Looking into it")
    shown = await services.dispatcher.run_text(group(), BOB, "idea", "#1")
    text = texts(shown)
    assert "#1 Dark mode" in text and "— Alice" in text and "History" in text
    assert "submitted" in text and "under review — “Looking into it”" in text
    for raw, expected in (("99", "There is no feedback #99"), ("abc", "is not a feedback number")):
        answer = await services.dispatcher.run_text(group(), BOB, "idea", raw)
        assert answer.error and expected in texts(answer)


async def test_russian_member_gets_lists_and_answers_in_russian(
    services: Services, messenger: RecordingMessenger
) -> None:
    await submit(services, ALICE, "Dark mode")
    answer = await upvote(services, DMITRI)
    assert answer.locale == "ru" and "#1" in texts(answer) and "Upvoted" not in texts(answer)
    listed = await services.dispatcher.run_text(group(), DMITRI, "ideas", "")
    assert "Открытые отзывы" in texts(listed)


# -- the feedback channel ---------------------------------------------------------------------------------
async def test_feedback_channel_gets_each_new_item_with_an_upvote_button_kept_up_to_date(
    services: Services, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    member = await services.dispatcher.run_text(group(), ALICE, "fbchannel", "")
    assert member.error and "manager" in texts(member)
    channel = group(scope="-1001")
    assert not (await services.dispatcher.run_text(channel, OWNER, "fbchannel", "")).error
    confirmation = await submit(services, ALICE, "Dark mode | Please")
    assert "posted in the feedback channel" in texts(confirmation)
    target, post, _ = messenger.sent[-1]
    assert target.chat_id == "-1001" and not target.dm
    assert [b.action for row in post.buttons for b in row] == [f"fb:up:{await item_id(services, 1)}"]
    assert "#1 Dark mode" in rendered(post) and "— Alice" in rendered(post) and "👍 0" in rendered(post)
    await upvote(services, BOB)
    assert "👍 1 · status: new" in rendered(messenger.edited[-1][1])
    await services.dispatcher.run_text(group(), OWNER, "fbstatus", "1 | planned | Next month")
    latest = rendered(messenger.edited[-1][1])
    assert "status: planned" in latest and "Team reply: Next month" in latest
    assert not (await services.dispatcher.run_text(channel, OWNER, "fbchannel", "off")).error
    before = len(messenger.sent)
    await submit(services, BOB, "Another")
    assert not any(t.chat_id == "-1001" and not t.dm for t, _m, _l in messenger.sent[before:])


# -- anonymity ---------------------------------------------------------------------------------------------
async def test_anonymous_feedback_never_shows_its_author_to_others_or_managers(
    services: Services, messenger: RecordingMessenger
) -> None:
    await services.dispatcher.run_text(group(), OWNER, "fbchannel", "")
    done = await submit(services, ALICE, "Moderators are too harsh | Please be kinder", "problem", anonymous=True)
    text = texts(done)
    assert "#1" in text and "no member and no manager can see that it is yours" in text
    assert "This group saw you send the command" in text and done.messages[0].private
    await upvote(services, BOB)
    seen = [rendered(m) for _t, m, _l in messenger.sent] + [rendered(m) for _i, m, _l in messenger.edited]
    seen += [texts(await services.dispatcher.run_text(group(), OWNER, "ideas", ""))]
    seen += [texts(await services.dispatcher.run_text(group(), OWNER, "idea", "1"))]
    seen += [texts(await services.dispatcher.run_text(group(), BOB, "idea", "1"))]
    exported = await services.dispatcher.run_text(group(), OWNER, "export", "feedback")
    seen += [exported.messages[0].attachments[0].data.decode("utf-8-sig")]
    assert len(seen) >= 6 and all("Alice" not in text for text in seen)
    assert "— anonymous" in seen[0]  # the channel post
    csv_rows = seen[-1].splitlines()
    assert csv_rows[1].endswith(",") and "Moderators are too harsh" in csv_rows[1]  # the author column is empty
    item = await services.feedback.repo.by_number(1, 1)
    assert item is not None and item.anonymous and item.author_name is None


async def test_anonymous_toggle_switches_back_and_forth(services: Services, messenger: RecordingMessenger) -> None:
    await services.dispatcher.run_text(group(), ALICE, "feedback", "Quiet hours")
    on = await services.dispatcher.press(group(), ALICE, "fb:anon:1")
    assert "nobody will see that this feedback is yours" in texts(on)
    off = await services.dispatcher.press(group(), ALICE, "fb:anon:1")
    assert "Your name will be shown" in texts(off)
    done = await services.dispatcher.press(group(), ALICE, "fb:cat:1:idea")
    assert "anonymous" not in texts(done)
    async with services.engine.connect() as conn:
        assert (await conn.execute(sa.select(feedback_items.c.anonymous))).scalar() is False


async def test_feedback_works_in_a_private_chat_for_a_member_of_one_community(
    services: Services, messenger: RecordingMessenger
) -> None:
    """Where.ANYWHERE: in a private chat the dispatcher finds the member's own community."""
    await services.dispatcher.run_text(group(), ALICE, "ideas", "")  # Alice belongs to the group's community
    typed = await services.dispatcher.run_text(private(uid="10"), ALICE, "feedback", "From my DMs")
    assert not typed.error, texts(typed)
    toggle = await services.dispatcher.press(private(uid="10"), ALICE, "fb:anon:1")
    assert not toggle.error, texts(toggle)
    done = await services.dispatcher.press(private(uid="10"), ALICE, "fb:cat:1:idea")
    assert "#1" in texts(done) and "This group saw you" not in texts(done)  # anonymous for real here
    item = await services.feedback.repo.by_number(1, 1)
    assert item is not None and item.origin.dm and item.anonymous
    listed = await services.dispatcher.run_text(private(uid="11"), BOB, "ideas", "")
    assert listed.error  # Bob belongs to no community yet: told so, nothing shown
    await services.dispatcher.run_text(group(), BOB, "ideas", "")
    voted = await services.dispatcher.press(private(uid="11"), BOB, f"fb:up:{await item_id(services, 1)}")
    assert "Upvoted #1" in texts(voted)
