"""Slash commands through the real discord.py client against the fake Discord."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.app import Services
from bot.core.commands import Arg, ArgKind, Caller, CommandSpec, Invocation, Place, Reply, Where
from bot.core.i18n import t_
from bot.core.identity import Platform, PlatformId
from bot.core.outbound import OutMessage
from bot.core.permissions import PlatformFacts
from bot.core.targets import Target
from bot.discord import render
from bot.discord.client import DiscordRuntime
from tests.discord.conftest import (
    ALICE,
    GENERAL,
    GUILD,
    HELPER,
    HELPER_ROLE,
    MANAGER,
    MANAGER_ROLE,
    MODERATOR,
    RuntimeFactory,
    answered,
    slash,
)
from tests.fakes.discord import FakeDiscord, InvalidInteraction, UnsyncedCommand, perm


async def community_timezone(services: Services) -> str:
    found = await services.directory.communities.find_by_scope("discord", str(GUILD))
    assert found is not None
    return found.timezone


async def test_help_for_a_member_lists_only_member_commands(runtime: DiscordRuntime, fake: FakeDiscord) -> None:
    text = await slash(fake, ALICE, "help")
    assert "as a member" in text and "/language" in text and "/link" in text
    assert "/setup" not in text


async def whole_help(fake: FakeDiscord, services: Services, user: int, facts: PlatformFacts) -> str:
    """/help answers a message per section, and a section longer than one Discord message (2,000 characters)
    is split: as many messages as the dispatcher's answer renders to, all of them, joined."""
    place = Place(Platform.DISCORD, str(GUILD), "Hearth Test", Target.channel(Platform.DISCORD, GENERAL))
    spec = services.registry.by_discord(["help"])
    assert spec is not None
    expected = await services.dispatcher.run(place, Caller(PlatformId.of("discord", user), "x", "en", facts), spec, {})
    count = sum(len(render.payloads(m, expected.locale)) for m in expected.messages)
    interaction = await fake.invoke_slash(GUILD, GENERAL, user, "help", {})
    record = await fake.wait_for_callback(interaction)
    followups = await fake.wait_for("POST", rf"/webhooks/\d+/{record.token}", count=count - 1) if count > 1 else []
    assert record.original_id is not None
    texts = [fake.messages[record.original_id].content, *(str(c.json["content"]) for c in followups)]
    assert all(len(t) <= 2000 for t in texts)
    return "\n".join(texts)


