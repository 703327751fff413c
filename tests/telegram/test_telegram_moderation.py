"""Moderation end to end on Telegram: the real PTB Application against the fake Bot API, the real scheduler
under a frozen, movable wall clock. Asserts on the Bot API calls the fake recorded."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from bot.app import Services, build_services
from bot.telegram.application import TelegramRuntime
from bot.telegram.ratelimit import HearthRateLimiter
from config.settings import Settings
from storage.tables import mod_infractions
from tests.conftest import MakeSettings
from tests.fakes.telegram import Call, FakeTelegram
from tests.telegram.conftest import GROUP, OWNER, Waits
from tests.telegram.test_telegram_events import settings_for

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
MOD = 50  # an administrator who may restrict members (a moderator, not a manager)
ALICE, BOB, ADMIN = 100, 101, 60
MOD_CHAT = -1009999  # moderators' group, joined to the community with /setuplink


@pytest.fixture
def settings(make_settings: MakeSettings, tg: FakeTelegram) -> Settings:
    """One bot's settings, kept across its restarts in a test (on this test's database engine)."""
    return settings_for(make_settings, tg)


class Bot:
    """One running Hearth (services + Telegram runtime + scheduler)."""

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
        await services.moderation.expiry.rehydrate()
        await tg.wait_polling()
        return cls(services, runtime)

    async def stop(self) -> None:
        await self.services.scheduler.stop()
        await self.services.moderation.drain()
        await self.runtime.stop()
        await self.services.hub.drain()
        while self.services._tasks:
            await asyncio.gather(*list(self.services._tasks), return_exceptions=True)
        await self.services.close()

    async def infractions(self) -> list[sa.Row]:
        async with self.services.engine.connect() as conn:
            return list((await conn.execute(sa.select(mod_infractions).order_by(mod_infractions.c.id))).all())


@pytest.fixture
def clock() -> AsyncIterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
async def bot(settings: Settings, tg: FakeTelegram, clock: time_machine.Coordinates) -> AsyncIterator[Bot]:
    tg.set_member(GROUP, MOD, "administrator", can_change_info=False)
    tg.set_member(GROUP, ADMIN, "administrator")
    tg.set_user(ALICE, first_name="Alice", username="alice_t")
    tg.set_user(MOD, first_name="Mona")
    running = await Bot.start(settings, tg)
    yield running
    await running.stop()


def posted(tg: FakeTelegram, user: int, text: str) -> int:
    """A member writes something (so moderators can reply to it); its message id."""
    update = tg.push_update(tg.message_update(GROUP, user, text))
    return int(update["message"]["message_id"])


async def say(tg: FakeTelegram, user: int, text: str, reply_to: int | None = None, chat: int = GROUP) -> str:
    before = len([c for c in tg.calls_to("sendMessage") if c.params["chat_id"] in (chat, user)])
    tg.push_update(tg.message_update(chat, user, text, reply_to=reply_to))
    calls = await tg.wait_for("sendMessage", lambda c: c.params["chat_id"] in (chat, user), count=before + 1)
    return str(calls[before].params["text"])


def moderation_calls(tg: FakeTelegram) -> list[Call]:
    names = ("restrictChatMember", "banChatMember", "unbanChatMember", "deleteMessage", "deleteMessages")
    return [c for c in tg.calls if c.method in names]


async def advance(traveller: time_machine.Coordinates, bot: Bot, to: datetime) -> None:
    traveller.move_to(to)
    bot.services.scheduler.wakeup()
    for _ in range(50):
        await asyncio.sleep(0)


# -- who may -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "command",
    ["/warn spam", "/mute 1h | spam", "/unmute", "/kick", "/ban spam", "/unban", "/note x", "/infractions",
     "/purge", "/lockdown on", "/automod", "/reports"],
)  # fmt: skip
async def test_a_plain_member_is_refused_with_an_answer_and_no_platform_action(
    bot: Bot, tg: FakeTelegram, command: str
) -> None:
    target = posted(tg, ALICE, "hello")
    answer = await say(tg, BOB, command, reply_to=target)
    assert "Only a moderator" in answer
    assert moderation_calls(tg) == [] and await bot.infractions() == []


async def test_an_administrator_cannot_be_targeted(bot: Bot, tg: FakeTelegram) -> None:
    target = posted(tg, ADMIN, "I run this place")
    answer = await say(tg, MOD, "/mute 1h | test", reply_to=target)
    assert "administrator" in answer and moderation_calls(tg) == [] and await bot.infractions() == []


async def test_a_missing_bot_right_is_named(bot: Bot, tg: FakeTelegram) -> None:
    tg.set_member(GROUP, tg.bot_id, "administrator", can_restrict_members=False)
    target = posted(tg, ALICE, "hello")
    assert "“Ban users” permission" in await say(tg, MOD, "/ban spam", reply_to=target)
    assert moderation_calls(tg) == []


# -- actions ---------------------------------------------------------------------------------------------------
async def test_mute_by_reply_restricts_until_then_and_unmute_lifts(bot: Bot, tg: FakeTelegram) -> None:
    target = posted(tg, ALICE, "spam spam")
    answer = await say(tg, MOD, "/mute 1h | spamming", reply_to=target)
    assert "muted for 1 hour" in answer
    (restrict,) = tg.calls_to("restrictChatMember")
    assert restrict.params["user_id"] == ALICE and restrict.params["until_date"] == int(NOW.timestamp()) + 3600
    assert not any(restrict.params["permissions"].values())
    assert tg.member(GROUP, ALICE)["status"] == "restricted"
    dm = await tg.wait_for("sendMessage", lambda c: c.params["chat_id"] == ALICE)
    assert "You were muted" in dm[0].params["text"] and "spamming" in dm[0].params["text"]

    assert "can write again" in await say(tg, MOD, "/unmute", reply_to=target)
    lift = tg.calls_to("restrictChatMember")[-1]
    assert all(lift.params["permissions"].values()) and tg.member(GROUP, ALICE)["status"] == "member"
    rows = await bot.infractions()
    assert [(r.kind, r.state, r.user_id) for r in rows] == [("mute", "lifted", str(ALICE)), ("unmute", "done",
                                                                                            str(ALICE))]  # fmt: skip


async def test_target_by_username_and_by_numeric_id(bot: Bot, tg: FakeTelegram) -> None:
    posted(tg, ALICE, "hi, I am Alice")
    await asyncio.sleep(0)
    await say(tg, BOB, "/help")  # processed after Alice's message: her username is known by now
    await bot.services.hub.drain()
    assert "Warning #1" in await say(tg, MOD, "/warn @alice_t please stop")
    assert "Warning #2" in await say(tg, MOD, f"/warn {ALICE} | again")
    assert "I don't know @nobody" in await say(tg, MOD, "/ban @nobody spam")
    assert [r.user_id for r in await bot.infractions()] == [str(ALICE), str(ALICE)]


async def test_kick_is_ban_then_unban_so_they_can_rejoin(bot: Bot, tg: FakeTelegram) -> None:
    target = posted(tg, ALICE, "rude words")
    assert "can join again" in await say(tg, MOD, "/kick be nice", reply_to=target)
    ban, unban = tg.calls_to("banChatMember")[0], tg.calls_to("unbanChatMember")[0]
    assert ban.params["user_id"] == unban.params["user_id"] == ALICE and unban.params["only_if_banned"] is True
    assert tg.member(GROUP, ALICE)["status"] == "left"  # gone, but not banned: the invite link works again


async def test_three_warnings_mute_for_an_hour(bot: Bot, tg: FakeTelegram) -> None:
    target = posted(tg, ALICE, "spam")
    for n in range(3):
        await say(tg, MOD, f"/warn rule {n}", reply_to=target)
    (restrict,) = await tg.wait_for("restrictChatMember")
    assert restrict.params["until_date"] == int(NOW.timestamp()) + 3600
    assert [r.source for r in await bot.infractions()] == ["manual"] * 3 + ["escalation"]


async def test_a_temporary_ban_ends_on_time_and_after_a_restart_when_overdue(
    settings: Settings, tg: FakeTelegram, clock: time_machine.Coordinates, bot: Bot
) -> None:
    target = posted(tg, ALICE, "scam")
    assert "banned for 1 day" in await say(tg, MOD, "/ban 1d | scam", reply_to=target)
    (ban,) = tg.calls_to("banChatMember")
    assert ban.params["until_date"] == int((NOW + timedelta(days=1)).timestamp())
    await advance(clock, bot, NOW + timedelta(days=1, seconds=1))
    (unban,) = await tg.wait_for("unbanChatMember")
    assert unban.params["user_id"] == ALICE and unban.params["only_if_banned"] is True

    bob_msg = posted(tg, BOB, "more scam")
    assert "banned for 2 days" in await say(tg, MOD, "/ban 2d | scam", reply_to=bob_msg)
    await bot.stop()
    clock.move_to(NOW + timedelta(days=5))  # down while Bob's ban ran out
    restarted = await Bot.start(settings, tg)
    try:
        unbans = await tg.wait_for("unbanChatMember", count=2)
        assert unbans[-1].params["user_id"] == BOB
        assert [r.state for r in await restarted.infractions()] == ["expired", "expired"]
    finally:
        await restarted.stop()
        bot.stop = restarted.stop  # type: ignore[method-assign]  # the fixture's teardown is already done


async def test_purge_as_a_reply_deletes_from_there_to_now(bot: Bot, tg: FakeTelegram) -> None:
    first = posted(tg, ALICE, "one")
    posted(tg, BOB, "two")
    posted(tg, ALICE, "three")
    answer = await say(tg, MOD, "/purge", reply_to=first)
    assert "Deleted 3 messages" in answer
    (call,) = tg.calls_to("deleteMessages")
    ids = call.params["message_ids"]
    assert ids[0] == first and len(ids) == 4  # the three messages and the /purge command itself
    assert "between 1 and 1,000" in await say(tg, MOD, "/purge 10000")


async def test_a_failed_call_marks_the_row_failed(bot: Bot, tg: FakeTelegram) -> None:
    target = posted(tg, ALICE, "spam")
    tg.fail_next("banChatMember", error_code=400, description="Bad Request: CHAT_NOT_MODIFIED")
    answer = await say(tg, MOD, "/ban spam", reply_to=target)
    assert "refused" in answer
    assert [(r.kind, r.state) for r in await bot.infractions()] == [("ban", "failed")]


# -- reports, automod, raids ---------------------------------------------------------------------------------
async def test_report_goes_to_the_mod_queue_and_a_button_mutes(bot: Bot, tg: FakeTelegram) -> None:
    assert "reports now come" in await say(tg, OWNER, "/setmodqueue")
    target = posted(tg, ALICE, "buy followers cheap")
    tg.push_update(tg.message_update(GROUP, BOB, "/report scam", reply_to=target))
    await tg.wait_for("sendMessage", lambda c: "Thank you" in c.params["text"])
    card = (await tg.wait_for("sendMessage", lambda c: "Report #1" in c.params["text"]))[0]
    assert "buy followers cheap" in card.params["text"] and f"/{target}" in card.params["text"]
    tg.push_update(tg.callback_update(GROUP, MOD, "modrep:1:mute", card.result["message_id"]))
    (restrict,) = await tg.wait_for("restrictChatMember")
    assert restrict.params["user_id"] == ALICE
    told = await tg.wait_for("sendMessage", lambda c: c.params["chat_id"] == BOB and "was handled" in c.params["text"])
    assert "mute" not in told[0].params["text"]  # without details
    edit = await tg.wait_for("editMessageText", lambda c: "Handled by" in c.params["text"])
    assert "reply_markup" not in edit[0].params


async def test_automod_deletes_a_banned_word_but_not_a_longer_word(bot: Bot, tg: FakeTelegram) -> None:
    assert "Banned words" in await say(tg, MOD, "/automod words add ass")
    posted(tg, ALICE, "assistance please")
    bad = posted(tg, ALICE, "you ass")
    (delete,) = await tg.wait_for("deleteMessage")
    assert delete.params["message_id"] == bad and len(tg.calls_to("deleteMessage")) == 1


async def test_twelve_joins_in_thirty_seconds_restrict_newcomers_and_alert(
    bot: Bot, tg: FakeTelegram, clock: time_machine.Coordinates
) -> None:
    assert "moderation log" in await say(tg, OWNER, "/setmodlog")
    for i in range(12):
        clock.move_to(NOW + timedelta(seconds=2.5 * i))
        tg.push_update(tg.chat_member_update(GROUP, 500 + i, "left", "member"))
    alert = await tg.wait_for("sendMessage", lambda c: "Lockdown is on" in c.params["text"])
    assert alert[0].params["chat_id"] == GROUP
    restricted = await tg.wait_for("restrictChatMember", count=12)  # everyone who came with the spike, and after
    assert {c.params["user_id"] for c in restricted} == {500 + i for i in range(12)}
    assert all(c.params["until_date"] > int(NOW.timestamp()) for c in restricted)


async def test_a_normal_join_rate_does_nothing(bot: Bot, tg: FakeTelegram, clock: time_machine.Coordinates) -> None:
    for i in range(12):
        clock.move_to(NOW + timedelta(minutes=i))
        tg.push_update(tg.chat_member_update(GROUP, 600 + i, "left", "member"))
    await say(tg, ALICE, "/help")  # handled after the joins
    await bot.services.hub.drain()
    await bot.services.moderation.raid.drain()
    assert tg.calls_to("restrictChatMember") == []


async def test_moderation_commands_are_in_the_administrators_menu_only(bot: Bot, tg: FakeTelegram) -> None:
    await tg.wait_for("setMyCommands", count=12)  # 3 scopes × 4 languages, set in the background at start
    admins = {c["command"] for c in tg.commands({"type": "all_chat_administrators"})}
    everyone = {c["command"] for c in tg.commands()}
    assert {"warn", "mute", "unmute", "kick", "ban", "unban", "purge", "note", "infractions", "automod",
            "lockdown", "reports"} <= admins  # fmt: skip
    assert "report" in everyone and not everyone & {"warn", "mute", "ban", "purge", "automod"}
    finnish = {c["command"]: c["description"] for c in tg.commands({"type": "all_chat_administrators"}, "fi")}
    assert finnish["warn"] == "Anna jäsenelle varoitus"


async def test_moderators_are_answered_in_russian(bot: Bot, tg: FakeTelegram) -> None:
    tg.set_user(MOD, first_name="Mona", language_code="ru")
    target = posted(tg, ALICE, "spam")
    assert "не длительность" in await say(tg, MOD, "/mute скоро", reply_to=target)
    assert await bot.infractions() == [] and tg.calls_to("restrictChatMember") == []
