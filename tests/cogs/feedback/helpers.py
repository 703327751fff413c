"""Shared steps for the feedback service tests: type feedback as on Telegram, pick a category, submit the
Discord form, press buttons — through the real dispatcher, as an adapter would."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa

from bot.app import Services
from bot.core.commands import Caller, Place
from bot.core.outbound import OutMessage
from cogs.dispatch.dispatcher import Answer
from storage.tables import feedback_items
from tests.cogs.test_dispatch import texts
from tests.conftest import caller, group

OWNER = caller(uid="1", name="Owner")  # an owner: manager everywhere
ALICE = caller(uid="10", name="Alice")
BOB = caller(uid="11", name="Bob")
CAROL = caller(uid="12", name="Carol")
DMITRI = caller(uid="13", name="Dmitri", locale="ru")
AINO = caller(uid="14", name="Aino", locale="fi")


def said(answer: Answer) -> str:
    return texts(answer) + ("!ERROR" if answer.error else "")


def buttons(answer: Answer) -> list[str]:
    return [b.action for m in answer.messages for row in m.buttons for b in row]


async def submit(
    services: Services,
    who: Caller,
    text: str,
    category: str = "idea",
    anonymous: bool = False,
    place: Place | None = None,
) -> Answer:
    """`/feedback <text>`, then (optionally the anonymous toggle and) the category button."""
    place = place or group()
    typed = await services.dispatcher.run_text(place, who, "feedback", text)
    assert not typed.error, texts(typed)
    actions = buttons(typed)
    if anonymous:
        toggle = next(a for a in actions if a.startswith("fb:anon:"))
        assert not (await services.dispatcher.press(place, who, toggle)).error
    chosen = next(a for a in actions if a.startswith("fb:cat:") and a.endswith(f":{category}"))
    return await services.dispatcher.press(place, who, chosen)


async def item_id(services: Services, number: int, scope: str = "-1001") -> int:
    community = await services.directory.communities.find_by_scope("telegram", scope)
    assert community is not None
    async with services.engine.connect() as conn:
        return (
            await conn.execute(
                sa.select(feedback_items.c.id).where(
                    feedback_items.c.community_id == community.id, feedback_items.c.number == number
                )
            )
        ).scalar_one()


async def upvote(services: Services, who: Caller, number: int = 1, place: Place | None = None) -> Answer:
    return await services.dispatcher.press(place or group(), who, f"fb:up:{await item_id(services, number)}")


async def item_count(services: Services) -> int:
    async with services.engine.connect() as conn:
        return (await conn.execute(sa.select(sa.func.count()).select_from(feedback_items))).scalar_one()


def rendered(message: OutMessage, locale: str = "en") -> str:
    return message.render_text(locale, str, str)


async def settle(services: Services) -> None:
    """Wait for work the services started in the background (notices are delivered after the answer)."""
    while services._tasks:
        await asyncio.gather(*list(services._tasks))
