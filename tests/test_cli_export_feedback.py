"""`hearth export feedback`: the product-proposals CSV written from the command line, one file per community."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from bot.app import build_services
from config.settings import Settings
from tests.cogs.feedback.helpers import submit, upvote
from tests.conftest import caller, group
from tests.test_cli import hearth


async def test_export_feedback_writes_one_csv_per_community(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", _env_file=None)  # type: ignore[call-arg]
    services = await build_services(settings)
    await submit(services, caller(uid="10", name="Alice"), "Dark mode | Please")
    await submit(services, caller(uid="11", name="Bob"), "Secret one", "problem", anonymous=True)
    await upvote(services, caller(uid="12"), 2)
    await submit(services, caller(uid="13", name="Cleo"), "Other group", place=group(scope="-2002"))
    await services.engine.dispose()

    done = hearth("export", "feedback", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "feedback-community-1.csv: 2 feedback items" in done.stdout
    assert "feedback-community-2.csv: 1 feedback item\n" in done.stdout
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out" / "feedback-community-1.csv").read_text("utf-8-sig"))))
    assert [(r["number"], r["votes"], r["author"]) for r in rows] == [("2", "1", ""), ("1", "0", "Alice")]

    one = hearth("export", "feedback", "--community", "2", "--out", str(tmp_path / "two"), cwd=tmp_path)
    assert one.returncode == 0 and [p.name for p in (tmp_path / "two").iterdir()] == ["feedback-community-2.csv"]
    missing = hearth("export", "feedback", "--community", "9", cwd=tmp_path)
    assert missing.returncode == 1 and "there is no community 9" in missing.stderr
