"""The CLI commands a newcomer runs first: demo (on SQLite and PostgreSQL), migrate, check."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.databases import Database, fetch_all


def hearth(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {"PATH": "/usr/bin:/bin", "HEARTH_DATA_DIR": str(cwd / "data")}
    if "PYTHONPATH" in os.environ:  # a checkout other than the installed one (git worktrees)
        base["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_demo_builds_history_and_prints_its_weekly_digest(tmp_path: Path, database: Database) -> None:
    env = {"HEARTH_DATABASE_URL": database.url}
    done = hearth("demo", "--members", "40", "--days", "14", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert "Weekly digest · Hearth Demo" in done.stdout and "Three things to do this week" in done.stdout
    folder = tmp_path / "data" / "demo-digest"
    assert (folder / "digest-growth.png").read_bytes().startswith(b"\x89PNG")
    assert (folder / "digest-metrics.csv").read_text().startswith("section,metric,week,platform,value")
    assert "digest-metrics.csv" in done.stdout.replace("\n", "")  # says where
    [(messages,)] = fetch_all(database.url, "SELECT sum(messages) FROM activity_daily")
    assert messages > 0
    # Every section the other features feed, from the demo's polls, feedback, moderation and onboarding.
    for section in ("Newcomers and retention", "Polls and surveys", "Feedback", "Moderation and risks"):
        assert section in done.stdout, section
    for line in ("accepted the rules", "NPS “Hearth Demo”", "before:", "Poll “", "Themes:", "→ planned",
                 "Reports: 2 (1 open)", "Rules that fired most"):  # fmt: skip
        assert line in done.stdout, line
    tables = ("feedback_items", "surveys", "polls", "mod_reports", "mod_automod_hits", "outbox")
    seeded = "SELECT " + ", ".join(f"(SELECT count(*) FROM {t})" for t in tables)
    assert fetch_all(database.url, seeded) == [(8, 2, 1, 2, 9, 0)]  # nothing queued to send to made-up members
    interests = "SELECT (SELECT count(*) FROM onboarding_member_interests), (SELECT min(interest) FROM events)"
    [(picked, event_interest)] = fetch_all(database.url, interests)
    assert picked > 0 and event_interest == "Board games"  # drifting members can be invited to a matching event
    again = hearth("demo", "--members", "40", "--days", "14", cwd=tmp_path, env=env)
    assert again.returncode == 0, again.stderr
    assert fetch_all(database.url, "SELECT sum(messages) FROM activity_daily") == [(messages,)]  # replaced, not doubled
    assert fetch_all(database.url, seeded) == [(8, 2, 1, 2, 9, 0)]
    assert "#1 Sync the event calendar" in again.stdout  # numbered from #1 again
    assert "Busiest channels" in again.stdout and "Questions asked: 0 " not in again.stdout  # questions folded again


def test_migrate_then_check_reports_the_missing_token(tmp_path: Path) -> None:
    assert "revision" in hearth("migrate", cwd=tmp_path).stdout
    done = hearth("check", cwd=tmp_path)
    assert done.returncode == 1
    assert "no platform token set" in done.stdout and "HEARTH_TELEGRAM_TOKEN" in done.stdout
    assert "schema at" in done.stdout


def test_export_writes_the_demo_communitys_csvs(tmp_path: Path, database: Database) -> None:
    env = {"HEARTH_DATABASE_URL": database.url}
    assert hearth("demo", "--members", "30", "--days", "7", cwd=tmp_path, env=env).returncode == 0
    done = hearth("export", "--out", "out", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    [(days,)] = fetch_all(database.url, "SELECT count(*) FROM activity_daily")
    lines = (tmp_path / "out" / "activity_daily.csv").read_text().splitlines()
    assert lines[0].startswith("day,member,platform") and len(lines) == days + 1
    assert "member-" in (tmp_path / "out" / "members.csv").read_text()
    missing = hearth("export", "--community", "99", cwd=tmp_path, env=env)
    assert missing.returncode == 1 and "No community 99" in missing.stdout


def test_digest_prints_the_report_and_writes_charts_and_numbers(tmp_path: Path) -> None:
    assert hearth("demo", "--members", "30", "--days", "21", cwd=tmp_path).returncode == 0
    done = hearth("digest", "--out", "report", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Weekly digest" in done.stdout and "How to read these numbers" in done.stdout
    rows = (tmp_path / "report" / "digest-metrics.csv").read_text().splitlines()
    assert rows[0] == "section,metric,week,platform,value" and any(r.startswith("headline,active,") for r in rows)
    assert (tmp_path / "report" / "digest-growth.png").read_bytes().startswith(b"\x89PNG")
    missing = hearth("digest", "--community", "99", cwd=tmp_path)
    assert missing.returncode == 1 and "No community 99" in missing.stdout
    bad_week = hearth("digest", "--week", "last tuesday", cwd=tmp_path)
    assert bad_week.returncode == 2 and "--week" in bad_week.stderr
