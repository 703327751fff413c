from __future__ import annotations

from datetime import timedelta

from bot.app import Services
from bot.core.clock import FakeClock
from tests.cogs.test_dispatch import texts
from tests.conftest import caller, group


async def test_language_without_argument_offers_buttons(services: Services) -> None:
    answer = await services.dispatcher.run_text(group(), caller(), "language", "")
    actions = [b.action for row in answer.messages[0].buttons for b in row]
    assert actions == ["lang:en", "lang:fi", "lang:de", "lang:ru"]


async def test_language_button_sets_language_and_answers_in_it(services: Services) -> None:
    answer = await services.dispatcher.press(group(), caller(), "lang:ru")
    assert answer.locale == "ru" and not answer.error
    later = await services.dispatcher.run_text(group(), caller(locale="en"), "help", "")
    assert later.locale == "ru"  # the member's choice beats the client language


async def test_unknown_language_is_refused(services: Services) -> None:
    answer = await services.dispatcher.run_text(group(), caller(), "language", "klingon")
    assert answer.error and "en (English), fi (Suomi), de (Deutsch), ru (Русский)" in texts(answer)


async def test_link_merges_discord_and_telegram_into_one_member(services: Services) -> None:
    issued = await services.dispatcher.run_text(group(), caller("telegram", "100"), "link", "")
    code = issued.messages[0].lines[0].params["code"]
    spec = services.registry.by_discord(["link"])
    assert spec is not None
    done = await services.dispatcher.run(group("discord", "55"), caller("discord", "200"), spec, {"code": code.lower()})
    assert not done.error, texts(done)
    tg = await services.directory.member_id("telegram", "100", None, services.clock.now())
    dc = await services.directory.member_id("discord", "200", None, services.clock.now())
    assert tg == dc
    again = await services.dispatcher.run(group("discord", "55"), caller("discord", "200"), spec, {"code": code})
    assert again.error  # single use


async def test_link_code_expires(services: Services, clock: FakeClock) -> None:
    issued = await services.dispatcher.run_text(group(), caller("telegram", "100"), "link", "")
    code = issued.messages[0].lines[0].params["code"]
    clock.advance(timedelta(minutes=16))
    spec = services.registry.by_discord(["link"])
    assert spec is not None
    done = await services.dispatcher.run(group("discord", "55"), caller("discord", "200"), spec, {"code": code})
    assert done.error and "expired" in texts(done)


async def test_link_code_on_the_same_platform_is_refused(services: Services) -> None:
    issued = await services.dispatcher.run_text(group(), caller("telegram", "100"), "link", "")
    code = issued.messages[0].lines[0].params["code"]
    done = await services.dispatcher.run_text(group(), caller("telegram", "101"), "link", code)
    assert done.error and "other platform" in texts(done)


async def test_setup_link_joins_a_telegram_group_to_a_discord_community(services: Services) -> None:
    spec = services.registry.by_discord(["setup", "link"])
    assert spec is not None
    issued = await services.dispatcher.run(
        group("discord", "55", "Guild"), caller("discord", "9", manager=True), spec, {}
    )
    code = issued.messages[0].lines[0].params["code"]
    done = await services.dispatcher.run_text(group(), caller(manager=True), "setuplink", code)
    assert not done.error, texts(done)
    dc = await services.directory.communities.find_by_scope("discord", "55")
    tg = await services.directory.communities.find_by_scope("telegram", "-1001")
    assert dc is not None and tg is not None and dc.id == tg.id


async def test_own_time_zone_is_shown_beside_the_community_one(services: Services) -> None:
    from tests.cogs.test_outbox import RecordingMessenger

    services.messengers["telegram"] = RecordingMessenger()
    assert "not set a time zone" in texts(await services.dispatcher.run_text(group(), caller(), "timezone", ""))
    done = await services.dispatcher.run_text(group(), caller(), "timezone", "america/new_york")
    assert "America/New_York" in texts(done)
    await services.dispatcher.run_text(group(), caller(uid="1"), "newevent", "Call | 2026-03-05 18:00")
    await services.dispatcher.press(group(), caller(), "ev:rsvp:1:going")
    mine = texts(await services.dispatcher.run_text(group(), caller(), "myevents", ""))
    assert "18:00 (UTC) · 13:00 (America/New_York)" in mine
    bad = await services.dispatcher.run_text(group(), caller(), "timezone", "Mars/Base")
    assert bad.error and "Europe/Helsinki" in texts(bad)
