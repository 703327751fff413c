"""Feedback end to end on Telegram: the real PTB Application against FakeTelegram. Typed feedback → category
keyboard → confirmation with its number; posts in the feedback channel with an upvote button kept up to
date; upvotes (a duplicate changes nothing); a status change DMs the author and every upvoter in their own
language with the reply; merges; the export by DM; anonymity; and bad input answered clearly."""

from __future__ import annotations

import csv
import io
from typing import Any

from bot.app import Services
from bot.telegram.application import TelegramRuntime
from tests.fakes.telegram import Call, FakeTelegram
from tests.telegram.conftest import GROUP, OWNER

AINO, BEN, GRETA, SALLA, TIMO = 30, 31, 32, 33, 34
VERA = 7350011  # long: a short id could match a time of day ("05:35") in the texts checked for it


def people(tg: FakeTelegram) -> None:
    tg.set_user(AINO, first_name="Aino", language_code="fi")
    tg.set_user(BEN, first_name="Ben", language_code="en")
    tg.set_user(GRETA, first_name="Greta", language_code="de")
    tg.set_user(SALLA, first_name="Salla", language_code="fi")
    tg.set_user(TIMO, first_name="Timo", language_code="en")
    tg.set_user(VERA, first_name="Vera", language_code="ru")


def kind(chat: int) -> str:
    return "supergroup" if chat == GROUP else "private"


async def say(tg: FakeTelegram, user: int, text: str, chat: int = GROUP) -> Call:
    """Send a message; the bot's answer to it (the first message replying to it)."""
    update = tg.push_update(tg.message_update(chat, user, text, chat_type=kind(chat)))
    mid = update["message"]["message_id"]

    def replies(call: Call) -> bool:
        return (call.params.get("reply_parameters") or {}).get("message_id") == mid

    return (await tg.wait_for("sendMessage", predicate=replies))[0]


async def press(tg: FakeTelegram, user: int, data: str, message_id: int, chat: int = GROUP) -> str:
    """Press a button; the toast text, or the text of the message the bot answered with instead."""
    toasts, sent = len(tg.calls_to("answerCallbackQuery")), len(tg.calls_to("sendMessage"))
    tg.push_update(tg.callback_update(chat, user, data, message_id, chat_type=kind(chat)))
    answer = (await tg.wait_for("answerCallbackQuery", count=toasts + 1))[toasts]
    if answer.params.get("text"):
        return str(answer.params["text"])
    return str((await tg.wait_for("sendMessage", count=sent + 1))[sent].params["text"])


def keyboard(call: Call) -> list[str]:
    markup: dict[str, Any] = call.params.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


def dms(tg: FakeTelegram, user: int) -> list[str]:
    return [str(c.params["text"]) for c in tg.calls_to("sendMessage") if c.ok and c.params["chat_id"] == user]


def post_of(tg: FakeTelegram, number: int) -> Call:
    return next(
        c
        for c in tg.calls_to("sendMessage")
        if c.params["chat_id"] == GROUP and f"#{number} " in str(c.params["text"]) and "fb:up:" in str(keyboard(c))
    )


async def submit(tg: FakeTelegram, user: int, text: str, category: str, anonymous: bool = False) -> str:
    asked = await say(tg, user, f"/feedback {text}")
    buttons = keyboard(asked)
    if anonymous:
        await press(tg, user, next(b for b in buttons if b.startswith("fb:anon:")), asked.result["message_id"])
    chosen = next(b for b in buttons if b.endswith(f":{category}"))
    sent = len(tg.calls_to("sendMessage"))
    tg.push_update(tg.callback_update(GROUP, user, chosen, asked.result["message_id"]))
    return str((await tg.wait_for("sendMessage", count=sent + 1))[sent].params["text"])


