"""Feedback end to end on Discord: the real discord.py client against FakeDiscord. /feedback submit opens a
modal; its submission is confirmed with the item's number and posted in the feedback channel with a
persistent upvote button; upvotes (a duplicate changes nothing); /feedback status with autocomplete DMs the
author and every upvoter in their own language; /feedback merge from: into:; /export feedback; anonymity;
bad input refused by Discord itself or answered clearly."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from bot.app import Services
from bot.discord.client import DiscordRuntime
from tests.discord.conftest import ALICE, BOB, GENERAL, GUILD, HELPER, MANAGER, answered
from tests.fakes.discord import FakeDiscord, InvalidInteraction, InvalidOption, StoredMessage


async def ephemeral(fake: FakeDiscord, user: int, command: str, options: dict[str, Any] | None = None,
                    locale: str | None = None) -> str:  # fmt: skip
    interaction = await fake.invoke_slash(GUILD, GENERAL, user, command, options or {}, locale=locale)
    text = await answered(fake, interaction)
    record = fake.interactions[interaction.id]
    assert record.original_id is not None and fake.messages[record.original_id].ephemeral, text
    return text


async def submit(fake: FakeDiscord, user: int, category: str, title: str, text: str, anonymous: bool = False,
                 locale: str | None = None) -> str:  # fmt: skip
    options = {"category": category} | ({"anonymous": "yes"} if anonymous else {})
    opened = await fake.invoke_slash(GUILD, GENERAL, user, "feedback submit", options, locale=locale)
    record = await fake.wait_for_callback(opened)
    assert record.callback_type == 9, record  # MODAL
    custom_id = record.callback_data["custom_id"]
    filled = await fake.invoke_modal_submit(GUILD, GENERAL, user, custom_id, {"title": title, "text": text})
    return await answered(fake, filled)


def post_of(fake: FakeDiscord, number: int) -> StoredMessage:
    found = [m for m in fake.bot_messages(GENERAL) if m.source == "rest" and f"#{number} " in m.content]
    assert len(found) == 1, [m.content for m in fake.bot_messages(GENERAL)]
    return found[0]


def button_ids(message: StoredMessage) -> list[str]:
    return [c["custom_id"] for row in message.components for c in row["components"]]


async def press(fake: FakeDiscord, user: int, custom_id: str, message: StoredMessage, locale: str | None = None) -> str:
    interaction = await fake.invoke_button(GUILD, GENERAL, user, custom_id, message.id, locale=locale)
    return await answered(fake, interaction)


async def test_submit_by_modal_upvote_status_with_autocomplete_merge_and_export(
    runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services
) -> None:
    assert "posted in this channel" in await ephemeral(fake, MANAGER, "feedback channel")
    opened = await fake.invoke_slash(GUILD, GENERAL, ALICE, "feedback submit", {"category": "idea"})
    record = await fake.wait_for_callback(opened)
    inputs = [row["components"][0] for row in record.callback_data["components"]]
    assert [(i["custom_id"], i["max_length"], i["style"]) for i in inputs] == [("title", 100, 1), ("text", 2000, 2)]
    modal = await fake.invoke_modal_submit(GUILD, GENERAL, ALICE, "fb:new:idea:0",
                                           {"title": "Dark mode", "text": "My eyes hurt at night"})  # fmt: skip
    confirmation = await answered(fake, modal)
    assert confirmation.startswith("Thank you! Your feedback is **\\#1** (idea): Dark mode")  # "#" escaped
    assert fake.messages[fake.interactions[modal.id].original_id or 0].ephemeral
    post = post_of(fake, 1)
    assert button_ids(post) == ["h:fb:up:1"] and "— alice" in post.content
    assert post.allowed_mentions == {"parse": []}

    assert await press(fake, BOB, "h:fb:up:1", post, locale="de") == "Du unterstützt #1: jetzt 1 Stimme."
    assert "#1" in await press(fake, HELPER, "h:fb:up:1", post, locale="fi")
    duplicate = await press(fake, BOB, "h:fb:up:1", post, locale="de")
    assert "schon unterstützt" in duplicate and "2 Stimmen" in duplicate
    assert "👍 2 · status: new" in fake.messages[post.id].content

    typing = await fake.invoke_autocomplete(GUILD, GENERAL, MANAGER, "feedback status", {"item": "dar"},
                                            focused="item")  # fmt: skip
    suggested = await fake.wait_for_callback(typing)
    assert suggested.callback_type == 8
    assert suggested.callback_data["choices"] == [{"name": "#1 Dark mode · new", "value": "1"}]
    member_typing = await fake.invoke_autocomplete(GUILD, GENERAL, ALICE, "feedback status", {"item": ""},
                                                   focused="item")  # fmt: skip
    assert (await fake.wait_for_callback(member_typing)).callback_data["choices"] == []

    refused = await ephemeral(fake, ALICE, "feedback status", {"item": "1", "status": "done", "reply": "Mine now"})
    assert "Only a manager" in refused and not any(fake.dms_to(u) for u in (ALICE, BOB, HELPER))
    done = await ephemeral(fake, MANAGER, "feedback status", {"item": "1", "status": "planned", "reply": "In March"})
    assert "#1 is now planned." in done and "3 members were told privately" in done
    for user, word in ((ALICE, "planned"), (BOB, "geplant"), (HELPER, "suunniteltu")):
        await fake.wait_for("POST", rf"/channels/{fake.dm_channel_id(user)}/messages")
        (dm,) = fake.dms_to(user)
        assert "In March" in dm.content and word in dm.content.lower() and dm.allowed_mentions == {"parse": []}
    assert "In March" in fake.messages[post.id].content  # the channel post shows the team's reply

    second = await submit(fake, BOB, "problem", "Night theme", "Same as dark mode", anonymous=True)
    assert "#2" in second and "anonymous" in second
    assert "— anonymous" in post_of(fake, 2).content and "bob" not in post_of(fake, 2).content.lower()
    await press(fake, HELPER, "h:fb:up:2", post_of(fake, 2))
    merged = await ephemeral(fake, MANAGER, "feedback merge", {"from": "2", "into": "1"})
    assert "Merged #2 into #1: #1 now has 2 votes (0 moved over, 1 already counted)" in merged
    await fake.wait_for("POST", rf"/channels/{fake.dm_channel_id(BOB)}/messages", count=2)
    assert any("#2" in m.content and "#1" in m.content for m in fake.dms_to(BOB))
    assert "➡️" in fake.messages[post_of(fake, 2).id].content and not button_ids(fake.messages[post_of(fake, 2).id])

    exported = await fake.invoke_slash(GUILD, GENERAL, MANAGER, "export feedback", {})
    text = await answered(fake, exported)
    assert "2 feedback items" in text
    (callback,) = fake.calls_to("POST", rf"/interactions/{exported.id}/[^/]+/callback")
    (file,) = callback.files
    rows = list(csv.DictReader(io.StringIO(file.content.decode("utf-8-sig"))))
    assert [(r["number"], r["status"], r["votes"], r["author"]) for r in rows] == [
        ("1", "planned", "2", "alice"),
        ("2", "merged", "0", ""),  # anonymous: no author, for managers neither
    ]


async def test_bad_feedback_input_on_discord(runtime: DiscordRuntime, fake: FakeDiscord, dc_services: Services) -> None:
    assert "Your feedback is empty" in await submit(fake, ALICE, "idea", "Dark mode", "   ")
    opened = await fake.invoke_slash(GUILD, GENERAL, ALICE, "feedback submit", {"category": "idea"})
    await fake.wait_for_callback(opened)
    with pytest.raises(InvalidOption, match="length out of bounds"):  # Discord itself refuses 5,000 characters
        await fake.invoke_modal_submit(GUILD, GENERAL, ALICE, "fb:new:idea:0", {"title": "x", "text": "y" * 5000})
    with pytest.raises(InvalidOption, match="not one of the choices"):  # and an unknown category
        await fake.invoke_slash(GUILD, GENERAL, ALICE, "feedback submit", {"category": "rant"})
    assert dc_services.feedback and await dc_services.feedback.repo.by_number(1, 1) is None
    await submit(fake, ALICE, "idea", "Dark mode", "Please")
    assert "There is no feedback #99" in await ephemeral(fake, MANAGER, "feedback status",
                                                          {"item": "99", "status": "done"})  # fmt: skip
    assert "cannot be merged into itself" in await ephemeral(fake, MANAGER, "feedback merge",
                                                             {"from": "1", "into": "1"})  # fmt: skip
    with pytest.raises(InvalidInteraction, match="default_member_permissions"):  # hidden from members' menus
        await fake.invoke_slash(GUILD, GENERAL, BOB, "export feedback", {})
    shown = await ephemeral(fake, BOB, "feedback view", {"item": "#1"}, locale="ru")
    assert "**\\#1 Dark mode**" in shown and "История" in shown
    listing = await ephemeral(fake, BOB, "feedback top", {"category": "idea"})
    assert "#1 💡 Dark mode — 👍 0 · new" in listing
