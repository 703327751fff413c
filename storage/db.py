"""Engine, connection pragmas, migrations and the few dialect-specific statements (upserts).

The only module allowed backend-specific SQL (DESIGN.md §4)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
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
        _serialise_writes(engine)
        return engine
    # No pool_pre_ping: with asyncpg it costs three round trips (BEGIN, ping, ROLLBACK) on every checkout,
    # which doubled command latency. A connection the server dropped fails one unit of work, and SQLAlchemy
    # then discards the whole pool; pool_recycle retires connections before idle-timeouts in between cut them.
    return create_async_engine(url, pool_recycle=1800)


def _serialise_writes(engine: AsyncEngine) -> None:
    """One write transaction at a time in this process (DESIGN.md §4: one writer).

    SQLite transactions start deferred: one that has read (even the schema) and then writes fails at
    once with "database is locked" if another connection committed in between — the busy timeout does
    not apply to that upgrade. Taking an in-process lock around every `engine.begin()` removes the race;
    reads (`engine.connect()`) stay concurrent under WAL."""
    engine.sync_engine.hearth_write_lock = asyncio.Lock()  # type: ignore[attr-defined]
    engine.__class__ = _SerialWriteEngine


class _SerialWriteEngine(AsyncEngine):
    __slots__ = ()

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        async with self.sync_engine.hearth_write_lock, super().begin() as conn:  # type: ignore[attr-defined]
            yield conn


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


def insert_for(dialect: str) -> Any:
    """The dialect's INSERT construct (it has `on_conflict_do_update` / `excluded`) for upserts the helpers below
    do not cover."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


def upsert(
    conn_dialect: str,
    table: sa.Table,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    add: Sequence[str] = (),
    from_select: tuple[Sequence[str], sa.Select[Any]] | None = None,
    *,
    replace: Sequence[str] = (),
) -> sa.Insert:
    """INSERT … ON CONFLICT(keys) DO UPDATE SET col = col + excluded.col for `add` columns and
    col = excluded.col for `replace` columns (or DO NOTHING when both are empty). Portable across
    SQLite and PostgreSQL, and safe under concurrent writers (unlike UPDATE, then INSERT if nothing
    was updated, which races on PostgreSQL). `rows` is not used: pass them to `execute`."""
    if conn_dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert  # type: ignore[assignment]
    stmt = dialect_insert(table)
    if from_select is not None:
        stmt = stmt.from_select(list(from_select[0]), from_select[1])
    if not add and not replace:
        return stmt.on_conflict_do_nothing(index_elements=list(keys))
    updates: dict[str, Any] = {c: table.c[c] + stmt.excluded[c] for c in add}
    updates.update({c: stmt.excluded[c] for c in replace})
    return stmt.on_conflict_do_update(index_elements=list(keys), set_=updates)


async def server_version(engine: AsyncEngine) -> str:
    """The engine and its version, e.g. 'SQLite 3.45.1' or 'PostgreSQL 15.18 (Debian 15.18-0+deb12u1)'."""
    async with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            return f"PostgreSQL {(await conn.exec_driver_sql('SHOW server_version')).scalar()}"
        if engine.dialect.name == "sqlite":
            return f"SQLite {(await conn.exec_driver_sql('SELECT sqlite_version()')).scalar()}"
        return engine.dialect.name


