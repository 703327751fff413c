"""Discord DMs with the bot: personal commands answer for the member's own community; a command that
needs the server says so; a stranger is told how to join; DM-capable commands are registered for DMs."""

from __future__ import annotations

import pytest

from bot.discord.client import DiscordRuntime
from tests.discord.conftest import ALICE, GENERAL, GUILD, OWNER, RuntimeFactory, answered, slash
from tests.fakes.discord import FakeDiscord


@pytest.fixture
async def runtime(make_runtime: RuntimeFactory) -> DiscordRuntime:
    """Synced globally, as in production: commands synced to one guild do not exist in DMs."""
    rt = make_runtime(sync_guilds=None)
    await rt.start()
    return rt


async def test_event_mine_in_a_dm_answers_for_the_members_server(runtime: DiscordRuntime, fake: FakeDiscord) -> None:
    created = await slash(fake, OWNER, "event create", {"title": "Picnic", "when": "2026-12-24 18:00"})
    assert "Picnic" in created
    post = next(m for m in fake.messages.values() if m.components)
    press = await fake.invoke_button(GUILD, GENERAL, ALICE, "h:ev:rsvp:1:going", post.id)
    await fake.wait_for_callback(press)
    text = await answered(fake, await fake.invoke_slash(None, None, ALICE, "event mine", {}))
    assert "Picnic" in text


async def test_a_server_only_command_in_a_dm_says_where(runtime: DiscordRuntime, fake: FakeDiscord) -> None:
    await slash(fake, ALICE, "help")
    interaction = await fake.invoke_slash(None, None, ALICE, "event create", {"title": "X", "when": "tomorrow 18:00"})
    assert "group or server" in await answered(fake, interaction)


async def test_a_stranger_in_a_dm_is_told_how_to_join(runtime: DiscordRuntime, fake: FakeDiscord) -> None:
    fake.add_user(999, "stranger")
    text = await answered(fake, await fake.invoke_slash(None, None, 999, "event mine", {}))
    assert "/link" in text


async def test_commands_that_work_in_dms_are_registered_for_dms(runtime: DiscordRuntime, fake: FakeDiscord) -> None:
    commands = {c["name"]: c for c in fake.commands[None]}
    assert 1 in commands["event"]["contexts"] and 1 in commands["help"]["contexts"]  # 1 = bot DM
    assert commands["setup"]["contexts"] == [0]  # guild only
