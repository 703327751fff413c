"""The digest on Telegram through the real PTB Application and the fake Bot API: /digest in the group answers in
private (HTML split between sections, each part within 4,096 characters, user text escaped) with the charts as
photos and a pointer in the group; managers subscribe in private; members are refused. Then the weekly schedule
with the real scheduler under a moved clock and a restart: one digest per week and recipient; a week missed while
the bot was down goes out at start-up."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from bot.app import Services
from bot.core.hub import MessageSeen
from bot.telegram.application import TelegramRuntime
from config.settings import Settings
from tests.conftest import MakeSettings
from tests.fakes.telegram import FakeTelegram
from tests.telegram.conftest import GROUP, OWNER
from tests.telegram.test_telegram_commands import ask
from tests.telegram.test_telegram_events import Bot, settings_for

PNG = b"\x89PNG\r\n\x1a\n"
MEMBER = 100


def history(services: Services, now: datetime, evil: bool = False) -> None:
    """Three weeks of chat in the group; member names with markup in them when `evil`."""
    for d in range(21):
        at = now - timedelta(days=d + 1)
        for uid in (MEMBER, 101, 102):
            name = f"<b>Eve & {uid}</b>" if evil else f"Member {uid}"
            other = str(MEMBER + (uid - MEMBER + 1) % 3)  # each replies to the next: everyone helps someone
            services.hub.publish(
                MessageSeen("telegram", str(GROUP), "Hearth Testers", str(GROUP), str(uid), name, at,
                            reply_to_user_id=other, is_question=(d + uid) % 5 == 0, message_id=str(d * 1000 + uid))
            )  # fmt: skip


def texts_to(tg: FakeTelegram, chat: int) -> list[str]:
    return [str(c.params["text"]) for c in tg.calls_to("sendMessage") if c.ok and c.params["chat_id"] == chat]


async def test_digest_in_the_group_comes_in_private_with_photos(
    runtime: TelegramRuntime, tg: FakeTelegram, tg_services: Services
) -> None:
    history(tg_services, tg_services.clock.now(), evil=True)
    await tg_services.hub.drain()
    await tg_services.ingest.flush()
    await ask(tg, "/help", user=OWNER)
    before = len(tg.calls_to("sendMessage"))
    tg.push_update(tg.message_update(GROUP, OWNER, "/digest"))
    photos = await tg.wait_for("sendPhoto")  # the growth chart (no joins: no cohort chart)
    pointer = "I sent you a private message."
    await tg.wait_for("sendMessage", predicate=lambda c: c.params["chat_id"] == GROUP and pointer in c.params["text"])
    calls = tg.calls_to("sendMessage")[before:]
    private = [c for c in calls if c.params["chat_id"] == OWNER]
    group = [c for c in calls if c.params["chat_id"] == GROUP]
    assert private and all(c.ok for c in private)
    assert all(len(str(c.params["text"])) <= 4096 for c in private)
    assert str(private[0].params["text"]).startswith("<b>Weekly digest · Hearth Testers")
    assert all(str(c.params["text"]).lstrip().startswith("<b>") for c in private)  # each part starts a section
    joined = "\n".join(str(c.params["text"]) for c in private)
    assert "&lt;b&gt;Eve &amp; 10" in joined and "<b>Eve &" not in joined  # names escaped, never markup
    assert pointer in str(group[-1].params["text"])
    assert all(p.ok and p.params["chat_id"] == OWNER and p.files["photo"].startswith(PNG) for p in photos)


async def test_members_are_refused_and_see_no_numbers(
    runtime: TelegramRuntime, tg: FakeTelegram, tg_services: Services
) -> None:
    history(tg_services, tg_services.clock.now())
    for command in ("/stats", "/atrisk", "/digest"):
        text = await ask(tg, command, user=MEMBER, language_code="ru")
        assert "менеджер" in text.lower() or "manager" in text.lower()
        assert "Member" not in text
    assert not tg.calls_to("sendPhoto")


async def test_managers_subscribe_in_private_only(runtime: TelegramRuntime, tg: FakeTelegram) -> None:
    await ask(tg, "/help", user=OWNER)
    refused = await ask(tg, "/digest subscribe", user=OWNER)
    assert "private chat" in refused
    done = await ask(tg, "/digest subscribe", user=OWNER, chat=OWNER, chat_type="private")
    assert "Subscribed" in done


async def test_stats_for_a_manager_has_a_small_chart(runtime: TelegramRuntime, tg: FakeTelegram) -> None:
    await ask(tg, "/help", user=OWNER)
    text = await ask(tg, "/stats", user=OWNER)
    assert "active members" in text
    (photo,) = await tg.wait_for("sendPhoto")
    assert photo.ok and photo.files["photo"].startswith(PNG)


# -- the weekly schedule through the real scheduler -----------------------------------------------------------------

NOW = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)  # a Tuesday
MONDAY_9 = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


async def advance(traveller: time_machine.Coordinates, bot: Bot, to: datetime) -> None:
    """Jump the wall clock, wake the scheduler, and wait for the jobs it started (as `ApsScheduler.stop` does)."""
    traveller.move_to(to)
    bot.services.scheduler.wakeup()
    for _ in range(20):
        await asyncio.sleep(0)
    executor = bot.services.scheduler._aps._executors["default"]  # type: ignore[attr-defined]
    await asyncio.gather(*list(getattr(executor, "_pending_futures", ())), return_exceptions=True)
    await bot.services.hub.drain()


@pytest.fixture
def bot_settings(make_settings: MakeSettings, tg: FakeTelegram) -> Settings:
    """One bot's settings, kept across its restarts in a test."""
    return settings_for(make_settings, tg)


