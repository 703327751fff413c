"""Private chats on Telegram through the real PTB Application: a member seen in the group gets /myevents and
a real .ics document in private; a member of two groups is asked which; a stranger gets the explanation;
a group-only command in private says where to use it."""

from __future__ import annotations

from icalendar import Calendar

from bot.telegram.application import TelegramRuntime
from tests.fakes.telegram import FakeTelegram
from tests.telegram.conftest import GROUP, OWNER
from tests.telegram.test_telegram_commands import ask

MEMBER = 100


async def test_myevents_and_ics_in_a_private_chat(runtime: TelegramRuntime, tg: FakeTelegram) -> None:
    await ask(tg, "/newevent Picnic | 2026-12-24 18:00", user=OWNER)
    post = next(c for c in tg.calls_to("sendMessage") if c.params.get("reply_markup"))
    tg.push_update(tg.callback_update(GROUP, MEMBER, "ev:rsvp:1:going", post.result["message_id"]))
    await tg.wait_for("answerCallbackQuery")
    mine = await ask(tg, "/myevents", user=MEMBER, chat=MEMBER, chat_type="private")
    assert "Picnic" in mine
    before = len(tg.calls_to("sendDocument"))
    tg.push_update(tg.message_update(MEMBER, MEMBER, "/ics 1", chat_type="private"))
    (doc,) = (await tg.wait_for("sendDocument", count=before + 1))[before:]
    assert doc.ok and doc.params["chat_id"] == MEMBER
    data = doc.files["document"]
    assert str(Calendar.from_ical(data).walk("VEVENT")[0]["SUMMARY"]) == "Picnic"


async def test_a_member_of_two_groups_is_asked_which_with_buttons(runtime: TelegramRuntime, tg: FakeTelegram) -> None:
    other = -1005555
    tg.set_chat(other, "supergroup", title="Second Group")
    await ask(tg, "/help", user=MEMBER)
    await ask(tg, "/help", user=MEMBER, chat=other)
    before = len(tg.calls_to("sendMessage"))
    tg.push_update(tg.message_update(MEMBER, MEMBER, "/events", chat_type="private"))
    question = (await tg.wait_for("sendMessage", count=before + 1))[before]
    labels = [b["text"] for row in question.params["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["Hearth Testers", "Second Group"]


async def test_a_stranger_in_private_is_told_how_to_join(runtime: TelegramRuntime, tg: FakeTelegram) -> None:
    text = await ask(tg, "/myevents", user=777, chat=777, chat_type="private")
    assert "/link" in text and "group or server" in text


async def test_a_group_only_command_in_private_says_where(runtime: TelegramRuntime, tg: FakeTelegram) -> None:
    await ask(tg, "/help", user=MEMBER)
    text = await ask(tg, "/newevent Party | tomorrow 18:00", user=MEMBER, chat=MEMBER, chat_type="private")
    assert "group or server" in text


async def test_an_administrator_is_a_manager_in_private_too(runtime: TelegramRuntime, tg: FakeTelegram) -> None:
    tg.set_member(GROUP, 200, "administrator", can_restrict_members=True, can_change_info=True)
    await ask(tg, "/help", user=200)
    text = await ask(tg, "/help", user=200, chat=200, chat_type="private")
    assert "manager" in text
