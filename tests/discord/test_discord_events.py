"""Events end to end on Discord: the real discord.py client against FakeDiscord, with a fake clock.

/event create → public post with persistent RSVP buttons → RSVPs, capacity, waiting list and promotion
(with a DM) → reminders at 24 h and 1 h through `ReminderService.tick()` → /event list, mine, ics and
cancel. The services run on the root `clock` fixture (FakeClock at START, a Monday 12:00 UTC), so
"tomorrow 18:00" is Tuesday 18:00 UTC and the reminders are due at Monday 18:00 and Tuesday 17:00."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from bot.app import Services, build_services
from bot.core.clock import FakeClock
from bot.discord.client import DiscordRuntime
from config.settings import Settings
from storage.tables import events
from tests.discord.conftest import ALICE, BOB, GENERAL, GUILD, HELPER, MANAGER, MODERATOR, answered
from tests.fakes.discord import FakeDiscord, FakeInteraction, StoredMessage

STARTS = datetime(2026, 3, 3, 18, 0, tzinfo=UTC)  # "tomorrow 18:00" from START, community zone UTC


@pytest.fixture
async def dc_services(tmp_path: Path, fake: FakeDiscord, clock: FakeClock) -> AsyncIterator[Services]:
    """The Discord conftest's services, but on the fake clock (overrides `dc_services` for this module)."""
    settings = Settings(
        data_dir=tmp_path / "data",
        discord_token=SecretStr(fake.token),
        discord_api_base=fake.api_base,
        discord_gateway_url=fake.ws_url,
        _env_file=None,  # type: ignore[call-arg]
    )
    services = await build_services(settings, clock)
    yield services
    await services.engine.dispose()


async def create(fake: FakeDiscord, user: int = MANAGER, **options: Any) -> FakeInteraction:
    options = {"title": "Board games", "when": "tomorrow 18:00", **options}
    return await fake.invoke_slash(GUILD, GENERAL, user, "event create", options)


def posts(fake: FakeDiscord) -> list[StoredMessage]:
    return [m for m in fake.bot_messages(GENERAL) if m.source == "rest" and m.components]


async def test_explore(runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services) -> None:
    interaction = await create(fake, capacity=2, location="Cafe")
    text = await answered(fake, interaction)
    print(text)
    for m in fake.bot_messages():
        print(m.source, m.ephemeral, m.content, m.components)
    for c in fake.calls:
        print(c, c.json)
    async with dc_services.engine.connect() as conn:
        print((await conn.execute(sa.select(sa.func.count()).select_from(events))).scalar())
    b = await fake.invoke_button(GUILD, GENERAL, ALICE, "h:ev:rsvp:1:going")
    print(await answered(fake, b))
    print([str(c) for c in fake.calls[-4:]])
    _ = (BOB, HELPER, MODERATOR, timedelta)
