"""/privacy on Telegram through the real PTB Application: the export arrives as a JSON document in the
private chat; asked in the group, nothing personal is posted there; delete needs the member's own press."""

from __future__ import annotations

import json

from bot.telegram.application import TelegramRuntime
from tests.fakes.telegram import FakeTelegram
from tests.telegram.conftest import GROUP
from tests.telegram.test_telegram_commands import ask

MEMBER = 100


async def test_export_in_private_arrives_as_a_json_document(runtime: TelegramRuntime, tg: FakeTelegram) -> None:
    await ask(tg, "/help", user=MEMBER)
    tg.push_update(tg.message_update(MEMBER, MEMBER, "/privacy export", chat_type="private"))
    (doc,) = await tg.wait_for("sendDocument")
    assert doc.ok and doc.params["chat_id"] == MEMBER
    exported = json.loads(doc.files["document"])
    assert exported["data"]["members"]["identities"][0]["user_id"] == str(MEMBER)


async def test_export_asked_in_the_group_posts_nothing_personal_there(
    runtime: TelegramRuntime, tg: FakeTelegram
) -> None:
    await ask(tg, "/help", user=MEMBER)
    tg.push_update(tg.message_update(GROUP, MEMBER, "/privacy export"))
    (doc,) = await tg.wait_for("sendDocument")
    assert doc.params["chat_id"] == MEMBER  # by private message
    group_texts = [c for c in tg.calls_to("sendMessage") if c.params["chat_id"] == GROUP]
    assert all("user_id" not in str(c.params.get("text")) for c in group_texts)
    assert not any(c.params["chat_id"] == GROUP for c in tg.calls_to("sendDocument"))


async def test_delete_confirmation_button_refuses_someone_else(runtime: TelegramRuntime, tg: FakeTelegram) -> None:
    await ask(tg, "/help", user=MEMBER)
    before = len(tg.calls_to("sendMessage"))
    tg.push_update(tg.message_update(MEMBER, MEMBER, "/privacy delete", chat_type="private"))
    question = (await tg.wait_for("sendMessage", count=before + 1))[before]
    action = question.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    tg.push_update(tg.callback_update(MEMBER, 555, action, question.result["message_id"]))
    (toast,) = await tg.wait_for("answerCallbackQuery")
    assert "not for you" in toast.params.get("text", "")


async def test_export_in_the_group_for_someone_who_never_started_the_bot_links_to_the_bot(
    runtime: TelegramRuntime, tg: FakeTelegram
) -> None:
    tg.forbid_chat(MEMBER)  # never pressed Start: the bot may not message them
    await ask(tg, "/help", user=MEMBER)
    tg.push_update(tg.message_update(GROUP, MEMBER, "/privacy export"))
    await tg.wait_for("sendMessage", count=3)  # /help answer, the refused DM, the note in the group
    note = [c for c in tg.calls_to("sendMessage") if c.ok and c.params["chat_id"] == GROUP][-1]
    assert "https://t.me/hearth_test_bot" in note.params["text"]
    assert not [c for c in tg.calls_to("sendDocument") if c.ok]