def where(engine: AsyncEngine) -> str:
    """Where the database is, for people: the file, or the server and database (never the password)."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        return str(url.database)
    return f"{url.host or 'localhost'}:{url.port or 5432}/{url.database}"


def unreachable_advice(engine: AsyncEngine) -> str:
    if engine.url.get_backend_name() == "sqlite":
        return "check HEARTH_DATABASE_URL and that the directory is writable"
    return "check HEARTH_DATABASE_URL: that the server runs, is reachable, and accepts this user, password and database"


async def integrity_ok(engine: AsyncEngine) -> bool:
    if engine.dialect.name != "sqlite":
        return True
    async with engine.connect() as conn:
        result = await conn.exec_driver_sql("PRAGMA integrity_check")
        return result.scalar() == "ok"


def run_coro(coro: Any) -> Any:
    return asyncio.run(coro)


# -- bulk writes ------------------------------------------------------------------------------
# SQLAlchemy builds parameters row by row (~10 µs a row); for the activity hot path we hand the driver
# pre-converted tuples instead, which is what makes ≥ 50k events/s possible on SQLite. PostgreSQL takes
# plain inserts as a binary COPY (asyncpg's copy_records_to_table), several times faster than INSERTs.


# SQLAlchemy stores SQLite DateTime as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC here). Formatting that in
# Python costs ~5 µs a row on a small machine — the largest single cost of ingestion — so bulk writes
# bind the epoch seconds (one C call per row) and let SQLite format them (millisecond precision).
_SQLITE_STAMP_SQL = "strftime('%Y-%m-%d %H:%M:%f', ?, 'unixepoch') || '000'"


def _is_datetime(column: sa.Column[Any]) -> bool:
    return isinstance(getattr(column.type, "impl", column.type), sa.DateTime)


async def bulk_write(
    conn: AsyncConnection,
    table: sa.Table,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    keys: Sequence[str] = (),
    add: Sequence[str] = (),
) -> None:
    """Insert many rows (tuples in `columns` order); with `keys`, upsert adding the `add` counters.
    Datetime values must be aware; Date values are not supported here (use SQLAlchemy statements).
    Runs inside the caller's transaction on every engine."""
    if not rows:
        return
    if conn.dialect.name == "postgresql" and not keys:
        await _pg_copy(conn, table, columns, rows)
        return
    if conn.dialect.name != "sqlite":
        dicts = [dict(zip(columns, row, strict=True)) for row in rows]
        stmt = upsert(conn.dialect.name, table, dicts, keys, add) if keys else sa.insert(table)
        await conn.execute(stmt, dicts)
        return
    stamps = [i for i, c in enumerate(columns) if _is_datetime(table.c[c])]
    placeholders = [_SQLITE_STAMP_SQL if i in stamps else "?" for i in range(len(columns))]
    params: Sequence[tuple[Any, ...]] = rows
    if len(stamps) == 1:  # the hot path (activity rows: only the timestamp), without a call per row
        i = stamps[0]
        if any(row[i].tzinfo is None for row in rows if row[i] is not None):
            raise ValueError("naive datetime given to the database")
        params = [(*row[:i], row[i].timestamp() if row[i] is not None else None, *row[i + 1 :]) for row in rows]
    elif stamps:
        params = [tuple(_epoch(v) if k in stamps else v for k, v in enumerate(row)) for row in rows]
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join(placeholders)})"
    if keys:
        updates = ", ".join(f"{c} = {c} + excluded.{c}" for c in add)
        sql += f" ON CONFLICT ({', '.join(keys)}) DO " + (f"UPDATE SET {updates}" if add else "NOTHING")
    # Straight to the driver: SQLAlchemy's per-parameter-set handling adds ~25% for nothing here.
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    await driver.executemany(sql, list(params))


