"""The fake Telegram server speaks the Bot API well enough for the real python-telegram-bot."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
from collections.abc import AsyncIterator

import aiohttp
import pytest
from telegram import Bot, ChatMemberAdministrator, ChatMemberRestricted, ChatPermissions, Update
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, ApplicationBuilder, ChatMemberHandler, CommandHandler, MessageHandler, filters
from telegram.request import HTTPXRequest

from tests.fakes.telegram import FakeTelegram

TOKEN = "123:ABC"
GROUP = -1001234


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22 warns (PTBDeprecationWarning) whenever it builds a RetryAfter unless this is set;
    # with filterwarnings=error that warning would replace the RetryAfter a 429 should raise.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as fake:
        yield fake


def make_bot(tg: FakeTelegram, token: str = TOKEN) -> Bot:
    return Bot(token, base_url=f"{tg.url}/bot", base_file_url=f"{tg.url}/file/bot")


def make_app(tg: FakeTelegram) -> Application:
    return (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(f"{tg.url}/bot")
        .base_file_url(f"{tg.url}/file/bot")
        .job_queue(None)
        .build()
    )


@contextlib.asynccontextmanager
async def polling(app: Application, allowed_updates: list[str]) -> AsyncIterator[Application]:
    """Run the Application by hand, as the real adapter does (DESIGN.md §6)."""
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(allowed_updates=allowed_updates, poll_interval=0, timeout=1)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def test_get_me_returns_the_test_bot_user(tg: FakeTelegram) -> None:
    async with make_bot(tg) as bot:
        me = await bot.get_me()
    assert (me.username, me.is_bot, me.id, me.can_join_groups) == ("hearth_test_bot", True, 123, True)
    assert [c.method for c in tg.calls] == ["getMe", "getMe"]  # initialize() + get_me()


async def test_wrong_token_is_unauthorized(tg: FakeTelegram) -> None:
    with pytest.raises(InvalidToken):
        async with make_bot(tg, "999:WRONG"):  # initialize() calls getMe; on failure it shuts down
            pass
    assert tg.calls[0].status == 401


async def test_unknown_method_is_404_json_and_recorded(tg: FakeTelegram) -> None:
    async with aiohttp.ClientSession() as http, http.post(f"{tg.url}/bot{TOKEN}/noSuchMethod", data={"x": "1"}) as r:
        assert r.status == 404
        assert r.headers["Content-Type"] == "application/json"
        assert await r.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert tg.calls_to("noSuchMethod")[0].status == 404
    (violation,) = tg.take_violations()
    assert violation.rule == "noSuchMethod: no such method in the Bot API 10.1 spec"


async def test_json_bodies_are_accepted_like_the_real_api(tg: FakeTelegram) -> None:
    body = {"chat_id": "-100", "text": "123", "reply_markup": '{"inline_keyboard": []}'}
    async with aiohttp.ClientSession() as http, http.post(f"{tg.url}/bot{TOKEN}/sendMessage", json=body) as r:
        assert (r.status, (await r.json())["result"]["text"]) == (200, "123")
    assert tg.calls[0].params == {"chat_id": -100, "text": "123", "reply_markup": {"inline_keyboard": []}}


async def test_send_message_html_round_trip_and_string_fields_stay_strings(tg: FakeTelegram) -> None:
    async with make_bot(tg) as bot:
        msg = await bot.send_message(GROUP, "<b>Hi</b> &amp; <i>you</i> &#x27;x&#x27;", parse_mode="HTML")
        for text in ("123", '{"a":1}', "true"):
            await bot.send_message(GROUP, text)
    assert msg.text == "Hi & you 'x'"
    assert msg.chat.id == GROUP
    sends = tg.calls_to("sendMessage")
    assert sends[0].params["text"] == "<b>Hi</b> &amp; <i>you</i> &#x27;x&#x27;"
    assert sends[0].params["chat_id"] == GROUP  # numbers are decoded
    assert [c.params["text"] for c in sends[1:]] == ["123", '{"a":1}', "true"]  # text never json-decoded
    assert sends[1].result["message_id"] == sends[0].result["message_id"] + 1


async def test_reply_markup_is_decoded_and_echoed(tg: FakeTelegram) -> None:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="123")]])
    async with make_bot(tg) as bot:
        msg = await bot.send_message(GROUP, "pick", reply_markup=markup)
        edited = await bot.edit_message_text("picked", GROUP, msg.message_id)
        with pytest.raises(BadRequest, match="not modified"):
            await bot.edit_message_text("picked", GROUP, msg.message_id)
        await bot.edit_message_text("<b>picked</b>", GROUP, msg.message_id, parse_mode="HTML")  # entities changed
    assert tg.calls_to("sendMessage")[0].params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "123"
    assert msg.reply_markup == markup
    assert edited.text == "picked" and edited.reply_markup is None  # an edit without markup drops the keyboard


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("<b>unclosed", "Can't find end tag"),
        ("<script>x</script>", "Unsupported start tag"),
        ("1 < 2", "Unsupported start tag"),
        ("<b><i>x</b></i>", "Unmatched end tag"),
        ('<span class="x">y</span>', 'must have class "tg-spoiler"'),
    ],
)
async def test_invalid_html_is_rejected_with_bad_request(tg: FakeTelegram, text: str, error: str) -> None:
    async with make_bot(tg) as bot:
        with pytest.raises(BadRequest, match=f"(?i){error}"):  # PTB re-capitalises the description
            await bot.send_message(GROUP, text, parse_mode="HTML")
    assert tg.calls_to("sendMessage")[0].description.startswith("Bad Request: can't parse entities: ")
    (violation,) = tg.take_violations()
    assert violation.rule.startswith("sendMessage.text: invalid HTML (parse_mode=HTML): can't parse entities: ")


async def test_message_length_and_emptiness_are_checked(tg: FakeTelegram) -> None:
    async with make_bot(tg) as bot:
        with pytest.raises(BadRequest, match="too long"):
            await bot.send_message(GROUP, "x" * 4097)
        with pytest.raises(BadRequest, match="text is empty"):
            await bot.send_message(GROUP, "<b> </b>", parse_mode="HTML")
        await bot.send_message(GROUP, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")  # limit is on visible text
    assert [v.rule for v in tg.take_violations()] == [
        "sendMessage.text: 4097 characters after entities parsing, the Bot API allows 1-4096",
        "sendMessage.text: 0 characters after entities parsing, the Bot API allows 1-4096",
    ]


async def test_injected_429_surfaces_as_retry_after(tg: FakeTelegram) -> None:
    tg.fail_next("sendMessage", times=1, retry_after=3)
    async with make_bot(tg) as bot:
        with pytest.raises(RetryAfter) as exc:
            await bot.send_message(GROUP, "hello")
        await bot.send_message(GROUP, "hello")  # only the next call fails
    assert exc.value.retry_after == dtm.timedelta(seconds=3)
    assert [c.rejected for c in tg.calls_to("sendMessage")] == [True, False]
    assert tg.rejected == 1


async def test_forbidden_chat_answers_403(tg: FakeTelegram) -> None:
    tg.forbid_chat(42)
    async with make_bot(tg) as bot:
        with pytest.raises(Forbidden, match="initiate conversation"):
            await bot.send_message(42, "hi")


async def test_enforced_limits_reject_second_message_to_same_chat_within_a_second() -> None:
    now = [100.0]
    async with FakeTelegram(token=TOKEN, enforce_limits=True, clock=lambda: now[0]) as tg:
        async with make_bot(tg) as bot:
            await bot.send_message(GROUP, "one")
            with pytest.raises(RetryAfter):
                await bot.send_message(GROUP, "two")
            await bot.send_message(GROUP - 1, "other chat is fine")
            now[0] += 1.0  # the per-chat window slides
            await bot.send_message(GROUP, "three")
        assert tg.rejected == 1
        assert tg.calls_to("sendMessage")[1].params == {"chat_id": GROUP, "text": "two"}


async def test_enforced_limits_cap_a_group_at_20_per_minute() -> None:
    now = [0.0]
    async with FakeTelegram(token=TOKEN, enforce_limits=True, clock=lambda: now[0]) as tg:
        async with make_bot(tg) as bot:
            for _ in range(20):
                await bot.send_message(GROUP, "x")
                now[0] += 1.5
            with pytest.raises(RetryAfter):
                await bot.send_message(GROUP, "21st")
        assert tg.calls_to("sendMessage")[-1].rejected


async def test_get_updates_honours_offset_limit_and_wakes_a_long_poll(tg: FakeTelegram) -> None:
    ups = [tg.push_update(tg.message_update(GROUP, 7, f"m{i}")) for i in range(3)]
    async with make_bot(tg) as bot:
        first = await bot.get_updates(limit=2, timeout=0)
        rest = await bot.get_updates(offset=first[-1].update_id + 1, timeout=0)
        waiting = asyncio.create_task(bot.get_updates(offset=rest[-1].update_id + 1, timeout=1))
        await tg.wait_polling()
        late = tg.push_update(tg.message_update(GROUP, 7, "late"))
        woken = await asyncio.wait_for(waiting, 0.5)  # well before the 1 s long-poll timeout
    assert [u.update_id for u in first + rest] == [u["update_id"] for u in ups]
    assert [u.update_id for u in woken] == [late["update_id"]]


async def test_update_builders_parse_with_ptb(tg: FakeTelegram) -> None:
    async with make_bot(tg) as bot:
        poll_msg = await bot.send_poll(GROUP, "When?", ["Mon", "Tue"], is_anonymous=False)
        updates = [
            tg.message_update(GROUP, 7, "/help@hearth_test_bot now", username="ann", message_thread_id=5),
            tg.callback_update(GROUP, 7, "vote:1", 77),
            tg.chat_member_update(GROUP, 7, "left", "member"),
            tg.chat_member_update(GROUP, 0, "member", "administrator", my=True),
            tg.reaction_update(GROUP, 7, 77),
            tg.new_members_update(GROUP, [8, 9]),
            tg.left_member_update(GROUP, 9),
            tg.join_request_update(GROUP, 10),
            tg.poll_update(poll_msg.poll.id, [1, 2]),
            tg.poll_answer_update(poll_msg.poll.id, 7, [1]),
        ]
        parsed = [Update.de_json(tg.push_update(u), bot) for u in updates]
        await bot.approve_chat_join_request(GROUP, 10)
    msg = parsed[0].message
    assert msg.text == "/help@hearth_test_bot now" and msg.from_user.username == "ann" and msg.message_thread_id == 5
    assert msg.parse_entities() == {msg.entities[0]: "/help@hearth_test_bot"}
    assert parsed[1].callback_query.data == "vote:1" and parsed[1].callback_query.message.message_id == 77
    assert parsed[2].chat_member.new_chat_member.status == "member"
    assert parsed[3].my_chat_member.new_chat_member.user.id == tg.bot_id
    assert parsed[4].message_reaction.new_reaction[0].emoji == "👍"
    assert [u.id for u in parsed[5].message.new_chat_members] == [8, 9]
    assert parsed[6].message.left_chat_member.id == 9
    assert parsed[7].chat_join_request.user_chat_id == 10
    assert parsed[8].poll.total_voter_count == 3
    assert parsed[9].poll_answer.option_ids == (1,)
    assert tg.member(GROUP, 10)["status"] == "member"


async def test_members_table_drives_get_chat_member_and_moderation(tg: FakeTelegram) -> None:
    tg.set_member(GROUP, 5, "administrator", can_restrict_members=False)
    async with make_bot(tg) as bot:
        admin = await bot.get_chat_member(GROUP, 5)
        await bot.restrict_chat_member(GROUP, 6, permissions=ChatPermissions.no_permissions())
        muted = await bot.get_chat_member(GROUP, 6)
        with pytest.raises(BadRequest, match="administrator"):
            await bot.ban_chat_member(GROUP, 5)
        await bot.unban_chat_member(GROUP, 7)  # without only_if_banned this removes a member
        admins = await bot.get_chat_administrators(GROUP)
        chat = await bot.get_chat(GROUP)
    assert isinstance(admin, ChatMemberAdministrator) and admin.can_restrict_members is False
    assert isinstance(muted, ChatMemberRestricted) and muted.can_send_messages is False
    assert tg.member(GROUP, 7)["status"] == "left"
    assert [a.user.id for a in admins] == [5]
    assert chat.type == "supergroup" and chat.permissions.can_send_messages is True


async def test_deleting_others_messages_needs_the_delete_right_and_skips_what_is_gone(tg: FakeTelegram) -> None:
    first = tg.message_update(GROUP, 5, "one")["message"]["message_id"]
    second = tg.message_update(GROUP, 5, "two")["message"]["message_id"]
    async with make_bot(tg) as bot:
        tg.set_member(GROUP, tg.bot_id, "administrator", can_delete_messages=False)
        with pytest.raises(BadRequest, match="can't be deleted"):
            await bot.delete_messages(GROUP, [first, second])
        tg.set_member(GROUP, tg.bot_id, "administrator")
        assert await bot.delete_messages(GROUP, [first, second, 9999])  # the unknown id is skipped
        with pytest.raises(BadRequest, match="not found"):
            await bot.delete_message(GROUP, first)
    assert tg.deleted == [(GROUP, first), (GROUP, second)]


async def test_documents_are_uploaded_multipart_and_downloadable(tg: FakeTelegram) -> None:
    async with make_bot(tg) as bot:
        msg = await bot.send_document(
            GROUP, document=b"a,b\n1,2\n", filename="export.csv", caption="<b>CSV</b>", parse_mode="HTML"
        )
        photo = await bot.send_photo(GROUP, photo=b"\x89PNG...")
        data = await (await bot.get_file(msg.document.file_id)).download_as_bytearray()
    call = tg.calls_to("sendDocument")[0]
    assert call.files == {"document": b"a,b\n1,2\n"} and call.filenames == {"document": "export.csv"}
    assert call.params["caption"] == "<b>CSV</b>" and msg.caption == "CSV"
    assert msg.document.file_name == "export.csv" and bytes(data) == b"a,b\n1,2\n"
    assert tg.calls_to("sendPhoto")[0].files == {"photo": b"\x89PNG..."} and photo.photo[0].width > 0


async def test_commands_are_stored_per_scope_and_language(tg: FakeTelegram) -> None:
    from telegram import BotCommand, BotCommandScopeAllGroupChats

    async with make_bot(tg) as bot:
        await bot.set_my_commands([BotCommand("help", "Help")])
        await bot.set_my_commands(
            [BotCommand("event", "Events")], scope=BotCommandScopeAllGroupChats(), language_code="de"
        )
        with pytest.raises(BadRequest, match="(?i)BOT_COMMAND_INVALID"):
            await bot.set_my_commands([BotCommand("Help", "Upper case is refused")])
        de = await bot.get_my_commands(scope=BotCommandScopeAllGroupChats(), language_code="de")
    assert [c.command for c in de] == ["event"]
    assert tg.commands() == [{"command": "help", "description": "Help"}]
    (violation,) = tg.take_violations()
    assert violation.rule == (
        "setMyCommands.commands[0].command: 'Help' has characters outside [a-z0-9_]* (BotCommand.command)"
    )


async def test_application_receives_pushed_help_command(tg: FakeTelegram) -> None:
    async def help_command(update: Update, context: object) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("Here is <b>help</b>", parse_mode="HTML")

    app = make_app(tg)
    app.add_handler(CommandHandler("help", help_command))
    async with polling(app, ["message", "callback_query"]):
        tg.push_update(tg.message_update(GROUP, 42, "/help@hearth_test_bot"))
        (call,) = await tg.wait_for("sendMessage")
    assert call.params["chat_id"] == GROUP and call.params["text"] == "Here is <b>help</b>"
    assert tg.calls_to("getUpdates")[0].params["allowed_updates"] == ["message", "callback_query"]
    assert tg.pending_updates == []  # the final getUpdates confirmed it


async def test_chat_member_updates_are_dropped_unless_allowed(tg: FakeTelegram) -> None:
    handled: list[Update] = []
    texts: asyncio.Queue[str] = asyncio.Queue()

    async def on_member(update: Update, context: object) -> None:
        handled.append(update)

    async def on_text(update: Update, context: object) -> None:
        handled.append(update)
        texts.put_nowait(update.message.text if update.message and update.message.text else "")

    for allowed in (["message"], ["message", "chat_member"]):
        app = make_app(tg)
        app.add_handler(ChatMemberHandler(on_member, ChatMemberHandler.CHAT_MEMBER))
        app.add_handler(MessageHandler(filters.TEXT, on_text))
        async with polling(app, allowed):
            tg.push_update(tg.chat_member_update(GROUP, 7, "left", "member"))
            tg.push_update(tg.message_update(GROUP, 7, f"after {allowed[-1]}"))
            # Updates are handled in order, so once the text arrived the member update is settled.
            assert await asyncio.wait_for(texts.get(), 5) == f"after {allowed[-1]}"
    assert len(tg.dropped) == 1 and "chat_member" in tg.dropped[0]
    kinds = [("chat_member" if u.chat_member else "message") for u in handled]
    assert kinds == ["message", "chat_member", "message"]


async def test_redelivered_update_reaches_the_bot_again(tg: FakeTelegram) -> None:
    seen: asyncio.Queue[int] = asyncio.Queue()

    async def on_text(update: Update, context: object) -> None:
        seen.put_nowait(update.update_id)

    app = make_app(tg)
    app.add_handler(MessageHandler(filters.TEXT, on_text))
    async with polling(app, ["message"]):
        first = tg.push_update(tg.message_update(GROUP, 7, "hi"))
        assert await asyncio.wait_for(seen.get(), 5) == first["update_id"]
        tg.push_raw_update_again(first)  # as after a crash before the offset was confirmed
        assert await asyncio.wait_for(seen.get(), 5) == first["update_id"]
        later = tg.push_update(tg.message_update(GROUP, 7, "next"))
        assert await asyncio.wait_for(seen.get(), 5) == later["update_id"]
    assert tg.pending_updates == []


async def test_wait_for_timeout_lists_recorded_calls(tg: FakeTelegram) -> None:
    async with make_bot(tg) as bot:
        await bot.send_message(GROUP, "something else")
    with pytest.raises(AssertionError, match=r"(?s)expected 1 matching deleteMessage.*sendMessage -> 200"):
        await tg.wait_for("deleteMessage", timeout=0.05)


@pytest.mark.parametrize(
    ("mode", "error", "status"),
    [(502, NetworkError, 502), (504, NetworkError, 504), ("drop", NetworkError, 0), ("timeout", TimedOut, 0)],
)
async def test_an_outage_fails_every_request_until_it_ends_and_nothing_happens_meanwhile(
    tg: FakeTelegram, mode: int | str, error: type[Exception], status: int
) -> None:
    request = HTTPXRequest(read_timeout=0.2, write_timeout=0.2, connect_timeout=0.2)
    async with Bot(TOKEN, base_url=f"{tg.url}/bot", request=request) as bot:
        tg.outage(mode)
        with pytest.raises(error) as raised:
            await bot.send_message(GROUP, "lost")
        assert not isinstance(raised.value, BadRequest)  # an outage, not a refusal
        tg.end_outage()
        sent = await bot.send_message(GROUP, "after", read_timeout=30, write_timeout=30, connect_timeout=30)
    (failed,) = tg.outage_calls
    assert (failed.method, failed.status, failed.ok) == ("sendMessage", status, False)
    assert [m["text"] for (chat, _id), m in tg.messages.items() if chat == GROUP] == ["after"]
    assert sent.message_id == 1  # the failed send created nothing


async def test_an_outage_cuts_off_a_parked_long_poll_and_keeps_updates_for_later(tg: FakeTelegram) -> None:
    async with make_bot(tg) as bot:
        polling = asyncio.create_task(bot.get_updates(timeout=1))
        await tg.wait_polling()
        tg.outage(502)
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await asyncio.wait_for(polling, 0.5)  # at once, not at the end of the long poll
        update = tg.push_update(tg.message_update(GROUP, 7, "during"))
        with pytest.raises(NetworkError):
            await bot.get_updates(timeout=0)
        tg.end_outage()
        (got,) = await bot.get_updates(timeout=0)
    assert got.update_id == update["update_id"]
    assert [c.status for c in tg.calls_to("getUpdates")] == [502, 502, 200]
