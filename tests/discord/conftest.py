"""Ring 3 for Discord: the real discord.py client inside DiscordRuntime, against FakeDiscord on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from pydantic import SecretStr

from bot.app import Services, build_services
from bot.discord.client import DiscordRuntime
from tests.conftest import MakeSettings
from tests.fakes.discord import FakeDiscord, FakeInteraction, perm

GUILD = 100
GENERAL = 200
OWNER = 1
ALICE = 2  # plain member
BOB = 3  # plain member
MODERATOR = 4  # has a role with Moderate Members
MANAGER = 5  # has a role with Manage Server
HELPER = 6  # has a role with no permissions (configured as a staff role in some tests)
MOD_ROLE = 300
MANAGER_ROLE = 301
HELPER_ROLE = 302


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        server.add_guild(
            GUILD,
            "Hearth Test",
            owner_id=OWNER,
            channels=[{"id": GENERAL, "name": "general"}],
            roles=[
                {"id": HELPER_ROLE, "name": "Helpers", "permissions": 0},
                {"id": MOD_ROLE, "name": "Mods", "permissions": perm("moderate_members", "kick_members")},
                {"id": MANAGER_ROLE, "name": "Managers", "permissions": perm("manage_guild")},
            ],
        )
        server.add_member(GUILD, ALICE, "alice")
        server.add_member(GUILD, BOB, "bob")
        server.add_member(GUILD, MODERATOR, "mona", roles=[MOD_ROLE])
        server.add_member(GUILD, MANAGER, "max", roles=[MANAGER_ROLE])
        server.add_member(GUILD, HELPER, "hana", roles=[HELPER_ROLE])
        with server.patch_discord():  # the runtime points discord.py at the fake; this restores it afterwards
            yield server


@pytest.fixture
async def dc_services(make_settings: MakeSettings, fake: FakeDiscord) -> AsyncIterator[Services]:
    settings = make_settings(
        discord_token=SecretStr(fake.token),
        discord_api_base=fake.api_base,
        discord_gateway_url=fake.ws_url,
    )
    services = await build_services(settings)
    yield services
    await services.close()


RuntimeFactory = Callable[..., DiscordRuntime]


@pytest.fixture
async def make_runtime(dc_services: Services) -> AsyncIterator[RuntimeFactory]:
    """Build (not start) runtimes; every one built is stopped at the end of the test."""
    built: list[DiscordRuntime] = []

    def make(**kw: Any) -> DiscordRuntime:
        kw.setdefault("guild_ready_timeout", 0.01)
        kw.setdefault("sync_guilds", [GUILD])
        kw.setdefault("ready_timeout", 5.0)
        # Answer directly, never "thinking…" first: on a loaded machine a command can take over the 2 s default,
        # and tests read the direct answer (the deferred path has its own test with defer_after=0).
        kw.setdefault("defer_after", 60.0)
        runtime = DiscordRuntime(dc_services.deps, **kw)
        dc_services.messengers["discord"] = runtime.messenger
        built.append(runtime)
        return runtime

    yield make
    for runtime in built:
        await runtime.stop()


@pytest.fixture
async def runtime(make_runtime: RuntimeFactory) -> DiscordRuntime:
    rt = make_runtime()
    await rt.start()
    return rt


async def answered(fake: FakeDiscord, interaction: FakeInteraction) -> str:
    """The text of the interaction's response message, once the bot answered."""
    record = await fake.wait_for_callback(interaction)
    assert record.callback_type == 4, record
    assert record.original_id is not None
    return fake.messages[record.original_id].content


async def slash(
    fake: FakeDiscord, user: int, command: str, options: dict[str, Any] | None = None, locale: str | None = None,
    guild: int | None = GUILD,
) -> str:  # fmt: skip
    channel = GENERAL if guild is not None else None
    return await answered(fake, await fake.invoke_slash(guild, channel, user, command, options or {}, locale=locale))
