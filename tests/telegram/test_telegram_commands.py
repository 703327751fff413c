"""Commands through the real PTB Application against the fake Bot API."""

from __future__ import annotations

import asyncio

import psutil
import pytest

from bot.app import Services
from bot.telegram.application import TelegramRuntime
from bot.telegram.ratelimit import HearthRateLimiter
from tests.fakes.telegram import FakeTelegram
from tests.telegram.conftest import GROUP, OWNER, Waits


async def ask(tg: FakeTelegram, text: str, user: int = 100, chat: int = GROUP, **kw: object) -> str:
    before = len(tg.calls_to("sendMessage"))
    tg.push_update(tg.message_update(chat, user, text, **kw))  # type: ignore[arg-type]
    calls = await tg.wait_for("sendMessage", count=before + 1)
    return str(calls[before].params["text"])


async def test_help_for_a_member_lists_member_commands_only(runtime: TelegramRuntime, tg: FakeTelegram) -> None:
    text = await ask(tg, "/help")
    assert "/language" in text and "/link" in text
    assert "/settimezone" not in text


async def test_help_for_an_administrator_adds_manager_commands(runtime: TelegramRuntime, tg: FakeTelegram) -> None:
    tg.set_member(GROUP, 200, "administrator", can_restrict_members=True, can_change_info=True)
    text = await ask(tg, "/help", user=200)
    assert "/settimezone" in text and "/language" in text


async def test_help_in_finnish_for_a_finnish_client(runtime: TelegramRuntime, tg: FakeTelegram) -> None:
    text = await ask(tg, "/help", language_code="fi")
    assert "Näytä komennot" in text


async def test_help_addressed_to_the_bot_by_name_and_start_alias(runtime: TelegramRuntime, tg: FakeTelegram) -> None:
    assert "/language" in await ask(tg, "/help@hearth_test_bot")
    assert "/language" in await ask(tg, "/start", chat=100, chat_type="private")
    assert "/language" in await ask(tg, "/start from-the-website", chat=100, chat_type="private")  # deep link


async def test_user_text_is_escaped_in_html(runtime: TelegramRuntime, tg: FakeTelegram) -> None:
    text = await ask(tg, "/settimezone <b>@everyone</b>", user=OWNER)
    assert "&lt;b&gt;@everyone&lt;/b&gt;" in text
    call = tg.calls_to("sendMessage")[-1]
    assert call.ok and call.params["parse_mode"] == "HTML"


async def test_unknown_command_in_private_chat_is_answered(runtime: TelegramRuntime, tg: FakeTelegram) -> None:
    text = await ask(tg, "/frobnicate", chat=100, chat_type="private")
    assert "/frobnicate" in text and "/help" in text


async def test_another_bots_command_in_a_group_is_left_alone(runtime: TelegramRuntime, tg: FakeTelegram) -> None:
    tg.push_update(tg.message_update(GROUP, 100, "/frobnicate"))
    tg.push_update(tg.message_update(GROUP, 100, "/help@some_other_bot"))
    marker = await ask(tg, "/help")  # processed after both: nothing was sent for them
    assert "/language" in marker
    assert len(tg.calls_to("sendMessage")) == 1


async def test_malformed_and_oversized_arguments_get_clear_answers(runtime: TelegramRuntime, tg: FakeTelegram) -> None:
    assert "Unknown language" in await ask(tg, "/language klingon")
    assert "too long" in await ask(tg, "/link " + "X" * 300)
    assert "Missing timezone" in await ask(tg, "/settimezone", user=OWNER)


async def test_member_cannot_run_manager_command(runtime: TelegramRuntime, tg: FakeTelegram) -> None:
    assert "Only a manager" in await ask(tg, "/settimezone Europe/Helsinki")


async def test_duplicate_update_is_processed_once(runtime: TelegramRuntime, tg: FakeTelegram) -> None:
    update = tg.push_update(tg.message_update(GROUP, 100, "/help"))
    await tg.wait_for("sendMessage", count=1)
    tg.push_raw_update_again(update)
    marker = await ask(tg, "/language")
    assert "Pick another" in marker
    assert len(tg.calls_to("sendMessage")) == 2


