"""Ring 2: from an empty database through every migration, on every engine; the result matches storage/tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storage.db import create_engine, current_revision, head_revision, integrity_ok, migrate
from storage.tables import communities, metadata
from tests.databases import Database


async def test_migrations_from_empty_match_the_table_definitions(empty_database: Database) -> None:
    engine = create_engine(empty_database.url)
    assert await current_revision(engine) is None
    await migrate(engine)
    await migrate(engine)  # idempotent

    def diff(conn: sa.Connection) -> list[object]:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), metadata)

    async with engine.connect() as conn:
        assert await conn.run_sync(diff) == []
        if empty_database.engine == "sqlite":
            pragmas = [(await conn.exec_driver_sql(f"PRAGMA {p}")).scalar() for p in ("journal_mode", "foreign_keys")]
            assert pragmas == ["wal", 1]
    assert await current_revision(engine) == head_revision()
    assert await integrity_ok(engine)
    await engine.dispose()


async def test_times_come_back_as_aware_utc(empty_database: Database) -> None:
    engine = create_engine(empty_database.url)
    await migrate(engine)
    helsinki = datetime(2026, 6, 1, 18, 0, tzinfo=timezone(timedelta(hours=3)))
    async with engine.begin() as conn:
        await conn.execute(sa.insert(communities).values(name="x", timezone="UTC", locale="en", created_at=helsinki))
        stored = (await conn.execute(sa.select(communities.c.created_at))).scalar_one()
    assert stored == helsinki and stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored.tzinfo == UTC
    await engine.dispose()
