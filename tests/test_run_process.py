"""`hearth run` as a real subprocess, configured only by environment variables, talking to the fake
platforms over loopback; SIGTERM must flush buffered activity before exit. On SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from storage.db import create_engine, integrity_ok
from tests.databases import Database, fetch_all
from tests.fakes.discord import FakeDiscord
from tests.fakes.telegram import FakeTelegram

TOKEN = "654321:PROCESS-test-token-for-the-fake-only"
GROUP = -100777


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


GUILD, CHANNEL, ALICE = 100, 200, 2


async def test_run_answers_records_activity_and_flushes_on_sigterm(tmp_path: Path, database: Database) -> None:
    async with FakeTelegram(token=TOKEN) as tg, FakeDiscord() as dc:
        tg.set_chat(GROUP, "supergroup", title="Process test")
        dc.add_guild(GUILD, "Process guild", owner_id=1, channels=[{"id": CHANNEL, "name": "general"}])
        dc.add_member(GUILD, ALICE, "alice")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HEARTH_TELEGRAM_TOKEN": TOKEN,
            "HEARTH_TELEGRAM_API_BASE": tg.url,
            "HEARTH_DISCORD_TOKEN": dc.token,
            "HEARTH_DISCORD_API_BASE": dc.api_base,
            "HEARTH_DISCORD_GATEWAY_URL": dc.ws_url,
            "HEARTH_DATA_DIR": str(tmp_path / "data"),
            "HEARTH_DATABASE_URL": database.url,
            "HEARTH_ACTIVITY_FLUSH_SECONDS": "3600",  # only the shutdown flush may write the messages
            "HEARTH_LOG_LEVEL": "INFO",
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await tg.wait_polling(timeout=60)
            for i in range(5):
                tg.push_update(tg.message_update(GROUP, 500 + i, f"message {i}?"))
            tg.push_update(tg.message_update(GROUP, 500, "/help"))
            answer = await tg.wait_for("sendMessage", timeout=30)
            assert "/language" in answer[0].params["text"]
            await dc.wait_for("PUT", r"/applications/\d+/commands", timeout=60)  # slash commands synced
            for i in range(3):
                await dc.message_create(GUILD, CHANNEL, ALICE, f"discord message {i}")
            help_call = await dc.wait_for_callback(await dc.invoke_slash(GUILD, CHANNEL, ALICE, "help"))
            assert help_call.original_id is not None and "/event list" in dc.messages[help_call.original_id].content
            proc.send_signal(signal.SIGTERM)
            _out, err = await asyncio.wait_for(proc.communicate(), timeout=30)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    log = err.decode()
    assert proc.returncode == 0, log
    assert "Hearth ready" in log and "platforms: discord, telegram" in log and "8 activity events written" in log
    assert TOKEN.split(":")[1] not in log  # the token never reaches a log line
    by_platform = "SELECT platform, count(*) FROM activity_events GROUP BY platform ORDER BY 1"
    assert fetch_all(database.url, by_platform) == [("discord", 3), ("telegram", 5)]
    assert fetch_all(database.url, "SELECT sum(questions) FROM activity_daily") == [(5,)]
    engine = create_engine(database.url)
    assert await integrity_ok(engine)
    await engine.dispose()