async def start(settings: Settings, tg: FakeTelegram) -> Bot:
    bot = await Bot.start(settings, tg)
    for job_id, seconds, job in bot.services.periodic:
        bot.services.scheduler.every(job_id, seconds, job)
    for work in bot.services.after_ready:
        await work()
    return bot


def digests_to(tg: FakeTelegram, chat: int) -> list[str]:
    return [t for t in texts_to(tg, chat) if t.startswith("<b>Weekly digest")]


async def test_one_digest_a_week_per_recipient_across_a_restart(
    bot_settings: Settings, tg: FakeTelegram, clock: time_machine.Coordinates
) -> None:
    bot = await start(bot_settings, tg)
    try:
        await ask(tg, "/help", user=OWNER)
        await ask(tg, "/setchannel", user=OWNER)
        await ask(tg, "/digest subscribe", user=OWNER, chat=OWNER, chat_type="private")
        await advance(clock, bot, MONDAY_9 - timedelta(minutes=1))
        assert digests_to(tg, OWNER) == [] and digests_to(tg, GROUP) == []
        await advance(clock, bot, MONDAY_9)
        await tg.wait_for("sendPhoto", count=2)  # one growth chart each: the manager's and the channel's
        assert [t.split("\n")[0] for t in digests_to(tg, OWNER)] == [
            "<b>Weekly digest · Hearth Testers · Mar 2 – Mar 8, 2026</b>"
        ]
        assert len(digests_to(tg, GROUP)) == 1
        await advance(clock, bot, MONDAY_9 + timedelta(hours=3))  # hourly sweeps: nothing more
    finally:
        await bot.stop()
    clock.move_to(MONDAY_9 + timedelta(days=2))
    bot = await start(bot_settings, tg)  # the restart catches up nothing: that week went out
    try:
        assert len(digests_to(tg, OWNER)) == 1
        await advance(clock, bot, MONDAY_9 + timedelta(days=7))
        await tg.wait_for("sendPhoto", count=4)
        assert len(digests_to(tg, OWNER)) == 2 and len(digests_to(tg, GROUP)) == 2
        assert "Mar 9 – Mar 15, 2026" in digests_to(tg, OWNER)[-1]
    finally:
        await bot.stop()


async def test_a_week_missed_while_down_is_sent_at_start_up(
    bot_settings: Settings, tg: FakeTelegram, clock: time_machine.Coordinates
) -> None:
    bot = await start(bot_settings, tg)
    try:
        await ask(tg, "/help", user=OWNER)
        await ask(tg, "/digest subscribe", user=OWNER, chat=OWNER, chat_type="private")
    finally:
        await bot.stop()
    clock.move_to(MONDAY_9 + timedelta(days=1))  # down over Monday 09:00
    bot = await start(bot_settings, tg)
    try:
        await tg.wait_for("sendPhoto")
        assert len(digests_to(tg, OWNER)) == 1
    finally:
        await bot.stop()


async def test_the_digest_in_each_language_is_valid_html_within_limits(
    runtime: TelegramRuntime, tg: FakeTelegram, tg_services: Services
) -> None:
    history(tg_services, tg_services.clock.now(), evil=True)
    await tg_services.hub.drain()
    await tg_services.ingest.flush()
    await ask(tg, "/help", user=OWNER)  # the owner belongs to the group: their private chat is about it
    titles = {"en": "Weekly digest", "fi": "Viikkokooste", "de": "Wochenzusammenfassung", "ru": "Еженедельная сводка"}
    for count, (language, title) in enumerate(titles.items(), start=1):
        before = len(tg.calls_to("sendMessage"))
        tg.push_update(tg.message_update(OWNER, OWNER, "/digest", chat_type="private", language_code=language))
        await tg.wait_for("sendPhoto", count=count)
        sent = [c for c in tg.calls_to("sendMessage")[before:] if c.params["chat_id"] == OWNER]
        assert sent and all(c.ok and len(str(c.params["text"])) <= 4096 for c in sent)
        assert str(sent[0].params["text"]).startswith(f"<b>{title}"), language
    assert not tg.take_violations()
