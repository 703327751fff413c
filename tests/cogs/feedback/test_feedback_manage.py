"""Ring 1 for feedback, managers' side: status changes that close the loop (private notices in each
recipient's language, through the outbox, DM fallback), merges, themes, the export and the digest's port."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bot.app import Services
from bot.core.clock import FakeClock
from cogs.feedback.models import Status
from storage.tables import feedback_followers, feedback_items, feedback_status_log, feedback_votes, outbox
from tests.cogs.feedback.helpers import (
    AINO,
    ALICE,
    BOB,
    CAROL,
    DMITRI,
    OWNER,
    buttons,
    item_id,
    rendered,
    said,
    settle,
    submit,
    upvote,
)
from tests.cogs.test_dispatch import texts
from tests.cogs.test_outbox import RecordingMessenger
from tests.conftest import START, caller, group


@pytest.fixture
def messenger(services: Services) -> RecordingMessenger:
    recording = RecordingMessenger()
    services.messengers["telegram"] = recording
    return recording


def dms(messenger: RecordingMessenger, uid: str) -> list[tuple[str, str]]:
    """(text rendered in the send's own locale, locale) of every DM to a Telegram user."""
    return [(rendered(m, loc), loc) for t, m, loc in messenger.sent if t.dm and t.chat_id == uid]


async def status(services: Services, text: str, who=OWNER) -> str:  # type: ignore[no-untyped-def]
    answer = said(await services.dispatcher.run_text(group(), who, "fbstatus", text))
    await settle(services)  # the notices go out in the background, after the answer
    return answer


async def log_rows(services: Services) -> list[tuple[int, str, str, str]]:
    async with services.engine.connect() as conn:
        rows = await conn.execute(
            sa.select(
                feedback_status_log.c.item_id,
                feedback_status_log.c.previous,
                feedback_status_log.c.status,
                feedback_status_log.c.reply,
            ).order_by(feedback_status_log.c.id)  # fmt: skip
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


# -- status and reply --------------------------------------------------------------------------------------
async def test_status_change_tells_author_and_every_upvoter_privately_in_their_language(
    services: Services, messenger: RecordingMessenger
) -> None:
    await submit(services, ALICE, "Dark mode | My eyes hurt")
    await upvote(services, DMITRI)
    await upvote(services, AINO)
    await upvote(services, BOB)
    await services.dispatcher.run_text(group(), BOB, "language", "de")
    messenger.sent.clear()
    answer = await status(services, "1 | planned | Coming in the March release")
    assert "#1 is now planned." in answer and "4 members were told privately" in answer
    for uid, locale in (("10", "en"), ("13", "ru"), ("14", "fi"), ("11", "de")):
        (text, loc), *more = dms(messenger, uid)
        assert not more and loc == locale
        assert "Coming in the March release" in text and "#1" in text
    assert "Status: planned (was: new)" in dms(messenger, "10")[0][0]
    assert "Update on feedback" not in dms(messenger, "13")[0][0]  # Dmitri reads it in Russian
    assert dms(messenger, "1") == []  # the manager who answered is not told about their own change
    assert await log_rows(services) == [(await item_id(services, 1), "new", "planned", "Coming in the March release")]
    item = await services.feedback.repo.by_number(1, 1)
    assert item is not None and item.status is Status.PLANNED
    async with services.engine.connect() as conn:
        sent = await conn.execute(sa.select(sa.func.count()).select_from(outbox).where(outbox.c.status == "sent"))
        assert sent.scalar() == 4  # through the outbox, once each
    await services.outbox.deliver_due()
    assert len([t for t, _m, _l in messenger.sent if t.dm]) == 4


async def test_status_history_is_kept_and_shown_on_the_item(
    services: Services, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    await submit(services, ALICE, "Calendar export")
    for step, reply in (("review", "Looking at it"), ("planned", ""), ("done", "Shipped in 2.1")):
        clock.advance(timedelta(days=1))
        assert "!ERROR" not in await status(services, f"1 | {step} | {reply}".rstrip(" |"))
    shown = texts(await services.dispatcher.run_text(group(), BOB, "idea", "1"))
    lines = [line for line in shown.splitlines() if "(UTC)" in line]
    assert [line.split(": ", 1)[1] for line in lines] == [
        "submitted",
        "under review — “Looking at it”",
        "planned",
        "done — “Shipped in 2.1”",
    ]
    assert "Mar 3, 2026" in lines[1] and "Mar 5, 2026" in lines[3]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 | someday", "status must be one of: new, review, planned, done, declined"),
        ("99 | planned", "There is no feedback #99"),
        ("one | planned", "is not a feedback number"),
        ("1 | new", "#1 is already new. Add a reply"),
        ("1 | done | " + "r" * 1200, "reply is too long"),
    ],
)
async def test_bad_status_changes_are_refused_and_nobody_is_told(
    services: Services, messenger: RecordingMessenger, text: str, expected: str
) -> None:
    await submit(services, ALICE, "Dark mode")
    await upvote(services, BOB)
    messenger.sent.clear()
    answer = await status(services, text)
    assert "!ERROR" in answer and expected in answer
    assert messenger.sent == [] and await log_rows(services) == []


async def test_a_plain_member_cannot_change_a_status_and_nobody_is_told(
    services: Services, messenger: RecordingMessenger
) -> None:
    await submit(services, ALICE, "Dark mode")
    await upvote(services, BOB)
    messenger.sent.clear()
    answer = await status(services, "1 | done | Fixed", who=CAROL)
    assert "!ERROR" in answer and "Only a manager can use this command" in answer
    assert messenger.sent == [] and await log_rows(services) == []
    moderator = caller(uid="15", moderator=True)
    assert "Only a manager" in await status(services, "1 | done", who=moderator)
    merge = await services.dispatcher.run_text(group(), CAROL, "fbmerge", "1 | 1")
    assert merge.error and "Only a manager" in texts(merge)


async def test_missing_status_arguments_are_asked_step_by_step(
    services: Services, messenger: RecordingMessenger
) -> None:
    await submit(services, ALICE, "Dark mode")
    asked = await services.dispatcher.run_text(group(), OWNER, "fbstatus", "")
    assert "Which feedback? Send its number" in texts(asked)
    asked = await services.dispatcher.continue_text(group(), OWNER, "1")
    assert asked is not None and "Which status?" in texts(asked)
    wrong = await services.dispatcher.continue_text(group(), OWNER, "soonish")
    assert wrong is not None and wrong.error and "Which status?" in texts(wrong)
    done = await services.dispatcher.continue_text(group(), OWNER, "review")
    assert done is not None and "#1 is now under review." in texts(done)


async def test_a_refused_dm_falls_back_to_a_mention_but_never_for_an_anonymous_author(
    services: Services, messenger: RecordingMessenger
) -> None:
    await submit(services, ALICE, "Named one")
    await submit(services, CAROL, "Secret one", anonymous=True)
    await upvote(services, BOB, 1)
    await upvote(services, BOB, 2)
    messenger.refuse |= {"10", "11", "12"}
    await status(services, "1 | planned | Soon")
    await status(services, "2 | planned | Soon too")
    mentions = [(m.mention_ids, rendered(m)) for t, m, _l in messenger.sent if not t.dm]
    assert sorted(ids for ids, _ in mentions) == [("10",), ("11",), ("11",)]  # Alice, Bob twice; not Carol
    assert all("a message for you" in text and "Soon" in text for _ids, text in mentions)
    assert all(t.chat_id == "-1001" for t, _m, _l in messenger.sent if not t.dm)


# -- merge -------------------------------------------------------------------------------------------------
async def test_merge_combines_votes_without_double_counting_and_tells_the_author(
    services: Services, messenger: RecordingMessenger
) -> None:
    await submit(services, ALICE, "Dark mode")  # #1
    await submit(services, BOB, "Night theme please")  # #2, the duplicate
    await upvote(services, CAROL, 1)
    await upvote(services, CAROL, 2)  # voted for both: counted once after the merge
    await upvote(services, DMITRI, 2)
    await upvote(services, ALICE, 2)  # #1's author voted for the duplicate: not a vote for her own item
    messenger.sent.clear()
    answer = said(await services.dispatcher.run_text(group(), OWNER, "fbmerge", "2 | 1"))
    await settle(services)
    assert "Merged #2 into #1: #1 now has 2 votes (1 moved over, 2 already counted)" in answer
    target = await services.feedback.repo.by_number(1, 1)
    merged = await services.feedback.repo.by_number(1, 2)
    assert target is not None and target.votes == 2
    assert merged is not None and merged.status is Status.MERGED and merged.merged_into_number == 1
    (notice, _loc), *_ = dms(messenger, "11")
    assert "Your feedback #2 “Night theme please” asks for the same as #1 “Dark mode”" in notice
    async with services.engine.connect() as conn:
        votes = (await conn.execute(sa.select(sa.func.count()).select_from(feedback_votes))).scalar()
        followers = [r.member_id for r in await conn.execute(sa.select(feedback_followers.c.member_id))]
    assert votes == 2 and len(followers) == 1  # Bob follows #1 now
    messenger.sent.clear()
    await status(services, "1 | done | Shipped")
    told = {t.chat_id for t, _m, _l in messenger.sent if t.dm}
    assert told == {"10", "11", "12", "13"}  # author, the merged item's author, both voters — once each
    redirected = await upvote(services, caller(uid="16"), 2)
    assert "#2 was merged into #1" in texts(redirected) and "3 votes" in texts(redirected)


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        (["1 | 1"], "cannot be merged into itself"),
        (["2 | 1", "2 | 3"], "#2 is already merged into #1"),
        (["2 | 1", "3 | 2"], "#2 was itself merged into #1: merge into #1 instead"),
        (["2 | 1", "1 | 2"], "#2 was itself merged into #1"),  # a cycle
        (["2 | 9"], "There is no feedback #9"),
        (["x | 1"], "is not a feedback number"),
    ],
)
async def test_invalid_merges_are_refused_and_nothing_changes(
    services: Services, messenger: RecordingMessenger, steps: list[str], expected: str
) -> None:
    for n in range(3):
        await submit(services, caller(uid=str(30 + n)), f"Item {n + 1}")
    *ok, bad = steps
    for text in ok:
        assert not (await services.dispatcher.run_text(group(), OWNER, "fbmerge", text)).error
    before = await log_rows(services)
    async with services.engine.connect() as conn:
        statuses = [r.status for r in await conn.execute(sa.select(feedback_items.c.status))]
    answer = await services.dispatcher.run_text(group(), OWNER, "fbmerge", bad)
    assert answer.error and expected in texts(answer)
    assert await log_rows(services) == before
    async with services.engine.connect() as conn:
        assert [r.status for r in await conn.execute(sa.select(feedback_items.c.status))] == statuses