async def test_help_for_a_moderator_and_a_manager_names_their_role_and_adds_setup(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    moderator = await whole_help(fake, dc_services, MODERATOR, PlatformFacts(can_moderate=True))
    manager = await whole_help(fake, dc_services, MANAGER, PlatformFacts(can_moderate=True, can_manage=True))
    assert "as a moderator" in moderator and "/setup" not in moderator
    assert "as a manager" in manager and "/setup timezone" in manager and "/language" in manager


async def test_help_is_ephemeral_and_in_finnish_for_a_finnish_client(
    runtime: DiscordRuntime, fake: FakeDiscord
) -> None:
    interaction = await fake.invoke_slash(GUILD, GENERAL, ALICE, "help", locale="fi")
    text = await answered(fake, interaction)
    assert "Näytä komennot, joita voit käyttää" in text
    assert "Show the commands" not in text
    record = fake.interactions[interaction.id]
    assert record.original_id is not None and fake.messages[record.original_id].ephemeral


async def test_global_commands_work_in_dms_except_server_only_ones(
    make_runtime: RuntimeFactory, fake: FakeDiscord, dc_services: Services
) -> None:
    await make_runtime(sync_guilds=None).start()  # production mode: one global sync
    assert fake.calls_to("PUT", r"/applications/\d+/commands") and GUILD not in fake.commands
    assert "/language" in await slash(fake, ALICE, "help", guild=None)
    assert "/setup timezone" in await whole_help(
        fake, dc_services, MANAGER, PlatformFacts(can_moderate=True, can_manage=True)
    )
    with pytest.raises(InvalidInteraction, match="not available in DMs"):
        await fake.invoke_slash(None, None, ALICE, "setup show")


async def test_synced_commands_mirror_the_registry(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    synced = {c["name"]: c for c in fake.commands[GUILD] if c["type"] == 1}  # context menus come from feature glue
    assert set(synced) == {s.discord[0] for s in dc_services.registry.commands if s.discord}
    assert {"help", "language", "link", "setup"} <= set(synced)
    setup = synced["setup"]
    subs = {o["name"]: o for o in setup["options"]}
    assert set(subs) == {s.discord[1] for s in dc_services.registry.commands if s.discord[:1] == ("setup",)}
    assert {"show", "timezone", "language", "channel", "roles", "link"} <= set(subs)
    assert setup["default_member_permissions"] == str(perm("manage_guild")) and setup["contexts"] == [0]
    assert synced["help"]["default_member_permissions"] is None and synced["help"]["contexts"] == [0, 1]
    (zone,) = subs["timezone"]["options"]
    assert zone["autocomplete"] is True and zone["required"] is True and zone["max_length"] == 64
    roles = {o["name"]: o["type"] for o in subs["roles"]["options"]}
    assert roles["moderator_role"] == roles["manager_role"] == 8 and set(roles.values()) == {8}  # role options
    (language,) = synced["language"]["options"]
    assert [c["value"] for c in language["choices"]] == ["en", "fi", "de", "ru"]
    # names stay English; descriptions are localised from the catalogs
    assert synced["help"]["description_localizations"]["fi"] == "Näytä komennot, joita voit käyttää"
    assert not synced["help"]["name_localizations"]
    assert subs["timezone"]["description_localizations"]["de"]
    with pytest.raises(UnsyncedCommand):
        await fake.invoke_slash(GUILD, GENERAL, ALICE, "frobnicate", {})


async def test_commands_are_synced_again_only_when_they_change(make_runtime: RuntimeFactory, fake: FakeDiscord) -> None:
    first = make_runtime()
    await first.start()
    await first.stop()
    await make_runtime().start()  # same database, same commands: no second upload
    assert len(fake.calls_to("PUT", rf"/applications/\d+/guilds/{GUILD}/commands")) == 1


async def test_a_manager_sets_the_time_zone(runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services) -> None:
    text = await slash(fake, MANAGER, "setup timezone", {"timezone": "europe/helsinki"})
    assert text == "Time zone set to Europe/Helsinki."
    assert await community_timezone(dc_services) == "Europe/Helsinki"


async def test_time_zone_autocomplete_suggests_iana_names(runtime: DiscordRuntime, fake: FakeDiscord) -> None:
    typing = await fake.invoke_autocomplete(GUILD, GENERAL, MANAGER, "setup timezone", {"timezone": "helsin"},
                                            focused="timezone")  # fmt: skip
    record = await fake.wait_for_callback(typing)
    assert record.callback_type == 8
    assert {"name": "Europe/Helsinki", "value": "Europe/Helsinki"} in record.callback_data["choices"]


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en-US", "Unknown time zone “Mars/Olympus”"), ("fi", "Tuntematon aikavyöhyke ”Mars/Olympus”")],
)
async def test_an_unknown_time_zone_is_a_clear_ephemeral_error(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services, locale: str, expected: str
) -> None:
    interaction = await fake.invoke_slash(GUILD, GENERAL, MANAGER, "setup timezone", {"timezone": "Mars/Olympus"},
                                          locale=locale)  # fmt: skip
    text = await answered(fake, interaction)
    assert expected in text and "Europe/Helsinki" in text
    assert fake.messages[fake.interactions[interaction.id].original_id or 0].ephemeral
    assert await community_timezone(dc_services) == "UTC"


async def test_discord_hides_setup_from_a_member_without_manage_server(
    runtime: DiscordRuntime, fake: FakeDiscord
) -> None:
    with pytest.raises(InvalidInteraction, match="default_member_permissions"):
        await fake.invoke_slash(GUILD, GENERAL, ALICE, "setup timezone", {"timezone": "Europe/Helsinki"})


async def test_every_use_is_rechecked_when_an_admin_opens_setup_to_everyone(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    saved = await slash(fake, MANAGER, "setup roles", {"moderator_role": HELPER_ROLE, "manager_role": MANAGER_ROLE})
    assert saved == "Staff roles saved."
    community = await dc_services.directory.communities.find_by_scope("discord", str(GUILD))
    assert community is not None and community.moderator_roles == (str(HELPER_ROLE),)
    # A server admin overrides the command's permissions in Server Settings → Integrations:
    next(c for c in fake.commands[GUILD] if c["name"] == "setup")["default_member_permissions"] = None
    refused = await slash(fake, HELPER, "setup timezone", {"timezone": "Europe/Helsinki"})
    assert "Only a manager can use this command" in refused
    assert "Only a manager" in await slash(fake, ALICE, "setup show")
    assert await community_timezone(dc_services) == "UTC"


async def test_user_text_never_pings_on_the_response_or_on_follow_ups(
    make_runtime: RuntimeFactory, fake: FakeDiscord
) -> None:
    await make_runtime(defer_after=0.0).start()  # always defer: every message is a webhook follow-up
    interaction = await fake.invoke_slash(GUILD, GENERAL, MANAGER, "setup timezone", {"timezone": "@everyone <b>"})
    record = await fake.wait_for_callback(interaction)
    assert record.callback_type == 5  # deferred ("thinking…"), ephemeral
    (followup,) = await fake.wait_for("POST", rf"/webhooks/\d+/{record.token}")
    assert followup.json["allowed_mentions"] == {"parse": []}
    message = fake.messages[record.original_id or 0]
    assert message.ephemeral and message.data["mention_everyone"] is False
    assert "@\u200beveryone <b>" in message.content and "@everyone" not in message.content


async def test_user_text_never_pings_on_a_direct_response(runtime: DiscordRuntime, fake: FakeDiscord) -> None:
    interaction = await fake.invoke_slash(GUILD, GENERAL, MANAGER, "setup timezone", {"timezone": "@here *x*"})
    text = await answered(fake, interaction)
    message = fake.messages[fake.interactions[interaction.id].original_id or 0]
    assert message.allowed_mentions == {"parse": []} and message.data["mention_everyone"] is False
    assert "@\u200bhere \\*x\\*" in text


async def test_a_429_on_the_interaction_callback_is_retried(runtime: DiscordRuntime, fake: FakeDiscord) -> None:
    fake.fail_next("POST", r"/interactions/\d+/[^/]+/callback", retry_after=0.01)
    text = await slash(fake, ALICE, "help")
    assert "/language" in text
    assert [c.status for c in fake.calls_to("POST", r"/interactions/\d+/[^/]+/callback")][:2] == [429, 200]


async def test_an_answer_of_several_messages_sends_follow_ups_that_never_ping(
    make_runtime: RuntimeFactory, fake: FakeDiscord, dc_services: Services
) -> None:
    async def echo(_inv: Invocation, args: dict[str, Any]) -> Reply:
        first = OutMessage.of(t_("Time zone set to {timezone}.", timezone=args["text"]))
        second = OutMessage.of(t_("Staff roles saved."), ephemeral=True)
        return Reply.of(first, second)

    text_arg = Arg("text", ArgKind.TEXT, t_("the code you got on the other platform"), max_length=50)
    dc_services.registry.add(CommandSpec("test.echo", t_("Staff roles saved."), echo, discord=("echo",),
                                         args=(text_arg,), where=Where.ANYWHERE, needs_community=False))  # fmt: skip
    await make_runtime().start()
    interaction = await fake.invoke_slash(GUILD, GENERAL, ALICE, "echo", {"text": "@everyone hi"})
    record = await fake.wait_for_callback(interaction)
    (followup,) = await fake.wait_for("POST", rf"/webhooks/\d+/{record.token}")
    response = fake.messages[record.original_id or 0]
    assert not response.ephemeral and response.allowed_mentions == {"parse": []}
    assert response.content == "Time zone set to @\u200beveryone hi." and not response.data["mention_everyone"]
    assert followup.json["allowed_mentions"] == {"parse": []} and followup.json["flags"] & (1 << 6)  # ephemeral
    assert fake.messages[record.followup_ids[0]].content == "Staff roles saved."


async def test_an_unexpected_failure_is_logged_and_answered_with_an_apology(
    runtime: DiscordRuntime, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*_args: object, **_kw: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(runtime.deps.dispatcher, "run", broken)
    with caplog.at_level(logging.ERROR, logger="bot.discord"):
        interaction = await fake.invoke_slash(GUILD, GENERAL, ALICE, "help", locale="fi")
        text = await answered(fake, interaction)
    assert (
        text.startswith("Pahoittelut") and fake.messages[fake.interactions[interaction.id].original_id or 0].ephemeral
    )
    assert any("database on fire" in str(r.exc_info and r.exc_info[1]) for r in caplog.records)


async def test_a_form_opens_as_a_modal_and_its_submission_reaches_the_handler(
    make_runtime: RuntimeFactory, fake: FakeDiscord, dc_services: Services
) -> None:
    from tests.cogs.test_forms import install

    submitted = install(dc_services)
    await make_runtime().start()
    interaction = await fake.invoke_slash(GUILD, GENERAL, ALICE, "tform", {})
    record = await fake.wait_for_callback(interaction)
    assert record.callback_type == 9  # MODAL
    assert record.callback_data["custom_id"] == "tf:7" and record.callback_data["title"] == "Feedback"
    submit = await fake.invoke_modal_submit(GUILD, GENERAL, ALICE, "tf:7", {"title": "Dark mode", "body": "please"})
    assert await answered(fake, submit) == "Saved."
    assert submitted == [("7", {"title": "Dark mode", "body": "please"})]