async def test_429_is_waited_out_and_the_message_still_arrives(
    runtime: TelegramRuntime, tg: FakeTelegram, waits: Waits
) -> None:
    tg.fail_next("sendMessage", times=1, retry_after=3)
    tg.push_update(tg.message_update(GROUP, 100, "/help"))
    delivered = await tg.wait_for("sendMessage", predicate=lambda c: c.ok)
    assert "/language" in delivered[0].params["text"]
    assert [c.rejected for c in tg.calls_to("sendMessage")] == [True, False]
    assert any(w >= 3 for w in waits.seconds)


async def test_language_button_answers_with_a_toast_in_the_new_language(
    runtime: TelegramRuntime, tg: FakeTelegram
) -> None:
    await ask(tg, "/language")
    menu = tg.calls_to("sendMessage")[-1]
    buttons = [b["callback_data"] for row in menu.params["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["lang:en", "lang:fi", "lang:de", "lang:ru"]
    tg.push_update(tg.callback_update(GROUP, 100, "lang:de", menu.result["message_id"]))
    answer = await tg.wait_for("answerCallbackQuery")
    assert "Deutsch" in answer[0].params["text"]
    assert "Befehle" in await ask(tg, "/help")


async def test_link_code_asked_in_a_group_goes_by_private_message(runtime: TelegramRuntime, tg: FakeTelegram) -> None:
    tg.push_update(tg.message_update(GROUP, 100, "/link"))
    in_group = await tg.wait_for("sendMessage", predicate=lambda c: c.params["chat_id"] == GROUP)
    dm = [c for c in tg.calls_to("sendMessage") if c.params["chat_id"] == 100]
    assert len(dm) == 1 and "link code" in dm[0].params["text"]
    assert "private message" in in_group[0].params["text"] and "link code" not in in_group[0].params["text"]


async def test_link_code_when_the_member_never_started_the_bot(runtime: TelegramRuntime, tg: FakeTelegram) -> None:
    tg.forbid_chat(100)
    tg.push_update(tg.message_update(GROUP, 100, "/link"))
    in_group = await tg.wait_for("sendMessage", predicate=lambda c: c.params["chat_id"] == GROUP)
    assert "press Start" in in_group[0].params["text"]
    assert "link code" not in in_group[0].params["text"]


@pytest.mark.parametrize(("language", "expected"), [("fi", "Näytä komennot"), ("de", "Zeigt"), ("ru", "Показать")])
async def test_command_menus_are_set_per_scope_and_language(
    runtime: TelegramRuntime, tg: FakeTelegram, language: str, expected: str
) -> None:
    await tg.wait_for("setMyCommands", count=12)
    everyone = tg.commands({"type": "default"}, language)
    admins = tg.commands({"type": "all_chat_administrators"}, language)
    assert {"help", "language", "link", "cancel", "events"} <= {c["command"] for c in everyone}
    assert not {"settimezone", "newevent"} & {c["command"] for c in everyone}
    assert {"settimezone", "setup", "help"} <= {c["command"] for c in admins}
    assert any(expected in c["description"] for c in everyone)


def connections_to(url: str) -> list[object]:
    port = int(url.rsplit(":", 1)[1])
    return [
        c
        for c in psutil.Process().net_connections(kind="tcp")
        if c.raddr and c.raddr.port == port and c.status == psutil.CONN_ESTABLISHED
    ]


async def test_stopping_while_command_menus_are_being_set_closes_every_connection(
    tg_services: Services, tg: FakeTelegram, waits: Waits
) -> None:
    rt = TelegramRuntime(tg_services, poll_timeout=1, rate_limiter=HearthRateLimiter(sleep=waits.sleep))
    await rt.start()
    await rt.stop()  # at once: the 12 setMyCommands calls start() began in the background are under way
    while tg_services._tasks:
        await asyncio.gather(*list(tg_services._tasks), return_exceptions=True)
    assert connections_to(tg.url) == []  # a menu request finishing after shutdown() used to leave its socket open