async def test_status_of_a_merged_item_points_to_its_target(services: Services, messenger: RecordingMessenger) -> None:
    await submit(services, ALICE, "One")
    await submit(services, BOB, "Two")
    await services.dispatcher.run_text(group(), OWNER, "fbmerge", "2 | 1")
    assert "#2 was merged into #1; change #1 instead." in await status(services, "2 | done")


# -- themes, export, the digest's port ---------------------------------------------------------------------
CORPUS = [
    (ALICE, "Dark mode please | My eyes hurt at night"),
    (BOB, "Add a dark mode to the app"),
    (CAROL, "The dark mode would be great for late events"),
    (DMITRI, "Search is slow"),
    (ALICE, "Searching members is really slow"),
    (AINO, "Tumma teema puuttuu"),
    (AINO, "Kaipaan tummaa teemaa sovellukseen"),
    (BOB, "Tumman teeman tuki"),
    (AINO, "Haku on hidas"),
    (CAROL, "Hakutoiminto on liian hidas"),
]


async def test_themes_on_a_scripted_corpus_in_two_languages(services: Services, messenger: RecordingMessenger) -> None:
    for who, text in CORPUS:
        await submit(services, who, text)
    found, total = await services.feedback.admin.themes(1)
    assert total == 10 and set(found) == {"en", "fi"}
    english = [(t.term, t.count, t.numbers) for t in found["en"]]
    assert english[0] == ("dark mode", 3, (1, 2, 3))
    assert ("slow", 2, (4, 5)) in english and ("search", 2, (4, 5)) in english
    assert "dark" not in [t.term for t in found["en"]] and "please" not in [t.term for t in found["en"]]
    finnish = found["fi"]
    assert finnish[0].key == "tum teema" and finnish[0].count == 3 and finnish[0].numbers == (6, 7, 8)
    assert finnish[0].term in {"tumma teema", "tummaa teemaa", "tumman teeman"}
    assert ("hidas", 2) in [(t.term, t.count) for t in finnish]
    shown = texts(await services.dispatcher.run_text(group(), OWNER, "fbthemes", ""))
    assert "“dark mode” — 3 items: #1, #2, #3" in shown and "In Finnish" in shown
    member = await services.dispatcher.run_text(group(), ALICE, "fbthemes", "")
    assert member.error


