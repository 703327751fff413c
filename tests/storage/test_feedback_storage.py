"""Ring 2 for feedback: the repository through the migrations, and its part of the member-data contract
(`/link` merges two accounts without double votes; `/privacy` exports and erases, counts staying)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import sqlalchemy as sa

from bot.app import Services
from bot.core.clock import FakeClock
from bot.core.targets import Target
from cogs.feedback.models import Category, NewItem, Status
from storage.feedback import SqlFeedbackRepo
from storage.tables import feedback_followers, feedback_items, feedback_status_log, feedback_votes
from tests.cogs.feedback.helpers import OWNER, submit, upvote
from tests.cogs.test_dispatch import texts
from tests.conftest import START, caller, group

ORIGIN = Target.channel("telegram", "-1001")


async def _member(services: Services, platform: str, uid: str) -> int:
    return await services.directory.member_id(platform, uid, None, services.clock.now())


async def test_numbers_stay_unique_per_community_under_concurrent_submits(services: Services) -> None:
    repo = SqlFeedbackRepo(services.engine)
    community = await services.directory.community("telegram", "-1001", "G", START)
    author = await _member(services, "telegram", "5")

    def new(n: int) -> NewItem:
        return NewItem(community.id, author, False, Category.IDEA, f"Item {n}", "text", "en", ORIGIN)

    made = await asyncio.gather(*(repo.create(new(n), START) for n in range(20)))
    assert sorted(i.number for i in made) == list(range(1, 21))


async def test_link_merges_feedback_without_double_votes(services: Services, clock: FakeClock) -> None:
    tg, dc = caller("telegram", "100", "Al"), caller("discord", "200", "Al")
    await submit(services, caller("telegram", "50"), "Dark mode")  # #1 by someone else
    await upvote(services, tg, 1)
    await services.dispatcher.run_text(group("discord", "55"), dc, "help", "")
    dc_id, tg_id = await _member(services, "discord", "200"), await _member(services, "telegram", "100")
    async with services.engine.begin() as conn:  # the Discord account voted for #1 too (linked communities)
        await conn.execute(sa.insert(feedback_votes).values(item_id=1, member_id=dc_id, voted_at=clock.now()))
        # …and wrote #2, which the Telegram account had upvoted
        await conn.execute(
            sa.insert(feedback_items).values(
                community_id=1,
                number=2,
                author_id=dc_id,
                category="idea",
                title="Search",
                body="Slow",
                language="en",
                status="new",
                origin=ORIGIN.to_json(),
                created_at=clock.now(),
                updated_at=clock.now(),
            )  # fmt: skip
        )
        await conn.execute(sa.insert(feedback_votes).values(item_id=2, member_id=tg_id, voted_at=clock.now()))
    issued = await services.dispatcher.run_text(group(), tg, "link", "")
    code = issued.messages[0].lines[0].params["code"]
    link = services.registry.by_discord(["link"])
    assert link is not None
    assert not (await services.dispatcher.run(group("discord", "55"), dc, link, {"code": code})).error
    async with services.engine.connect() as conn:
        votes = (await conn.execute(sa.select(feedback_votes.c.item_id, feedback_votes.c.member_id))).all()
        authors = dict((await conn.execute(sa.select(feedback_items.c.number, feedback_items.c.author_id))).all())
    assert sorted(votes) == [(1, tg_id)]  # one vote for #1; none for the item the same person wrote
    assert authors[2] == tg_id


async def test_export_and_erase_keep_counts_and_make_authors_anonymous(services: Services) -> None:
    al = caller("telegram", "100", "Al")
    await submit(services, al, "Dark mode | Please")
    await submit(services, caller("telegram", "50"), "Search")
    await upvote(services, al, 2)
    await services.dispatcher.run_text(group(), OWNER, "fbstatus", "1 | review | Looking")
    await submit(services, caller("telegram", "51"), "Night theme")
    await services.dispatcher.run_text(group(), OWNER, "fbmerge", "3 | 1")
    await services.dispatcher.run_text(group(), al, "feedback", "An unfinished draft")
    member = await _member(services, "telegram", "100")

    exported = (await services.member_data.export(member))["feedback"]
    assert [(i["number"], i["title"], i["anonymous"]) for i in exported["items"]] == [(1, "Dark mode", False)]
    assert [v["number"] for v in exported["votes"]] == [2]
    assert [d["title"] for d in exported["drafts"]] == ["An unfinished draft"]

    await services.member_data.erase(member)
    async with services.engine.connect() as conn:
        item = (await conn.execute(sa.select(feedback_items).where(feedback_items.c.number == 1))).one()
        votes = (await conn.execute(sa.select(sa.func.count()).select_from(feedback_votes))).scalar()
        follows = (await conn.execute(sa.select(feedback_followers.c.member_id))).scalars().all()
        logs = (await conn.execute(sa.select(sa.func.count()).select_from(feedback_status_log))).scalar()
    assert item.author_id != member and item.anonymous and item.body == "Please"  # the feedback stays, nameless
    assert votes == 0 and member not in follows and logs == 2  # the upvote goes, as /privacy delete says
    shown = texts(await services.dispatcher.run_text(group(), OWNER, "idea", "1"))
    assert "— Al" not in shown and "— anonymous" in shown
    assert (await services.feedback.repo.by_number(1, 1)).status is Status.REVIEW  # type: ignore[union-attr]


async def test_old_drafts_are_purged(services: Services, clock: FakeClock) -> None:
    await services.dispatcher.run_text(group(), caller(), "feedback", "Forgotten")
    clock.advance(timedelta(days=1, minutes=1))
    assert await services.feedback.service.purge_drafts(clock.now()) == 1
    late = await services.dispatcher.press(group(), caller(), "fb:cat:1:idea")
    assert late.error and "waited too long" in texts(late)


async def test_privacy_delete_with_feedback_blanks_the_texts_and_updates_the_channel_post(services: Services) -> None:
    from tests.cogs.test_outbox import RecordingMessenger

    messenger = RecordingMessenger()
    services.messengers["telegram"] = messenger
    al = caller("telegram", "100", "Al")
    await services.dispatcher.run_text(group(), OWNER, "fbchannel", "")
    await submit(services, al, "Dark mode | My eyes hurt")
    await upvote(services, caller("telegram", "50"), 1)
    asked = await services.dispatcher.run_text(group(), al, "privacy", "delete")
    everything = next(
        b.action for m in asked.messages for row in m.buttons for b in row if b.action.startswith("pv:all")
    )
    done = await services.dispatcher.press(group(), al, everything)
    assert not done.error, texts(done)
    item = await services.feedback.repo.by_number(1, 1)
    assert item is not None and (item.title, item.body, item.anonymous, item.votes) == ("", "", True, 1)
    post = messenger.edited[-1][1].render_text("en", str, str)
    assert "(deleted by its author)" in post and "Dark mode" not in post and "— anonymous" in post
    assert "Dark mode" not in texts(await services.dispatcher.run_text(group(), OWNER, "ideas", ""))


async def test_privacy_delete_takes_the_name_off_the_channel_post(services: Services) -> None:
    from tests.cogs.test_outbox import RecordingMessenger

    messenger = RecordingMessenger()
    services.messengers["telegram"] = messenger
    al = caller("telegram", "100", "Al")
    await services.dispatcher.run_text(group(), OWNER, "fbchannel", "")
    await submit(services, al, "Dark mode | My eyes hurt")
    assert "— Al" in messenger.sent[-1][1].render_text("en", str, str)
    asked = await services.dispatcher.run_text(group(), al, "privacy", "delete")
    actions = [b.action for m in asked.messages for row in m.buttons for b in row]
    assert not (await services.dispatcher.press(group(), al, next(a for a in actions if a.startswith("pv:del")))).error
    post = messenger.edited[-1][1].render_text("en", str, str)
    assert "Dark mode" in post and "— anonymous" in post and "Al\n" not in post
