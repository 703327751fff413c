from __future__ import annotations

from bot.app import Services
from tests.conftest import START, caller, group, private


def texts(answer) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(m.render_text(answer.locale, str, str) for m in answer.messages)


async def test_help_lists_only_member_commands_for_a_member(services: Services) -> None:
    answer = await services.dispatcher.run_text(group(), caller(), "help", "")
    text = texts(answer)
    assert "/language" in text and "/link" in text
    assert "/settimezone" not in text and "managers" not in text


async def test_help_for_a_manager_adds_manager_commands(services: Services) -> None:
    answer = await services.dispatcher.run_text(group(), caller(manager=True), "help", "")
    text = texts(answer)
    assert "/settimezone" in text and "/language" in text


async def test_help_is_in_finnish_for_a_finnish_client(services: Services) -> None:
    answer = await services.dispatcher.run_text(group(), caller(locale="fi-FI"), "help", "")
    assert answer.locale == "fi"
    assert "Näytä komennot" in texts(answer)


async def test_discord_help_shows_grouped_slash_names(services: Services) -> None:
    answer = await services.dispatcher.run_text(
        group("discord", "55"), caller("discord", "7", manager=True), "help", ""
    )
    assert "/setup timezone" in texts(answer)


async def test_unknown_command_gets_a_clear_answer(services: Services) -> None:
    answer = await services.dispatcher.run_text(group(), caller(), "frobnicate", "")
    assert answer.error and "/frobnicate" in texts(answer) and "/help" in texts(answer)


async def test_member_cannot_use_manager_command_and_nothing_changes(services: Services) -> None:
    answer = await services.dispatcher.run_text(group(), caller(), "settimezone", "Europe/Helsinki")
    assert answer.error and "manager" in texts(answer)
    community = await services.directory.communities.find_by_scope("telegram", "-1001")
    assert community is not None and community.timezone == "UTC"


async def test_owner_is_manager_without_platform_rights(services: Services) -> None:
    answer = await services.dispatcher.run_text(group(), caller(uid="1"), "settimezone", "europe/helsinki")
    assert not answer.error, texts(answer)
    community = await services.directory.communities.find_by_scope("telegram", "-1001")
    assert community is not None and community.timezone == "Europe/Helsinki"


async def test_unknown_time_zone_is_refused_with_an_example(services: Services) -> None:
    answer = await services.dispatcher.run_text(group(), caller(manager=True), "settimezone", "Mars/Olympus")
    assert answer.error and "Europe/Helsinki" in texts(answer)


async def test_missing_argument_shows_usage(services: Services) -> None:
    answer = await services.dispatcher.run_text(group(), caller(manager=True), "settimezone", "")
    assert answer.error and "/settimezone <timezone>" in texts(answer)


async def test_oversized_argument_is_refused(services: Services) -> None:
    answer = await services.dispatcher.run_text(group(), caller(), "link", "X" * 500)
    assert answer.error and "too long" in texts(answer)


async def test_arguments_to_a_command_without_any_are_refused(services: Services) -> None:
    answer = await services.dispatcher.run_text(group(), caller(manager=True), "setup", "now please")
    assert answer.error and "no arguments" in texts(answer)


async def test_community_command_in_private_chat_is_refused(services: Services) -> None:
    answer = await services.dispatcher.run_text(private(), caller(manager=True), "setup", "")
    assert answer.error and "group" in texts(answer)


async def test_a_crashing_handler_gets_an_apology_not_silence(services: Services) -> None:
    from dataclasses import replace

    spec = services.registry.by_telegram("help")
    assert spec is not None

    async def boom(*_a: object) -> None:
        raise RuntimeError("boom")

    answer = await services.dispatcher.run(group(), caller(), replace(spec, handler=boom), {})  # type: ignore[arg-type]
    assert answer.error and "Sorry" in texts(answer)


