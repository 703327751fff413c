"""The digest on Discord through the real discord.py client and FakeDiscord (which checks every request against
Discord's OpenAPI: ≤ 10 embeds and ≤ 6,000 characters of embeds per message, field and title limits): /digest preview
is ephemeral embeds with the chart inside and attached as a PNG; channels are `<#id>` links and members mentions that
never ping; a subscriber gets the weekly digest by DM; members are refused and see nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.app import Services
from bot.core.hub import MessageSeen
from bot.discord.client import DiscordRuntime
from tests.discord.conftest import ALICE, BOB, GENERAL, GUILD, MANAGER, MODERATOR, RuntimeFactory, answered
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord_model import InvalidInteraction

PNG = b"\x89PNG\r\n\x1a\n"


async def chatter(services: Services, weeks: int = 3) -> None:
    """A few weeks of talk in #general: questions, replies, long display names with markdown in them."""
    now = services.clock.now()
    for d in range(weeks * 7):
        at = now - timedelta(days=d + 1)
        for uid, other in ((ALICE, BOB), (BOB, MODERATOR), (MODERATOR, ALICE)):
            services.hub.publish(
                MessageSeen("discord", str(GUILD), "Hearth Test", str(GENERAL), str(uid), f"**{uid}**_x_" * 10, at,
                            reply_to_user_id=str(other), is_question=d % 3 == 0, message_id=str(10**17 + d * 10 + uid))
            )  # fmt: skip
    await services.hub.drain()
    await services.ingest.flush()


def embeds_of(fake: FakeDiscord, message_ids: list[int]) -> list[dict]:  # type: ignore[type-arg]
    return [e for mid in message_ids for e in fake.messages[mid].embeds]


async def test_preview_is_ephemeral_embeds_with_the_chart(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    await chatter(dc_services)
    interaction = await fake.invoke_slash(GUILD, GENERAL, MANAGER, "digest preview", {})
    record = await fake.wait_for_callback(interaction, timeout=20)  # "thinking…" first: the digest takes a moment
    last = "How to read these numbers"  # the footer: the last embed of the last message
    if record.callback_type == 5 or last not in json.dumps(fake.messages[record.original_id or 0].embeds):
        await fake.wait_for("POST", r"/webhooks/\d+/[^/]+", lambda c: last in json.dumps(c.json), timeout=30)
    assert record.original_id is not None
    ids = [record.original_id, *record.followup_ids]
    messages = [fake.messages[i] for i in ids]
    assert all(m.ephemeral for m in messages)
    assert all(len(m.embeds) <= 10 for m in messages)
    embeds = embeds_of(fake, ids)
    assert embeds[0]["title"].startswith("Weekly digest · Hearth Test")
    assert embeds[0]["image"]["url"] == "attachment://digest-growth.png"
    first_files = messages[0].files
    assert [f.filename for f in first_files] == ["digest-growth.png"] and first_files[0].content.startswith(PNG)
    text = "\n".join(e.get("description") or "" for e in embeds)
    assert f"<#{GENERAL}>" in text  # the busiest channel, as a link
    assert f"<@{ALICE}>" in text or f"<@{BOB}>" in text  # advocates: clickable, and embeds never ping
    assert all(not m.content or "@" not in m.content for m in messages)


async def test_members_are_not_offered_the_commands_and_are_refused_in_dms(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    await chatter(dc_services, weeks=1)
    for command in ("stats", "atrisk", "digest preview"):
        with pytest.raises(InvalidInteraction):  # default_member_permissions: Manage Server
            await fake.invoke_slash(GUILD, GENERAL, ALICE, command, {})


async def test_a_subscriber_gets_the_weekly_digest_by_dm(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    await chatter(dc_services)
    text = await answered(fake, await fake.invoke_slash(GUILD, GENERAL, MANAGER, "digest subscribe", {}))
    assert "Subscribed" in text
    community = await dc_services.directory.communities.find_by_scope("discord", str(GUILD))
    assert community is not None
    from cogs.analytics.metrics.models import Period

    period = Period.last_complete(dc_services.clock.now(), community.timezone)
    await dc_services.digest.delivery.deliver(community, period, dc_services.clock.now())
    await dc_services.outbox.deliver_due()
    dms = fake.dms_to(MANAGER)
    assert dms and all(len(m.embeds) <= 10 for m in dms)
    assert dms[0].embeds[0]["title"].startswith("Weekly digest")
    assert any(f.filename == "digest-cohorts.png" or f.filename == "digest-growth.png" for m in dms for f in m.files)
    await dc_services.digest.delivery.deliver(community, period, dc_services.clock.now())  # again: nothing more
    await dc_services.outbox.deliver_due()
    assert len(fake.dms_to(MANAGER)) == len(dms)


async def test_in_a_dm_a_manager_gets_stats_and_a_member_is_refused(
    make_runtime: RuntimeFactory, fake: FakeDiscord, dc_services: Services
) -> None:
    runtime = make_runtime(sync_guilds=None)  # synced globally, as in production: commands exist in DMs
    await runtime.start()
    await chatter(dc_services, weeks=1)
    await answered(fake, await fake.invoke_slash(GUILD, GENERAL, MANAGER, "help", {}))
    await answered(fake, await fake.invoke_slash(GUILD, GENERAL, ALICE, "help", {}))
    interaction = await fake.invoke_slash(None, None, MANAGER, "stats", {})
    record = await fake.wait_for_callback(interaction, timeout=20)
    if record.callback_type == 5:  # deferred ("thinking…"): the answer follows
        await fake.wait_for("POST", r"/webhooks/\d+/[^/]+", timeout=30)
    assert record.original_id is not None
    stats = fake.messages[record.original_id]
    assert stats.embeds[0]["title"].startswith("Hearth Test · week of")  # the manager stays a manager in private
    refused = await answered(fake, await fake.invoke_slash(None, None, ALICE, "stats", {}))
    assert "Only a manager" in refused and "active" not in refused


async def test_the_preview_in_each_language_is_accepted_by_discord(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    await chatter(dc_services)
    titles = {
        "en-US": "Weekly digest",
        "fi": "Viikkokooste",
        "de": "Wochenzusammenfassung",
        "ru": "Еженедельная сводка",
    }
    for locale, title in titles.items():
        interaction = await fake.invoke_slash(GUILD, GENERAL, MANAGER, "digest preview", {}, locale=locale)
        record = await fake.wait_for_callback(interaction, timeout=20)
        if record.callback_type == 5:
            await fake.wait_for("POST", r"/webhooks/\d+/[^/]+", timeout=30)
        assert record.original_id is not None
        message = fake.messages[record.original_id]
        assert message.embeds[0]["title"].startswith(title), locale
        assert message.files and message.files[0].content.startswith(PNG)
    assert not fake.take_violations()  # every request within Discord's limits
