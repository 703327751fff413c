"""`hearth export feedback`: the product-proposals CSV written from the command line (one of the community's
exports; authors by pseudonymous id unless --names, never for anonymous feedback)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from bot.app import build_services
from tests.cogs.feedback.helpers import submit, upvote
from tests.conftest import MakeSettings, caller, group
from tests.test_cli import hearth


def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"))))


async def test_hearth_export_feedback_writes_the_proposals_csv(tmp_path: Path, make_settings: MakeSettings) -> None:
    settings = make_settings()
    services = await build_services(settings)
    env = {"HEARTH_DATABASE_URL": settings.database_url}
    await submit(services, caller(uid="10", name="Alice"), "Dark mode | Please")
    await submit(services, caller(uid="11", name="Bob"), "Secret one", "problem", anonymous=True)
    await upvote(services, caller(uid="12"), 2)
    await submit(services, caller(uid="13", name="Cleo"), "Other group", place=group(scope="-2002"))
    alice = await services.directory.member_id("telegram", "10", None, services.clock.now())
    await services.engine.dispose()

    done = hearth("export", "feedback", "--community", "1", "--out", "out", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["feedback.csv"]
    found = rows(tmp_path / "out" / "feedback.csv")
    assert [(r["number"], r["votes"], r["author"]) for r in found] == [("2", "1", ""), ("1", "0", f"member-{alice}")]
    named = hearth("export", "feedback", "--community", "1", "--names", "--out", "named", cwd=tmp_path, env=env)
    assert named.returncode == 0
    assert [r["author"] for r in rows(tmp_path / "named" / "feedback.csv")] == ["", "Alice"]  # never the anonymous
    assert "feedback.csv  2 feedback items" in done.stdout
    everything = hearth("export", "--community", "2", "--out", "all", cwd=tmp_path, env=env)
    assert everything.returncode == 0 and (tmp_path / "all" / "feedback.csv").exists()
    several = hearth("export", "feedback", cwd=tmp_path, env=env)
    assert several.returncode == 1 and "choose a community with --community (known: 1, 2)" in several.stderr
