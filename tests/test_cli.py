"""The CLI commands a newcomer runs first: demo (on SQLite and PostgreSQL), migrate, check."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.databases import Database, fetch_all


def hearth(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {"PATH": "/usr/bin:/bin", "HEARTH_DATA_DIR": str(cwd / "data")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_demo_builds_history_and_prints_headline_numbers(tmp_path: Path, database: Database) -> None:
    env = {"HEARTH_DATABASE_URL": database.url}
    done = hearth("demo", "--members", "40", "--days", "14", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert "Weekly active (WAU)" in done.stdout and "Stickiness" in done.stdout
    [(messages,)] = fetch_all(database.url, "SELECT sum(messages) FROM activity_daily")
    assert messages > 0
    again = hearth("demo", "--members", "40", "--days", "14", cwd=tmp_path, env=env)
    assert again.returncode == 0, again.stderr
    assert fetch_all(database.url, "SELECT sum(messages) FROM activity_daily") == [(messages,)]  # replaced, not doubled


def test_migrate_then_check_reports_the_missing_token(tmp_path: Path) -> None:
    assert "revision" in hearth("migrate", cwd=tmp_path).stdout
    done = hearth("check", cwd=tmp_path)
    assert done.returncode == 1
    assert "no platform token set" in done.stdout and "HEARTH_TELEGRAM_TOKEN" in done.stdout
    assert "schema at" in done.stdout
