"""The database engines the suite runs on: SQLite always, PostgreSQL when `HEARTH_TEST_DATABASE_URL` names a
server (tests/README.md). Tests never use that database itself: each test session makes its own scratch database
there (`hearth_test_<pid>_<random>`), migrated once, emptied before every test and dropped at the end, so two
suites (two worktrees, CI) can share one server."""

from __future__ import annotations

import asyncio
import os
import secrets
import threading
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.engine import URL, make_url

from storage.db import create_engine, migrate
from storage.tables import metadata

PG_ENV = "HEARTH_TEST_DATABASE_URL"
# Read once at import: the autouse `_clean_env` fixture removes every HEARTH_* variable before each test.
PG_SERVER_URL = os.environ.get(PG_ENV, "")
PG_SKIP = f"PostgreSQL variant: set {PG_ENV} to run it (see tests/README.md)"
ENGINES = ("sqlite", "postgresql")


@dataclass(frozen=True)
class Database:
    """One engine for one test: `url` is what HEARTH_DATABASE_URL would say."""

    engine: str  # "sqlite" | "postgresql"
    url: str


T = TypeVar("T")


_admin_loop: asyncio.AbstractEventLoop | None = None
_admin_lock = threading.Lock()


def run_apart(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to completion on the suite's admin loop, a long-lived loop in a helper thread: usable
    from sync fixtures and from inside a running test loop alike (pytest-asyncio gives each test its own
    loop), and connections made there (the scratch database's admin connection) outlive single tests."""
    global _admin_loop
    with _admin_lock:
        if _admin_loop is None:
            _admin_loop = asyncio.new_event_loop()
            threading.Thread(target=_admin_loop.run_forever, name="test-db-admin", daemon=True).start()
    return asyncio.run_coroutine_threadsafe(coro, _admin_loop).result()


async def _connect(url: URL) -> Any:
    import asyncpg  # the postgres extra; only needed when a PostgreSQL server is given

    return await asyncpg.connect(_dsn(url))


def fetch_all(database_url: str, sql: str) -> list[tuple[Any, ...]]:
    """Rows of one query, on any engine, from sync or async tests (e.g. after a `hearth` subprocess)."""

    async def query() -> list[tuple[Any, ...]]:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as conn:
                return [tuple(row) for row in await conn.exec_driver_sql(sql)]
        finally:
            await engine.dispose()

    return run_apart(query())


def _dsn(url: URL) -> str:
    """The asyncpg DSN for a SQLAlchemy URL (asyncpg itself knows no `+asyncpg`)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


async def create_database(server_url: str, prefix: str) -> str:
    """A new, empty database on the server `server_url` points at; returns its URL. The role in
    `server_url` needs CREATEDB."""
    url = make_url(server_url)
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    admin = await _connect(url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return url.set(database=name).render_as_string(hide_password=False)


async def drop_database(server_url: str, database_url: str) -> None:
    """Drop a database made by `create_database`, even with connections still open to it."""
    admin = await _connect(make_url(server_url))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{make_url(database_url).database}" WITH (FORCE)')
    finally:
        await admin.close()


@asynccontextmanager
async def scratch_database(server_url: str, prefix: str = "hearth_scratch") -> AsyncIterator[str]:
    """A new, empty database for the duration of the block (benchmarks, one-off tests); yields its URL."""
    url = await create_database(server_url, prefix)
    try:
        yield url
    finally:
        await drop_database(server_url, url)


# The scratch database's sessions run in a zone far from UTC: anything that leans on the server's
# time zone instead of UTC (date_trunc on a date, a cast of a timestamptz to date) shows up as a failure.
TEST_SERVER_ZONE = "Pacific/Kiritimati"  # UTC+14


class PgServer:
    """The session's scratch database on the test server: migrated once, emptied before each test through
    one admin connection kept open on the admin loop (see `run_apart`)."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.url = ""
        self._conn: Any = None
        self._empty_all = ""

    async def open(self) -> None:
        self.url = await create_database(self.server_url, "hearth_test")
        admin = await _connect(make_url(self.server_url))
        try:
            await admin.execute(
                f"ALTER DATABASE \"{make_url(self.url).database}\" SET timezone TO '{TEST_SERVER_ZONE}'"
            )
        finally:
            await admin.close()
        engine = create_engine(self.url)
        try:
            await migrate(engine)
        finally:
            await engine.dispose()
        self._conn = await _connect(make_url(self.url))
        self._empty_all = await self._emptying_script()

    async def _emptying_script(self) -> str:
        """DELETE from every table, children first, and restart every id sequence: one round trip, and much
        cheaper than TRUNCATE for the few rows a test leaves (TRUNCATE makes new files for every table)."""
        existing = {
            row[0]
            for row in await self._conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'alembic_version'"
            )
        }
        known = [t.name for t in reversed(metadata.sorted_tables) if t.name in existing]
        unknown = sorted(existing - set(known))  # not in storage.tables: let PostgreSQL find the order
        statements = [f'DELETE FROM "{name}"' for name in known]
        if unknown:
            statements.append("TRUNCATE " + ", ".join(f'"{name}"' for name in unknown) + " CASCADE")
        sequences = await self._conn.fetch("SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()")
        statements += [f'ALTER SEQUENCE "{row[0]}" RESTART' for row in sequences]
        return ";\n".join(statements)

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None
        if self.url:
            await drop_database(self.server_url, self.url)
            self.url = ""

    async def reset(self) -> None:
        """Empty every table (the schema stays at the newest migration) and restart the id sequences,
        so each test starts as if on a freshly migrated database."""
        await self._conn.execute(self._empty_all)
