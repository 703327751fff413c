"""What differs between SQLite and PostgreSQL lives in storage/db.py only (DESIGN.md §4: queries written once).
Elsewhere code passes `conn.dialect.name` to db.py's helpers (upsert, day_of, bulk_write …) but never
branches on an engine, never writes raw SQL and never reaches for a driver."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = {"storage/db.py"}  # the dialect module
ENGINE_NAMES = {"sqlite", "postgresql", "postgres"}
DRIVERS = ("aiosqlite", "asyncpg", "sqlite3", "sqlalchemy.dialects", "psycopg", "psycopg2")
RAW_SQL = {"exec_driver_sql", "with_for_update", "driver_connection", "get_raw_connection"}


def sources() -> Iterator[Path]:
    for package in ("bot", "cogs", "storage", "config"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts and str(path.relative_to(ROOT)) not in ALLOWED:
                yield path


def findings(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Compare):  # `dialect.name == "sqlite"`, `name in ("postgresql", …)`
            for side in (node.left, *node.comparators):
                names = side.elts if isinstance(side, ast.Tuple | ast.List | ast.Set) else [side]
                if any(isinstance(n, ast.Constant) and n.value in ENGINE_NAMES for n in names):
                    yield f"{node.lineno}: branches on a database engine"
        elif isinstance(node, ast.Import | ast.ImportFrom):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if any(m == d or m.startswith(d + ".") for m in modules for d in DRIVERS):
                yield f"{node.lineno}: imports a database driver or dialect"
            if (
                isinstance(node, ast.ImportFrom)
                and node.module == "sqlalchemy"
                and "text" in [a.name for a in node.names]
            ):
                yield f"{node.lineno}: raw SQL (sqlalchemy.text)"
        elif isinstance(node, ast.Attribute) and node.attr in RAW_SQL:
            yield f"{node.lineno}: raw SQL or driver access ({node.attr})"
        elif (
            isinstance(node, ast.Attribute)
            and node.attr == "text"
            and isinstance(node.value, ast.Name)
            and node.value.id in ("sa", "sqlalchemy")
        ):
            yield f"{node.lineno}: raw SQL (sa.text)"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "PRAGMA" in node.value.upper():
            yield f"{node.lineno}: a pragma"


def test_dialect_specific_code_lives_only_in_storage_db() -> None:
    found = [f"{path.relative_to(ROOT)}:{line}" for path in sources() for line in findings(path)]
    assert not found, "move these into storage/db.py (a helper both engines share):\n" + "\n".join(found)


def test_the_guard_sees_what_it_forbids(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import asyncpg\n"
        "if conn.dialect.name == 'sqlite':\n"
        "    conn.exec_driver_sql('PRAGMA foreign_keys')\n"
        "stmt = select(t).with_for_update()\n"
        "where = sa.text('now()')\n"
        "reply = message.text  # not SQL\n"
    )
    assert sorted(f.split(":")[0] for f in findings(sample)) == ["1", "2", "3", "3", "4", "5"]


# Tests that stay on SQLite on purpose, with the reason.
SQLITE_ONLY_TESTS = {"tests/test_crash_fanout.py": "kill -9 and PRAGMA integrity_check: SQLite's crash safety"}


def test_tests_build_their_settings_on_the_engine_fixture() -> None:
    """`Settings(data_dir=…)` without `database_url` quietly runs on SQLite only: build settings with the
    `make_settings` / `settings` fixtures (tests/conftest.py), or say why not with `# sqlite only: <why>`."""
    found = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        name = str(path.relative_to(ROOT))
        if name in SQLITE_ONLY_TESTS:
            continue
        text = path.read_text()
        lines = text.splitlines()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Settings":
                given = {k.arg for k in node.keywords}
                if "data_dir" in given and "database_url" not in given and "sqlite only:" not in lines[node.lineno - 1]:
                    found.append(f"{name}:{node.lineno}")
    assert not found, "these tests would run on SQLite only:\n" + "\n".join(found)
