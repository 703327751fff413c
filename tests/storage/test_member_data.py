"""The member-data contract: every member column is claimed by one feature's part, and `/link` merges two
members across every feature with nothing lost and nothing counted twice."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from bot.app import Services
from bot.core.clock import FakeClock
from bot.core.hub import MessageSeen
from cogs.events.models import RsvpStatus
from storage.tables import (
    activity_daily,
    community_members,
    event_rsvps,
    member_settings,
    members,
    metadata,
)
from tests.cogs.test_dispatch import texts
from tests.conftest import caller, group

# Columns holding a member id: they reference members.id, or are named so (DESIGN.md §1).
MEMBER_NAMES = {"member_id", "owner_id", "organizer_id", "author_id", "moderator_id", "reporter_id", "voter_id",
                "creator_id", "actor_id", "target_member_id"}  # fmt: skip


def member_columns() -> set[str]:
    found: set[str] = set()
    for table in metadata.tables.values():
        for column in table.columns:
            refers = any(fk.column.table.name == "members" for fk in column.foreign_keys)
            if refers or column.name in MEMBER_NAMES or column.name.endswith("_member_id"):
                found.add(f"{table.name}.{column.name}")
    return found


def test_every_member_column_is_claimed_by_a_feature(services: Services) -> None:
    unclaimed = member_columns() - services.member_data.claimed()
    assert not unclaimed, (
        f"{sorted(unclaimed)} hold member ids but no MemberDataPart claims them: implement merge/export/erase "
        "for them in storage/<feature>.py and register the part in the feature's wire function (bot/app.py)"
    )


def test_claims_name_real_columns(services: Services) -> None:
    real = {f"{t.name}.{c.name}" for t in metadata.tables.values() for c in t.columns}
    assert services.member_data.claimed() <= real


async def _member(services: Services, platform: str, uid: str) -> int:
    return await services.directory.member_id(platform, uid, None, services.clock.now())


async def test_link_keeps_rsvps_activity_and_settings_of_both_accounts(services: Services, clock: FakeClock) -> None:
    tg_group, dc_guild = group("telegram", "-1001"), group("discord", "55")
    owner_tg = caller("telegram", "1", "Owner", manager=True)
    # Two events; each account answers one, and both answer the second (differently, Discord later).
    for title in ("Picnic", "Quiz"):
        made = await services.dispatcher.run_text(tg_group, owner_tg, "newevent", f"{title} | 2026-03-10 18:00")
        assert not made.error, texts(made)
    await services.dispatcher.press(tg_group, caller("telegram", "100"), "ev:rsvp:1:going")
    await services.dispatcher.press(tg_group, caller("telegram", "100"), "ev:rsvp:2:maybe")
    clock.advance(timedelta(minutes=1))
    spec = services.registry.by_telegram("language")
    assert spec is not None
    await services.dispatcher.run_text(tg_group, caller("telegram", "100"), "language", "fi")
    await services.dispatcher.run_text(tg_group, caller("telegram", "100"), "timezone", "Europe/Helsinki")
    # The Discord account (its guild is a second community here) answers event 2 "going", later.
    await services.dispatcher.run_text(dc_guild, caller("discord", "200", "Al"), "help", "")
    tg_id, dc_id = await _member(services, "telegram", "100"), await _member(services, "discord", "200")
    async with services.reminders.repo.rsvp_transaction(2) as tx:
        await tx.set(dc_id, RsvpStatus.GOING, clock.now())
    for platform, scope, uid in (("telegram", "-1001", "100"), ("discord", "55", "200")):
        services.hub.publish(MessageSeen(platform, scope, "G", scope, uid, None, clock.now()))
    await services.hub.drain()
    await services.ingest.flush()

    issued = await services.dispatcher.run_text(tg_group, caller("telegram", "100"), "link", "")
    code = issued.messages[0].lines[0].params["code"]
    link = services.registry.by_discord(["link"])
    assert link is not None
    done = await services.dispatcher.run(dc_guild, caller("discord", "200", "Al"), link, {"code": code})
    assert not done.error, texts(done)

    assert await _member(services, "discord", "200") == tg_id  # the code's owner is kept
    async with services.engine.connect() as conn:
        rsvps = dict((await conn.execute(sa.select(event_rsvps.c.event_id, event_rsvps.c.status))).all())
        member_ids = set((await conn.execute(sa.select(members.c.id))).scalars())
        settings = (await conn.execute(sa.select(member_settings).where(member_settings.c.member_id == tg_id))).one()
        days = (
            await conn.execute(
                sa.select(activity_daily.c.platform, activity_daily.c.messages).where(
                    activity_daily.c.member_id == tg_id
                )
            )
        ).all()
        memberships = (
            await conn.execute(sa.select(community_members.c.member_id).where(community_members.c.member_id == dc_id))
        ).all()
    # Event 1 from Telegram survives the merge (it vanished before); on event 2 the later answer wins, once.
    assert rsvps == {1: "going", 2: "going"}
    assert dc_id not in member_ids and not memberships
    assert (settings.locale, settings.timezone) == ("fi", "Europe/Helsinki")
    assert sorted(days) == [("discord", 1), ("telegram", 1)]  # both platforms' activity, one member
    weekly = [*await services.ingest.repo.weekly(1), *await services.ingest.repo.weekly(2)]
    assert sorted((w.member_id, w.platform, w.messages) for w in weekly) == [
        (tg_id, "discord", 1),
        (tg_id, "telegram", 1),
    ]


async def test_link_when_only_the_redeeming_account_has_settings_moves_them(services: Services) -> None:
    dc_guild = group("discord", "55")
    await services.dispatcher.run_text(dc_guild, caller("discord", "200"), "language", "de")
    issued = await services.dispatcher.run_text(group(), caller("telegram", "100"), "link", "")
    code = issued.messages[0].lines[0].params["code"]
    link = services.registry.by_discord(["link"])
    assert link is not None
    await services.dispatcher.run(dc_guild, caller("discord", "200"), link, {"code": code})
    kept = await _member(services, "telegram", "100")
    assert (await services.members.settings(kept)).locale == "de"


async def test_export_and_erase_run_through_every_part(services: Services, clock: FakeClock) -> None:
    made = await services.dispatcher.run_text(
        group(), caller("telegram", "1", manager=True), "newevent", "Picnic | 2026-03-10 18:00"
    )
    assert not made.error
    await services.dispatcher.press(group(), caller("telegram", "100"), "ev:rsvp:1:going")
    services.hub.publish(MessageSeen("telegram", "-1001", "G", "-1001", "100", None, clock.now()))
    await services.hub.drain()
    await services.ingest.flush()
    member = await _member(services, "telegram", "100")

    exported = await services.member_data.export(member)
    assert set(exported) == {part.feature for part in services.member_data.all_parts}
    assert exported["events"]["rsvps"][0]["title"] == "Picnic"
    assert exported["members"]["identities"][0]["user_id"] == "100"
    assert exported["activity"]["raw_activity_rows"] >= 1

    before = sum((w.messages for w in await services.ingest.repo.weekly(1)), 0)
    await services.member_data.erase(member)
    async with services.engine.connect() as conn:
        left = (await conn.execute(sa.select(sa.func.count()).select_from(event_rsvps))).scalar_one()
    assert left == 0
    assert sum((w.messages for w in await services.ingest.repo.weekly(1)), 0) == before  # counts stay
    assert member not in {w.member_id for w in await services.ingest.repo.weekly(1)}
    assert await services.members.identities(member) == []  # a stranger from now on
