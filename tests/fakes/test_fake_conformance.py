"""The fakes check every request against the platforms' published specs, answer a violation the way
the platform would, and fail the test during which it happened (tests/fakes/conformance.py)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.conftest import _checked_phase
from tests.fakes import conformance
from tests.fakes.discord import FakeDiscord
from tests.fakes.telegram import FakeTelegram

TOKEN = "123:ABC"
CHAT = -1001234


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as fake:
        yield fake


@pytest.fixture
async def dc() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        fake.add_guild(100, "Guild", owner_id=1, channels=[{"id": 200, "name": "general"}])
        yield fake


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def bot_api(http: aiohttp.ClientSession, tg: FakeTelegram, method: str, **params: Any) -> dict[str, Any]:
    """Call the fake as python-telegram-bot does: form-encoded, non-string values JSON-encoded."""
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    async with http.post(f"{tg.url}/bot{TOKEN}/{method}", data=form) as response:
        body: dict[str, Any] = await response.json()
        assert body.get("error_code", 200) == response.status
        return body


def rules(fake: FakeTelegram | FakeDiscord) -> list[str]:
    return [v.rule for v in fake.take_violations()]


# --- Telegram ------------------------------------------------------------------------------------


async def test_telegram_unknown_method_is_404_and_a_violation(tg: FakeTelegram, http: aiohttp.ClientSession) -> None:
    answer = await bot_api(http, tg, "sendMesage", chat_id=CHAT, text="typo in the method name")
    assert answer == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert rules(tg) == ["sendMesage: no such method in the Bot API 10.1 spec"]


async def test_telegram_missing_required_field(tg: FakeTelegram, http: aiohttp.ClientSession) -> None:
    answer = await bot_api(http, tg, "sendMessage", text="to whom?")
    assert answer["error_code"] == 400
    assert rules(tg) == ["sendMessage.chat_id: required but missing"]
    assert tg.calls[-1].violations == ["sendMessage.chat_id: required but missing"]


async def test_telegram_unknown_field_even_one_the_real_api_would_silently_ignore(
    tg: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    old_style = {"reply_to_message_id": 5, "disable_web_page_preview": True}  # Bot API 6 fields, since replaced
    await bot_api(http, tg, "sendMessage", chat_id=CHAT, text="hi", **old_style)
    keyboard = {"inline_keyboard": [[{"text": "Go", "callback_data": "go", "colour": "red"}]]}
    await bot_api(http, tg, "sendMessage", chat_id=CHAT, text="hi", reply_markup=keyboard)
    assert rules(tg) == [
        "sendMessage.reply_to_message_id: no such field in sendMessage",
        "sendMessage.disable_web_page_preview: no such field in sendMessage",
        "sendMessage.reply_markup.inline_keyboard[0][0].colour: no such field in InlineKeyboardButton",
    ]


async def test_telegram_coarse_types(tg: FakeTelegram, http: aiohttp.ClientSession) -> None:
    answer = await bot_api(http, tg, "sendMessage", chat_id=CHAT, text="hi", disable_notification="maybe")
    assert answer["description"] == 'Bad Request: field "disable_notification" must be of type Boolean'
    await bot_api(http, tg, "deleteMessage", chat_id=CHAT, message_id="last")
    await bot_api(http, tg, "setMyCommands", commands={"command": "help", "description": "Help"})
    assert rules(tg) == [
        "sendMessage.disable_notification: must be Boolean, got 'maybe'",
        "deleteMessage.message_id: must be Integer, got 'last'",
        "setMyCommands.commands: must be an Array of BotCommand, got dict",
    ]


async def test_telegram_string_fields_are_never_json_decoded(tg: FakeTelegram, http: aiohttp.ClientSession) -> None:
    for text in ("123", "true", '{"a": 1}', "[1, 2]"):
        answer = await bot_api(http, tg, "sendMessage", chat_id=CHAT, text=text)
        assert answer["result"]["text"] == text
    assert tg.violations == []


async def test_telegram_text_is_1_to_4096_characters_after_entity_parsing(
    tg: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    too_long = await bot_api(http, tg, "sendMessage", chat_id=CHAT, text="x" * 4097)
    assert too_long["description"] == "Bad Request: message is too long"
    await bot_api(http, tg, "sendMessage", chat_id=CHAT, text="<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    await bot_api(http, tg, "sendMessage", chat_id=CHAT, text="😀" * 4096)  # characters, not UTF-16 units
    await bot_api(http, tg, "sendMessage", chat_id=CHAT, text="&lt;" * 4097, parse_mode="HTML")
    await bot_api(http, tg, "sendMessage", chat_id=CHAT, text="<i> </i>", parse_mode="HTML")
    await bot_api(http, tg, "editMessageText", chat_id=CHAT, message_id=1, text="y" * 4097)
    assert rules(tg) == [
        "sendMessage.text: 4097 characters after entities parsing, the Bot API allows 1-4096",
        "sendMessage.text: 4097 characters after entities parsing, the Bot API allows 1-4096",
        "sendMessage.text: 0 characters after entities parsing, the Bot API allows 1-4096",
        "editMessageText.text: 4097 characters after entities parsing, the Bot API allows 1-4096",
    ]


async def test_telegram_invalid_html_is_a_violation(tg: FakeTelegram, http: aiohttp.ClientSession) -> None:
    answer = await bot_api(http, tg, "sendMessage", chat_id=CHAT, text="1 < 2", parse_mode="HTML")
    assert answer["description"].startswith("Bad Request: can't parse entities: Unsupported start tag")
    (rule,) = rules(tg)
    assert rule.startswith("sendMessage.text: invalid HTML (parse_mode=HTML): can't parse entities: ")


async def test_telegram_caption_is_at_most_1024_characters(tg: FakeTelegram, http: aiohttp.ClientSession) -> None:
    answer = await bot_api(http, tg, "sendDocument", chat_id=CHAT, document="file1", caption="c" * 1025)
    assert answer["description"] == "Bad Request: message caption is too long"
    assert rules(tg) == ["sendDocument.caption: 1025 characters after entities parsing, the Bot API allows 0-1024"]


async def test_telegram_callback_data_is_1_to_64_bytes(tg: FakeTelegram, http: aiohttp.ClientSession) -> None:
    def keyboard(data: str) -> dict[str, Any]:
        return {"inline_keyboard": [[{"text": "ok", "callback_data": "ok"}, {"text": "Vote", "callback_data": data}]]}

    await bot_api(http, tg, "sendMessage", chat_id=CHAT, text="fits", reply_markup=keyboard("x" * 64))
    answer = await bot_api(http, tg, "sendMessage", chat_id=CHAT, text="no", reply_markup=keyboard("é" * 33))
    assert answer["description"] == "Bad Request: BUTTON_DATA_INVALID"
    await bot_api(http, tg, "editMessageReplyMarkup", chat_id=CHAT, message_id=1, reply_markup=keyboard(""))
    assert rules(tg) == [
        "sendMessage.reply_markup.inline_keyboard[0][1].callback_data: 66 bytes, the Bot API allows 1-64"
        " (InlineKeyboardButton.callback_data)",
        "editMessageReplyMarkup.reply_markup.inline_keyboard[0][1].callback_data: 0 bytes, the Bot API allows 1-64"
        " (InlineKeyboardButton.callback_data)",
    ]


async def test_telegram_bot_commands(tg: FakeTelegram, http: aiohttp.ClientSession) -> None:
    commands = [
        {"command": "event-list", "description": "Hyphen"},
        {"command": "x" * 33, "description": "Too long a name"},
        {"command": "help", "description": "d" * 257},
        {"command": "info", "description": ""},
    ]
    answer = await bot_api(http, tg, "setMyCommands", commands=commands, scope={"type": "chat"})
    assert answer["description"] == "Bad Request: BOT_COMMAND_INVALID"
    assert rules(tg) == [
        "setMyCommands.commands[0].command: 'event-list' has characters outside [a-z0-9_]* (BotCommand.command)",
        "setMyCommands.commands[1].command: 33 characters, the Bot API allows 1-32 (BotCommand.command)",
        "setMyCommands.commands[2].description: 257 characters, the Bot API allows 1-256 (BotCommand.description)",
        "setMyCommands.commands[3].description: 0 characters, the Bot API allows 1-256 (BotCommand.description)",
        "setMyCommands.scope.chat_id: required but missing (BotCommandScopeChat.chat_id)",
    ]


async def test_telegram_callback_answer_and_poll_limits(tg: FakeTelegram, http: aiohttp.ClientSession) -> None:
    answer = await bot_api(http, tg, "answerCallbackQuery", callback_query_id="7", text="a" * 201)
    assert answer["description"] == "Bad Request: MESSAGE_TOO_LONG"
    options = [{"text": f"option {i}"} for i in range(13)]
    await bot_api(http, tg, "sendPoll", chat_id=CHAT, question="q" * 301, options=options)
    await bot_api(http, tg, "sendPoll", chat_id=CHAT, question="When?", options=[{"text": "o" * 101}, {"text": "ok"}])
    assert rules(tg) == [
        "answerCallbackQuery.text: 201 characters, the Bot API allows 0-200",
        "sendPoll.question: 301 characters, the Bot API allows 1-300",
        "sendPoll.options: 13 items, the Bot API allows 1-12",
        "sendPoll.options[0].text: 101 characters, the Bot API allows 1-100 (InputPollOption.text)",
    ]


async def test_telegram_uploads_satisfy_input_file_fields(tg: FakeTelegram, http: aiohttp.ClientSession) -> None:
    form = aiohttp.FormData({"chat_id": str(CHAT)})
    form.add_field("document", b"a,b\n", filename="export.csv")
    form.add_field("stray", b"?", filename="stray.bin")
    async with http.post(f"{tg.url}/bot{TOKEN}/sendDocument", data=form) as response:
        assert response.status == 400
    assert rules(tg) == ["sendDocument.stray: no such field in sendDocument"]


# --- Discord -------------------------------------------------------------------------------------


async def rest(
    http: aiohttp.ClientSession, dc: FakeDiscord, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bot {dc.token}"}
    async with http.request(method, f"{dc.api_base}{path}", json=body, headers=headers) as response:
        return response.status, await response.json() if response.status != 204 else None


async def test_discord_unknown_route_and_method(dc: FakeDiscord, http: aiohttp.ClientSession) -> None:
    assert await rest(http, dc, "GET", "/channels/200/mesages") == (404, {"message": "404: Not Found", "code": 0})
    status, _ = await rest(http, dc, "DELETE", "/gateway/bot")
    assert status == 405
    assert rules(dc) == [
        "GET /channels/200/mesages: no such route in Discord's OpenAPI",
        "DELETE /gateway/bot: /gateway/bot has no DELETE in Discord's OpenAPI",
    ]


async def test_discord_message_content_is_at_most_2000_characters(dc: FakeDiscord, http: aiohttp.ClientSession) -> None:
    assert (await rest(http, dc, "POST", "/channels/200/messages", {"content": "x" * 2000}))[0] == 200
    status, answer = await rest(http, dc, "POST", "/channels/200/messages", {"content": "x" * 2001})
    assert (status, answer["code"]) == (400, 50035)
    assert answer["errors"] == {
        "content": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}]}
    }
    await rest(http, dc, "POST", "/webhooks/1000/token", {"content": "y" * 2001})  # the OpenAPI's own 2000
    assert rules(dc) == [
        "POST /channels/{channel_id}/messages (create_message) body.content: maxLength 2000 (got 2001):"
        " Must be 2000 or fewer in length.",
        "POST /webhooks/{webhook_id}/{webhook_token} (execute_webhook) body.content: maxLength 2000 (got 2001):"
        " Must be 2000 or fewer in length.",
    ]


async def test_discord_embed_limits(dc: FakeDiscord, http: aiohttp.ClientSession) -> None:
    await rest(http, dc, "POST", "/channels/200/messages", {"embeds": [{"title": "t" * 257}]})
    await rest(http, dc, "POST", "/channels/200/messages", {"embeds": [{"fields": [{"name": "n"}]}]})
    halves = [{"description": "d" * 3001}, {"description": "d" * 3000}]
    status, answer = await rest(http, dc, "POST", "/channels/200/messages", {"embeds": halves})
    assert (status, answer["errors"]["embeds"]["_errors"][0]["code"]) == (400, "MAX_EMBED_SIZE_EXCEEDED")
    assert rules(dc) == [
        "POST /channels/{channel_id}/messages (create_message) body.embeds[0].title: maxLength 256 (got 257):"
        " Must be 256 or fewer in length.",
        "POST /channels/{channel_id}/messages (create_message) body.embeds[0].fields[0].value: This field is required",
        "POST /channels/{channel_id}/messages (create_message) body.embeds: 6001 characters in all embeds,"
        " documented limit 6000",
    ]


async def test_discord_component_limits(dc: FakeDiscord, http: aiohttp.ClientSession) -> None:
    def row(*custom_ids: str) -> dict[str, Any]:
        return {"type": 1, "components": [{"type": 2, "style": 1, "label": "b", "custom_id": c} for c in custom_ids]}

    await rest(http, dc, "POST", "/channels/200/messages", {"content": "a", "components": [row("ok", "x" * 101)]})
    await rest(http, dc, "POST", "/channels/200/messages", {"content": "b", "components": [row(*"abcdef")]})
    assert rules(dc) == [
        "POST /channels/{channel_id}/messages (create_message) body.components[0].components[1].custom_id:"
        " maxLength 100 (got 101): Must be 100 or fewer in length.",
        "POST /channels/{channel_id}/messages (create_message) body.components[0].components: maxItems 5 (got 6):"
        " Must be 5 or fewer in length.",
    ]


async def test_discord_command_and_interaction_limits(dc: FakeDiscord, http: aiohttp.ClientSession) -> None:
    option = {"type": 3, "name": "title", "description": "d" * 101}
    commands = [{"name": "event", "description": "Events", "type": 1, "options": [option]}]
    status, answer = await rest(http, dc, "PUT", "/applications/1000/guilds/100/commands", commands)
    assert (status, answer["code"]) == (400, 50035)
    await rest(http, dc, "PUT", "/applications/1000/commands", [{"name": "n" * 33, "description": "x", "type": 1}])
    await rest(http, dc, "POST", "/interactions/1/token/callback", {"type": 4, "data": {"content": "z" * 2001}})
    await rest(http, dc, "GET", "/channels/200/messages?limit=500")
    assert rules(dc) == [
        "PUT /applications/{application_id}/guilds/{guild_id}/commands (bulk_set_guild_application_commands)"
        " body[0].options[0].description: maxLength 100 (got 101): Must be 100 or fewer in length.",
        "PUT /applications/{application_id}/commands (bulk_set_application_commands) body[0].name: maxLength 32"
        " (got 33): Must be 32 or fewer in length.",
        "POST /interactions/{interaction_id}/{interaction_token}/callback (create_interaction_response)"
        " body.data.content: maxLength 2000 (got 2001): Must be 2000 or fewer in length.",
        "GET /channels/{channel_id}/messages (list_messages) query limit: maximum 100 (got 500):"
        " int value should be less than or equal to 100.",
    ]


# --- the violation fails the test ----------------------------------------------------------------


async def test_an_unclaimed_violation_fails_the_test_naming_the_call_and_the_rule(
    request: pytest.FixtureRequest, tg: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    await bot_api(http, tg, "sendMessage", chat_id=CHAT, text="x" * 4097)
    phase = _checked_phase(request.node)  # what the runtest hooks in tests/conftest.py wrap each phase in
    next(phase)
    with pytest.raises(pytest.fail.Exception) as failed:
        phase.send(None)
    assert str(failed.value).splitlines()[1:] == [
        f"  - telegram sendMessage chat_id={CHAT} text={'x' * 119}…",
        "    breaks: sendMessage.text: 4097 characters after entities parsing, the Bot API allows 1-4096",
    ]
    assert conformance.unclaimed() == []  # reported once


async def test_claimed_or_allowed_violations_do_not_fail_the_test(
    request: pytest.FixtureRequest, dc: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    await rest(http, dc, "GET", "/nope")
    claimed = dc.take_violations()
    assert [v.call for v in claimed] == ["GET /api/v10/nope"]
    phase = _checked_phase(request.node)
    next(phase)
    with pytest.raises(StopIteration):
        phase.send(None)

    await rest(http, dc, "GET", "/nope")
    request.node.add_marker(pytest.mark.allow_violations)
    phase = _checked_phase(request.node)
    next(phase)
    with pytest.raises(StopIteration):
        phase.send(None)
    assert len(dc.violations) == 1  # still recorded on the fake
