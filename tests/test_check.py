"""`hearth check` against the fake platforms: what works is reported ok, what does not comes with advice."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.check import run_checks
from config.settings import Settings
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
        settings = Settings(
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
    assert "schema at" in text


async def test_rejected_tokens_are_problems_with_advice(tmp_path: Path) -> None:
    async with FakeTelegram(token=TG_TOKEN) as tg, FakeDiscord() as dc:
        settings = Settings(
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