async def test_export_is_a_product_proposals_csv_for_managers_only(
    services: Services, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    await services.dispatcher.run_text(group(), OWNER, "settimezone", "Europe/Helsinki")
    await submit(services, ALICE, "Dark mode | =HYPERLINK(evil) and more text")
    await submit(services, BOB, "Slow search", "problem", anonymous=True)
    await submit(services, CAROL, "Night theme")
    await upvote(services, CAROL, 1)
    await upvote(services, DMITRI, 2)
    await upvote(services, AINO, 2)
    clock.advance(timedelta(hours=2))
    await status(services, "2 | planned | Next sprint")
    await services.dispatcher.run_text(group(), OWNER, "fbmerge", "3 | 1")
    refused = await services.dispatcher.run_text(group(), ALICE, "export", "feedback")
    assert refused.error and not refused.messages[0].attachments
    answer = await services.dispatcher.run_text(group(), OWNER, "export", "feedback")
    message = answer.messages[0]
    assert message.private and "3 feedback items" in rendered(message)
    (attachment,) = message.attachments
    assert attachment.filename == "feedback-2026-03-02.csv" and attachment.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(attachment.data.decode("utf-8-sig"))))
    assert [r["number"] for r in rows] == ["2", "1", "3"]  # open by votes, then merged
    two, one, three = rows
    assert (two["title"], two["category"], two["votes"], two["status"]) == ("Slow search", "problem", "2", "planned")
    assert two["author"] == "" and two["latest_reply"] == "Next sprint"
    assert two["created"] == "2026-03-02T14:00+02:00" and two["last_change"] == "2026-03-02T16:00+02:00"
    assert one["author"] == "Alice" and one["quote"] == "'=HYPERLINK(evil) and more text"  # stays text
    assert three["status"] == "merged" and three["merged_into"] == "1"


