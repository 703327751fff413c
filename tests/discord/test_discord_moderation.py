"""Moderation end to end on Discord: the real discord.py client against FakeDiscord, on a fake clock set to
the real time (the fake checks timeouts against it). Asserts on the REST calls the fake recorded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from bot.app import Services, build_services
from bot.core.clock import FakeClock
from bot.discord.client import DiscordRuntime
from storage.tables import mod_infractions
from tests.conftest import MakeSettings
from tests.discord.conftest import (
    ALICE,
    BOB,
    GENERAL,
    GUILD,
    MANAGER,
    MODERATOR,
    OWNER,
    RuntimeFactory,
    answered,
)
from tests.fakes.discord import FakeDiscord, InvalidInteraction, InvalidOption, perm

MOD2 = 8  # a second moderator, same role as MODERATOR
HIGH = 9  # a member whose role sits above the bot's
HIGH_ROLE = 310


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
async def dc_services(make_settings: MakeSettings, fake: FakeDiscord, clock: FakeClock) -> AsyncIterator[Services]:
    settings = make_settings(
        discord_token=SecretStr(fake.token),
        discord_api_base=fake.api_base,
        discord_gateway_url=fake.ws_url,
        owners=(f"discord:{OWNER}",),
    )
    services = await build_services(settings, clock)
    yield services
    await services.moderation.drain()
    await services.close()


@pytest.fixture
async def runtime(make_runtime: RuntimeFactory, fake: FakeDiscord) -> DiscordRuntime:
    fake.add_member(GUILD, MOD2, "moe", roles=[300])
    fake.add_role(GUILD, {"id": HIGH_ROLE, "name": "Elders", "permissions": 0})
    fake.guilds[GUILD].roles[HIGH_ROLE]["position"] = 50  # above the bot's role
    fake.add_member(GUILD, HIGH, "elder", roles=[HIGH_ROLE])
    rt = make_runtime()
    await rt.start()
    return rt


async def slash(fake: FakeDiscord, user: int, command: str, **options: Any) -> str:
    return await answered(fake, await fake.invoke_slash(GUILD, GENERAL, user, command, options))


async def rows(services: Services) -> list[sa.Row]:
    async with services.engine.connect() as conn:
        return list((await conn.execute(sa.select(mod_infractions).order_by(mod_infractions.c.id))).all())


def moderation_calls(fake: FakeDiscord) -> list[Any]:
    return [c for c in fake.calls if c.method in ("PATCH", "PUT", "DELETE") and c.path.startswith("/guilds/")]


# -- menus and re-checks -----------------------------------------------------------------------------------
async def test_moderation_commands_are_offered_to_moderators_only_and_reports_to_everyone(
    runtime: DiscordRuntime, fake: FakeDiscord
) -> None:
    synced = {(c["name"], c["type"]): c for c in fake.commands[GUILD]}
    for name in ("warn", "mute", "unmute", "kick", "ban", "unban", "purge", "note", "infractions", "automod",
                 "lockdown", "reports"):  # fmt: skip
        assert synced[(name, 1)]["default_member_permissions"] == str(perm("moderate_members")), name
    assert synced[("report", 1)]["default_member_permissions"] is None
    assert synced[("Infractions", 2)]["default_member_permissions"] == str(perm("moderate_members"))
    assert synced[("Report to moderators", 3)]["default_member_permissions"] is None
    with pytest.raises(InvalidInteraction, match="default_member_permissions"):
        await fake.invoke_slash(GUILD, GENERAL, ALICE, "warn", {"member": BOB, "reason": "x"})


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("warn", {"member": BOB, "reason": "spam"}),
        ("mute", {"member": BOB, "duration": "1h"}),
        ("unmute", {"member": BOB}),
        ("kick", {"member": BOB}),
        ("ban", {"member": BOB}),
        ("unban", {"member": BOB}),
        ("note", {"member": BOB, "text": "x"}),
        ("infractions", {"member": BOB}),
        ("purge", {"count": 5}),
        ("lockdown", {"state": "on"}),
        ("reports", {}),
        ("automod show", {}),
    ],
)
async def test_every_use_is_rechecked_when_a_server_opens_a_command_to_everyone(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services, command: str, options: dict[str, Any]
) -> None:
    for cmd in fake.commands[GUILD]:  # a server admin lifted the menu restriction in the integration settings
        cmd["default_member_permissions"] = None
    answer = await slash(fake, ALICE, command, **options)
    assert "Only a moderator" in answer
    assert moderation_calls(fake) == [] and await rows(dc_services) == []
    assert fake.calls_to("POST", rf"/channels/{GENERAL}/messages/bulk-delete") == []


@pytest.mark.parametrize(
    ("actor", "target", "expected"),
    [
        (MODERATOR, OWNER, "owns this server"),
        (MODERATOR, MANAGER, "equal to or above yours"),  # the managers' role sits above the mods'
        (MODERATOR, MOD2, "equal to or above yours"),  # the same role
        (OWNER, HIGH, "above mine"),  # the owner may, but the bot's role is too low
    ],
)
async def test_role_hierarchy_is_respected_and_the_answer_says_which(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services, actor: int, target: int, expected: str
) -> None:
    answer = await slash(fake, actor, "kick", member=target, reason="test")
    assert expected in answer, answer
    assert moderation_calls(fake) == [] and await rows(dc_services) == []


# -- actions -----------------------------------------------------------------------------------------------
async def test_mute_is_a_timeout_patch_and_unmute_lifts_it(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services, clock: FakeClock
) -> None:
    answer = await slash(fake, MODERATOR, "mute", member=ALICE, duration="1h", reason="spam")
    assert "muted for 1 hour" in answer
    (patch,) = fake.calls_to("PATCH", rf"/guilds/{GUILD}/members/{ALICE}")
    until = datetime.fromisoformat(patch.json["communication_disabled_until"])
    assert until == clock.now() + timedelta(hours=1)
    assert "You were muted" in fake.dms_to(ALICE)[0].content
    assert "can write again" in await slash(fake, MODERATOR, "unmute", member=ALICE)
    lift = fake.calls_to("PATCH", rf"/guilds/{GUILD}/members/{ALICE}")[-1]
    assert lift.json["communication_disabled_until"] is None
    assert "at most 4 weeks" in await slash(fake, MODERATOR, "mute", member=ALICE, duration="30d")


async def test_kick_and_ban_and_a_temporary_ban_that_ends_on_time_and_after_a_restart(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services, clock: FakeClock, make_runtime: RuntimeFactory
) -> None:
    assert "can join again" in await slash(fake, MODERATOR, "kick", member=BOB, reason="cool off")
    assert fake.calls_to("DELETE", rf"/guilds/{GUILD}/members/{BOB}") and BOB not in fake.guilds[GUILD].bans
    fake.add_member(GUILD, BOB, "bob")  # Bob comes back
    answer = await slash(fake, OWNER, "ban", member=ALICE, duration="1d", reason="scam", delete_days=2)
    assert "banned for 1 day" in answer
    (put,) = fake.calls_to("PUT", rf"/guilds/{GUILD}/bans/{ALICE}")
    assert put.json["delete_message_seconds"] == 2 * 86400 and ALICE in fake.guilds[GUILD].bans
    clock.advance(timedelta(days=1, seconds=1))
    await dc_services.moderation.expiry.tick()
    assert fake.calls_to("DELETE", rf"/guilds/{GUILD}/bans/{ALICE}") and ALICE not in fake.guilds[GUILD].bans

    await slash(fake, OWNER, "ban", member=BOB, duration="2d", reason="scam")
    clock.advance(timedelta(days=3))  # the bot was down when it ran out: start-up ends it
    await dc_services.moderation.expiry.rehydrate()
    assert BOB not in fake.guilds[GUILD].bans
    assert [r.state for r in await rows(dc_services)] == ["done", "expired", "expired"]


async def test_warnings_escalate_to_a_timeout(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    for n in range(3):
        await slash(fake, MODERATOR, "warn", member=ALICE, reason=f"rule {n}")
    (patch,) = await fake.wait_for("PATCH", rf"/guilds/{GUILD}/members/{ALICE}")
    assert patch.json["communication_disabled_until"]
    assert [r.source for r in await rows(dc_services)][-1] == "escalation"


async def test_purge_bulk_deletes_recent_messages_of_one_member(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    for i in range(4):
        await fake.message_create(GUILD, GENERAL, ALICE, f"spam {i}")
        await fake.message_create(GUILD, GENERAL, BOB, f"fine {i}")
    answer = await slash(fake, MODERATOR, "purge", count=20, member=ALICE)
    assert "Deleted 4 messages" in answer
    (bulk,) = fake.calls_to("POST", rf"/channels/{GENERAL}/messages/bulk-delete")
    assert len(bulk.json["messages"]) == 4
    assert all(not m.deleted for m in fake.messages_in(GENERAL) if m.author_id == BOB)


async def test_a_missing_bot_permission_is_named(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    role = fake.guilds[GUILD].roles[fake.bot_role_id(GUILD)]  # type: ignore[index]
    role["permissions"] = perm("view_channel", "send_messages", "moderate_members")
    await fake.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(GUILD), "role": role})
    await fake.gateway_roundtrip()
    assert "“Ban Members” permission" in await slash(fake, OWNER, "ban", member=ALICE, reason="x")
    assert moderation_calls(fake) == [] and await rows(dc_services) == []


async def test_bad_input_is_refused_by_discord_or_answered_clearly(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    with pytest.raises(InvalidOption):  # Discord's own client refuses these before we see them
        await fake.invoke_slash(GUILD, GENERAL, MODERATOR, "purge", {"count": 0})
    with pytest.raises(InvalidOption):
        await fake.invoke_slash(GUILD, GENERAL, MODERATOR, "purge", {"count": 10_000})
    with pytest.raises(InvalidOption):
        await fake.invoke_slash(GUILD, GENERAL, MODERATOR, "warn", {"member": ALICE, "reason": "x" * 2000})
    assert "is not a duration" in await slash(fake, MODERATOR, "mute", member=ALICE, duration="soon")
    with pytest.raises(InvalidOption, match="no such user"):  # Discord only offers users that exist
        await fake.invoke_slash(GUILD, GENERAL, OWNER, "ban", {"member": 12345})
    assert moderation_calls(fake) == [] and await rows(dc_services) == []


# -- context menus, reports, lockdown ---------------------------------------------------------------------------
async def test_the_infractions_user_menu_lists_the_history_privately(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    await slash(fake, MODERATOR, "note", member=ALICE, text="first warning given verbally")
    interaction = await fake.invoke_user_command(GUILD, GENERAL, MODERATOR, "Infractions", ALICE)
    text = await answered(fake, interaction)
    record = fake.interactions[interaction.id]
    assert "first warning given verbally" in text and fake.messages[record.original_id].ephemeral  # type: ignore[index]


async def test_report_from_the_message_menu_reaches_the_queue_and_a_button_bans(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    queue = 201
    fake.add_channel(GUILD, {"id": queue, "name": "mod-queue"})
    await fake.gateway_roundtrip()
    await answered(fake, await fake.invoke_slash(GUILD, queue, MANAGER, "setup modqueue", {}))
    bad = await fake.message_create(GUILD, GENERAL, ALICE, "free nitro at evil.example")
    thanks = await answered(
        fake, await fake.invoke_message_command(GUILD, GENERAL, BOB, "Report to moderators", bad.id)
    )
    assert "Thank you" in thanks
    (card,) = [m for m in fake.bot_messages(queue) if "Report #1" in m.content]
    assert "free nitro" in card.content and f"/channels/{GUILD}/{GENERAL}/{bad.id}" in card.content
    click = await fake.invoke_button(GUILD, queue, MODERATOR, "h:modrep:1:ban", card.id)
    assert "banned" in await answered(fake, click)
    assert ALICE in fake.guilds[GUILD].bans
    assert any("was handled" in m.content for m in fake.dms_to(BOB))
    assert "Handled by" in fake.messages[card.id].content and not fake.messages[card.id].components


async def test_lockdown_sets_slowmode_and_verification_and_restores_them(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    role = fake.guilds[GUILD].roles[fake.bot_role_id(GUILD)]  # type: ignore[index]
    role["permissions"] = int(role["permissions"]) | perm("manage_guild")
    await fake.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(GUILD), "role": role})
    await fake.gateway_roundtrip()
    assert "Lockdown is on" in await slash(fake, MODERATOR, "lockdown", state="on", minutes=10)
    (slow,) = fake.calls_to("PATCH", rf"/channels/{GENERAL}")
    assert slow.json["rate_limit_per_user"] == 30
    (guild_patch,) = fake.calls_to("PATCH", rf"/guilds/{GUILD}$")
    assert guild_patch.json["verification_level"] == 3 and fake.guilds[GUILD].verification_level == 3
    await fake.member_join(GUILD, 77, "newcomer")
    held = await fake.wait_for("PATCH", rf"/guilds/{GUILD}/members/77")
    assert held[0].json["communication_disabled_until"]
    assert "Lockdown ended" in await slash(fake, MODERATOR, "lockdown", state="off")
    assert fake.channels[GENERAL]["rate_limit_per_user"] == 0 and fake.guilds[GUILD].verification_level == 1


async def test_a_lockdown_names_what_the_bot_could_not_do(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    answer = await slash(fake, MODERATOR, "lockdown", state="on")  # the bot may not manage the server
    assert "Lockdown is on" in answer and "I need Manage Server" in answer
    assert fake.channels[GENERAL]["rate_limit_per_user"] == 30 and fake.guilds[GUILD].verification_level == 1
