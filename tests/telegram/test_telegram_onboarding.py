"""Onboarding end to end on Telegram: a join through a `chat_member` update → welcome in the group and a
DM (or the group fallback for someone who never started the bot), the rules gate with restrictChatMember
and the newcomer's own "I accept", the time limit driven through the real scheduler by a moved clock, a
restart between join and press, a join request approved from a private chat, and a day-3 nudge."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from bot.app import Services, build_services
from bot.telegram.application import TelegramRuntime
from bot.telegram.ratelimit import HearthRateLimiter
from config.settings import Settings
from tests.conftest import MakeSettings
from tests.fakes.telegram import Call, FakeTelegram
from tests.telegram.conftest import GROUP, OWNER, Waits
from tests.telegram.test_telegram_events import settings_for

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
AINO, BOB, REA = 300, 301, 302


@pytest.fixture
def settings(make_settings: MakeSettings, tg: FakeTelegram) -> Settings:
    """One bot's settings, kept across its restarts in a test (on this test's database engine)."""
    return settings_for(make_settings, tg)


class Bot:
    """One running Hearth (services + Telegram runtime + scheduler + start-up work) under a frozen clock."""

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
        for work in services.after_ready:
            await work()
        await tg.wait_polling()
        return cls(services, runtime)

    async def stop(self) -> None:
        await self.services.scheduler.stop()
        for work in self.services.before_stop:
            await work()
        await self.runtime.stop()
        while self.services._tasks:
            await asyncio.gather(*list(self.services._tasks), return_exceptions=True)
        await self.services.hub.drain()
        await self.services.close()


@pytest.fixture
def clock() -> AsyncIterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
async def bot(settings: Settings, tg: FakeTelegram, clock: time_machine.Coordinates) -> AsyncIterator[Bot]:
    tg.set_user(AINO, first_name="Aino", language_code="fi")
    tg.set_user(BOB, first_name="Bob")
    tg.set_user(REA, first_name="Rea", language_code="ru")
    running = await Bot.start(settings, tg)
    yield running
    await running.stop()


async def say(tg: FakeTelegram, user: int, text: str) -> str:
    before = len(tg.calls_to("sendMessage"))
    tg.push_update(tg.message_update(GROUP, user, text))
    calls = await tg.wait_for("sendMessage", count=before + 1)
    return str(calls[before].params["text"])


async def click(tg: FakeTelegram, user: int, data: str, message_id: int, chat: int = GROUP) -> Call:
    before = len(tg.calls_to("answerCallbackQuery"))
    chat_type = "private" if chat > 0 else "supergroup"
    tg.push_update(tg.callback_update(chat, user, data, message_id, chat_type=chat_type))
    return (await tg.wait_for("answerCallbackQuery", count=before + 1))[before]


async def advance(clock: time_machine.Coordinates, bot: Bot, to: datetime) -> None:
    clock.move_to(to)
    bot.services.scheduler.wakeup()
    for _ in range(50):
        await asyncio.sleep(0)


def sent_to(tg: FakeTelegram, chat: int) -> list[Call]:
    return [c for c in tg.calls_to("sendMessage") if c.params["chat_id"] == chat]


async def gate_post(tg: FakeTelegram) -> Call:
    def has_button(c: Call) -> bool:
        return c.ok and c.params["chat_id"] == GROUP and "onb:acc" in str(c.params.get("reply_markup"))

    return (await tg.wait_for("sendMessage", has_button))[0]


async def test_join_welcomes_restricts_and_only_the_newcomers_own_press_lets_them_post(
    bot: Bot, tg: FakeTelegram
) -> None:
    assert "Saved 2 rules" in await say(tg, OWNER, "/setrules Be kind | No <b>spam</b>")
    tg.forbid_chat(AINO)  # Aino never started the bot
    tg.push_update(tg.chat_member_update(GROUP, AINO, "left", "member"))
    (restrict,) = await tg.wait_for("restrictChatMember")
    assert restrict.params["user_id"] == AINO and restrict.params["permissions"]["can_send_messages"] is False
    assert tg.member(GROUP, AINO)["status"] == "restricted"
    post = await gate_post(tg)
    assert "Aino, tervetuloa!" in post.params["text"] and "No &lt;b&gt;spam&lt;/b&gt;" in post.params["text"]
    assert post.params["reply_markup"]["inline_keyboard"] == [[{"text": "Hyväksyn", "callback_data": "onb:acc:1"}]]
    welcome = await tg.wait_for("sendMessage", lambda c: "Welcome to <b>Hearth Testers</b>" in str(c.params["text"]))
    assert welcome[0].params["chat_id"] == GROUP and "Aino" in welcome[0].params["text"]
    refused = await tg.wait_for("sendMessage", lambda c: c.params["chat_id"] == AINO)
    assert refused[0].status == 403  # the DM was tried first …
    fallback = await tg.wait_for("sendMessage", lambda c: "yksityisviestiä" in str(c.params["text"]))
    assert fallback[0].params["chat_id"] == GROUP  # … then posted in the group, in Aino's language

    answer = await click(tg, BOB, "onb:acc:1", post.result["message_id"])
    assert answer.params["text"] == "This button is for Aino." and answer.params["show_alert"] is True
    assert len(tg.calls_to("restrictChatMember")) == 1
    answer = await click(tg, AINO, "onb:acc:1", post.result["message_id"])
    assert answer.params["text"] == "Kiitos! Tervetuloa yhteisöön Hearth Testers."
    lifted = tg.calls_to("restrictChatMember")[-1]
    assert all(lifted.params["permissions"].values()) and tg.member(GROUP, AINO)["status"] == "member"
    edited = await tg.wait_for("editMessageText")
    assert "Aino hyväksyi säännöt" in edited[-1].params["text"] and "reply_markup" not in edited[-1].params


async def test_the_time_limit_removes_the_newcomer_through_the_scheduler(
    bot: Bot, tg: FakeTelegram, clock: time_machine.Coordinates
) -> None:
    await say(tg, OWNER, "/setrules Be kind")
    assert "after 2 minutes" in await say(tg, OWNER, "/setgate on | 2")
    tg.push_update(tg.chat_member_update(GROUP, BOB, "left", "member"))
    await tg.wait_for("restrictChatMember")
    await advance(clock, bot, NOW + timedelta(minutes=1))
    assert tg.calls_to("banChatMember") == []
    await advance(clock, bot, NOW + timedelta(minutes=2, seconds=1))
    (ban,) = await tg.wait_for("banChatMember")
    (unban,) = await tg.wait_for("unbanChatMember")
    assert ban.params["user_id"] == unban.params["user_id"] == BOB and unban.params["only_if_banned"] is True
    assert tg.member(GROUP, BOB)["status"] == "left"  # kicked, not banned: Bob may join again
    told = await tg.wait_for("sendMessage", lambda c: c.params["chat_id"] == BOB and "removed" in str(c.params["text"]))
    assert "within 2 minutes" in told[0].params["text"]
    await tg.wait_for("editMessageText", lambda c: "did not accept the rules in time" in str(c.params["text"]))


async def test_a_restart_between_join_and_press_still_lets_them_in(
    settings: Settings, tg: FakeTelegram, clock: time_machine.Coordinates
) -> None:
    tg.set_user(AINO, first_name="Aino", language_code="fi")
    first = await Bot.start(settings, tg)
    await say(tg, OWNER, "/setrules Be kind")
    tg.push_update(tg.chat_member_update(GROUP, AINO, "left", "member"))
    await tg.wait_for("restrictChatMember")
    post = await gate_post(tg)
    await first.stop()
    clock.move_to(NOW + timedelta(minutes=5))
    second = await Bot.start(settings, tg)
    try:
        answer = await click(tg, AINO, "onb:acc:1", post.result["message_id"])
        assert answer.params["text"].startswith("Kiitos!")
        assert len(tg.calls_to("restrictChatMember")) == 2 and tg.member(GROUP, AINO)["status"] == "member"
        await advance(clock, second, NOW + timedelta(minutes=30))  # the old time limit does nothing now
        assert tg.calls_to("banChatMember") == []
    finally:
        await second.stop()


async def test_a_join_request_gets_the_rules_privately_and_accepting_approves_it(bot: Bot, tg: FakeTelegram) -> None:
    await say(tg, OWNER, "/setrules Be kind | Stay on topic")
    tg.push_update(tg.join_request_update(GROUP, REA))
    (dm,) = await tg.wait_for("sendMessage", lambda c: c.params["chat_id"] == REA)
    assert "Спасибо за заявку" in dm.params["text"] and "1. Be kind" in dm.params["text"]
    answer = await click(tg, REA, "onb:acc:1", dm.result["message_id"], chat=REA)
    assert answer.params["text"] == "Спасибо! Вы приняты: добро пожаловать в сообщество Hearth Testers."
    (approve,) = await tg.wait_for("approveChatJoinRequest")
    assert approve.params["user_id"] == REA and tg.member(GROUP, REA)["status"] == "member"
    tg.push_update(tg.chat_member_update(GROUP, REA, "left", "member"))  # Telegram reports the join
    await tg.wait_for("sendMessage", lambda c: c.params["chat_id"] == GROUP and "Rea" in str(c.params["text"]))
    assert tg.calls_to("restrictChatMember") == []  # accepted already: not held again


async def test_a_template_with_everyone_and_tags_stays_plain_escaped_text(bot: Bot, tg: FakeTelegram) -> None:
    assert "saved" in await say(tg, OWNER, "/setwelcome Hi {member} @everyone <b>{community}</b> **{member_count}**")
    (preview,) = await tg.wait_for("sendMessage", lambda c: "Welcome post:" in str(c.params["text"]))
    assert preview.ok and "@everyone &lt;b&gt;Hearth Testers&lt;/b&gt; <b>" in preview.params["text"]
    await tg.wait_for("sendMessage", lambda c: "Welcome message (DM):" in str(c.params["text"]))
    assert "Unknown placeholder {who}" in await say(tg, OWNER, "/setwelcome Hi {who}")
    tg.push_update(tg.chat_member_update(GROUP, BOB, "left", "member"))
    (post,) = await tg.wait_for(
        "sendMessage", lambda c: c.params["chat_id"] == GROUP and "Hi Bob" in str(c.params["text"])
    )
    assert post.ok and "&lt;b&gt;Hearth Testers&lt;/b&gt;" in post.params["text"]


async def test_a_quiet_newcomer_gets_one_nudge_on_day_3_through_the_scheduler(
    bot: Bot, tg: FakeTelegram, clock: time_machine.Coordinates
) -> None:
    tg.push_update(tg.chat_member_update(GROUP, BOB, "left", "member"))
    tg.push_update(tg.chat_member_update(GROUP, AINO, "left", "member"))
    await tg.wait_for("sendMessage", lambda c: c.params["chat_id"] == AINO)  # the welcome DM
    tg.push_update(tg.message_update(GROUP, AINO, "Moi kaikki!"))
    await say(tg, OWNER, "/help")  # everything before it is handled
    await bot.services.ingest.flush()
    await bot.services.hub.drain()
    await advance(clock, bot, NOW + timedelta(days=3, minutes=1))
    nudge = await tg.wait_for(
        "sendMessage", lambda c: c.params["chat_id"] == BOB and "3 days ago" in str(c.params["text"])
    )
    assert nudge[0].params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "onb:nno:1"
    await advance(clock, bot, NOW + timedelta(days=3, minutes=30))
    assert len([c for c in sent_to(tg, BOB) if "days ago" in str(c.params["text"])]) == 1
    assert not [c for c in sent_to(tg, AINO) if "päivää sitten" in str(c.params["text"])]  # Aino posted
