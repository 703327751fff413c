"""Engine, connection pragmas, migrations and the few dialect-specific statements (upserts).

The only module allowed backend-specific SQL (DESIGN.md §4)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def create_engine(url: str) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


async def migrate(engine: AsyncEngine) -> None:
    """Bring the database to the newest migration (idempotent)."""

    def _upgrade(sync_conn: sa.Connection) -> None:
        cfg = alembic_config(str(engine.url))
        cfg.attributes["connection"] = sync_conn
        command.upgrade(cfg, "head")

    async with engine.begin() as conn:
        await conn.run_sync(_upgrade)


async def current_revision(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    def _rev(sync_conn: sa.Connection) -> str | None:
        return MigrationContext.configure(sync_conn).get_current_revision()

    async with engine.connect() as conn:
        return await conn.run_sync(_rev)


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def upsert(
    conn_dialect: str, table: sa.Table, rows: Sequence[dict[str, Any]], keys: Sequence[str], add: Sequence[str] = ()
) -> sa.Insert:
    """INSERT … ON CONFLICT(keys) DO UPDATE SET col = col + excluded.col for `add` columns
    (or DO NOTHING when `add` is empty). Portable across SQLite and PostgreSQL."""
    if conn_dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    stmt = dialect_insert(table)
    if not add:
        return stmt.on_conflict_do_nothing(index_elements=list(keys))
    return stmt.on_conflict_do_update(index_elements=list(keys), set_={c: table.c[c] + stmt.excluded[c] for c in add})


async def integrity_ok(engine: AsyncEngine) -> bool:
    if engine.dialect.name != "sqlite":
        return True
    async with engine.connect() as conn:
        result = await conn.exec_driver_sql("PRAGMA integrity_check")
        return result.scalar() == "ok"


def run_coro(coro: Any) -> Any:
    return asyncio.run(coro)


# -- bulk writes ------------------------------------------------------------------------------
# SQLAlchemy builds parameters row by row (~10 µs a row); for the activity hot path on SQLite we
# hand sqlite3 pre-converted tuples instead, which is what makes ≥ 50k events/s possible.


def _sqlite_stamp(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the database")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_converter(column: sa.Column[Any]) -> Callable[[Any], Any] | None:
    """Per-column conversion chosen once per batch, not per value (the hot path)."""
    python_type = getattr(column.type, "impl", column.type)
    if isinstance(python_type, sa.DateTime):
        return lambda v: None if v is None else _sqlite_stamp(v)
    if isinstance(python_type, sa.Date):
        return lambda v: None if v is None else v.isoformat()
    if isinstance(python_type, sa.Boolean):
        return lambda v: None if v is None else int(v)
    return None


async def bulk_write(
    conn: AsyncConnection,
    table: sa.Table,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    keys: Sequence[str] = (),
    add: Sequence[str] = (),
) -> None:
    """Insert many rows (tuples in `columns` order); with `keys`, upsert adding the `add` counters."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        dicts = [dict(zip(columns, row, strict=True)) for row in rows]
        stmt = upsert(conn.dialect.name, table, dicts, keys, add) if keys else sa.insert(table)
        await conn.execute(stmt, dicts)
        return
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    if keys:
        updates = ", ".join(f"{c} = {c} + excluded.{c}" for c in add)
        sql += f" ON CONFLICT ({', '.join(keys)}) DO " + (f"UPDATE SET {updates}" if add else "NOTHING")
    converters = [(i, conv) for i, c in enumerate(columns) if (conv := _sqlite_converter(table.c[c])) is not None]
    if converters:
        converted = []
        for row in rows:
            values = list(row)
            for i, conv in converters:
                values[i] = conv(values[i])
            converted.append(tuple(values))
        rows = converted
    await conn.exec_driver_sql(sql, list(rows))