async def test_submit_upvote_status_and_merge_close_the_loop_in_each_language(
    tg: FakeTelegram, runtime: TelegramRuntime, tg_services: Services
) -> None:
    people(tg)
    assert "posted in this channel" in str((await say(tg, OWNER, "/fbchannel")).params["text"])
    asked = await say(tg, AINO, "/feedback Tumma teema | Silmiä särkee illalla")
    assert keyboard(asked)[:5] == ["fb:cat:1:idea", "fb:cat:1:problem", "fb:cat:1:praise", "fb:cat:1:question",
                                   "fb:cat:1:other"]  # fmt: skip
    assert "Tumma teema" in asked.params["text"] and asked.params["reply_parameters"]["message_id"]
    sent = len(tg.calls_to("sendMessage"))
    tg.push_update(tg.callback_update(GROUP, AINO, "fb:cat:1:idea", asked.result["message_id"]))
    confirmations = await tg.wait_for("sendMessage", count=sent + 2)  # the channel post and the confirmation
    texts = [str(c.params["text"]) for c in confirmations[sent:]]
    assert any("<b>#1</b>" in t and "Kiitos" in t for t in texts)  # Aino's client speaks Finnish
    post = post_of(tg, 1)
    assert "— Aino" in post.params["text"] and keyboard(post) == ["fb:up:1"]

    assert await press(tg, BEN, "fb:up:1", post.result["message_id"]) == "Upvoted #1: 1 vote now."
    assert "#1" in await press(tg, GRETA, "fb:up:1", post.result["message_id"])
    duplicate = await press(tg, BEN, "fb:up:1", post.result["message_id"])
    assert "You already upvoted #1 (2 votes). One vote per member." in duplicate
    edits = await tg.wait_for("editMessageText", predicate=lambda c: "👍 2" in str(c.params["text"]))
    assert edits[-1].params["message_id"] == post.result["message_id"]
    assert len(tg.calls_to("editMessageText")) == 2  # the duplicate did not touch the post

    reply = await say(tg, OWNER, "/fbstatus 1 | planned | Ensi kuussa, kiitos ideasta")
    assert "#1 is now planned." in reply.params["text"] and "3 members were told" in reply.params["text"]
    for user, word in ((AINO, "suunniteltu"), (BEN, "planned"), (GRETA, "geplant")):
        (notice,) = await tg.wait_for("sendMessage", predicate=lambda c, u=user: c.params["chat_id"] == u)
        assert "Ensi kuussa, kiitos ideasta" in notice.params["text"] and word in notice.params["text"].lower()
    await tg.wait_for("editMessageText", predicate=lambda c: "Ensi kuussa" in str(c.params["text"]))

    await submit(tg, SALLA, "Yötila | Sama kuin tumma teema", "idea")
    duplicate_post = post_of(tg, 2)
    await press(tg, BEN, "fb:up:2", duplicate_post.result["message_id"])  # Ben voted for both
    await press(tg, TIMO, "fb:up:2", duplicate_post.result["message_id"])
    merged = await say(tg, OWNER, "/fbmerge 2 | 1")
    assert "Merged #2 into #1: #1 now has 3 votes (1 moved over, 1 already counted)" in merged.params["text"]
    (told,) = await tg.wait_for("sendMessage", predicate=lambda c: c.params["chat_id"] == SALLA and "#2" in str(
        c.params["text"]))  # fmt: skip
    assert "#1" in told.params["text"]
    await tg.wait_for("editMessageText", predicate=lambda c: "#2" in str(c.params["text"]) and "➡️" in str(
        c.params["text"]))  # fmt: skip
    listing = await say(tg, TIMO, "/ideas")
    assert "#1" in listing.params["text"] and "#2" not in listing.params["text"]
    assert "👍 3" in listing.params["text"]


async def test_anonymous_feedback_stays_anonymous_in_every_message_and_the_export(
    tg: FakeTelegram, runtime: TelegramRuntime, tg_services: Services
) -> None:
    people(tg)
    await say(tg, OWNER, "/fbchannel")
    asked = await say(tg, VERA, "/feedback Модераторы слишком строги | Прошу мягче")
    await press(tg, VERA, "fb:anon:1", asked.result["message_id"])
    before = len(tg.calls_to("sendMessage"))
    tg.push_update(tg.callback_update(GROUP, VERA, "fb:cat:1:problem", asked.result["message_id"]))
    (private,) = await tg.wait_for("sendMessage", predicate=lambda c: c.params["chat_id"] == VERA)
    assert "#1" in private.params["text"] and "анонимн" in private.params["text"].lower()
    await tg.wait_for("sendMessage", count=before + 3)  # the post, the DM, the "sent you a private message" note
    post = post_of(tg, 1)
    await press(tg, BEN, "fb:up:1", post.result["message_id"])
    await say(tg, OWNER, "/fbstatus 1 | review | Thank you, we are looking into it")
    await tg.wait_for("sendMessage", predicate=lambda c: c.params["chat_id"] == BEN)
    await say(tg, OWNER, "/idea 1")
    await say(tg, OWNER, "/ideas")
    note = await say(tg, OWNER, "/export feedback")
    assert "private message" in note.params["text"]
    (document,) = await tg.wait_for("sendDocument")
    assert document.params["chat_id"] == OWNER  # the export goes to the manager's private chat
    exported = next(iter(document.files.values())).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert rows[0]["number"] == "1" and rows[0]["author"] == "" and rows[0]["category"] == "problem"

    shown_to_others = [
        str(c.params.get("text", ""))
        for method in ("sendMessage", "editMessageText")
        for c in tg.calls_to(method)
        if c.params.get("chat_id") != VERA
    ] + [exported]
    assert [t for t in shown_to_others if "Vera" in t or str(VERA) in t] == []
    assert "— anonymous" in post.params["text"]


