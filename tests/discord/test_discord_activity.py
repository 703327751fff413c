"""Activity from Discord lands in the rollups: joins, messages, replies, mentions, reactions, leaves."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from bot.app import Services
from bot.discord.client import DiscordRuntime
from storage.tables import activity_events
from tests.discord.conftest import ALICE, BOB, GENERAL, GUILD
from tests.fakes.discord import FakeDiscord

CAROL = 7


async def settle(fake: FakeDiscord, runtime: DiscordRuntime) -> None:
    """Once the client answers a heartbeat request it has parsed every earlier event; then let the
    listeners it spawned run and wait for the join/leave writes they started."""
    await fake.gateway_roundtrip()
    for _ in range(3):
        await asyncio.sleep(0)
    await runtime.activity.drain()


async def member(services: Services, user_id: int) -> int:
    return await services.directory.member_id("discord", str(user_id), None, datetime.now(UTC))


async def test_join_message_reply_mention_reaction_and_leave_are_recorded(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    assert await fake.member_join(GUILD, CAROL, "carol")
    first = await fake.message_create(GUILD, GENERAL, CAROL, "Hi all, how do I join the event?")
    await fake.message_create(GUILD, GENERAL, ALICE, f"Use /event list <@{BOB}>", reply_to=first.id)
    await fake.reaction_add(GUILD, GENERAL, first.id, BOB)
    assert await fake.member_leave(GUILD, CAROL)
    await settle(fake, runtime)
    assert await dc_services.ingest.flush() == 3

    community = await dc_services.directory.communities.find_by_scope("discord", str(GUILD))
    assert community is not None
    rows = {r.member_id: r for r in await dc_services.ingest.repo.daily(community.id)}  # type: ignore[attr-defined]
    carol, alice, bob = [await member(dc_services, u) for u in (CAROL, ALICE, BOB)]
    assert (rows[carol].messages, rows[carol].questions, rows[carol].replies_received) == (1, 1, 1)
    # the reply pings Carol automatically: that is a reply, not a mention; Bob was mentioned in the text
    assert (rows[alice].messages, rows[alice].replies, rows[alice].mentions, rows[alice].questions) == (1, 1, 1, 0)
    assert rows[bob].reactions == 1
    joins, leaves = await dc_services.ingest.repo.membership_counts(  # type: ignore[attr-defined]
        community.id, datetime.now(UTC) - timedelta(days=1)
    )
    assert (joins, leaves) == (1, 1)


async def test_bots_dms_system_messages_and_the_bots_own_answers_are_not_counted(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    fake.add_member(GUILD, 50, "otherbot", bot=True)
    await fake.message_create(GUILD, GENERAL, 50, "beep")
    await fake.message_create(None, None, ALICE, "a private word")
    answer = await fake.invoke_slash(GUILD, GENERAL, ALICE, "help")  # the bot's response is a message too
    await fake.wait_for_callback(answer)
    await fake.member_join(GUILD, 51, "anotherbot", bot=True)
    await settle(fake, runtime)
    assert await dc_services.ingest.flush() == 0
    community = await dc_services.directory.communities.find_by_scope("discord", str(GUILD))
    assert community is not None
    joins, _ = await dc_services.ingest.repo.membership_counts(  # type: ignore[attr-defined]
        community.id, datetime.now(UTC) - timedelta(days=1)
    )
    assert joins == 0


async def test_message_content_is_never_stored(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    await fake.message_create(GUILD, GENERAL, ALICE, "my secret plan is pineapple")
    await settle(fake, runtime)
    await dc_services.ingest.flush()
    async with dc_services.engine.connect() as conn:
        rows = (await conn.execute(sa.select(activity_events))).all()
    assert len(rows) == 1
    assert not any("pineapple" in str(value) for value in rows[0])


async def test_joining_members_are_recorded_but_not_kept_in_discord_py_s_member_cache(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    for uid in range(300, 340):
        assert await fake.member_join(GUILD, uid, f"member{uid}")
        await fake.message_create(GUILD, GENERAL, uid, "hello?")
    await settle(fake, runtime)
    assert await dc_services.ingest.flush() == 40
    guild = runtime.client.get_guild(GUILD)
    assert guild is not None and guild.me is not None  # the bot's own member stays known
    assert [m.id for m in guild.members] == [guild.me.id]  # nobody else is cached (bench/memory.py)
    community = await dc_services.directory.communities.find_by_scope("discord", str(GUILD))
    assert community is not None
    joins, _ = await dc_services.ingest.repo.membership_counts(  # type: ignore[attr-defined]
        community.id, datetime.now(UTC) - timedelta(days=1)
    )
    assert joins == 40