async def test_digest_port_reports_new_items_top_votes_changes_themes_and_problems(
    services: Services, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    await submit(services, ALICE, "Old idea")
    clock.advance(timedelta(days=8))
    since = clock.now()
    for who, text in CORPUS[:5]:
        await submit(services, who, text, "problem" if "slow" in text.lower() else "idea")
    await upvote(services, BOB, 1)
    await status(services, "1 | review")
    report = await services.feedback.report.summary(1, since, since + timedelta(days=7))
    assert [i.number for i in report.new] == [2, 3, 4, 5, 6]
    assert report.top_voted[0].number == 1
    assert [(i.number, c.status) for i, c in report.status_changes] == [(1, Status.REVIEW)]
    assert report.themes[0].term == "dark mode" and report.negative == 2
    assert report.by_category == {"idea": 3, "problem": 2}
    per_day = await services.feedback.report.negative_per_day(1, START, since + timedelta(days=7))
    assert per_day == {since.date(): 2}


async def test_discord_autocomplete_suggests_items_to_managers_only(
    services: Services, messenger: RecordingMessenger
) -> None:
    services.messengers["discord"] = messenger
    for title in ("Dark mode", "Search", "Dark calendar"):
        await services.dispatcher.run(
            group("discord", "55"),
            caller("discord", "7"),
            services.registry.by_discord(["feedback", "submit"]),  # type: ignore[arg-type]
            {"category": "idea"},
        )
        await services.dispatcher.submit(
            group("discord", "55"), caller("discord", "7"), "fb:new:idea:0", {"title": title, "text": "x"}
        )
    spec = services.registry.by_discord(["feedback", "status"])
    assert spec is not None
    manager = caller("discord", "8", manager=True)
    found = await services.dispatcher.suggest(group("discord", "55"), manager, spec, "item", "dark")
    assert found == [("3", "#3 Dark calendar · new"), ("1", "#1 Dark mode · new")]
    assert [v for v, _ in await services.dispatcher.suggest(group("discord", "55"), manager, spec, "item", "")] == [
        "3",
        "2",
        "1",
    ]
    assert await services.dispatcher.suggest(group("discord", "55"), caller("discord", "9"), spec, "item", "") == []


async def test_two_word_telegram_name_runs_the_subcommand_and_the_view_button_works(
    services: Services, messenger: RecordingMessenger
) -> None:
    done = await submit(services, ALICE, "Dark mode")
    shown = await services.dispatcher.press(group(), BOB, buttons(done)[0])
    assert "Dark mode" in texts(shown) and "History" in texts(shown)
    ours = await services.dispatcher.run_text(group(), OWNER, "export", "feedback")
    assert [a.filename for a in ours.messages[0].attachments] == ["feedback-2026-03-02.csv"]
    whole = await services.dispatcher.run_text(group(), OWNER, "export", "names")  # /export itself (privacy)
    assert not whole.error and whole.messages[0].attachments[0].filename.endswith(".zip")
    fbstatus_typo = await services.dispatcher.run_text(group(), OWNER, "fbstatus", "")
    assert "Which feedback?" in texts(fbstatus_typo)


async def test_a_refused_dm_about_privately_sent_feedback_falls_back_to_the_feedback_channel_only(
    services: Services, messenger: RecordingMessenger
) -> None:
    from tests.conftest import private

    await services.dispatcher.run_text(group(scope="-1001"), OWNER, "fbchannel", "")
    await services.dispatcher.run_text(group(), ALICE, "ideas", "")  # Alice belongs to the community
    await submit(services, ALICE, "Sent privately", place=private(uid="10"))
    await upvote(services, BOB)
    messenger.refuse |= {"11"}
    await status(services, "1 | planned | Soon")
    fallbacks = [(t.chat_id, m.mention_ids) for t, m, _l in messenger.sent if m.mention_ids]
    assert fallbacks == [("-1001", ("11",))]  # the feedback channel, never Alice's private chat