async def test_bad_feedback_input_gets_clear_answers_and_writes_nothing(
    tg: FakeTelegram, runtime: TelegramRuntime, tg_services: Services
) -> None:
    people(tg)
    assert "What would you like to tell the team?" in (await say(tg, BEN, "/feedback")).params["text"]
    assert "Stopped" in (await say(tg, BEN, "/cancel")).params["text"]
    too_long = await say(tg, BEN, "/feedback " + "x" * 3000)
    assert "3,000 characters long; at most 2,000 fit" in too_long.params["text"]
    assert "category must be one of" in (await say(tg, BEN, "/ideas rants")).params["text"]
    assert "There is no feedback #99" in (await say(tg, BEN, "/idea 99")).params["text"]
    await submit(tg, AINO, "Pimeä tila", "idea")
    refused = await say(tg, BEN, "/fbstatus 1 | done | fixed")
    assert "Only a manager can use this command" in refused.params["text"]
    assert "status must be one of" in (await say(tg, OWNER, "/fbstatus 1 | someday")).params["text"]
    assert "There is no feedback #7" in (await say(tg, OWNER, "/fbstatus 7 | done")).params["text"]
    assert "cannot be merged into itself" in (await say(tg, OWNER, "/fbmerge 1 | 1")).params["text"]
    assert dms(tg, AINO) == []  # nobody was told anything
    item = await tg_services.feedback.repo.by_number(1, 1)
    assert item is not None and item.status.value == "new"


async def test_menus_show_feedback_to_everyone_and_its_management_to_administrators(
    tg: FakeTelegram, runtime: TelegramRuntime
) -> None:
    await tg.wait_for("setMyCommands", count=12)
    everyone = {c["command"] for c in tg.commands({"type": "default"}, "fi")}
    admins = {c["command"]: c["description"] for c in tg.commands({"type": "all_chat_administrators"}, "fi")}
    private = {c["command"] for c in tg.commands({"type": "all_private_chats"}, "fi")}
    assert {"feedback", "ideas", "idea"} <= everyone and {"feedback", "ideas", "idea"} <= private
    assert not {"fbstatus", "fbmerge", "fbthemes", "fbchannel", "export"} & everyone
    assert {"fbstatus", "fbmerge", "fbthemes", "fbchannel", "export"} <= set(admins)  # "/export feedback" → /export
    assert admins["fbstatus"].startswith("Aseta palautteen tila")


async def test_in_a_private_chat_feedback_goes_to_the_members_community_and_stays_anonymous(
    tg: FakeTelegram, runtime: TelegramRuntime, tg_services: Services
) -> None:
    people(tg)
    await say(tg, OWNER, "/fbchannel")
    await say(tg, VERA, "/ideas")  # Vera is a member of the group's community
    asked = await say(tg, VERA, "/feedback Тёмная тема | Пожалуйста, для вечера", chat=VERA)
    assert asked.params["chat_id"] == VERA and "fb:anon:1" in keyboard(asked)
    assert "Анонимно" in await press(tg, VERA, "fb:anon:1", asked.result["message_id"], chat=VERA)
    confirmation = await press(tg, VERA, "fb:cat:1:idea", asked.result["message_id"], chat=VERA)
    assert "#1" in confirmation and "группа видела" not in confirmation  # nobody saw a command here
    post = post_of(tg, 1)
    assert "— anonymous" in post.params["text"] and "Vera" not in post.params["text"]
    listing = await say(tg, VERA, "/ideas", chat=VERA)
    assert "Тёмная тема" in listing.params["text"] and listing.params["chat_id"] == VERA
    assert await tg_services.communities.find_by_scope("telegram", str(VERA)) is None  # a private chat, truly
    item = await tg_services.feedback.repo.by_number(1, 1)
    assert item is not None and item.origin.dm and item.anonymous
