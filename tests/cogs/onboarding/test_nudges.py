"""Ring 1: nudges for quiet newcomers — day 3 and 7, not for members who posted, never twice, not after
opting out, not lost across a restart, and whether they posted afterwards is recorded."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.app import Services, build_services
from bot.core.clock import FakeClock
from bot.core.hub import MessageSeen
from cogs.onboarding.models import NudgeStatus
from config.settings import Settings
from tests.cogs.onboarding.conftest import GROUP, join, member_id
from tests.cogs.test_dispatch import texts
from tests.cogs.test_outbox import RecordingMessenger
from tests.conftest import caller, group, private

MANAGER = caller(uid="1")


def nudges_to(messenger: RecordingMessenger, user: str) -> list[tuple[str, str]]:
    return [(m.render_text(loc, str, str), loc) for t, m, loc in messenger.sent
            if t.dm and t.chat_id == user and m.buttons and m.buttons[0][0].action.startswith("onb:nno")]  # fmt: skip


async def post(services: Services, user: str, at: datetime) -> None:
    services.hub.publish(MessageSeen("telegram", GROUP, "Group", GROUP, user, None, at))
    await services.ingest.flush()
    await services.hub.drain()


async def test_day_3_nudge_reaches_only_the_quiet_newcomer_once_in_their_language(
    services: Services, telegram: RecordingMessenger, clock: FakeClock
) -> None:
    await join(services, "200", "Quiet", locale="fi")
    await join(services, "201", "Talker")
    await post(services, "201", clock.now() + timedelta(hours=5))
    clock.advance(timedelta(days=3))
    await services.onboarding.tick()
    ((text, locale),) = nudges_to(telegram, "200")
    assert locale == "fi" and "3 päivää sitten" in text and "sano moi ryhmässä" in text
    assert nudges_to(telegram, "201") == []
    await services.onboarding.tick()
    assert len(nudges_to(telegram, "200")) == 1  # not twice
    clock.advance(timedelta(days=4))
    await services.onboarding.tick()
    assert [t for t, _ in nudges_to(telegram, "200")][1].count("7 päivää") == 1


async def test_the_nudge_names_the_next_event(
    services: Services, telegram: RecordingMessenger, clock: FakeClock
) -> None:
    await services.dispatcher.run_text(group(), MANAGER, "newevent", "Board games | 2026-03-06 18:00")
    await join(services, "200", "Quiet")
    clock.advance(timedelta(days=3))
    await services.onboarding.tick()
    ((text, _),) = nudges_to(telegram, "200")
    assert "the next event is Board games" in text and "/events" in text


async def test_opting_out_stops_the_later_nudges(
    services: Services, telegram: RecordingMessenger, clock: FakeClock
) -> None:
    await join(services, "200", "Quiet")
    clock.advance(timedelta(days=3))
    await services.onboarding.tick()
    answer = await services.dispatcher.press(private(uid="200"), caller(uid="200"), "onb:nno:1")
    assert texts(answer) == "Done: no more tips like this from me."
    clock.advance(timedelta(days=5))
    await services.onboarding.tick()
    assert len(nudges_to(telegram, "200")) == 1
    statuses = [n.status for n in await services.onboarding.ctx.repo.nudges(1)]
    assert statuses == [NudgeStatus.SENT, NudgeStatus.SKIPPED]


async def test_whether_they_posted_after_a_nudge_is_recorded(
    services: Services, telegram: RecordingMessenger, clock: FakeClock
) -> None:
    await join(services, "200", "Responds")
    await join(services, "201", "Silent")
    clock.advance(timedelta(days=3))
    await services.onboarding.tick()
    await post(services, "200", clock.now() + timedelta(days=1))
    clock.advance(timedelta(days=3, minutes=1))
    await services.onboarding.tick()
    outcome = {n.member_id: n.posted_after for n in await services.onboarding.ctx.repo.nudges(1) if n.day == 3}
    assert outcome == {await member_id(services, "200"): True, await member_id(services, "201"): False}


async def test_nudges_are_not_lost_across_a_restart(settings: Settings, clock: FakeClock) -> None:
    first = await build_services(settings, clock)
    first.messengers["telegram"] = RecordingMessenger()
    await join(first, "200", "Quiet")
    await first.engine.dispose()
    clock.advance(timedelta(days=3, hours=2))  # down when it came due, back within the grace
    second = await build_services(settings, clock)
    messenger = RecordingMessenger()
    second.messengers["telegram"] = messenger
    await second.onboarding.start()
    assert len(nudges_to(messenger, "200")) == 1
    await second.onboarding.start()  # a second start-up sends nothing again
    assert len(nudges_to(messenger, "200")) == 1
    clock.advance(timedelta(days=6))  # the day-7 one came due 2 days ago: past the grace, recorded as missed
    await second.onboarding.tick()
    assert len(nudges_to(messenger, "200")) == 1
    statuses = [n.status for n in await second.onboarding.ctx.repo.nudges(1)]
    assert statuses == [NudgeStatus.SENT, NudgeStatus.MISSED]
    await second.engine.dispose()


async def test_nudge_days_are_configurable_and_can_be_switched_off(
    services: Services, telegram: RecordingMessenger, clock: FakeClock
) -> None:
    answer = await services.dispatcher.run_text(group(), MANAGER, "setnudges", "5, 2")
    assert texts(answer).endswith("after joining: 2, 5.")
    await join(services, "200", "Quiet")
    clock.advance(timedelta(days=2))
    await services.onboarding.tick()
    assert len(nudges_to(telegram, "200")) == 1
    off = await services.dispatcher.run_text(group(), MANAGER, "setnudges", "off")
    assert "off" in texts(off)
    clock.advance(timedelta(days=3))
    await services.onboarding.tick()
    assert len(nudges_to(telegram, "200")) == 1


@pytest.mark.parametrize("text", ["never", "0, 3", "3, 99", "1,2,3,4,5,6", ""])
async def test_bad_nudge_days_are_refused_and_nothing_changes(services: Services, text: str) -> None:
    answer = await services.dispatcher.run_text(group(), MANAGER, "setnudges", text)
    assert answer.error and ("between 1 and 60" in texts(answer) or "Missing days" in texts(answer))
    assert (await services.onboarding.ctx.repo.settings(1)).nudge_days == (3, 7)


async def test_a_member_who_left_is_not_nudged(
    services: Services, telegram: RecordingMessenger, clock: FakeClock
) -> None:
    await join(services, "200", "Gone")
    clock.advance(timedelta(days=1))
    await join(services, "200", "Gone", joined=False)
    clock.advance(timedelta(days=2))
    await services.onboarding.tick()
    assert nudges_to(telegram, "200") == []
