"""Events end to end on Telegram: post, RSVP buttons, capacity and waiting list, promotion, reminders
driven by the real scheduler through a moved clock, and a restart with a late or missed reminder."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from pydantic import SecretStr

from bot.app import Services, build_services
from bot.telegram.application import TelegramRuntime
from bot.telegram.ratelimit import HearthRateLimiter
from config.settings import Settings
from storage.tables import event_reminders
from tests.conftest import MakeSettings
from tests.fakes.telegram import FakeTelegram
from tests.telegram.conftest import GROUP, OWNER, TOKEN, Waits

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
STARTS = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)


def settings_for(make_settings: MakeSettings, tg: FakeTelegram) -> Settings:
    return make_settings(telegram_token=SecretStr(TOKEN), telegram_api_base=tg.url, owners=(f"telegram:{OWNER}",))


@pytest.fixture
def settings(make_settings: MakeSettings, tg: FakeTelegram) -> Settings:
    """One bot's settings, kept across its restarts in a test."""
    return settings_for(make_settings, tg)


class Bot:
    """One running Hearth (services + Telegram runtime + scheduler) under a frozen, movable clock."""

    def __init__(self, services: Services, runtime: TelegramRuntime) -> None:
        self.services = services
        self.runtime = runtime

    @classmethod
    async def start(cls, settings: Settings, tg: FakeTelegram) -> Bot:
        services = await build_services(settings)
        runtime = TelegramRuntime(services.deps, poll_timeout=1, rate_limiter=HearthRateLimiter(sleep=Waits([]).sleep))
        services.messengers["telegram"] = runtime.messenger
        await runtime.start()
        services.scheduler.start()
        await services.reminders.rehydrate()
        await tg.wait_polling()
        return cls(services, runtime)

    async def stop(self) -> None:
        await self.services.scheduler.stop()
        await self.services.reminders.drain()
        await self.runtime.stop()
        while self.services._tasks:
            await asyncio.gather(*list(self.services._tasks), return_exceptions=True)
        await self.services.close()


@pytest.fixture
def clock() -> AsyncIterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


async def say(tg: FakeTelegram, user: int, text: str, **kw: object) -> str:
    before = len(tg.calls_to("sendMessage"))
    tg.push_update(tg.message_update(GROUP, user, text, **kw))  # type: ignore[arg-type]
    calls = await tg.wait_for("sendMessage", count=before + 1)
    return str(calls[before].params["text"])


async def click(tg: FakeTelegram, user: int, data: str, message_id: int) -> str:
    before = len(tg.calls_to("answerCallbackQuery"))
    tg.push_update(tg.callback_update(GROUP, user, data, message_id))
    calls = await tg.wait_for("answerCallbackQuery", count=before + 1)
    return str(calls[before].params.get("text", ""))


def dms(tg: FakeTelegram, user: int) -> list[str]:
    return [str(c.params["text"]) for c in tg.calls_to("sendMessage") if c.ok and c.params["chat_id"] == user]


async def advance(traveller: time_machine.Coordinates, bot: Bot, to: datetime) -> None:
    """Jump the wall clock to `to` and let the scheduler run what came due (APScheduler sleeps on the
    monotonic clock, so it is woken explicitly)."""
    traveller.move_to(to)
    bot.services.scheduler.wakeup()
    for _ in range(50):
        await asyncio.sleep(0)


async def test_rsvp_capacity_waitlist_promotion_and_reminders(
    settings: Settings, tg: FakeTelegram, clock: time_machine.Coordinates
) -> None:
    tg.set_user(30, first_name="Aino", language_code="fi")
    bot = await Bot.start(settings, tg)
    try:
        await say(tg, OWNER, "/newevent Sauna | 2026-12-02 18:00 | Bring a towel | Löyly | 2")
        post = next(c for c in tg.calls_to("sendMessage") if c.params.get("reply_markup"))
        buttons = [b["callback_data"] for row in post.params["reply_markup"]["inline_keyboard"] for b in row]
        assert buttons == ["ev:rsvp:1:going", "ev:rsvp:1:maybe", "ev:rsvp:1:not_going"]
        assert "0/2" in post.params["text"] and "Dec 2, 2026 18:00 (UTC)" in post.params["text"]
        mid = post.result["message_id"]
        assert "Olet tulossa" in await click(tg, 30, "ev:rsvp:1:going", mid)  # answered in Finnish
        await click(tg, 31, "ev:rsvp:1:going", mid)
        assert "waiting list" in await click(tg, 32, "ev:rsvp:1:going", mid)
        edits = await tg.wait_for("editMessageText", predicate=lambda c: "2/2" in c.params["text"])
        assert "1 waiting" in edits[-1].params["text"]
        await click(tg, 31, "ev:rsvp:1:not_going", mid)
        promoted = await tg.wait_for("sendMessage", predicate=lambda c: c.params["chat_id"] == 32)
        assert "a place opened up" in promoted[0].params["text"]

        await advance(clock, bot, STARTS - timedelta(hours=24))
        await tg.wait_for("sendMessage", predicate=lambda c: c.params["chat_id"] == 30 and "Sauna" in c.params["text"])
        await tg.wait_for("sendMessage", predicate=lambda c: c.params["chat_id"] == 32, count=2)
        await tg.wait_for("sendMessage", predicate=lambda c: c.params["chat_id"] == GROUP and "⏰" in c.params["text"])
        assert len(dms(tg, 30)) == 1 and len(dms(tg, 32)) == 2 and dms(tg, 31) == []
        assert "Muistutus" in dms(tg, 30)[0]  # Aino's client speaks Finnish
        await advance(clock, bot, STARTS - timedelta(hours=1))
        await tg.wait_for("sendMessage", predicate=lambda c: c.params["chat_id"] == 30, count=2)
        await tg.wait_for("sendMessage", predicate=lambda c: c.params["chat_id"] == 32, count=3)
        assert len(dms(tg, 30)) == 2 and len(dms(tg, 32)) == 3
    finally:
        await bot.stop()


