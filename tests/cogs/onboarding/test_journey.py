"""Ring 1: the newcomer journey and its funnel per weekly join cohort, against numbers worked out by hand;
the backfill from activity recorded before onboarding existed; rejoins; the member-data contract."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from bot.app import Services
from bot.core.clock import FakeClock
from bot.core.hub import MessageSeen
from cogs.onboarding.journey import week2_and_regular
from cogs.onboarding.models import Step
from storage.tables import onboarding_journeys
from tests.cogs.onboarding.conftest import GROUP, FakeGroupGate, join, member_id
from tests.cogs.test_dispatch import texts
from tests.cogs.test_outbox import RecordingMessenger
from tests.conftest import caller, group

MANAGER = caller(uid="1")
MON = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # the fake clock starts on this Monday (12:00)


def day(n: int, hour: int = 10) -> datetime:
    return MON + timedelta(days=n, hours=hour - 10)


async def message(services: Services, user: str, at: datetime, reply_to: str | None = None) -> None:
    services.hub.publish(MessageSeen("telegram", GROUP, "Group", GROUP, user, None, at, reply_to_user_id=reply_to))


async def settle(services: Services) -> None:
    await services.ingest.flush()
    await services.hub.drain()


async def joined_at(services: Services, clock: FakeClock, user: str, at: datetime) -> None:
    clock.set(at)
    await join(services, user, f"user{user}", at=at)


def test_week2_and_regular_by_hand() -> None:
    joined = datetime(2026, 3, 2, 15, tzinfo=UTC)
    start = joined.date()
    days = {start + timedelta(days=d) for d in (0, 1, 8, 9, 14, 16)}
    now = datetime(2026, 6, 1, tzinfo=UTC)
    week2, regular = week2_and_regular(joined, days, now)
    assert week2 == datetime(2026, 3, 10, tzinfo=UTC)  # day 8
    assert regular == datetime(2026, 3, 18, tzinfo=UTC)  # the second active day of the third week (day 16)
    assert week2_and_regular(joined, days - {start + timedelta(days=16)}, now)[1] is None
    assert week2_and_regular(joined, days, datetime(2026, 3, 17, tzinfo=UTC)) == (week2, None)  # not yet


async def test_funnel_of_a_scripted_cohort_equals_the_hand_count(
    services: Services, telegram: RecordingMessenger, group_gate: FakeGroupGate, clock: FakeClock
) -> None:
    clock.set(day(-1))
    await services.dispatcher.run_text(group(), MANAGER, "setrules", "Be kind")
    # Cohort of the week of Mon 2 March: five newcomers, held by the rules gate.
    for n, user in enumerate(("a1", "a2", "a3", "a4", "a5")):
        await joined_at(services, clock, user, day(n % 3))
    for user in ("a1", "a2", "a3", "a4"):  # a5 never accepts
        gate = next(g for g in await services.onboarding.ctx.repo.pending_gates(1, await member_id(services, user)))
        clock.set(gate.created_at + timedelta(minutes=2))
        assert not (await services.dispatcher.press(group(), caller(uid=user), f"onb:acc:{gate.id}")).error
    clock.set(day(20, 23))
    await services.onboarding.tick()  # a5's time limit passed long ago: removed
    # First messages: a1, a2, a3. Replies from another member: to a1 and a2 (a3 only answers itself).
    for at in (day(0, 12), day(1), day(7), day(8), day(14), day(15)):  # a1: 2 days a week, 3 weeks in a row
        await message(services, "a1", at)
    await message(services, "a2", day(1))
    await message(services, "a2", day(15))  # a2: active again only in week 3, not in week 2
    await message(services, "a3", day(2))
    await message(services, "a3", day(2, 11), reply_to="a3")
    await message(services, "helper", day(1, 11), reply_to="a1")
    await message(services, "helper", day(2, 11), reply_to="a2")
    await settle(services)
    # The week of Mon 9 March: gate switched off; b1 posts, b2 only reads.
    clock.set(day(7, 9))
    await services.dispatcher.run_text(group(), MANAGER, "setgate", "off")
    await joined_at(services, clock, "b1", day(8))
    await joined_at(services, clock, "b2", day(9))
    await message(services, "b1", day(10))
    await settle(services)

    now = datetime(2026, 4, 6, 12, tzinfo=UTC)
    clock.set(now)
    await services.onboarding.refresh()  # week 2 and regular come from the day rollups (every six hours)
    funnel = await services.onboarding.funnel(1, now, weeks=8)
    by_week = {c.week: [(s.step, s.reached, s.previous) for s in c.steps] for c in funnel.cohorts}
    assert by_week == {
        date(2026, 3, 2): [(Step.JOINED, 5, 5), (Step.ACCEPTED_RULES, 4, 5), (Step.FIRST_MESSAGE, 3, 4),
                           (Step.FIRST_REPLY, 2, 3), (Step.ACTIVE_WEEK2, 1, 2), (Step.REGULAR, 1, 1)],
        date(2026, 3, 9): [(Step.JOINED, 2, 2), (Step.ACCEPTED_RULES, 2, 2), (Step.FIRST_MESSAGE, 1, 2),
                           (Step.FIRST_REPLY, 0, 1), (Step.ACTIVE_WEEK2, 0, 0), (Step.REGULAR, 0, 0)],
    }  # fmt: skip
    assert [c.biggest_drop for c in funnel.cohorts] == [Step.FIRST_REPLY, Step.ACTIVE_WEEK2]  # newest first
    assert [(s.reached, s.previous) for s in funnel.overall] == [(7, 7), (6, 7), (4, 6), (2, 4), (1, 2), (1, 1)]
    assert funnel.biggest_drop is Step.FIRST_REPLY  # 2/4 and 1/2 tie at 50 %: the earlier step is named

    shown = await services.dispatcher.run_text(group(), MANAGER, "funnel", "8")
    text = texts(shown)
    assert "accepted the rules: 6 (86%)" in text and "Biggest drop: first message → got a reply." in text
    assert "Week of 2026-03-02: 5 → 4 (80%) → 3 (75%) → 2 (67%) → 1 (50%) → 1 (100%)" in text
    finnish = await services.dispatcher.run_text(group(), caller(uid="1", locale="fi"), "funnel", "")
    assert "Suurin pudotus: ensimmäinen viesti → sai vastauksen." in texts(finnish)


async def test_a_young_cohort_shows_only_the_steps_it_could_reach(
    services: Services, telegram: RecordingMessenger, clock: FakeClock
) -> None:
    await join(services, "c1", "New")
    funnel = await services.onboarding.funnel(1, clock.now(), weeks=2)
    (cohort,) = funnel.cohorts
    assert [s.step for s in cohort.steps] == [Step.JOINED, Step.ACCEPTED_RULES, Step.FIRST_MESSAGE, Step.FIRST_REPLY]


async def test_funnel_is_for_managers_and_checks_its_input(services: Services) -> None:
    member = await services.dispatcher.run_text(group(), caller(uid="5", locale="ru"), "funnel", "")
    assert member.error and "менеджер" in texts(member)
    bad = await services.dispatcher.run_text(group(), MANAGER, "funnel", "100")
    assert bad.error and "between 1 and 26" in texts(bad)
    empty = await services.dispatcher.run_text(group(), MANAGER, "funnel", "")
    assert texts(empty) == "Nobody joined in the last 8 weeks, so there is no funnel yet."


async def test_first_steps_are_backfilled_from_activity_recorded_before_onboarding(
    services: Services, clock: FakeClock
) -> None:
    # Joins and messages recorded by analytics alone (as before this feature): no journeys yet.
    community = await services.directory.community("telegram", GROUP, "Group", clock.now())
    old, helper = await member_id(services, "old"), await member_id(services, "helper")
    await services.ingest.repo.record_membership(community.id, old, "telegram", True, day(-30))  # type: ignore[attr-defined]
    await message(services, "old", day(-29))
    await message(services, "helper", day(-28), reply_to="old")
    await settle(services)
    async with services.engine.begin() as conn:
        await conn.execute(sa.delete(onboarding_journeys))
    await services.onboarding.start()
    journey = await services.onboarding.ctx.repo.journey(community.id, old)
    assert journey is not None and journey.joined_at == day(-30) and not journey.gated
    assert journey.first_message_at == day(-29) and journey.first_reply_at == day(-28)
    assert journey.week2_active_at is None and journey.reached(Step.FIRST_REPLY)
    assert await services.onboarding.ctx.repo.journey(community.id, helper) is None  # never joined: no journey


async def test_linking_accounts_keeps_one_journey_with_the_earliest_steps_and_export_and_erase(
    services: Services, telegram: RecordingMessenger, clock: FakeClock
) -> None:
    await services.dispatcher.run_text(group(), MANAGER, "setinterests", "Games | Music")
    await join(services, "200", "Aino")
    await services.dispatcher.press(group(), caller(uid="200"), "onb:it:1:=1")
    clock.advance(timedelta(days=1))
    await join(services, "900", "Aino again")  # a second account of the same person
    await services.dispatcher.press(group(), caller(uid="900"), "onb:it:1:=1,2")
    await message(services, "900", clock.now())
    await settle(services)
    keep, drop = await member_id(services, "200"), await member_id(services, "900")
    await services.member_data.merge(keep, drop)
    journey = await services.onboarding.ctx.repo.journey(1, keep)
    assert journey is not None and journey.joins == 2 and journey.joined_at == clock.now() - timedelta(days=1)
    assert journey.first_message_at == clock.now()
    assert await services.onboarding.ctx.repo.journey(1, drop) is None
    assert await services.onboarding.ctx.repo.member_interests(1, keep) == {1, 2}
    exported = await services.member_data.export(keep)
    assert [i["name"] for i in exported["onboarding"]["interests"]] == ["Games", "Music"]
    assert exported["onboarding"]["journey"][0]["joins"] == 2
    await services.member_data.erase(keep)
    async with services.engine.connect() as conn:
        rows = (await conn.execute(sa.select(onboarding_journeys.c.member_id))).scalars().all()
    assert len(rows) == 1 and rows[0] != keep  # the funnel still counts one person, anonymously
    assert await services.members.identities(rows[0]) == []
    assert await services.onboarding.ctx.repo.member_interests(1, keep) == set()


async def test_cohort_weeks_follow_the_communitys_time_zone(
    services: Services, telegram: RecordingMessenger, clock: FakeClock
) -> None:
    await services.dispatcher.run_text(group(), MANAGER, "settimezone", "Europe/Helsinki")
    await joined_at(services, clock, "late", datetime(2026, 3, 8, 21, 30, tzinfo=UTC))  # Sunday 23:30 in Helsinki
    await joined_at(services, clock, "early", datetime(2026, 3, 8, 22, 30, tzinfo=UTC))  # Monday 00:30 there
    funnel = await services.onboarding.funnel(1, datetime(2026, 3, 10, tzinfo=UTC), weeks=2)
    assert {c.week: c.steps[0].reached for c in funnel.cohorts} == {date(2026, 3, 9): 1, date(2026, 3, 2): 1}
