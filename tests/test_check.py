"""`hearth check` against the fake platforms: what works is reported ok, what does not comes with advice."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.check import run_checks
from config.settings import Settings
from storage.db import create_engine, head_revision, migrate
from tests.databases import Database
from tests.fakes.discord import FakeDiscord
from tests.fakes.telegram import FakeTelegram

TG_TOKEN = "999000:CHECK-token-for-the-fake-only-xxxxxxxx"


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


async def check(settings: Settings) -> tuple[int, str]:
    lines: list[str] = []
    problems = await run_checks(settings, lines.append)
    return problems, "\n".join(lines)


async def test_working_setup_reports_ok_with_warnings_for_missing_intents(tmp_path: Path) -> None:
    async with FakeTelegram(token=TG_TOKEN) as tg, FakeDiscord() as dc:
        dc.privileged_intents_granted["message_content"] = False
        settings = Settings(  # sqlite only: about the platforms; the database lines are tested below
            data_dir=tmp_path,
            telegram_token=SecretStr(TG_TOKEN),
            telegram_api_base=tg.url,
            discord_token=SecretStr(dc.token),
            discord_api_base=dc.api_base,
            owners=("telegram:1",),
            _env_file=None,
        )  # type: ignore[call-arg]
        problems, text = await check(settings)
    assert problems == 0, text
    assert "Telegram: logged in as @hearth_test_bot" in text and "Discord: logged in as" in text
    assert "Message Content intent not enabled" in text and "Server Members" not in text
    assert "database schema empty" in text  # check reports; it never migrates


async def test_database_engine_version_and_migration_state_are_reported(empty_database: Database) -> None:
    settings = Settings(database_url=empty_database.url, _env_file=None)  # type: ignore[call-arg]
    _problems, text = await check(settings)
    engine = {"sqlite": "SQLite 3.", "postgresql": "PostgreSQL "}[empty_database.engine]
    assert f"[ok  ] database reachable: {engine}" in text, text
    assert "[warn] database schema empty, newest is" in text and "run `hearth migrate`" in text
    migrated = create_engine(empty_database.url)
    await migrate(migrated)
    await migrated.dispose()
    _problems, text = await check(settings)
    assert f"[ok  ] database schema at {head_revision()}, the newest: migrations are current" in text, text


async def test_unreachable_postgresql_is_a_problem_with_advice_and_no_password() -> None:
    url = "postgresql+asyncpg://hearth:s3cret-pw@127.0.0.1:1/hearth"  # nothing listens on port 1
    problems, text = await check(Settings(database_url=url, _env_file=None))  # type: ignore[call-arg]
    assert problems == 2  # no platform token, no database
    assert "[FAIL] database unreachable" in text and "that the server runs" in text
    assert "s3cret-pw" not in text


async def test_rejected_tokens_are_problems_with_advice(tmp_path: Path) -> None:
    async with FakeTelegram(token=TG_TOKEN) as tg, FakeDiscord() as dc:
        settings = Settings(  # sqlite only: about the platforms' tokens
            data_dir=tmp_path,
            telegram_token=SecretStr("1:wrong"),
            telegram_api_base=tg.url,
            discord_token=SecretStr("wrong"),
            discord_api_base=dc.api_base,
            _env_file=None,
        )  # type: ignore[call-arg]
        problems, text = await check(settings)
    assert problems == 2
    assert "Telegram token rejected" in text and "@BotFather" in text
    assert "Discord token rejected" in text and "Developer Portal" in text
    assert "wrong" not in text  # tokens are never printed
