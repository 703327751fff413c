"""Start-up, degraded intents, the messenger, persistent buttons and account linking."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

import discord
import pytest
import sqlalchemy as sa
import yarl
from pydantic import SecretStr

from bot.app import Services
from bot.core.commands import Caller, Place
from bot.core.i18n import UserRef, t_
from bot.core.identity import Platform, PlatformId
from bot.core.outbound import Button, DeliveryRefused, MentionPolicy, OutMessage
from bot.core.targets import Target
from bot.discord.client import DiscordRuntime
from storage.tables import activity_events
from tests.discord.conftest import ALICE, BOB, GENERAL, GUILD, RuntimeFactory, answered, slash
from tests.fakes.discord import FakeDiscord


async def test_start_uses_the_configured_endpoints_and_intents(make_runtime: RuntimeFactory, fake: FakeDiscord) -> None:
    discord.http.Route.BASE = "http://127.0.0.1:9/api/v10"  # nothing listens there: settings must win
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL("ws://127.0.0.1:9/")
    runtime = make_runtime()
    await runtime.start()
    assert runtime.client.is_ready() and runtime.client.get_guild(GUILD) is not None
    assert runtime.client.intents.members and runtime.client.intents.message_content
    assert fake.identified_intents == runtime.client.intents.value and runtime.missing_intents == ()


@pytest.mark.parametrize(
    ("intent", "portal_name", "other"),
    [("members", "Server Members Intent", "Message Content"), ("message_content", "Message Content Intent", "Members")],
)
async def test_a_refused_privileged_intent_degrades_with_one_clear_warning(
    make_runtime: RuntimeFactory,
    fake: FakeDiscord,
    dc_services: Services,
    caplog: pytest.LogCaptureFixture,
    intent: str,
    portal_name: str,
    other: str,
) -> None:
    fake.privileged_intents_granted[intent] = False
    runtime = make_runtime()
    with caplog.at_level(logging.WARNING, logger="bot.discord"):
        await runtime.start()
    warnings = [r for r in caplog.records if r.name.startswith("bot.discord") and r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert portal_name in warnings[0].getMessage() and "Developer Portal" in warnings[0].getMessage()
    assert other not in warnings[0].getMessage()
    assert fake.gateway_close_codes == [4014]
    assert runtime.missing_intents == (intent,) and not getattr(runtime.client.intents, intent)
    assert "/language" in await slash(fake, ALICE, "help")  # commands still work
    joined = await fake.member_join(GUILD, 9, "dora")
    assert joined is (intent != "members")  # without the members intent Discord withholds joins
    await fake.message_create(GUILD, GENERAL, BOB, "anyone around?")
    await fake.gateway_roundtrip()
    await runtime.activity.drain()
    assert await dc_services.ingest.flush() == 1  # the message still counts …
    async with dc_services.engine.connect() as conn:
        (question,) = (await conn.execute(sa.select(activity_events.c.is_question))).scalars()
    assert question is (intent != "message_content")  # … but is a question only when the content is known


async def test_a_rejected_token_is_a_clear_error(
    make_runtime: RuntimeFactory, dc_services: Services, fake: FakeDiscord
) -> None:
    dc_services.settings.discord_token = SecretStr("not-the-token")
    with pytest.raises(RuntimeError, match="Discord rejected the token"):
        await make_runtime().start()
    assert not fake.identify_payloads


async def test_messenger_sends_to_a_channel_through_a_429_without_pinging(
    runtime: DiscordRuntime, fake: FakeDiscord
) -> None:
    fake.fail_next("POST", rf"/channels/{GENERAL}/messages", retry_after=0.01)
    text = OutMessage.of(t_("Time zone set to {timezone}.", timezone="@everyone"))
    message_id = await runtime.messenger.send(Target.channel("discord", GENERAL), text, "en")
    assert [c.status for c in fake.calls_to("POST", rf"/channels/{GENERAL}/messages")] == [429, 200]
    (stored,) = fake.bot_messages(GENERAL)
    assert message_id == str(stored.id)
    assert stored.allowed_mentions == {"parse": []} and stored.content == "Time zone set to @\u200beveryone."


async def test_messenger_pings_only_the_listed_users(runtime: DiscordRuntime, fake: FakeDiscord) -> None:
    names = f"{{a}} {{b}} <@{BOB}> @here"
    text = OutMessage.of(
        t_(
            "Time zone set to {timezone}.",
            timezone=t_(names, a=UserRef(str(ALICE), "Alice"), b=UserRef(str(BOB), "Bob")),
        ),
        mentions=MentionPolicy.USERS,
        mention_ids=(f"discord:{ALICE}",),
    )
    await runtime.messenger.send(Target.channel("discord", GENERAL), text, "en")
    (stored,) = fake.bot_messages(GENERAL)
    assert stored.allowed_mentions == {"parse": [], "users": [ALICE]}
    assert stored.content == f"Time zone set to <@{ALICE}> Bob <@\u200b{BOB}> @\u200bhere."


async def test_messenger_dm_and_edit(runtime: DiscordRuntime, fake: FakeDiscord) -> None:
    first = OutMessage.of(t_("Your language is {language}. Pick another:", language="English"),
                          buttons=((Button(t_("{language}", language="Suomi"), "lang:fi"),),))  # fmt: skip
    message_id = await runtime.messenger.send(Target.direct("discord", BOB), first, "en")
    (dm,) = fake.dms_to(BOB)
    assert dm.components[0]["components"][0]["custom_id"] == "h:lang:fi"
    assert message_id is not None
    await runtime.messenger.edit(Target.direct("discord", BOB), message_id, OutMessage.of(t_("Staff roles saved.")),
                                 "en")  # fmt: skip
    assert dm.content == "Staff roles saved." and dm.components == []


async def test_messenger_refuses_for_good_when_dms_are_closed(runtime: DiscordRuntime, fake: FakeDiscord) -> None:
    fake.dm_blocked(ALICE)
    with pytest.raises(DeliveryRefused, match="50007"):
        await runtime.messenger.send(Target.direct("discord", ALICE), OutMessage.of(t_("Staff roles saved.")), "en")
    with pytest.raises(DeliveryRefused):
        await runtime.messenger.send(Target.channel("discord", 987654321), OutMessage.of(t_("Staff roles saved.")),
                                     "en")  # fmt: skip


async def test_the_language_button_works_and_keeps_working_after_a_restart(
    make_runtime: RuntimeFactory, fake: FakeDiscord, dc_services: Services
) -> None:
    first = make_runtime()
    await first.start()
    menu = await fake.invoke_slash(GUILD, GENERAL, ALICE, "language")
    assert "Pick another" in await answered(fake, menu)
    message_id = fake.interactions[menu.id].original_id
    buttons = [c["custom_id"] for row in fake.messages[message_id or 0].components for c in row["components"]]
    assert buttons == ["h:lang:en", "h:lang:fi", "h:lang:de", "h:lang:ru"]

    click = await fake.invoke_button(GUILD, GENERAL, ALICE, "h:lang:fi", message_id)
    assert await answered(fake, click) == "Kielesi on nyt Suomi."
    assert "Näytä komennot" in await slash(fake, ALICE, "help")
    settings = await dc_services.directory.members.settings(
        await dc_services.directory.member_id("discord", str(ALICE), None, datetime.now(UTC))
    )
    assert settings.locale == "fi"

    await first.stop()
    await make_runtime().start()  # a new process: no view in memory, the dynamic item still routes it
    again = await fake.invoke_button(GUILD, GENERAL, ALICE, "h:lang:de", message_id)
    assert "Deutsch" in await answered(fake, again)
    assert fake.messages[fake.interactions[again.id].original_id or 0].ephemeral


async def test_a_link_code_from_discord_joins_the_telegram_account(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    interaction = await fake.invoke_slash(GUILD, GENERAL, ALICE, "link")
    text = await answered(fake, interaction)
    assert fake.messages[fake.interactions[interaction.id].original_id or 0].ephemeral  # only Alice sees it
    match = re.search(r"\*\*([A-Z0-9]{8})\*\*", text)
    assert match is not None, text

    telegram_place = Place(Platform.TELEGRAM, None, "", Target.direct("telegram", 555), is_private=True)
    telegram_alice = Caller(PlatformId.of("telegram", 555), "Alice T")
    answer = await dc_services.dispatcher.run_text(telegram_place, telegram_alice, "link", match.group(1))
    assert not answer.error, answer

    now = datetime.now(UTC)
    on_discord = await dc_services.directory.member_id("discord", str(ALICE), None, now)
    assert on_discord == await dc_services.directory.member_id("telegram", "555", None, now)
    identities = {(i.platform, i.user_id) for i in await dc_services.directory.members.identities(on_discord)}
    assert {("discord", str(ALICE)), ("telegram", "555")} <= identities
