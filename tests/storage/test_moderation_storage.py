"""Ring 2 for moderation: the member-data contract (link, export, erase) over its tables."""

from __future__ import annotations

import sqlalchemy as sa

from bot.app import Services
from bot.core.clock import FakeClock
from cogs.moderation.ports import ModerationActions
from storage.tables import mod_infractions
from tests.cogs.moderation.conftest import MOD, FakeActions, run
from tests.cogs.test_outbox import RecordingMessenger


async def test_link_merges_histories_export_lists_them_and_erase_keeps_only_anonymous_counts(
    services: Services, clock: FakeClock
) -> None:
    services.messengers["telegram"] = RecordingMessenger()
    services.capabilities.provide("telegram", ModerationActions, FakeActions())  # type: ignore[type-abstract]
    await run(services, MOD, "warn", "100 spam")
    await run(services, MOD, "note", "100 keeps posting ads")
    await run(services, MOD, "ban", "100 1d | ads")
    keep = await services.directory.member_id("telegram", "100", None, clock.now())
    other = await services.directory.member_id("discord", "200", None, clock.now())
    await services.moderation.enforcer.repo.add_hits([(1, other, "flood", "delete", "discord", clock.now())])

    await services.member_data.merge(keep, other)
    exported = await services.member_data.export(keep)
    mine = exported["moderation"]
    assert [i["kind"] for i in mine["infractions"]] == ["warn", "note", "ban"]
    assert mine["automod_hits"][0]["rule"] == "flood"  # the other account's history joined this one
    assert "moderator_id" not in mine["infractions"][0]

    await services.member_data.erase(keep)
    async with services.engine.connect() as conn:
        left = (await conn.execute(sa.select(mod_infractions).order_by(mod_infractions.c.id))).all()
    assert [r.kind for r in left] == ["warn", "ban"]  # notes about them are gone; counts stay
    assert all(r.member_id != keep and r.reason == "" for r in left)
    assert [r.user_id for r in left] == ["", "100"]  # a running ban keeps what it needs to end on time
