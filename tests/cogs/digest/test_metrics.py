"""Ring 1: every engagement metric on a small scripted community, against values worked out by hand in each test.

The week under test is Mon 2026-02-23 … Sun 2026-03-01 (the last complete week when the fake clock says Monday
2026-03-02 12:00 UTC); `day(n)` is n days after that Monday, 10:00 UTC unless said otherwise."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.app import Services
from bot.core.clock import FakeClock
from cogs.analytics.metrics.models import Period
from tests.cogs.digest.script import WEEK, Script, day
from tests.conftest import caller, group

A, B, C, D, E, S = "10", "11", "12", "13", "14", "1"  # S is an owner: a manager, i.e. staff


async def scripted(services: Services) -> Script:
    """Five members and a manager across two weeks (see each step)."""
    s = Script(services)
    # The week before: A posts Mon and Tue, B Mon; C reacts to A on Wed; E joins Wed.
    s.msg(A, day(-7))
    s.msg(A, day(-6))
    s.msg(B, day(-7, 11))
    await s.join(E, day(-5, 9))
    s.react(C, day(-5, 12), author=A)
    # The week: A asks (q1) on Mon, B answers 2 h later, A replies to B on Tue (A–B reciprocated).
    s.msg(A, day(0), question=True, message_id="q1")
    s.msg(B, day(0, 12), reply_to=A)
    s.msg(A, day(1), reply_to=B)
    # C asks in c2 on Wed (q2): nobody answers. The manager S replies to A in c1 on Wed.
    s.msg(C, day(2), channel="c2", question=True, message_id="q2")
    s.msg(S, day(2, 15), reply_to=A)
    # D joins Thu, posts in c3 Fri; B replies to D; D replies to B Sat (a newcomer connected). E leaves Sat.
    await s.join(D, day(3, 9))
    s.msg(D, day(4), channel="c3")
    s.msg(B, day(4, 11), channel="c3", reply_to=D)
    s.msg(D, day(5), channel="c3", reply_to=B)
    await s.leave(E, day(5, 18))
    # Sunday: C reacts to B's message; A asks q3 at 20:00 (its 24 h are not over at Monday 12:00).
    s.react(C, day(6), author=B, channel="c3")
    s.msg(A, day(6, 20), question=True, message_id="q3")
    await s.flush()
    # S acts as a manager (any command): staff from now on.
    await services.dispatcher.run_text(group(), caller(uid=S, manager=True), "help", "")
    await services.hub.drain()
    return s


async def test_headline_numbers_and_week_over_week(services: Services) -> None:
    m = await (await scripted(services)).metrics()
    h = m.headline
    # Active: A (Mon, Tue, Sun), B (Mon, Fri), C (Wed question, Sun reaction), S (Wed), D (Fri, Sat) = 5 members,
    # 10 member-days; the week before: A (2 days), B (1), C (1, a reaction) = 3 members, 4 member-days.
    assert (h.active, h.active_prev) == (5, 3)
    assert (h.messages, h.messages_prev) == (9, 3)  # A 3, B 2, C 1, S 1, D 2 / A 2, B 1
    assert (h.replies, h.reactions) == (5, 1)
    assert h.dau_mean == pytest.approx(10 / 7)
    assert h.mau == 5  # the 28 days: A, B, C, D, S (E never did anything)
    assert h.dau_mean_28 == pytest.approx((10 + 4) / 28)
    assert h.stickiness == pytest.approx(0.5 / 5)
    assert (h.joins, h.leaves, h.net) == (1, 1, 0)  # D joined, E left
    assert (h.joins_prev, h.leaves_prev) == (1, 0)  # E joined
    [telegram] = h.platforms
    assert (telegram.platform, telegram.active, telegram.messages, telegram.active_prev) == ("telegram", 5, 9, 3)


async def test_questions_answers_and_the_median_first_reply(services: Services) -> None:
    d = (await (await scripted(services)).metrics()).dialogue
    # q1 answered by B after 2 h; q2 never (its 24 h are over); q3 asked Sunday 20:00, still within its 24 h.
    assert (d.questions, d.answered, d.unanswered, d.still_open) == (3, 1, 1, 1)
    assert d.median_response_seconds == 7200
    assert [(q.channel_id, q.message_id) for q in d.examples] == [("c2", "q2")]
    assert [(c.channel_id, c.count) for c in d.by_channel] == [("c2", 1)]


async def test_ties_member_share_reciprocated_pairs_and_connected_newcomers(services: Services) -> None:
    t = (await (await scripted(services)).metrics()).ties
    assert t.replies == 5  # B→A, A→B, S→A, B→D, D→B
    assert t.member_replies == 4  # S is staff
    assert t.member_share == pytest.approx(0.8)
    assert t.reciprocated == 2  # A–B and B–D; S→A is one way
    assert (t.newcomers, t.newcomers_connected) == (2, 1)  # E and D joined in the last 4 weeks; D is connected


async def test_advocates_score_answers_newcomers_people_and_reactions_not_messages(services: Services) -> None:
    s = await scripted(services)
    m = await s.metrics()
    best = m.advocates[0]
    assert best.person.member_id == await s.member(B)
    # B answered q1 first, replied to newcomer D in D's first days, replied to A and D, got C's reaction.
    assert (best.answers, best.newcomers_helped, best.people_helped, best.reactions) == (1, 1, 2, 1)
    assert best.score == 3 + 2 + 2 + 0.5
    rest = {a.person.member_id: a.score for a in m.advocates[1:]}
    assert rest == {await s.member(A): 1.0, await s.member(D): 1.0}  # one member replied to each; S is staff


async def test_busiest_channels_newcomers_cohorts_and_the_quarter(services: Services) -> None:
    s = await scripted(services)
    m = await s.metrics()
    assert [(c.channel_id, c.messages, c.messages_prev) for c in m.channels] == [
        ("c1", 5, 3),
        ("c3", 3, 0),
        ("c2", 1, 0),
    ]
    assert m.channel_messages == 9
    assert (m.newcomers.joined, m.newcomers.silent) == (1, 0)  # D (E left again)
    cohorts = {c.week: (c.size, c.active) for c in m.cohorts}
    assert cohorts == {WEEK - timedelta(weeks=1): (1, (0, 0)), WEEK: (1, (1,))}  # E never active, D active at once
    q = m.quarter
    assert (q.joins, q.leaves, q.net, q.has_previous) == (2, 1, 1, False)
    assert q.avg_active == pytest.approx((5 + 3) / 13)
    last = m.series[-1]
    assert (last.week, last.active, last.messages, last.joins, last.leaves) == (WEEK, 5, 9, 1, 1)
    assert len(m.series) == 13 and m.staff == 1


async def test_a_silent_newcomer_is_named(services: Services) -> None:
    s = Script(services)
    await s.join("30", day(4))
    m = await s.metrics()
    assert (m.newcomers.joined, m.newcomers.silent) == (1, 1)
    assert [p.name for p in m.newcomers.silent_people] == ["User 30"]


async def drifting_community(services: Services) -> Script:
    """R: Mon/Wed/Fri for 4 weeks, then only Monday this week. R2: the same, then Mon and Wed this week.
    R3: Tue/Thu for 4 weeks, then nothing. R4: once a week (not a regular). Q: every day of weeks −4 and −3, then
    quiet for 21 days."""
    s = Script(services)
    for week in range(-4, 0):
        for offset in (0, 2, 4):
            s.msg("20", day(7 * week + offset))
            s.msg("21", day(7 * week + offset))
        for offset in (1, 3):
            s.msg("22", day(7 * week + offset))
        s.msg("23", day(7 * week))
    for offset in range(14):
        s.msg("24", day(-28 + offset))
    s.msg("20", day(0))
    s.msg("21", day(0))
    s.msg("21", day(2))
    await s.flush()
    return s


async def test_drifting_regulars_ranked_by_how_regular_they_were(services: Services) -> None:
    s = await drifting_community(services)
    m = await s.metrics()
    assert m.regulars == 4  # R, R2, R3, Q (R4 had 4 active days in 4 weeks)
    assert m.drifting_total == 3
    got = [
        (d.person.name, d.baseline, d.recent_days, d.last_active, d.quiet_days, d.quiet_too_long) for d in m.drifting
    ]
    assert got == [
        ("User 24", 3.5, 0, date(2026, 2, 8), 21, True),  # quiet 21 days > max(14, 2 × 2 days)
        ("User 20", 3.0, 1, date(2026, 2, 23), 6, False),  # 1 day < half of 3
        ("User 22", 2.0, 0, date(2026, 2, 19), 10, False),  # 0 < half of 2
    ]


async def test_members_who_opted_out_are_counted_but_never_named(services: Services) -> None:
    s = await drifting_community(services)
    answer = await services.dispatcher.run_text(group(), caller(uid="20"), "privacy", "optout")
    assert not answer.error
    m = await s.metrics()
    assert m.drifting_total == 3 and m.opted_out == 1
    assert [d.person.name for d in m.drifting] == ["User 24", "User 22"]


async def test_everyone_opted_out_keeps_every_count_and_names_nobody(services: Services) -> None:
    s = await scripted(services)
    for uid in (A, B, C, D, E, S):
        await services.dispatcher.run_text(group(), caller(uid=uid), "privacy", "optout")
    m = await s.metrics()
    assert (m.headline.active, m.headline.messages, m.ties.reciprocated, m.dialogue.unanswered) == (5, 9, 2, 1)
    assert m.advocates == () and m.drifting == () and m.newcomers.silent_people == ()
    assert m.dialogue.examples == ()  # the unanswered question's asker opted out: counted, not linked


async def test_an_empty_community_has_zeros_everywhere(services: Services) -> None:
    await services.dispatcher.run_text(group(), caller(uid=S, manager=True), "help", "")
    m = await Script(services).metrics()
    h = m.headline
    assert (h.active, h.messages, h.joins, h.leaves, h.mau, h.stickiness) == (0, 0, 0, 0, 0, 0.0)
    assert m.cohorts == () and m.drifting == () and m.advocates == () and m.channels == ()
    assert (m.dialogue.questions, m.dialogue.median_response_seconds) == (0, None)
    assert (m.ties.replies, m.ties.member_share, m.quarter.has_previous) == (0, 0.0, False)


async def test_one_member(services: Services) -> None:
    s = Script(services)
    s.msg("40", day(1))
    s.msg("40", day(1, 11))
    s.msg("40", day(3), question=True, message_id="9")
    m = await s.metrics()
    h = m.headline
    assert (h.active, h.messages, h.mau, h.dau_mean) == (1, 3, 1, pytest.approx(2 / 7))
    assert h.stickiness == pytest.approx((2 / 28) / 1)
    assert (m.dialogue.questions, m.dialogue.unanswered, m.ties.replies) == (1, 1, 0)
    assert m.advocates == ()


async def test_a_week_without_activity(services: Services) -> None:
    s = Script(services)
    for uid in ("50", "51", "52"):
        s.msg(uid, day(-3))
    m = await s.metrics()
    h = m.headline
    assert (h.active, h.active_prev, h.messages, h.messages_prev) == (0, 3, 0, 3)
    assert h.mau == 3 and h.dau_mean == 0
    assert m.channels == () and m.dialogue.questions == 0


async def test_linked_accounts_count_once(services: Services) -> None:
    """One person on both platforms, linked with /link: one active member, one on each platform."""
    s = Script(services)
    s.msg("60", day(1))
    await s.flush()
    community = await s.community_id()
    await services.directory.communities.relink_scope("discord", "55", "Guild", community, day(0))
    services.directory.forget()
    s.msg("61", day(2), platform="discord", scope="55", channel="700")
    await s.flush()
    telegram_id, discord_id = await s.member("60"), await s.member("61", "discord")
    await services.member_data.merge(telegram_id, discord_id)
    services.directory.forget()
    m = await s.metrics()
    assert (m.headline.active, m.headline.messages, m.headline.mau) == (1, 2, 1)
    assert m.headline.dau_mean == pytest.approx(2 / 7)
    assert {(p.platform, p.active) for p in m.headline.platforms} == {("discord", 1), ("telegram", 1)}


async def test_a_daylight_saving_week_runs_monday_to_monday_in_local_time(services: Services, clock: FakeClock) -> None:
    """Europe/Helsinki moves to summer time on Sunday 2026-03-29: that week has 167 hours. Joins are counted by the
    local week they happened in, to the minute."""
    clock.set(datetime(2026, 3, 30, 12, tzinfo=UTC))
    period = Period.of(date(2026, 3, 23), "Europe/Helsinki")
    assert period.start == datetime(2026, 3, 22, 22, tzinfo=UTC)  # Monday 00:00 EET
    assert period.end == datetime(2026, 3, 29, 21, tzinfo=UTC)  # Monday 00:00 EEST
    assert period.end - period.start == timedelta(hours=167)
    s = Script(services)
    await services.dispatcher.run_text(group(), caller(uid=S, manager=True), "settimezone", "Europe/Helsinki")
    await s.join("70", datetime(2026, 3, 22, 22, 30, tzinfo=UTC))  # Mon 00:30 local: this week
    await s.join("71", datetime(2026, 3, 29, 20, 30, tzinfo=UTC))  # Sun 23:30 local (summer time): this week
    await s.join("72", datetime(2026, 3, 29, 21, 30, tzinfo=UTC))  # Mon 00:30 local: next week
    await s.join("73", datetime(2026, 3, 22, 21, 30, tzinfo=UTC))  # Sun 23:30 local the week before
    m = await s.metrics(date(2026, 3, 23), "Europe/Helsinki", clock.now())
    assert (m.headline.joins, m.headline.joins_prev) == (2, 1)
