"""Ring 1: weekly delivery — on the configured weekday and hour in the community's time zone, to subscribers by
private message and to the manager channel, once per week and recipient across restarts; a week missed while the
bot was down goes out at start-up; a mid-week subscriber waits for the next one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.app import Services, build_services
from bot.core.clock import FakeClock
from cogs.digest.delivery import scheduled_after, scheduled_before
from cogs.digest.models import DigestSettings
from config.settings import Settings
from tests.cogs.digest.script import Script, day
from tests.cogs.test_outbox import RecordingMessenger
from tests.conftest import START, caller, group, private

OWNER = caller(uid="1", manager=True, locale="de")
MONDAY_9 = datetime(2026, 3, 9, 9, tzinfo=UTC)
TUESDAY = datetime(2026, 3, 3, 12, tzinfo=UTC)


def digests(recording: RecordingMessenger) -> list[tuple[str, bool, str, str]]:
    """(chat, private?, locale, title) of every digest sent."""
    out = []
    for target, message, locale in recording.sent:
        if message.sections and message.sections[0].image == "digest-growth.png":
            title = message.sections[0].title
            assert title is not None
            out.append((target.chat_id, target.dm, locale, title.render(locale)))
    return out


async def start(settings: Settings, clock: FakeClock, recording: RecordingMessenger) -> Services:
    services = await build_services(settings, clock)
    services.messengers["telegram"] = recording
    return services


@pytest.fixture
async def running(settings: Settings, clock: FakeClock) -> AsyncIterator[tuple[Services, RecordingMessenger]]:
    recording = RecordingMessenger()
    clock.set(TUESDAY)  # set up mid-week: nothing is due until next Monday 09:00
    services = await start(settings, clock, recording)
    s = Script(services)
    s.msg("10", day(1))
    await s.flush()
    await services.dispatcher.run_text(group(), OWNER, "setchannel", "")
    await services.dispatcher.run_text(private(uid="1"), OWNER, "digest", "subscribe")
    yield services, recording
    await services.engine.dispose()


async def test_one_digest_per_week_and_recipient_across_a_restart(
    running: tuple[Services, RecordingMessenger], settings: Settings, clock: FakeClock
) -> None:
    services, recording = running
    assert await services.digest.delivery.run_due() == 0  # a day after Monday 09:00: a sweep sends nothing late
    assert digests(recording) == []  # the manager subscribed mid-week: they get the next one
    clock.set(MONDAY_9 - timedelta(minutes=1))
    assert await services.digest.delivery.run_due() == 0
    clock.set(MONDAY_9)
    assert await services.digest.delivery.run_due() == 1
    assert await services.digest.delivery.run_due() == 0  # again: nothing more
    first = digests(recording)
    assert sorted((chat, dm, locale) for chat, dm, locale, _ in first) == [("-1001", False, "en"), ("1", True, "de")]
    assert all("2. März – 8. März 2026" in title or "Mar 2 – Mar 8, 2026" in title for *_, title in first)
    await services.engine.dispose()

    services = await start(settings, clock, recording)  # a restart
    clock.advance(timedelta(hours=2))
    assert await services.digest.delivery.catch_up() == 0
    clock.set(MONDAY_9 + timedelta(days=7))
    assert await services.digest.delivery.run_due() == 1
    assert await services.digest.delivery.catch_up() == 0
    assert len(digests(recording)) == 4  # two weeks × two recipients, each once
    await services.engine.dispose()


async def test_a_week_missed_while_down_is_sent_at_start_up(
    running: tuple[Services, RecordingMessenger], settings: Settings, clock: FakeClock
) -> None:
    services, recording = running
    await services.engine.dispose()  # down over Monday 09:00
    clock.set(MONDAY_9 + timedelta(days=1, hours=5))  # back on Tuesday afternoon
    services = await start(settings, clock, recording)
    assert await services.digest.delivery.run_due() == 0  # a running sweep would not send a day late …
    assert await services.digest.delivery.catch_up() == 1  # … start-up does
    assert len(digests(recording)) == 2
    assert all("Mar 2 – Mar 8, 2026" in title or "2. März" in title for *_, title in digests(recording))
    await services.engine.dispose()


async def test_the_channel_copy_can_be_switched_off(
    running: tuple[Services, RecordingMessenger], clock: FakeClock
) -> None:
    services, recording = running
    await services.dispatcher.run_text(group(), OWNER, "digestschedule", "mon | 9 | off")
    clock.set(MONDAY_9)
    await services.digest.delivery.run_due()
    assert [(chat, dm) for chat, dm, *_ in digests(recording)] == [("1", True)]


def test_the_send_time_is_the_community_hour_across_daylight_saving() -> None:
    monday_9 = DigestSettings(1, 0, 9)
    # Helsinki: 09:00 is 07:00 UTC in winter and 06:00 UTC in summer (from 2026-03-29).
    after_switch = datetime(2026, 3, 30, 6, 30, tzinfo=UTC)
    assert scheduled_before(monday_9, "Europe/Helsinki", after_switch) == datetime(2026, 3, 30, 6, tzinfo=UTC)
    assert scheduled_before(monday_9, "Europe/Helsinki", after_switch - timedelta(hours=1)) == datetime(
        2026, 3, 23, 7, tzinfo=UTC
    )
    assert scheduled_after(monday_9, "Europe/Helsinki", datetime(2026, 3, 24, tzinfo=UTC)) == datetime(
        2026, 3, 30, 6, tzinfo=UTC
    )
    friday_16 = DigestSettings(1, 4, 16)
    assert scheduled_after(friday_16, "America/New_York", START) == datetime(2026, 3, 6, 21, tzinfo=UTC)
