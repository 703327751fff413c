"""Shared fixtures. Guard: no test may reach the network — only 127.0.0.1 (the fakes) is allowed.

Database engines: every fixture that builds Settings takes `database`, which runs the test once on SQLite
and once on PostgreSQL (skipped, with one reason, unless HEARTH_TEST_DATABASE_URL is set; tests/README.md).
A feature's tests that use `services` or `settings` run on both engines without doing anything."""

from __future__ import annotations

import asyncio
import inspect
import logging
import shutil
import socket
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app import Services, build_services
from bot.core.clock import FakeClock
from bot.core.commands import Caller, Place
from bot.core.identity import Platform, PlatformId
from bot.core.permissions import PlatformFacts
from bot.core.targets import Target
from config.settings import Settings
from storage.db import create_engine, migrate
from tests.databases import (
    ENGINES,
    PG_SERVER_URL,
    PG_SKIP,
    Database,
    PgServer,
    create_database,
    drop_database,
    run_apart,
)
from tests.fakes import conformance

_real_connect = socket.socket.connect


# --- spec conformance of requests to the fakes (tests/fakes/conformance.py) ----------------------


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "allow_violations: the test sends requests that break the platforms' API specs on purpose"
    )


def _violations(item: pytest.Item, error: BaseException | None = None) -> BaseException | None:
    """The failure to report for spec violations recorded since the last check, if any."""
    found = conformance.unclaimed()
    if not found or item.get_closest_marker("allow_violations") is not None:
        return None
    then = f"\n(and then the test failed with: {error!r})" if error is not None else ""
    return pytest.fail.Exception(conformance.describe(found) + then, pytrace=False)


def _checked_phase(item: pytest.Item, *, forget: bool = False) -> Generator[None, object, object]:
    """Run one phase (setup, call, teardown); if requests broke a spec meanwhile, fail with that instead.

    The failure is raised outside the ``except`` so it does not keep the test's own error (and through its
    traceback the test's sockets) alive as ``__context__`` until the end of the session."""
    if forget:
        conformance.unclaimed()  # forget what an earlier test (or module import) left behind
    error: BaseException | None = None
    try:
        result = yield
    except BaseException as exc:
        error = exc
    failure = _violations(item, error)
    if failure is not None:
        del error
        raise failure
    if error is not None:
        raise error
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _checked_phase(item, forget=True))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _checked_phase(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _checked_phase(item))


def _guarded_connect(self: socket.socket, address: object) -> object:
    host = address[0] if isinstance(address, tuple) else address
    if self.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1", "::1", "localhost"):
        raise RuntimeError(f"test tried to reach the network: {address!r}")
    return _real_connect(self, address)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Settings read HEARTH_* and .env: tests start from a clean slate in an empty directory.
    import os

    for key in list(os.environ):
        if key.startswith("HEARTH_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


class LogLines(logging.Handler):
    """Every log record from INFO up, from any logger, and a way to wait for one (no sleeps)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []
        self._changed = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self._changed.set()

    def lines(self, containing: str = "") -> list[str]:
        return [m for r in self.records if containing in (m := r.getMessage())]

    @property
    def problems(self) -> list[logging.LogRecord]:
        """Warnings, errors and anything logged with a traceback."""
        return [r for r in self.records if r.levelno >= logging.WARNING or r.exc_info]

    async def wait_for(self, containing: str, count: int = 1, timeout: float = 5.0) -> list[str]:  # noqa: ASYNC109
        try:
            async with asyncio.timeout(timeout):
                while len(found := self.lines(containing)) < count:
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            shown = "\n".join(f"  {r.levelname} {r.name}: {r.getMessage()}" for r in self.records) or "  (none)"
            raise AssertionError(f"no log line containing {containing!r} within {timeout}s; lines:\n{shown}") from None
        return found


@pytest.fixture
def logs() -> Iterator[LogLines]:
    """Log lines of the test (INFO and up), with `await logs.wait_for("text")`."""
    root = logging.getLogger()
    handler, level = LogLines(), root.level
    root.addHandler(handler)
    root.setLevel(min(level, logging.INFO) if level else logging.INFO)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
    """Every PostgreSQL variant skipped for want of a server is folded into one summary line (not one per test)."""
    report: pytest.TestReport = yield
    if report.skipped and isinstance(report.longrepr, tuple) and PG_SKIP in str(report.longrepr[2]):
        report.longrepr = (_PG_SERVER_AT[0], _PG_SERVER_AT[1], report.longrepr[2])
    return report


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """This session's scratch database on the PostgreSQL test server (made on first use, dropped at the end)."""
    if not PG_SERVER_URL:
        pytest.skip(PG_SKIP)
    server = PgServer(PG_SERVER_URL)
    run_apart(server.open())
    yield server
    run_apart(server.close())


_PG_SERVER_AT = (f"tests/{Path(__file__).name}", inspect.getsourcelines(pg_server)[1])


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per session; each test gets a copy (a copy costs ~1 ms, migrating ~0.4 s)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "hearth.db"

    async def make() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await migrate(engine)
        await engine.dispose()  # the last connection closing folds the WAL into the file

    run_apart(make())
    return path


@pytest.fixture(params=ENGINES)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    """The engine this test runs on: a new, migrated SQLite file, or the session's PostgreSQL database emptied."""
    if request.param == "sqlite":
        path = tmp_path / "data" / "hearth.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return Database("sqlite", f"sqlite+aiosqlite:///{path}")
    server: PgServer = request.getfixturevalue("pg_server")
    run_apart(server.reset())
    return Database("postgresql", server.url)


@pytest.fixture(params=ENGINES)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database with nothing in it, not even a schema: for migrations from empty and copies into it."""
    if request.param == "sqlite":
        yield Database("sqlite", f"sqlite+aiosqlite:///{tmp_path / 'empty' / 'hearth.db'}")
        return
    server: PgServer = request.getfixturevalue("pg_server")
    url = run_apart(create_database(server.server_url, "hearth_empty"))
    yield Database("postgresql", url)
    run_apart(drop_database(server.server_url, url))


MakeSettings = Callable[..., Settings]


@pytest.fixture
def make_settings(tmp_path: Path, database: Database) -> MakeSettings:
    """Settings on this test's database (and data directory), with any other fields given: what a test
    that needs tokens, fake platform URLs or owners builds its services from, so it runs on both engines."""

    def make(**fields: Any) -> Settings:
        return Settings(data_dir=tmp_path / "data", database_url=database.url, _env_file=None, **fields)  # type: ignore[call-arg]

    return make


@pytest.fixture
def settings(make_settings: MakeSettings) -> Settings:
    return make_settings(owners=("telegram:1",))


@pytest.fixture
async def services(settings: Settings, clock: FakeClock) -> AsyncIterator[Services]:
    built = await build_services(settings, clock)
    yield built
    await built.close()


def caller(
    platform: str = "telegram",
    uid: str = "100",
    name: str = "Alice",
    locale: str | None = "en",
    moderator: bool = False,
    manager: bool = False,
) -> Caller:
    return Caller(PlatformId.of(platform, uid), name, locale, PlatformFacts(moderator or manager, manager))


def group(platform: str = "telegram", scope: str = "-1001", title: str = "Group") -> Place:
    return Place(Platform(platform), scope, title, Target.channel(platform, scope))


def private(platform: str = "telegram", uid: str = "100") -> Place:
    return Place(Platform(platform), None, "", Target.direct(platform, uid), is_private=True)
