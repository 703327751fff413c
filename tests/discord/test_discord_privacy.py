"""/privacy and /export on Discord: answers are ephemeral with the file attached; /export is for managers."""

from __future__ import annotations

import json

import pytest

from bot.discord.client import DiscordRuntime
from tests.discord.conftest import ALICE, GENERAL, GUILD, MANAGER, slash
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord_model import InvalidInteraction


async def test_privacy_export_is_an_ephemeral_json_file(runtime: DiscordRuntime, fake: FakeDiscord) -> None:
    await slash(fake, ALICE, "help")
    interaction = await fake.invoke_slash(GUILD, GENERAL, ALICE, "privacy export", {})
    record = await fake.wait_for_callback(interaction)
    assert record.original_id is not None
    message = fake.messages[record.original_id]
    assert message.ephemeral and message.files
    data = json.loads(message.files[0].content)
    assert data["data"]["members"]["identities"][0]["user_id"] == str(ALICE)


async def test_export_is_refused_to_members_and_given_to_managers(runtime: DiscordRuntime, fake: FakeDiscord) -> None:
    with pytest.raises(InvalidInteraction):  # Discord does not even offer it (default_member_permissions)
        await fake.invoke_slash(GUILD, GENERAL, ALICE, "export community", {})
    interaction = await fake.invoke_slash(GUILD, GENERAL, MANAGER, "export community", {})
    record = await fake.wait_for_callback(interaction)
    assert record.original_id is not None and fake.messages[record.original_id].files
    assert fake.messages[record.original_id].ephemeral
