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


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HEARTH_DATA_DIR": str(tmp_path / "data"),
        "HEARTH_LOG_LEVEL": "INFO",
        **extra,
    }


async def _hearth_run(tmp_path: Path, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def test_run_keeps_running_while_telegram_is_down_at_start_and_connects_when_it_is_back(tmp_path: Path) -> None:
    async with FakeTelegram(token=TOKEN) as tg:
        tg.set_chat(GROUP, "supergroup", title="Process test")
        tg.outage(502)
        proc = await _hearth_run(tmp_path, _env(tmp_path, HEARTH_TELEGRAM_TOKEN=TOKEN, HEARTH_TELEGRAM_API_BASE=tg.url))
        try:
            await tg.wait_for("getMe", count=2, timeout=60)  # the first attempt and a retry: still running
            assert proc.returncode is None
            tg.end_outage()
            await tg.wait_polling(timeout=30)
            tg.push_update(tg.message_update(GROUP, 500, "/help"))
            answer = await tg.wait_for("sendMessage", lambda c: c.ok, timeout=30)
            assert "/language" in answer[0].params["text"]
            proc.send_signal(signal.SIGTERM)
            _out, err = await asyncio.wait_for(proc.communicate(), timeout=30)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    log = err.decode()
    assert proc.returncode == 0, log
    lines = log.splitlines()
    said = [line for line in lines if "unreachable at start-up" in line]
    assert len(said) == 1, log  # said once, not once per attempt
    assert "Telegram unreachable at start-up (502 Bad Gateway); retrying every 1–30 s while the rest runs" in said[0]
    assert any("Hearth ready" in line and "still connecting: telegram" in line for line in lines), log
    assert len([line for line in lines if "Telegram connected after" in line]) == 1, log
    assert "Traceback" not in log and " ERROR " not in log, log
    assert TOKEN.split(":")[1] not in log


async def test_run_stops_with_one_clear_line_when_telegram_refuses_the_token(tmp_path: Path) -> None:
    async with FakeTelegram(token=TOKEN) as tg:
        proc = await _hearth_run(
            tmp_path,
            _env(tmp_path, HEARTH_TELEGRAM_TOKEN="111:NOT-the-token-the-fake-knows", HEARTH_TELEGRAM_API_BASE=tg.url),
        )
        try:
            _out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    log = err.decode()
    assert proc.returncode == 1, log
    assert log.rstrip().splitlines()[-1] == (
        "hearth: Telegram rejected the token (HEARTH_TELEGRAM_TOKEN): copy it again from @BotFather (/token)"
    )
    assert "Traceback" not in log and "NOT-the-token" not in log