async def test_restart_sends_a_late_reminder_once_or_reports_a_missed_one(
    settings: Settings, tg: FakeTelegram, clock: time_machine.Coordinates
) -> None:
    bot = await Bot.start(settings, tg)
    await say(tg, OWNER, "/newevent Late night | 2026-12-02 18:00")
    post = next(c for c in tg.calls_to("sendMessage") if c.params.get("reply_markup"))
    await click(tg, 40, "ev:rsvp:1:going", post.result["message_id"])
    await bot.stop()

    clock.move_to(STARTS - timedelta(hours=24) + timedelta(minutes=20))  # down through the 24 h reminder
    bot = await Bot.start(settings, tg)
    try:
        await tg.wait_for("sendMessage", predicate=lambda c: c.params["chat_id"] == 40)
        assert len(dms(tg, 40)) == 1 and "late" in dms(tg, 40)[0]
    finally:
        await bot.stop()

    clock.move_to(STARTS + timedelta(minutes=5))  # down through the 1 h reminder (due 17:00), past its 1 h grace
    tg.set_member(GROUP, OWNER, "creator")
    bot = await Bot.start(settings, tg)
    try:
        told = await tg.wait_for("sendMessage", predicate=lambda c: "was not sent" in str(c.params["text"]))
        assert told[0].params["chat_id"] == OWNER  # the organizer hears it was missed
        assert len(dms(tg, 40)) == 1  # the late 24 h reminder was not repeated, the missed one not sent
        async with bot.services.engine.connect() as conn:
            rows = dict(
                (await conn.execute(sa.select(event_reminders.c.offset_minutes, event_reminders.c.status))).all()
            )
        assert rows == {1440: "sent", 60: "missed"}
    finally:
        await bot.stop()


async def test_bad_event_input_gets_clear_answers(
    settings: Settings, tg: FakeTelegram, clock: time_machine.Coordinates
) -> None:
    bot = await Bot.start(settings, tg)
    try:
        assert "in the past" in await say(tg, OWNER, "/newevent Party | 2020-01-01 18:00")
        assert "between 1" in await say(tg, OWNER, "/newevent Party | tomorrow 18:00 | | | 0")
        assert "Only event organizers" in await say(tg, 77, "/newevent Party | tomorrow 18:00")
        assert "What is the event called?" in await say(tg, OWNER, "/newevent")
        assert "When does it start?" in await say(tg, OWNER, "Quiz")
        assert "Stopped" in await say(tg, OWNER, "/cancel")
        assert "No upcoming events" in await say(tg, 77, "/events")
    finally:
        await bot.stop()


async def test_down_through_both_reminders_the_organizer_gets_one_message_naming_both(
    settings: Settings, tg: FakeTelegram, clock: time_machine.Coordinates
) -> None:
    bot = await Bot.start(settings, tg)
    await say(tg, OWNER, "/newevent Long night | 2026-12-02 18:00")
    await bot.stop()

    clock.move_to(STARTS + timedelta(minutes=5))  # the 24 h and the 1 h reminder both past their grace
    tg.set_member(GROUP, OWNER, "creator")
    bot = await Bot.start(settings, tg)
    try:
        # Bot.start awaited the start-up tick, which delivers what it enqueued: every notice is out.
        told = [c for c in tg.calls_to("sendMessage") if "not sent" in str(c.params["text"])]
        assert len(told) == 1 and told[0].params["chat_id"] == OWNER
        assert "1 day before, 1 hour before" in str(told[0].params["text"])
    finally:
        await bot.stop()
