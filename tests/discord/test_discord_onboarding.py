"""Onboarding end to end on Discord: a GUILD_MEMBER_ADD → welcome post in the system channel (pinging only
the newcomer) and a DM in the member's language, a blocked DM (50007) falling back to the channel; welcome
texts through a modal, with @everyone and role mentions that ping nobody; the rules gate granting the
member role, refusing other members, naming a missing Manage Roles at setup and on failure, and working
after a restart; interests picked from a select menu that gives their role."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr

from bot.app import Services, build_services
from bot.core.clock import FakeClock
from bot.discord.client import DiscordRuntime
from tests.conftest import MakeSettings
from tests.discord.conftest import ALICE, GENERAL, GUILD, HELPER_ROLE, MANAGER, RuntimeFactory, answered, slash
from tests.fakes.discord import FakeDiscord, FakeInteraction, InvalidInteraction, StoredMessage, perm

NEWBIE, OTHER = 40, 41
MEMBER_ROLE = 310
ABOVE_ROLE = 399


@pytest.fixture
async def dc_services(make_settings: MakeSettings, fake: FakeDiscord, clock: FakeClock) -> AsyncIterator[Services]:
    fake.add_role(GUILD, {"id": MEMBER_ROLE, "name": "Members", "permissions": 0})
    fake.guilds[GUILD].roles[MEMBER_ROLE]["position"] = 1  # below the bot's role
    fake.add_role(GUILD, {"id": ABOVE_ROLE, "name": "Founders", "permissions": 0})  # above it
    fake.guilds[GUILD].system_channel_id = GENERAL
    settings = make_settings(
        discord_token=SecretStr(fake.token), discord_api_base=fake.api_base, discord_gateway_url=fake.ws_url
    )
    services = await build_services(settings, clock)
    yield services
    await services.close()


async def arrive(fake: FakeDiscord, runtime: DiscordRuntime, services: Services, user: int, name: str) -> None:
    await fake.member_join(GUILD, user, name)
    await fake.gateway_roundtrip()
    await runtime.activity.drain()
    await services.hub.drain()
    await services.outbox.settle()  # the welcome goes out in the background


async def reply(fake: FakeDiscord, interaction: FakeInteraction) -> tuple[str, bool]:
    text = await answered(fake, interaction)
    record = fake.interactions[interaction.id]
    return text, fake.messages[record.original_id or 0].ephemeral


def channel_posts(fake: FakeDiscord) -> list[StoredMessage]:
    return [m for m in fake.bot_messages(GENERAL) if m.source == "rest"]


def button_ids(message: StoredMessage) -> list[str]:
    return [c["custom_id"] for row in message.components for c in row["components"]]


async def press(fake: FakeDiscord, user: int, custom_id: str) -> tuple[str, bool]:
    return await reply(fake, await fake.invoke_button(GUILD, GENERAL, user, custom_id))


async def test_a_join_gets_a_welcome_post_pinging_only_them_and_a_dm_in_the_communitys_language(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    assert await slash(fake, MANAGER, "setup language", {"language": "de"})
    await arrive(fake, runtime, dc_services, NEWBIE, "nora")
    (post,) = channel_posts(fake)
    assert (
        post.content
        == f"Willkommen bei **Hearth Test**, <@{NEWBIE}>! 👋 Sag Hallo, und unter /rules steht, wie es hier läuft."
    )
    assert post.allowed_mentions is not None and post.allowed_mentions["parse"] == []
    assert [int(u) for u in post.allowed_mentions["users"]] == [NEWBIE]
    assert [u["id"] for u in post.data["mentions"]] == [str(NEWBIE)] and not post.data["mention_everyone"]
    (dm,) = fake.dms_to(NEWBIE)
    assert dm.content.startswith("Hallo nora, willkommen bei **Hearth Test**!") and dm.data["mentions"] == []


async def test_a_blocked_dm_is_posted_in_the_channel_instead(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    fake.add_user(OTHER, "otto")
    fake.dm_blocked(OTHER)
    await arrive(fake, runtime, dc_services, OTHER, "otto")
    assert fake.calls_to("POST", rf"/channels/{fake.dm_channel_id(OTHER)}/messages", status=403)
    fallback = [m for m in channel_posts(fake) if "could not message you privately" in m.content]
    assert len(fallback) == 1 and fallback[0].content.startswith(f"<@{OTHER}>, I could not message you privately")
    assert [u["id"] for u in fallback[0].data["mentions"]] == [str(OTHER)]
    journey = await dc_services.onboarding.ctx.repo.journey(1, 1)
    assert journey is not None and journey.welcome_fallback_at is not None


async def test_welcome_texts_from_the_modal_never_ping_everyone_or_roles(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    opened = await fake.invoke_slash(GUILD, GENERAL, MANAGER, "welcome set", {"language": "en"})
    record = await fake.wait_for_callback(opened)
    assert record.callback_type == 9 and record.callback_data["custom_id"] == "onbf:wel:en"
    bad = await fake.invoke_modal_submit(GUILD, GENERAL, MANAGER, "onbf:wel:en", {"post": "Hi {name}", "dm": ""})
    text, ephemeral = await reply(fake, bad)
    assert ephemeral and text.startswith("Unknown placeholder {name}.")
    await fake.wait_for_callback(await fake.invoke_slash(GUILD, GENERAL, MANAGER, "welcome set", {}))
    template = f"Hi {{member}} @everyone @here <@&{HELPER_ROLE}> **{{community}}**"
    saved = await fake.invoke_modal_submit(GUILD, GENERAL, MANAGER, "onbf:wel:en", {"post": template, "dm": ""})
    assert (await reply(fake, saved))[0] == "Welcome texts for English saved. This is how they look:"
    await arrive(fake, runtime, dc_services, NEWBIE, "nora")
    (post,) = channel_posts(fake)
    assert post.content == f"Hi <@{NEWBIE}> @\u200beveryone @\u200bhere <@\u200b&{HELPER_ROLE}> **Hearth Test**"
    assert not post.data["mention_everyone"] and post.data["mention_roles"] == []
    assert [u["id"] for u in post.data["mentions"]] == [str(NEWBIE)]


async def test_accepting_the_rules_grants_the_member_role_and_others_are_refused(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    assert "Set the rules first" not in await slash(fake, MANAGER, "setup rules", {"rules": "Be kind | No spam"})
    text = await slash(fake, MANAGER, "setup roles", {"member_role": MEMBER_ROLE})
    assert text == "Member role saved.\nThe rules gate is on: newcomers get the member role when they accept the rules."
    await arrive(fake, runtime, dc_services, NEWBIE, "nora")
    gate = next(m for m in channel_posts(fake) if m.components)
    assert button_ids(gate) == ["h:onb:acc:1"] and gate.content.startswith(f"<@{NEWBIE}>, welcome! Please read")
    assert "1. Be kind\n2. No spam" in gate.content
    (dm,) = fake.dms_to(NEWBIE)
    assert button_ids(dm) == ["h:onb:acc:1"]  # the button comes by DM as well
    text, ephemeral = await press(fake, ALICE, "h:onb:acc:1")
    assert ephemeral and text == "This button is for nora."
    assert str(MEMBER_ROLE) not in fake.guilds[GUILD].members[NEWBIE]["roles"]
    text, ephemeral = await press(fake, NEWBIE, "h:onb:acc:1")
    assert ephemeral and text == "Thank you! Welcome to **Hearth Test**."
    (grant,) = fake.calls_to("PUT", rf"/guilds/{GUILD}/members/{NEWBIE}/roles/{MEMBER_ROLE}")
    assert grant.status == 204 and str(MEMBER_ROLE) in fake.guilds[GUILD].members[NEWBIE]["roles"]
    assert "accepted the rules" in fake.messages[gate.id].content and fake.messages[gate.id].components == []


async def test_missing_manage_roles_is_named_at_setup_and_when_the_grant_fails(
    make_runtime: RuntimeFactory, fake: FakeDiscord, dc_services: Services
) -> None:
    bot_role = fake.guilds[GUILD].roles[fake.bot_role_id(GUILD) or 0]
    bot_role["permissions"] = str(perm("view_channel", "send_messages", "read_message_history"))
    runtime = make_runtime()
    await runtime.start()
    assert await slash(fake, MANAGER, "setup channel") == "This channel now receives digests and alerts for managers."
    text = await slash(fake, MANAGER, "setup roles", {"member_role": MEMBER_ROLE})
    assert "I lack the Manage Roles permission on this server" in text
    await arrive(fake, runtime, dc_services, NEWBIE, "nora")
    text, ephemeral = await press(fake, NEWBIE, "h:onb:acc:1")
    assert ephemeral and text.startswith("I could not let you in: I lack the Manage Roles permission")
    told = [m for m in channel_posts(fake) if m.content.startswith("I could not let nora in")]
    assert len(told) == 1 and "Manage Roles" in told[0].content
    assert fake.calls_to("PUT", rf"/guilds/{GUILD}/members/{NEWBIE}/roles/\d+") == []


async def test_a_member_role_above_the_bots_role_is_named(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    text = await slash(fake, MANAGER, "setup roles", {"member_role": ABOVE_ROLE})
    assert text.startswith("Member role saved.\nThe rules gate cannot work yet: That role is not below my highest role")


async def test_the_accept_button_works_after_a_restart(
    make_runtime: RuntimeFactory, fake: FakeDiscord, dc_services: Services
) -> None:
    first = make_runtime()
    await first.start()
    await slash(fake, MANAGER, "setup roles", {"member_role": MEMBER_ROLE})
    await arrive(fake, first, dc_services, NEWBIE, "nora")
    await first.stop()
    await make_runtime().start()
    text, _ = await press(fake, NEWBIE, "h:onb:acc:1")
    assert text == "Thank you! Welcome to **Hearth Test**."
    assert str(MEMBER_ROLE) in fake.guilds[GUILD].members[NEWBIE]["roles"]


async def test_interests_are_picked_from_a_select_menu_that_gives_their_role(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    text = await slash(fake, MANAGER, "setup interests", {"interest": "Games", "role": HELPER_ROLE})
    assert text.startswith("Saved Games (members who pick it get its role).")
    await slash(fake, MANAGER, "setup interests", {"interest": "Music"})
    shown = await fake.invoke_slash(GUILD, GENERAL, ALICE, "interests", {})
    record = await fake.wait_for_callback(shown)
    message = fake.messages[record.original_id or 0]
    (menu,) = [c for row in message.components for c in row["components"]]
    assert menu["type"] == 3 and menu["custom_id"] == "hs:onb:it:1" and menu["max_values"] == 2
    assert [(o["label"], o["value"]) for o in menu["options"]] == [("Games", "1"), ("Music", "2")]
    picked = await fake.invoke_select(GUILD, GENERAL, ALICE, "hs:onb:it:1", ["1", "2"], message_id=message.id)
    assert await reply(fake, picked) == ("Your interests: Games, Music.", True)
    assert str(HELPER_ROLE) in fake.guilds[GUILD].members[ALICE]["roles"]
    again = await fake.invoke_select(GUILD, GENERAL, ALICE, "hs:onb:it:1", ["2"], message_id=message.id)
    assert (await reply(fake, again))[0] == "Your interests: Music."
    assert str(HELPER_ROLE) not in fake.guilds[GUILD].members[ALICE]["roles"]
    unknown: Any = await slash(fake, ALICE, "interests", {"interest": "Chess"})
    assert unknown == "There is no interest “Chess”. Pick one of: Games, Music."


async def test_switching_the_gate_on_without_a_member_role_says_what_to_do(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    await slash(fake, MANAGER, "setup gate", {"state": "off"})
    text = await slash(fake, MANAGER, "setup gate", {"state": "on", "minutes": 5}, locale="fi")
    assert text.startswith("Valitse ensin jäsenrooli: /setup roles member\\_role:")  # markdown-escaped "_"
    settings = await dc_services.onboarding.ctx.repo.settings(1)
    assert not settings.gate_enabled and settings.gate_minutes == 10  # nothing half-written
    with pytest.raises(InvalidInteraction, match="lacks default_member_permissions"):
        await slash(fake, ALICE, "setup gate", {"state": "on"})  # not even in a member's menu
