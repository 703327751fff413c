"""Telegram's bad minutes end to end: the real PTB Application inside TelegramRuntime against FakeTelegram
answering 502/504, dropping connections or never answering. Hearth keeps polling with PTB's backoff,
logs one line when the outage starts and one when it ends (no traceback per request), holds outbox
sends until Telegram answers again and sends them once, and answers what was asked meanwhile, once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from pydantic import SecretStr

from bot.app import Services, build_services
from bot.core.outbound import PlatformUnavailable
from bot.telegram.application import TelegramRuntime
from bot.telegram.ratelimit import HearthRateLimiter
from storage.tables import outbox
from tests.conftest import LogLines, MakeSettings
from tests.fakes.telegram import Call, FakeTelegram
from tests.telegram.conftest import GROUP, OWNER, Waits
from tests.telegram.test_telegram_events import settings_for

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
STARTS = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)
DUE = STARTS - timedelta(hours=24)  # the 24 h reminder
GUEST = 40


class Hearth:
    """Services + the Telegram runtime + the real scheduler, as `hearth run` wires them."""

    def __init__(self, services: Services, runtime: TelegramRuntime) -> None:
        self.services, self.runtime = services, runtime

    @classmethod
    async def start(cls, make_settings: MakeSettings, tg: FakeTelegram, network_timeout: float = 10.0) -> Hearth:
        services = await build_services(settings_for(make_settings, tg))
        limiter = HearthRateLimiter(sleep=Waits([]).sleep)
        runtime = TelegramRuntime(services.deps, poll_timeout=1, rate_limiter=limiter, network_timeout=network_timeout)
        services.messengers["telegram"] = runtime.messenger
        await runtime.start()
        services.scheduler.start()
        await services.reminders.rehydrate()
        await tg.wait_polling()
        return cls(services, runtime)

    async def advance(self, traveller: time_machine.Coordinates, to: datetime) -> None:
        """Move the wall clock and let the scheduler run what came due (see tests/README.md)."""
        traveller.move_to(to)
        self.services.scheduler.wakeup()
        for _ in range(50):
            await asyncio.sleep(0)

    async def stop(self) -> None:
        await self.services.scheduler.stop()
        await self.services.reminders.drain()
        await self.runtime.stop()
        await self.services.hub.drain()
        while self.services._tasks:
            await asyncio.gather(*list(self.services._tasks), return_exceptions=True)
        await self.services.engine.dispose()


@pytest.fixture
def clock() -> AsyncIterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def answered(tg: FakeTelegram, chat: int, words: str) -> list[Call]:
    return [c for c in tg.calls_to("sendMessage") if c.ok and c.params["chat_id"] == chat and words in c.params["text"]]


def replies_to(tg: FakeTelegram, update: dict[str, Any]) -> list[Call]:
    asked = update["message"]["message_id"]
    return [
        c
        for c in tg.calls_to("sendMessage")
        if c.ok and c.params.get("reply_parameters", {}).get("message_id") == asked
    ]


async def test_a_reminder_due_during_a_two_minute_outage_arrives_once_after_it_and_the_log_says_it_twice(
    make_settings: MakeSettings, tg: FakeTelegram, clock: time_machine.Coordinates, logs: LogLines
) -> None:
    hearth = await Hearth.start(make_settings, tg)
    try:
        tg.push_update(tg.message_update(GROUP, OWNER, "/newevent Sauna | 2026-12-02 18:00"))
        (post,) = await tg.wait_for("sendMessage", lambda c: bool(c.params.get("reply_markup")))
        tg.push_update(tg.callback_update(GROUP, GUEST, "ev:rsvp:1:going", post.result["message_id"]))
        await tg.wait_for("answerCallbackQuery")
        await hearth.advance(clock, DUE - timedelta(minutes=1))
        logs.records.clear()

        tg.outage(502)
        await logs.wait_for("Telegram unreachable")  # the parked long poll was cut off
        await hearth.advance(clock, DUE)  # the reminder comes due: its sends fail
        await logs.wait_for("outbox: telegram unreachable")  # its sends failed and stay pending
        asked = tg.push_update(tg.message_update(GROUP, GUEST, "/events"))  # waits at Telegram
        clock.move_to(DUE + timedelta(minutes=1))
        assert answered(tg, GUEST, "Sauna") == [] and answered(tg, GROUP, "⏰") == []
        tg.end_outage()

        await tg.wait_for(
            "sendMessage", lambda c: c.ok and c.params["chat_id"] == GUEST and "Sauna" in c.params["text"]
        )
        await tg.wait_for("sendMessage", lambda c: c.ok and c.params["chat_id"] == GROUP and "⏰" in c.params["text"])
        await tg.wait_for("sendMessage", lambda c: c in replies_to(tg, asked))
        tg.push_update(tg.message_update(GROUP, GUEST, "/help"))  # asked after the outage
        await tg.wait_for("sendMessage", lambda c: c.ok and "/language" in c.params["text"])
        await hearth.services.hub.drain()
        async with hearth.services.engine.connect() as conn:
            statuses = (await conn.execute(sa.select(outbox.c.status).distinct())).scalars().all()
    finally:
        await hearth.stop()

    assert len(answered(tg, GUEST, "Sauna")) == 1  # the DM reminder, once
    assert len(answered(tg, GROUP, "⏰")) == 1  # the channel reminder, once
    assert len(replies_to(tg, asked)) == 1  # the command sent during the outage is answered once
    assert statuses == ["sent"]

    (warning,) = logs.problems  # one line for the whole outage, no traceback per request
    assert warning.getMessage() == "Telegram unreachable (502 Bad Gateway); retrying with backoff"
    (back,) = logs.lines("reachable again")
    assert back.startswith("Telegram reachable again after 2 min (")
    assert logs.lines("outbox:") == [
        "outbox: telegram unreachable (502 Bad Gateway); 2 due send(s) stay pending until it answers",
        "outbox: telegram answers again; sending what was held",
    ]


@pytest.mark.parametrize("mode", [504, "drop", "timeout"])
async def test_polling_survives_an_outage_and_answers_what_was_asked_during_it_once(
    make_settings: MakeSettings, tg: FakeTelegram, logs: LogLines, mode: int | str
) -> None:
    # A short client timeout, so a Telegram that never answers is noticed in a second, not in 40.
    hearth = await Hearth.start(
        make_settings, tg, network_timeout=2.5
    )  # short enough to time out, long for a busy machine
    try:
        tg.outage(mode)
        await logs.wait_for("Telegram unreachable")
        asked = tg.push_update(tg.message_update(GROUP, 77, "/help"))  # waits at Telegram
        tg.end_outage()
        await tg.wait_for("sendMessage", lambda c: c in replies_to(tg, asked), timeout=10)
        after = tg.push_update(tg.message_update(GROUP, 77, "/events"))
        await tg.wait_for("sendMessage", lambda c: c in replies_to(tg, after))
    finally:
        await hearth.stop()
    assert len(replies_to(tg, asked)) == 1 and "/language" in replies_to(tg, asked)[0].params["text"]
    assert len(replies_to(tg, after)) == 1
    (warning,) = logs.problems
    reason = {504: "504 Gateway Timeout", "drop": "RemoteProtocolError", "timeout": "timed out"}[mode]
    assert warning.getMessage().startswith("Telegram unreachable (") and reason in warning.getMessage()
    assert len(logs.lines("Telegram reachable again")) == 1


async def test_start_while_telegram_is_down_raises_platform_unavailable_and_can_be_tried_again(
    make_settings: MakeSettings, tg: FakeTelegram, logs: LogLines
) -> None:
    services = await build_services(settings_for(make_settings, tg))
    runtime = TelegramRuntime(services.deps, poll_timeout=1, rate_limiter=HearthRateLimiter(sleep=Waits([]).sleep))
    try:
        tg.outage("drop")
        with pytest.raises(PlatformUnavailable, match="RemoteProtocolError"):
            await runtime.start()
        assert logs.problems == []  # saying so is bot/app.py's job (once), not a line per attempt
        tg.end_outage()
        await runtime.start()
        await tg.wait_polling()
        tg.push_update(tg.message_update(GROUP, 77, "/help"))
        await tg.wait_for("sendMessage", lambda c: c.ok and "/language" in c.params["text"])
    finally:
        await runtime.stop()
        await services.engine.dispose()
    assert len(tg.calls_to("sendMessage")) == 1  # the handlers were added once, not once per start


async def test_a_refused_token_is_a_clear_runtime_error_not_an_outage(
    make_settings: MakeSettings, tg: FakeTelegram
) -> None:
    settings = settings_for(make_settings, tg)
    settings.telegram_token = SecretStr("999:WRONG-token-the-fake-refuses")
    services = await build_services(settings)
    runtime = TelegramRuntime(services.deps, poll_timeout=1)
    try:
        with pytest.raises(RuntimeError, match=r"Telegram rejected the token \(HEARTH_TELEGRAM_TOKEN\)") as raised:
            await runtime.start()
        assert "WRONG" not in str(raised.value)
    finally:
        await runtime.stop()
        await services.engine.dispose()