async def _pg_copy(
    conn: AsyncConnection, table: sa.Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    stamps = [i for i, c in enumerate(columns) if _is_datetime(table.c[c])]
    for row in rows:  # the binary protocol would take a naive datetime as UTC: refuse it, as Stamp does
        for i in stamps:
            if row[i] is not None and row[i].tzinfo is None:
                raise ValueError("naive datetime given to the database")
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    if not driver.is_in_transaction():  # SQLAlchemy's asyncpg adapter begins lazily, at the first statement
        await conn.exec_driver_sql("SELECT 1")
    await driver.copy_records_to_table(table.name, records=rows, columns=list(columns))


def _epoch(value: datetime | None) -> float | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the database")
    return value.timestamp()


def replace_upsert(
    dialect: str, table: sa.Table, keys: Sequence[str], columns: Sequence[str], select: sa.Select[Any]
) -> sa.Insert:
    """INSERT … SELECT … ON CONFLICT(keys) DO UPDATE SET col = excluded.col (replace, not add)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert  # type: ignore[assignment]
    stmt = dialect_insert(table).from_select([*keys, *columns], select)
    return stmt.on_conflict_do_update(index_elements=list(keys), set_={c: stmt.excluded[c] for c in columns})


def day_of(column: sa.ColumnElement[Any], dialect: str) -> sa.ColumnElement[Any]:
    """The UTC calendar day of a stored timestamp (whatever the server's or session's time zone)."""
    if dialect == "postgresql":
        return sa.cast(sa.func.timezone("UTC", column), sa.Date)
    return sa.func.substr(column, 1, 10)  # stored as 'YYYY-MM-DD HH:MM:SS.ffffff' UTC


def week_of(day: sa.ColumnElement[Any], dialect: str) -> sa.ColumnElement[Any]:
    """Monday of the ISO week of a stored calendar day."""
    if dialect == "postgresql":
        # Through a zone-less timestamp: date_trunc on a bare date would go through timestamptz, i.e.
        # through the session's time zone.
        return sa.cast(sa.func.date_trunc("week", sa.cast(day, sa.DateTime(timezone=False))), sa.Date)
    # 'weekday 0' moves forward to Sunday (or stays), then back six days lands on Monday.
    return sa.func.date(day, "weekday 0", "-6 days")


def stores_naive_utc(dialect: sa.Dialect) -> bool:
    """SQLite keeps no time zone: aware UTC datetimes are stored without one (storage/tables/base.py)."""
    return dialect.name == "sqlite"


async def lock_for_update(conn: AsyncConnection, select: sa.Select[Any]) -> None:
    """Lock the selected rows until this transaction ends, so concurrent writers of the same rows queue
    (e.g. the RSVPs of one event). PostgreSQL: SELECT … FOR UPDATE; SQLite: nothing to do, there is one
    writer at a time already (`_serialise_writes`)."""
    if conn.dialect.name == "postgresql":
        await conn.execute(select.with_for_update())


async def exclusive_batch(conn: AsyncConnection, table: sa.Table) -> None:
    """Make this transaction the only one inserting into `table` until it commits, so "rows with an id
    above the old maximum" are exactly this batch. SQLite: already true (one in-process writer, see
    `_serialise_writes`); PostgreSQL: a table lock that still lets readers read."""
    if conn.dialect.name == "postgresql":
        await conn.exec_driver_sql(f"LOCK TABLE {table.name} IN SHARE ROW EXCLUSIVE MODE")


# -- whole-database copies (hearth migrate --copy-from) ---------------------------------------


@asynccontextmanager
async def snapshot(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection whose reads all see one consistent state of the database, even while others write."""
    async with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            await conn.exec_driver_sql("BEGIN")  # WAL: a read transaction is a snapshot; rolled back on close
            yield conn
        else:
            yield await conn.execution_options(isolation_level="REPEATABLE READ")


async def insert_rows(conn: AsyncConnection, table: sa.Table, columns: Sequence[str], rows: Sequence[Any]) -> None:
    """Insert rows of any column types as fast as the engine allows (PostgreSQL: COPY)."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        await _pg_copy(conn, table, columns, rows)
    else:
        await conn.execute(sa.insert(table), [dict(zip(columns, row, strict=True)) for row in rows])


async def reset_sequences(conn: AsyncConnection, tables: Sequence[sa.Table]) -> list[str]:
    """After rows were copied in with their ids, move each id sequence past the largest id, so new rows
    do not collide. PostgreSQL only (SQLite takes the next id from the table). Returns the tables reset."""
    if conn.dialect.name != "postgresql":
        return []
    done = []
    for table in tables:
        column = table.autoincrement_column
        if column is None:
            continue
        quoted = conn.dialect.identifier_preparer.format_table(table)
        await conn.execute(
            sa.select(
                sa.func.setval(
                    sa.func.pg_get_serial_sequence(quoted, column.name),
                    sa.select(sa.func.coalesce(sa.func.max(column), 0) + 1).scalar_subquery(),
                    False,
                )
            )
        )
        done.append(table.name)
    return done
