"""Ring 1: the digest commands through the dispatcher — managers only, in the group or in private, bad input
answered, in Finnish and Russian; the preview has every section, three actions naming who or what, and charts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import Services
from bot.core.clock import FakeClock
from bot.core.outbound import OutMessage
from cogs.digest.models import Funnel, FunnelStep
from storage.tables import digest_subscriptions, digest_watch_terms
from tests.cogs.digest.script import WEEK, Script, day
from tests.cogs.digest.test_metrics import scripted
from tests.cogs.test_dispatch import texts
from tests.conftest import caller, group, private

OWNER = caller(uid="1", manager=True)
PNG = b"\x89PNG\r\n\x1a\n"


def plain(message: OutMessage, locale: str = "en") -> str:
    return message.render_text(locale, str, str)


async def rows(services: Services, table) -> list:  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    async with services.engine.connect() as conn:
        return list((await conn.execute(sa.select(table))).all())


async def test_preview_has_every_section_three_actions_and_valid_charts(services: Services) -> None:
    await scripted(services)
    answer = await services.dispatcher.run_text(group(), OWNER, "digest", "")
    assert not answer.error
    [message] = answer.messages
    assert message.private and message.ephemeral  # Telegram sends it in private; Discord shows it only to the caller
    titles = [plain(OutMessage((s.title,))) for s in message.sections if s.title]
    assert titles[0].startswith("Weekly digest · Group · Feb 23 – Mar 1, 2026")
    assert titles[1:] == [
        "Three things to do this week",
        "Engagement by platform",
        "Newcomers and retention",
        "Drifting members",
        "Dialogue and ties",
        "Advocates",
        "Events",
        "How to read these numbers",
    ]
    actions = message.sections[1].lines
    assert len(actions) == 3
    text = plain(message)
    assert "1. Answer the 1 question that got no reply within a day: #1 (in Group #c2)." in text  # a topic of Group
    assert "2. Plan an event: none is scheduled, and 5 members were active this week." in text
    assert "3. Thank User 11 in public" in text
    assert "User 11: score 7.5" in text  # B, the advocate
    # Onboarding recorded the two joiners' journeys: the funnel is there (too few newcomers for an action).
    assert "joined 2, accepted the rules 2, first message 1, got a reply 1" in text
    assert "Not in this digest" not in text  # every feature is installed
    names = [a.filename for a in message.attachments]
    assert names == ["digest-growth.png", "digest-cohorts.png", "digest-funnel.png"]
    assert all(a.is_image and a.data.startswith(PNG) for a in message.attachments)


async def test_a_registered_funnel_provider_adds_its_section_and_chart(services: Services) -> None:
    from bot.core.i18n import t_

    class Journey:
        async def funnel(self, community_id, start, end):  # type: ignore[no-untyped-def]
            return Funnel((FunnelStep(t_("joined"), 10), FunnelStep(t_("first message"), 3)))

    services.digest_sections.funnel = Journey()
    await scripted(services)
    answer = await services.dispatcher.run_text(group(), OWNER, "digest", "")
    text = texts(answer)
    assert "Biggest drop: from “joined” to “first message” (70% lost)." in text
    assert "Most newcomers stop before “first message”" in text
    assert "digest-funnel.png" in [a.filename for a in answer.messages[0].attachments]
    assert "newcomer funnel" not in text.split("Not in this digest:")[-1]


async def test_a_failing_provider_leaves_its_section_out_and_the_digest_still_comes(services: Services) -> None:
    class Broken:
        async def feedback(self, community_id, start, end):  # type: ignore[no-untyped-def]
            raise RuntimeError("feedback database is down")

    services.digest_sections.feedback = Broken()
    answer = await services.dispatcher.run_text(group(), OWNER, "digest", "")
    assert not answer.error and "Feedback" not in [str(s.title) for s in answer.messages[0].sections]


@pytest.mark.parametrize("command", ["digest", "stats", "atrisk", "digestschedule mon | 9", "watchlist"])
async def test_members_are_refused_and_shown_no_data(services: Services, command: str) -> None:
    await scripted(services)
    name, _, rest = command.partition(" ")
    answer = await services.dispatcher.run_text(group(), caller(uid="12", locale="fi"), name, rest)
    assert answer.error
    text = texts(answer)
    assert "vain" in text.lower() or "only" in text.lower()  # "Vain ylläpitäjä voi …"
    assert "User" not in text and "aktiivi" not in text.lower()


async def test_stats_and_atrisk_for_a_manager_in_a_private_chat_in_russian(services: Services) -> None:
    s = await scripted(services)
    await s.flush()
    owner_ru = caller(uid="1", manager=True, locale="ru")
    await services.dispatcher.run_text(group(), owner_ru, "help", "")  # the owner belongs to the group
    stats = await services.dispatcher.run_text(private(uid="1"), owner_ru, "stats", "")
    assert not stats.error and stats.locale == "ru"
    [message] = stats.messages
    assert message.attachments[0].data.startswith(PNG)
    assert "активн" in texts(stats)
    atrisk = await services.dispatcher.run_text(private(uid="1"), owner_ru, "atrisk", "")
    assert not atrisk.error and atrisk.messages[0].private


async def test_subscribe_on_telegram_only_in_private_then_unsubscribe_in_finnish(services: Services) -> None:
    await scripted(services)
    owner_fi = caller(uid="1", manager=True, locale="fi")
    in_group = await services.dispatcher.run_text(group(), owner_fi, "digest", "subscribe")
    assert in_group.error and "/digest subscribe" in texts(in_group)
    assert await rows(services, digest_subscriptions) == []
    done = await services.dispatcher.run_text(private(uid="1"), owner_fi, "digest", "subscribe")
    assert not done.error and done.locale == "fi"
    [sub] = await rows(services, digest_subscriptions)
    assert (sub.platform, sub.user_id) == ("telegram", "1")
    again = await services.dispatcher.run_text(private(uid="1"), owner_fi, "digest", "subscribe")
    assert not again.error and len(await rows(services, digest_subscriptions)) == 1
    gone = await services.dispatcher.run_text(private(uid="1"), owner_fi, "digest", "unsubscribe")
    assert not gone.error and await rows(services, digest_subscriptions) == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("someday | 9", "weekday must be one of"),
        ("mon | 25", "hour must be between 0 and 23"),
        ("mon | nine", "hour must be a whole number"),
        ("mon | 9 | maybe", "channel must be one of"),
        ("", ""),
    ],
)
async def test_schedule_and_its_bad_input(services: Services, args: str, expected: str) -> None:
    answer = await services.dispatcher.run_text(group(), OWNER, "digestschedule", args)
    settings = await services.digest.repo.settings(1)
    if expected:
        assert answer.error and expected in texts(answer)
        assert (settings.weekday, settings.hour) == (0, 9)  # nothing written
    else:
        assert not answer.error and "next on" in texts(answer)


async def test_schedule_moves_the_day_and_hour(services: Services) -> None:
    answer = await services.dispatcher.run_text(group(), OWNER, "digestschedule", "fri | 16 | off")
    assert not answer.error and "subscribed managers only" in texts(answer)
    settings = await services.digest.repo.settings(1)
    assert (settings.weekday, settings.hour, settings.to_channel) == (4, 16, False)
    assert "Fri, Mar 6, 2026 16:00 (UTC)" in texts(answer)


async def test_watch_list_add_list_remove_and_bad_input(services: Services) -> None:
    run = services.dispatcher.run_text
    assert "empty" in texts(await run(group(), OWNER, "watchlist", ""))
    for bad in ("add | *", "add", "remove | " + "x" * 65):
        answer = await run(group(), OWNER, "watchlist", bad)
        assert answer.error, bad
    assert await rows(services, digest_watch_terms) == []
    assert "Watching “scam*”" in texts(await run(group(), OWNER, "watchlist", "add | Scam*"))
    assert "already" in texts(await run(group(), OWNER, "watchlist", "add | scam*"))
    assert "Watching “huijaus”" in texts(await run(group(), OWNER, "watchlist", "add | huijaus"))
    listed = await run(group(), OWNER, "watchlist", "list")
    assert "huijaus, scam*" in texts(listed) and listed.messages[0].private
    assert "No longer" in texts(await run(group(), OWNER, "watchlist", "remove | huijaus"))
    assert "was not" in texts(await run(group(), OWNER, "watchlist", "remove | huijaus"))
    assert [r.term for r in await rows(services, digest_watch_terms)] == ["scam*"]


async def test_drifting_members_are_invited_to_an_event_matching_their_interests(services: Services) -> None:
    from tests.cogs.digest.test_metrics import drifting_community

    s = await drifting_community(services)
    await services.dispatcher.run_text(group(), OWNER, "newevent", "Board games | 2026-03-05 18:00")
    await services.dispatcher.run_text(group(), OWNER, "newevent", "Chess club | 2026-03-07 18:00")
    async with services.engine.begin() as conn:
        import sqlalchemy as sa

        from storage.tables import events

        await conn.execute(sa.update(events).where(events.c.title == "Chess club").values(interest="chess"))
    chess_player = await s.member("22")

    class Interests:
        async def interests(self, community_id, member_ids):  # type: ignore[no-untyped-def]
            return {chess_player: frozenset({"chess"})}

    services.digest_sections.interests = Interests()
    answer = await services.dispatcher.run_text(group(), OWNER, "atrisk", "")
    text = texts(answer)
    chess = "User 22: active days a week before 2, this week 0; last active Feb 19 → invite to Chess club (Sat, Mar 7)"
    board = "User 20: active days a week before 3, this week 1; last active Feb 23 → invite to Board games (Thu, Mar 5)"
    assert chess in text and board in text
    digest = texts(await services.dispatcher.run_text(group(), OWNER, "digest", ""))
    assert "Invite the 3 drifting regulars to Board games on Thu, Mar 5: User 24, User 20, User 22." in digest


async def test_interests_members_chose_in_onboarding_pick_the_event_to_invite_them_to(services: Services) -> None:
    from tests.cogs.digest.test_metrics import drifting_community

    await drifting_community(services)
    assert not (await services.dispatcher.run_text(group(), OWNER, "setinterests", "Chess | Music")).error
    chose = await services.dispatcher.run_text(group(), caller(uid="22"), "interests", "chess")  # any case
    assert not chose.error, texts(chose)
    await services.dispatcher.run_text(group(), OWNER, "newevent", "Board games | 2026-03-05 18:00")
    await services.dispatcher.run_text(group(), OWNER, "newevent", "Chess club | 2026-03-07 18:00")
    async with services.engine.begin() as conn:
        import sqlalchemy as sa

        from storage.tables import events

        await conn.execute(sa.update(events).where(events.c.title == "Chess club").values(interest="Chess"))
    text = texts(await services.dispatcher.run_text(group(), OWNER, "atrisk", ""))
    assert "User 22: active days a week before 2, this week 0; last active Feb 19 → invite to Chess club" in text
    assert "User 20: active days a week before 3, this week 1; last active Feb 23 → invite to Board games" in text


async def test_the_digest_reads_in_each_language(services: Services) -> None:
    await scripted(services)
    expected = {"en": "Three things", "fi": "Kolme", "de": "Drei", "ru": "Три"}
    for locale, words in expected.items():
        answer = await services.dispatcher.run_text(group(), caller(uid="1", manager=True, locale=locale), "digest", "")
        assert answer.locale == locale and words in texts(answer)


async def test_one_member_week_renders(services: Services) -> None:
    s = Script(services)
    s.msg("40", day(1))
    await s.flush()
    answer = await services.dispatcher.run_text(group(), OWNER, "digest", "")
    assert not answer.error and "1 active member (new)" in texts(answer)


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("digest later", "action must be one of"),
        ("stats now please", "no arguments"),
        ("atrisk everyone", "no arguments"),
        ("watchlist purge | scam", "action must be one of"),
    ],
)
async def test_bad_input_to_the_digest_commands_is_explained(services: Services, command: str, expected: str) -> None:
    name, _, rest = command.partition(" ")
    answer = await services.dispatcher.run_text(group(), OWNER, name, rest)
    assert answer.error and expected in texts(answer)


async def test_a_moderator_is_not_a_manager_here(services: Services) -> None:
    await scripted(services)
    for name in ("stats", "atrisk", "digest"):
        answer = await services.dispatcher.run_text(group(), caller(uid="13", moderator=True), name, "")
        assert answer.error and "manager" in texts(answer)


async def test_events_held_in_the_week_appear_with_attendance(services: Services, clock: FakeClock) -> None:
    await services.dispatcher.run_text(group(), OWNER, "newevent", "Sauna | 2026-03-03 18:00")
    for uid in ("20", "21"):
        await services.dispatcher.press(group(), caller(uid=uid), "ev:rsvp:1:going")
    await services.dispatcher.press(group(), caller(uid="22"), "ev:rsvp:1:maybe")
    clock.advance(timedelta(days=7))
    text = texts(await services.dispatcher.run_text(group(), OWNER, "digest", ""))
    assert "Held this week\nSauna · Tue, Mar 3, 2026 18:00 (UTC) · going: 2 · maybe: 1" in text


async def test_old_reply_pairs_are_purged_and_the_weekly_totals_stay(services: Services) -> None:
    s = Script(services)
    s.msg("30", day(-70))
    s.msg("31", day(-70, 11), reply_to="30")
    s.msg("31", day(1), reply_to="30")
    await s.flush()
    await s.metrics()
    activity = services.ingest.repo
    await activity.purge_ties_before(WEEK - timedelta(weeks=4))  # type: ignore[attr-defined]
    import sqlalchemy as sa

    from storage.tables import activity_community_weekly, activity_ties_weekly

    async with services.engine.connect() as conn:
        weeks = (await conn.execute(sa.select(activity_ties_weekly.c.week))).scalars().all()
        old = (
            await conn.execute(
                sa.select(activity_community_weekly.c.replies).where(
                    activity_community_weekly.c.week == WEEK - timedelta(weeks=10),
                    activity_community_weekly.c.platform == "all",
                )
            )
        ).scalar()
    assert weeks == [WEEK] and old == 1
