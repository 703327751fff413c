"""Ring 1: what the weekly digest shows of polls and surveys, read through the real polls feature — a survey's
score with its margin and trend, a closed poll's winner (or tie) — and nothing when nothing was asked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import Services
from bot.core.clock import FakeClock
from tests.cogs.polls.test_polls_service import (  # noqa: F401 (fixtures)
    DISCORD,
    discord_poll,
    discord_polls,
    messenger,
    press,
)
from tests.cogs.polls.test_surveys_service import survey
from tests.cogs.test_dispatch import texts
from tests.conftest import caller, group

MANAGER = caller(uid="1", manager=True)


async def digest(services: Services, place=None) -> str:  # type: ignore[no-untyped-def]
    answer = await services.dispatcher.run_text(place or group(), MANAGER, "digest", "")
    assert not answer.error, texts(answer)
    return texts(answer)


@pytest.mark.usefixtures("messenger")
async def test_surveys_and_polls_of_the_week_with_margin_trend_and_winner(services: Services, clock: FakeClock) -> None:
    await survey(services, "nps | 1d")  # survey #1: NPS 25 from four answers
    for uid, score in (("10", 9), ("11", 3), ("12", 8), ("13", 10)):
        await press(services, caller(uid=uid), f"sv:a:1:{score}")
    clock.advance(timedelta(days=1))
    await services.surveys.closer.tick()
    await survey(services, "nps | 1d")  # survey #2: NPS 100 from three, up from 25
    for uid, score in (("10", 10), ("11", 9), ("12", 9)):
        await press(services, caller(uid=uid), f"sv:a:2:{score}")
    await survey(services, "csat | 1d")  # nobody answers: not in the digest
    clock.advance(timedelta(days=6))  # the surveys' week is now the last complete one

    text = await digest(services)
    assert "Polls and surveys" in text
    assert "NPS “Group”: 25 ± 94 (answers: 4)" in text
    assert "NPS “Group”: 100 ± 0 (answers: 3) (before: 25)" in text
    assert "CSAT" not in text
    assert "Not in this digest" not in text


@pytest.mark.usefixtures("messenger", "discord_polls")
async def test_a_closed_poll_shows_its_winner_and_a_tie_names_both(services: Services, clock: FakeClock) -> None:
    assert "!ERROR" not in await discord_poll(
        services, question="Lunch?", answers="Pizza | Sushi | Soup", anonymous=True
    )
    assert "!ERROR" not in await discord_poll(services, question="Day?", answers="Friday | Saturday", anonymous=True)
    for uid, answer in (("10", 0), ("11", 0), ("12", 1)):
        assert "!ERROR" not in await press(services, caller("discord", uid), f"pl:v:1:{answer}", DISCORD)
    for uid, answer in (("10", 0), ("11", 1)):
        assert "!ERROR" not in await press(services, caller("discord", uid), f"pl:v:2:{answer}", DISCORD)
    await services.polls.drain()
    assert await services.polls.close(1) and await services.polls.close(2)
    clock.advance(timedelta(days=7))

    text = await digest(services, DISCORD)
    assert "Poll “Lunch?”: votes 3, first “Pizza” with 67%" in text
    assert "Poll “Day?”: votes 2, first “Friday / Saturday” with 50%" in text


async def test_a_quiet_week_leaves_the_section_out(services: Services, clock: FakeClock) -> None:
    clock.advance(timedelta(days=7))
    text = await digest(services)
    assert "Polls and surveys" not in text and "Not in this digest" not in text
