"""Ring 3 for Telegram: the real PTB Application inside TelegramRuntime, against FakeTelegram."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from pydantic import SecretStr

from bot.app import Services, build_services
from bot.telegram.application import TelegramRuntime
from bot.telegram.ratelimit import HearthRateLimiter
from tests.conftest import MakeSettings
from tests.fakes.telegram import FakeTelegram

TOKEN = "123456:TEST-token-for-the-fake-server-only"
GROUP = -1001234
OWNER = 1


@dataclass
class Waits:
    """The rate limiter's sleeps, recorded instead of slept: tests never wait on real time."""

    seconds: list[float]

    async def sleep(self, seconds: float) -> None:
        self.seconds.append(seconds)


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as fake:
        fake.set_chat(GROUP, "supergroup", title="Hearth Testers")
        yield fake


@pytest.fixture
def waits() -> Waits:
    return Waits([])


@pytest.fixture
async def tg_services(make_settings: MakeSettings, tg: FakeTelegram) -> AsyncIterator[Services]:
    settings = make_settings(
        telegram_token=SecretStr(TOKEN),
        telegram_api_base=tg.url,
        owners=(f"telegram:{OWNER}",),
    )
    services = await build_services(settings)
    yield services
    await services.close()


@pytest.fixture
async def runtime(tg_services: Services, tg: FakeTelegram, waits: Waits) -> AsyncIterator[TelegramRuntime]:
    limiter = HearthRateLimiter(sleep=waits.sleep)
    rt = TelegramRuntime(tg_services.deps, poll_timeout=1, rate_limiter=limiter)
    tg_services.messengers["telegram"] = rt.messenger
    await rt.start()
    await tg.wait_polling()
    yield rt
    await rt.stop()
    while tg_services._tasks:
        import asyncio

        await asyncio.gather(*list(tg_services._tasks), return_exceptions=True)
