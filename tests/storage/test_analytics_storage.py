"""Ring 2 for the digest's tables: /link merges and /privacy erasures keep the week tables right (distinct days stay
distinct, a pair of the merged person with themself disappears, nothing is counted twice); managers' CSVs leave
members who opted out anonymous; migration 0008 keeps RSVP-only days active."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command

from bot.app import Services
from storage.db import alembic_config, create_engine, migrate
from storage.tables import (
    activity_community_weekly,
    activity_member_weekly,
    activity_newcomers,
    activity_questions,
    activity_ties_weekly,
    community_staff,
)
from tests.cogs.digest.script import WEEK, Script, day
from tests.conftest import caller, group


async def rows(services: Services, table: sa.Table, *where: sa.ColumnElement[bool]) -> list[sa.Row]:  # type: ignore[type-arg]
    async with services.engine.connect() as conn:
        return list((await conn.execute(sa.select(table).where(*where))).all())


async def two_accounts(services: Services) -> tuple[Script, int, int]:
    """One person as 10 and 11 (the same days, and replying to each other), and a friend 12."""
    s = Script(services)
    await s.join("11", day(-3))
    s.msg("10", day(0), question=True, message_id="1")
    s.msg("11", day(0, 11), reply_to="10")
    s.msg("10", day(1), reply_to="11")
    s.msg("12", day(1, 12), reply_to="10")
    s.msg("11", day(2), reply_to="12")
    await s.flush()
    await services.dispatcher.run_text(group(), caller(uid="11", manager=True), "help", "")
    await s.metrics()
    return s, await s.member("10"), await s.member("11")


async def test_link_merges_the_week_tables_without_counting_twice(services: Services) -> None:
    s, keep, drop = await two_accounts(services)
    await services.member_data.merge(keep, drop)
    services.directory.forget()
    m = await s.metrics()
    assert m.headline.active == 2  # the person and their friend
    [mine] = await rows(services, activity_member_weekly, activity_member_weekly.c.member_id == keep)
    assert (mine.active_days, mine.messages) == (3, 4)  # Mon, Tue, Wed: the Monday of both accounts once
    assert await rows(services, activity_member_weekly, activity_member_weekly.c.member_id == drop) == []
    ties = await rows(services, activity_ties_weekly)
    assert all(r.low_member_id != r.high_member_id for r in ties) and drop not in {
        x for r in ties for x in (r.low_member_id, r.high_member_id)
    }
    assert sum(r.replies_up + r.replies_down for r in ties) == 2  # 12 → 10 and 11 → 12; the self-replies are gone
    assert {r.member_id for r in await rows(services, community_staff)} == {keep}
    assert {r.member_id for r in await rows(services, activity_newcomers)} == {keep}
    assert await rows(services, activity_questions, activity_questions.c.member_id == drop) == []


async def test_erasing_a_member_keeps_the_totals_and_forgets_their_messages(services: Services) -> None:
    s, keep, drop = await two_accounts(services)
    c = activity_community_weekly.c
    before = await rows(services, activity_community_weekly, c.week == WEEK, c.platform == "all")
    await services.member_data.erase(keep)
    after = await rows(services, activity_community_weekly, c.week == WEEK, c.platform == "all")
    assert [(r.active_members, r.messages) for r in after] == [(r.active_members, r.messages) for r in before]
    questions = await rows(services, activity_questions)
    assert questions and all(q.member_id != keep and q.message_id is None for q in questions)
    assert await rows(services, activity_member_weekly, activity_member_weekly.c.member_id == keep) == []
    exported = await services.member_data.export(drop)
    assert exported["activity"]["staff_roles"] and exported["digest"] == {"digest_subscriptions": []}


async def test_manager_csvs_leave_members_who_opted_out_anonymous(services: Services) -> None:
    s, keep, _drop = await two_accounts(services)
    await services.dispatcher.run_text(group(), caller(uid="10"), "privacy", "optout")
    exports = {e.name: e for e in services.exports.exports}
    assert {"weekly_totals", "member_weeks", "channel_weeks", "reply_ties", "questions", "staff"} <= set(exports)
    member_weeks = [row async for chunk in exports["member_weeks"].rows(1, False) for row in chunk]
    assert exports["member_weeks"].header[:2] == ("week", "member")
    assert "" in {r[1] for r in member_weeks} and f"member-{keep}" not in {r[1] for r in member_weeks}
    totals = [row async for chunk in exports["weekly_totals"].rows(1, False) for row in chunk]
    assert (WEEK.isoformat(), "all") in {(r[0], r[1]) for r in totals}


async def test_migration_keeps_rsvp_only_days_active(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    engine = create_engine(url)

    def to_0004(conn: sa.Connection) -> None:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004")

    async with engine.begin() as conn:
        await conn.run_sync(to_0004)
        await conn.execute(sa.text("INSERT INTO communities (id, name, timezone, locale, created_at) "
                                   "VALUES (1, 'x', 'UTC', 'en', '2026-01-01 00:00:00')"))  # fmt: skip
        await conn.execute(sa.text("INSERT INTO members (id, created_at) VALUES (5, '2026-01-01 00:00:00')"))
        await conn.execute(sa.text("INSERT INTO activity_daily (community_id, member_id, day, platform) "
                                   "VALUES (1, 5, '2026-02-24', 'telegram')"))  # an RSVP only  # fmt: skip
    await migrate(engine)
    async with engine.connect() as conn:
        actions = (await conn.execute(sa.text("SELECT actions FROM activity_daily"))).scalar()
    assert actions == 1
    await engine.dispose()
