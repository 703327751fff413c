"""The console platform drives the same dispatcher: personas, both command spellings, buttons."""

from __future__ import annotations

from bot.app import Services
from bot.console.repl import ConsoleSession


def session(services: Services, persona: str = "member") -> tuple[ConsoleSession, list[str]]:
    out: list[str] = []
    console = ConsoleSession(services.deps, out.append, persona, "alice")
    services.messengers["console"] = console.messenger
    return console, out


async def test_member_sees_member_help_and_manager_sees_more(services: Services) -> None:
    member, out = session(services)
    await member.handle("/help")
    assert "/language" in out[-1] and "/settimezone" not in out[-1]
    await member.handle(":as manager")
    await member.handle("/help")
    assert "/settimezone" in out[-1] and "/setup roles" in out[-1]


async def test_discord_and_telegram_spellings_both_work(services: Services) -> None:
    manager, out = session(services, "manager")
    await manager.handle("/setup timezone Europe/Helsinki")
    assert "Europe/Helsinki" in out[-1]
    await manager.handle("/setlanguage de")
    await manager.handle("/setup")
    assert "Zeitzone: Europe/Helsinki" in out[-1]


async def test_a_number_presses_the_last_buttons(services: Services) -> None:
    member, out = session(services)
    await member.handle("/language")
    assert "[2] Suomi" in out[-1]
    await member.handle("2")
    assert "Suomi" in out[-1] and "Language set" not in out[-1]


async def test_plain_text_is_recorded_as_activity_without_content(services: Services) -> None:
    member, out = session(services)
    await member.handle("is anyone here?")
    assert await services.ingest.flush() == 1
    assert "not stored" in out[-1]


async def test_user_text_cannot_inject_terminal_markup(services: Services) -> None:
    manager, out = session(services, "manager")
    await manager.handle("/settimezone [bold red]Mars[/bold red]")
    assert "\\[bold red]" in out[-1]


async def test_quit_ends_the_session(services: Services) -> None:
    member, _ = session(services)
    assert await member.handle(":quit") is False


async def test_private_chat_answers_personal_commands_for_the_console_community(services: Services) -> None:
    manager, out = session(services, "manager")
    await manager.handle("/newevent Picnic | 2026-12-24 18:00")
    await manager.handle("1")  # the post's first button: Going
    await manager.handle(":dm")
    await manager.handle("/myevents")
    assert "Picnic" in out[-1]
    await manager.handle("/newevent Party | 2026-12-25 18:00")
    assert "group or server" in out[-1]
    await manager.handle("/help")
    assert "/myevents" in out[-1] and "/newevent" not in out[-1]


async def test_a_moderator_moderates_by_name_and_the_platform_step_is_shown(services: Services) -> None:
    moderator, out = session(services, "moderator")
    await moderator.handle("/mute bob 1h | spamming")
    assert any("bob muted until" in line for line in out) and "muted for 1 hour" in out[-1]
    await moderator.handle("/infractions bob")
    assert "spamming" in out[-1]
    member, member_out = session(services, "member")
    await member.handle("/kick bob")
    assert "Only a moderator" in member_out[-1]


async def test_a_manager_reads_the_digest_in_the_console(services: Services) -> None:
    manager, out = session(services, "manager")
    await manager.handle("is anyone here?")
    await manager.handle("/digest")
    text = "\n".join(out)
    assert "Weekly digest" in text and "Three things to do this week" in text
    assert "(file digest-growth.png" in text  # the chart, saved or described
    member, out = session(services)
    await member.handle("/stats")
    assert "Only a manager" in out[-1]
