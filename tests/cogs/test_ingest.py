from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from bot.app import Services
from cogs.analytics.models import MembershipSeen, MessageSeen, ReactionSeen
from cogs.analytics.text_signals import is_question, length_bucket
from storage.tables import activity_events, activity_weekly, community_links, community_members
from tests.conftest import START


def msg(uid: str, *, at=START, reply_to: str | None = None, mentions=(), question=False, scope="-1001"):  # type: ignore[no-untyped-def]
    return MessageSeen(
        "telegram", scope, "Group", "-1001", uid, f"User {uid}", at, reply_to, tuple(mentions), question, 2
    )


async def test_messages_replies_and_reactions_roll_up_per_member_and_day(services: Services) -> None:
    ingest = services.ingest
    ingest.message(msg("1", question=True))
    ingest.message(msg("2", reply_to="1", mentions=["1"]))
    ingest.message(msg("2", at=START + timedelta(days=1)))
    ingest.reaction(ReactionSeen("telegram", "-1001", "Group", "-1001", "3", None, START, author_user_id="2"))
    assert await ingest.flush() == 4
    community = await services.directory.communities.find_by_scope("telegram", "-1001")
    assert community is not None
    rows = await ingest.repo.daily(community.id)  # type: ignore[attr-defined]
    ids = {uid: await services.directory.member_id("telegram", uid, None, START) for uid in "123"}
    by = {(r.member_id, r.day): r for r in rows}
    first = by[(ids["1"], START.date())]
    assert (first.messages, first.questions, first.replies_received) == (1, 1, 1)
    second = by[(ids["2"], START.date())]
    assert (second.messages, second.replies, second.mentions) == (1, 1, 1)
    assert by[(ids["2"], (START + timedelta(days=1)).date())].messages == 1
    assert by[(ids["3"], START.date())].reactions == 1
    async with services.engine.connect() as conn:
        weekly = (await conn.execute(sa.select(sa.func.sum(activity_weekly.c.messages)))).scalar()
        raw = (await conn.execute(sa.select(sa.func.count()).select_from(activity_events))).scalar()
        members = (await conn.execute(sa.select(sa.func.count()).select_from(community_members))).scalar()
    assert (weekly, raw, members) == (3, 4, 3)


async def test_two_flushes_add_up_instead_of_overwriting(services: Services) -> None:
    services.ingest.message(msg("1"))
    await services.ingest.flush()
    services.ingest.message(msg("1"))
    await services.ingest.flush()
    community = await services.directory.communities.find_by_scope("telegram", "-1001")
    rows = await services.ingest.repo.daily(community.id)  # type: ignore[attr-defined,union-attr]
    assert [r.messages for r in rows] == [2]


async def test_failed_flush_keeps_events_for_the_next_one(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    services.ingest.message(msg("1"))
    original = services.ingest.repo.write_batch

    async def broken(*_a: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(services.ingest.repo, "write_batch", broken)
    with pytest.raises(OSError):
        await services.ingest.flush()
    assert services.ingest.pending == 1
    monkeypatch.setattr(services.ingest.repo, "write_batch", original)
    assert await services.ingest.flush() == 1


async def test_buffer_full_triggers_a_flush_request(services: Services) -> None:
    calls: list[int] = []
    services.ingest.max_rows = 3
    services.ingest.on_full = lambda: calls.append(services.ingest.pending)
    for _ in range(3):
        services.ingest.message(msg("1"))
    assert calls == [3]


async def test_join_and_leave_are_recorded_with_membership_dates(services: Services) -> None:
    ingest = services.ingest
    await ingest.membership(MembershipSeen("discord", "55", "Guild", "7", "Newbie", START, True))
    await ingest.membership(MembershipSeen("discord", "55", "Guild", "7", "Newbie", START + timedelta(days=2), False))
    community = await services.directory.communities.find_by_scope("discord", "55")
    assert community is not None
    joins, leaves = await ingest.repo.membership_counts(community.id, START - timedelta(days=1))  # type: ignore[attr-defined]
    assert (joins, leaves) == (1, 1)
    async with services.engine.connect() as conn:
        row = (await conn.execute(sa.select(community_members))).one()
    assert row.joined_at == START and row.left_at == START + timedelta(days=2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("How do I join the event", True),
        ("anyone coming tonight?", True),
        ("Tuleeko joku huomenna", True),
        ("Wie funktioniert das", True),
        ("Где найти правила", True),
        ("thanks, that worked", False),
        ("Kiitos paljon", False),
        ("", False),
    ],
)
def test_question_detection_in_four_languages(text: str, expected: bool) -> None:
    assert is_question(text) is expected


def test_length_buckets_grow_with_length() -> None:
    assert [length_bucket("x" * n) for n in (0, 10, 50, 200, 900, 5000)] == [0, 1, 2, 3, 4, 5]


async def test_week_rollups_are_the_sums_of_day_rollups_across_a_week_boundary(services: Services) -> None:
    sunday, monday = START + timedelta(days=6), START + timedelta(days=7)
    for at in (START, START + timedelta(days=1), sunday, monday, monday):
        services.ingest.message(msg("1", at=at))
    await services.ingest.flush()
    services.ingest.message(msg("1", at=monday))  # a later flush, inside the refresh interval
    await services.ingest.flush()
    community = await services.directory.communities.find_by_scope("telegram", "-1001")
    assert community is not None
    weeks = await services.ingest.repo.weekly(community.id)  # type: ignore[attr-defined]
    assert [(w.day, w.messages) for w in weeks] == [(START.date(), 3), (monday.date(), 3)]


async def test_a_burst_of_first_messages_from_a_new_group_looks_it_up_once(services: Services) -> None:
    """A backlog after start-up: hundreds of messages from a group nobody has seen yet. Every feature waits for
    one lookup of the community and one load of its moderation settings instead of racing to create them."""
    repo = services.directory.communities
    calls = {"create": 0, "settings": 0}
    create, settings = repo.create_for_scope, services.moderation.store.repo.settings

    async def counting_create(*args):  # type: ignore[no-untyped-def]
        calls["create"] += 1
        return await create(*args)

    async def counting_settings(*args):  # type: ignore[no-untyped-def]
        calls["settings"] += 1
        return await settings(*args)

    repo.create_for_scope = counting_create  # type: ignore[method-assign]
    services.moderation.store.repo.settings = counting_settings  # type: ignore[method-assign]
    for i in range(300):
        services.hub.publish(MessageSeen("telegram", "-1009", "New group", "-1009", str(i), f"U{i}", START))
    await services.hub.drain()
    await services.ingest.flush()
    assert calls == {"create": 1, "settings": 1}
    async with services.engine.connect() as conn:
        links = (await conn.execute(sa.select(community_links).where(community_links.c.scope_id == "-1009"))).all()
    assert len(links) == 1
