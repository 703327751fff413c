"""Activity from Telegram lands in the rollups: joins, messages, replies, reactions, leaves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from bot.app import Services
from bot.telegram.application import TelegramRuntime
from storage.tables import activity_events
from tests.fakes.telegram import FakeTelegram
from tests.telegram.conftest import GROUP


async def settle(tg: FakeTelegram) -> None:
    """Updates are handled in order: once the answer to this /help is out, everything pushed before it is done
    (matched by the message it replies to: joins make other features send messages too)."""
    mid = tg.push_update(tg.message_update(GROUP, 999, "/help"))["message"]["message_id"]
    await tg.wait_for("sendMessage", lambda c: (c.params.get("reply_parameters") or {}).get("message_id") == mid)


async def test_join_message_reply_reaction_and_leave_are_recorded(
    runtime: TelegramRuntime, tg: FakeTelegram, tg_services: Services
) -> None:
    assert "chat_member" in (tg.allowed_updates or [])
    tg.push_update(tg.chat_member_update(GROUP, 300, "left", "member"))
    first = tg.push_update(tg.message_update(GROUP, 300, "Hi all, how do I join the event?"))
    tg.push_update(tg.message_update(GROUP, 301, "Use /events", reply_to=first["message"]))
    tg.push_update(tg.reaction_update(GROUP, 300, first["message"]["message_id"]))
    tg.push_update(tg.chat_member_update(GROUP, 300, "member", "left"))
    await settle(tg)
    assert await tg_services.ingest.flush() == 3

    community = await tg_services.directory.communities.find_by_scope("telegram", str(GROUP))
    assert community is not None
    newcomer = await tg_services.directory.member_id("telegram", "300", None, datetime.now(UTC))
    helper = await tg_services.directory.member_id("telegram", "301", None, datetime.now(UTC))
    rows = {r.member_id: r for r in await tg_services.ingest.repo.daily(community.id)}  # type: ignore[attr-defined]
    assert (rows[newcomer].messages, rows[newcomer].questions, rows[newcomer].replies_received) == (1, 1, 1)
    assert rows[newcomer].reactions == 1
    assert (rows[helper].messages, rows[helper].replies) == (1, 1)
    joins, leaves = await tg_services.ingest.repo.membership_counts(  # type: ignore[attr-defined]
        community.id, datetime.now(UTC) - timedelta(days=1)
    )
    assert (joins, leaves) == (1, 1)


async def test_message_content_is_never_stored(
    runtime: TelegramRuntime, tg: FakeTelegram, tg_services: Services
) -> None:
    tg.push_update(tg.message_update(GROUP, 300, "my secret plan is pineapple"))
    await settle(tg)
    await tg_services.ingest.flush()
    async with tg_services.engine.connect() as conn:
        rows = (await conn.execute(sa.select(activity_events))).all()
    assert len(rows) == 1
    assert not any("pineapple" in str(value) for value in rows[0])


async def test_a_join_seen_twice_counts_once(runtime: TelegramRuntime, tg: FakeTelegram, tg_services: Services) -> None:
    tg.push_update(tg.chat_member_update(GROUP, 400, "left", "member"))
    tg.push_update(tg.new_members_update(GROUP, [400]))
    await settle(tg)
    community = await tg_services.directory.communities.find_by_scope("telegram", str(GROUP))
    assert community is not None
    joins, _ = await tg_services.ingest.repo.membership_counts(  # type: ignore[attr-defined]
        community.id, datetime.now(UTC) - timedelta(days=1)
    )
    assert joins == 1


async def test_updates_handled_before_a_restart_are_not_handled_again(
    runtime: TelegramRuntime, tg: FakeTelegram, tg_services: Services
) -> None:
    update = tg.push_update(tg.message_update(GROUP, 100, "/help"))
    await tg.wait_for("sendMessage", count=1)
    await runtime.stop()
    again = TelegramRuntime(tg_services.deps, poll_timeout=1)
    await again.start()
    try:
        tg.push_raw_update_again(update)
        tg.push_update(tg.message_update(GROUP, 100, "/language"))
        calls = await tg.wait_for("sendMessage", count=2)
        assert "Pick another" in calls[1].params["text"]
        assert len(tg.calls_to("sendMessage")) == 2
    finally:
        await again.stop()
        runtime.app = again.app  # the fixture's stop() must find a stopped application
