"""Ring 2: what the repositories promise, on every engine — where SQLite and PostgreSQL could differ:
concurrent writers (PostgreSQL has no single in-process writer), driver row counts, and days and weeks in
UTC whatever the server's time zone (the PostgreSQL test database runs at UTC+14)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import Services
from bot.core.i18n import t_
from bot.core.outbound import OutMessage
from bot.core.targets import Target
from cogs.analytics.models import ActivityRow, MessageSeen
from cogs.events.models import RsvpStatus
from cogs.outbox.models import OutboxKey
from storage.analytics import EVENT_COLUMNS
from storage.db import bulk_write, create_engine
from storage.events import SqlEventRepo
from storage.tables import activity_daily, activity_events, cursors, member_identities, members
from tests.conftest import START, caller, group
from tests.databases import Database

SUNDAY_LATE = datetime(2026, 3, 8, 23, 59, 59, tzinfo=UTC)
MONDAY_EARLY = datetime(2026, 3, 9, 0, 0, 0, tzinfo=UTC)


def _send(n: int) -> tuple[OutboxKey, Target, OutMessage, str, datetime]:
    return OutboxKey("t", str(n), "p"), Target.direct("telegram", str(n)), OutMessage.of(t_("hi")), "en", START


async def test_enqueue_many_counts_only_new_sends(services: Services) -> None:
    repo = services.outbox.repo
    assert await repo.enqueue_many([_send(1), _send(2), _send(3)], START) == 3  # type: ignore[attr-defined]
    assert await repo.enqueue_many([_send(2), _send(3), _send(4)], START) == 1  # type: ignore[attr-defined]
    assert await repo.enqueue_many([], START) == 0  # type: ignore[attr-defined]


async def test_concurrent_writes_of_one_cursor_and_one_setting_never_collide(services: Services) -> None:
    member = await services.directory.member_id("telegram", "100", None, START)
    await asyncio.gather(
        *(services.cursors.set("telegram:updates", n) for n in range(20)),
        *(services.members.set_locale(member, locale) for locale in ("fi", "de", "ru", "en") * 5),
    )
    async with services.engine.connect() as conn:
        rows = (await conn.execute(sa.select(cursors.c.value).where(cursors.c.name == "telegram:updates"))).all()
    assert len(rows) == 1 and rows[0].value in range(20)
    assert (await services.members.settings(member)).locale in ("fi", "de", "ru", "en")
    await services.cursors.set("telegram:updates", 2**40)  # Telegram update ids outgrow 32 bits
    assert await services.cursors.get("telegram:updates") == 2**40


async def test_members_seen_by_concurrent_flushes_are_created_once(services: Services) -> None:
    batches = [[("telegram", str(uid), f"U{uid}") for uid in range(start, start + 30)] for start in (0, 10, 20, 0)]
    found = await asyncio.gather(*(services.members.ensure_members(batch, START) for batch in batches))
    ids: dict[tuple[str, str], set[int]] = {}
    for mapping in found:
        for key, member_id in mapping.items():
            ids.setdefault(key, set()).add(member_id)
    assert len(ids) == 50 and all(len(v) == 1 for v in ids.values())
    async with services.engine.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(members))).scalar_one() == 50
        assert (await conn.execute(sa.select(sa.func.count()).select_from(member_identities))).scalar_one() == 50


async def test_days_and_weeks_are_utc_whatever_the_server_zone(services: Services) -> None:
    helsinki = timezone(timedelta(hours=2))
    for at in (SUNDAY_LATE, MONDAY_EARLY, datetime(2026, 3, 9, 1, 30, tzinfo=helsinki)):  # the last: Sun 23:30 UTC
        services.ingest.message(MessageSeen("telegram", "-1001", "G", "-1001", "1", "One", at))
    assert await services.ingest.flush() == 3
    community = await services.directory.communities.find_by_scope("telegram", "-1001")
    assert community is not None
    days = await services.ingest.repo.daily(community.id)  # type: ignore[attr-defined]
    assert [(d.day, d.messages) for d in days] == [(SUNDAY_LATE.date(), 2), (MONDAY_EARLY.date(), 1)]
    weeks = await services.ingest.repo.weekly(community.id)  # type: ignore[attr-defined]
    assert [(w.day, w.messages) for w in weeks] == [(datetime(2026, 3, 2).date(), 2), (MONDAY_EARLY.date(), 1)]
    async with services.engine.connect() as conn:
        stored = (await conn.execute(sa.select(activity_daily.c.day).order_by(activity_daily.c.day))).scalars().all()
    assert stored == [SUNDAY_LATE.date(), MONDAY_EARLY.date()]


async def test_bulk_writes_belong_to_the_callers_transaction(services: Services) -> None:
    row = ActivityRow(1, 1, "telegram", "-1001", "message", START, None, None, 0, True, 2)
    with pytest.raises(RuntimeError, match="rolled back"):
        async with services.engine.begin() as conn:  # the bulk write is the first statement here
            await bulk_write(conn, activity_events, EVENT_COLUMNS, [row, row])
            raise RuntimeError("rolled back")
    async with services.engine.begin() as conn:
        with pytest.raises(ValueError, match="naive datetime"):
            await bulk_write(conn, activity_events, EVENT_COLUMNS, [row._replace(at=START.replace(tzinfo=None))])
    async with services.engine.begin() as conn:
        await bulk_write(conn, activity_events, EVENT_COLUMNS, [row])
    async with services.engine.connect() as conn:
        stored = (await conn.execute(sa.select(activity_events))).one()
    assert (stored.at, stored.is_question, stored.length_bucket, stored.mentioned) == (START, True, 2, None)


async def _waiting_on_a_lock(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        query = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        return bool((await conn.exec_driver_sql(query)).scalar())


async def test_rsvps_of_one_event_queue_across_processes(services: Services, database: Database) -> None:
    if database.engine == "sqlite":
        pytest.skip("SQLite: one process per database, and one writer in it")
    made = await services.dispatcher.run_text(group(), caller(uid="1"), "newevent", "Sauna | tomorrow 18:00 | | | 1")
    assert not made.error
    ids = await services.directory.member_ids([("telegram", "10", None), ("telegram", "11", None)], START)
    first, second = ids[("telegram", "10")], ids[("telegram", "11")]
    other_process = create_engine(database.url)
    inside, release = asyncio.Event(), asyncio.Event()

    async def take_the_last_place(repo: SqlEventRepo, member: int, hold: bool) -> None:
        async with repo.rsvp_transaction(1) as tx:
            going = sum(r.status is RsvpStatus.GOING for r in await tx.rsvps())
            await tx.set(member, RsvpStatus.GOING if going < 1 else RsvpStatus.WAITLIST, START)
            if hold:  # still uncommitted while the other process tries
                inside.set()
                await release.wait()

    holder = asyncio.ensure_future(take_the_last_place(SqlEventRepo(services.engine), first, hold=True))
    await inside.wait()
    other = asyncio.ensure_future(take_the_last_place(SqlEventRepo(other_process), second, hold=False))
    deadline = asyncio.get_running_loop().time() + 10
    while not other.done() and not await _waiting_on_a_lock(services.engine):
        assert asyncio.get_running_loop().time() < deadline, "the second RSVP neither waited nor finished"
        await asyncio.sleep(0)
    release.set()
    await asyncio.gather(holder, other)
    await other_process.dispose()
    statuses = {r.member_id: r.status for r in await services.reminders.repo.rsvps(1)}
    assert statuses == {first: RsvpStatus.GOING, second: RsvpStatus.WAITLIST}
