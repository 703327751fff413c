"""`hearth export poll|survey`: the same CSV files managers get in chat, written to a folder."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from bot.app import build_services
from config.settings import Settings
from tests.cogs.test_outbox import RecordingMessenger
from tests.conftest import caller, group
from tests.test_cli import hearth


async def test_export_writes_the_csv_files_of_a_poll_and_a_survey(tmp_path: Path, settings: Settings) -> None:
    services = await build_services(settings)
    env = {"HEARTH_DATABASE_URL": settings.database_url}
    services.messengers["telegram"] = RecordingMessenger()
    await services.dispatcher.run_text(group(), caller(uid="1"), "poll", "Lunch? | Pizza | Sushi")
    await services.dispatcher.press(group(), caller(uid="10", name="Aino"), "pl:v:1:1")
    await services.dispatcher.run_text(group(), caller(uid="1"), "survey", "nps")
    await services.dispatcher.press(group(), caller(uid="10"), "sv:a:1:9")
    await services.polls.drain()
    await services.surveys.drain()
    await services.engine.dispose()

    done = hearth("export", "poll", "1", "--out", "out", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["out/poll-1-results.csv", "out/poll-1-votes.csv"]
    votes = list(csv.DictReader(io.StringIO((tmp_path / "out/poll-1-votes.csv").read_text("utf-8-sig"))))
    assert [(v["voter"], v["answer"]) for v in votes] == [("Aino", "Sushi")]
    done = hearth("export", "survey", "1", "--out", "out", cwd=tmp_path, env=env)
    assert done.returncode == 0 and "out/survey-1-answers.csv" in done.stdout
    missing = hearth("export", "poll", "9", cwd=tmp_path, env=env)
    assert missing.returncode == 1 and "there is no poll #9" in missing.stderr