async def test_setup_show_lists_settings(services: Services) -> None:
    await services.dispatcher.run_text(group(), caller(manager=True), "setlanguage", "de")
    answer = await services.dispatcher.run_text(group(), caller(manager=True, locale=None), "setup", "")
    assert not answer.error
    assert answer.locale == "de"  # community default applies to a member with no language of their own


async def test_setchannel_stores_the_manager_channel(services: Services) -> None:
    await services.dispatcher.run_text(group(), caller(manager=True), "setchannel", "")
    community = await services.directory.communities.find_by_scope("telegram", "-1001")
    assert community is not None and community.manager_channel is not None
    assert community.manager_channel.chat_id == "-1001"


async def test_configured_discord_role_makes_a_moderator(services: Services) -> None:
    from bot.core.commands import Caller
    from bot.core.identity import PlatformId
    from bot.core.permissions import PlatformFacts, Role

    manager = caller("discord", "9", manager=True)
    spec = services.registry.by_discord(["setup", "roles"])
    assert spec is not None
    answer = await services.dispatcher.run(group("discord", "55"), manager, spec, {"moderator_role": "444"})
    assert not answer.error, texts(answer)
    someone = Caller(PlatformId.of("discord", "10"), "Bob", "en", PlatformFacts(role_ids=frozenset({"444"})))
    inv = await services.dispatcher.resolve(group("discord", "55"), someone)
    assert inv.role is Role.MODERATOR


async def test_a_huge_time_zone_is_refused_by_length_without_echoing_it(services: Services) -> None:
    for command in ("timezone", "settimezone"):
        answer = await services.dispatcher.run_text(group(), caller(manager=True), command, "Europe/" + "x" * 5000)
        text = texts(answer)
        assert answer.error and "at most 64 characters" in text and len(text) < 200, text
        assert "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" not in text


async def test_an_unknown_time_zone_quotes_a_short_piece_and_suggests_the_closest(services: Services) -> None:
    answer = await services.dispatcher.run_text(group(), caller(), "timezone", "Europe/Helsinky")
    assert answer.error and "Did you mean: Europe/Helsinki" in texts(answer)
    answer = await services.dispatcher.run_text(group(), caller(), "timezone", "new york")
    assert answer.error and "America/New_York" in texts(answer)
    answer = await services.dispatcher.run_text(group(), caller(), "timezone", "Q" * 60)  # under the limit, no match
    text = texts(answer)
    assert answer.error and "Europe/Helsinki" in text and "Q" * 40 not in text and "Q" * 39 + "…" in text
    settings = await services.directory.members.settings(
        await services.directory.member_id("telegram", "100", None, START)
    )
    assert settings.timezone is None  # nothing was stored


async def test_an_unknown_language_quotes_a_short_piece_and_lists_the_four(services: Services) -> None:
    answer = await services.dispatcher.run_text(group(), caller(), "language", "klingon " * 600)
    text = texts(answer)
    assert answer.error and len(text) < 250, text
    assert all(f"{code} (" in text for code in ("en", "fi", "de", "ru"))
    answer = await services.dispatcher.run_text(group(), caller(), "language", "x" * 150)  # under the arg limit
    text = texts(answer)
    assert answer.error and "x" * 41 not in text and "Suomi" in text


async def test_a_language_button_with_a_forged_value_is_answered_briefly(services: Services) -> None:
    answer = await services.dispatcher.press(group(), caller(), "lang:" + "z" * 3000)
    assert answer.error and len(texts(answer)) < 250


async def test_language_accepts_a_platform_tag_and_a_language_name(services: Services) -> None:
    for given, expected in (("fi-FI", "Suomi"), ("Deutsch", "Deutsch"), ("RU", "Русский")):
        answer = await services.dispatcher.run_text(group(), caller(), "language", given)
        assert not answer.error and expected in texts(answer), texts(answer)


async def test_an_invisible_argument_counts_as_missing(services: Services) -> None:
    answer = await services.dispatcher.run_text(group(), caller(uid="1"), "settimezone", "\u200b\u200f\u2060")
    assert answer.error and "Missing timezone" in texts(answer)
