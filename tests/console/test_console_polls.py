"""Polls and surveys on the console: no native polls there, so every poll runs with buttons."""

from __future__ import annotations

from bot.app import Services
from tests.console.test_console import session


async def test_a_console_poll_runs_with_buttons_and_closes_with_results(services: Services) -> None:
    manager, out = session(services, "manager")
    await manager.handle("/poll Lunch? | Pizza | Sushi | +multiple")
    assert any("[1] 1. Pizza" in line and "[2] 2. Sushi" in line for line in out)
    await manager.handle("2")
    assert "Your vote on poll #1: “Sushi”" in out[-1]
    await services.polls.drain()
    await manager.handle("/poll close 1")
    assert any("Results of poll #1: Lunch?" in line for line in out)
    assert any("Winner: [bold]Sushi[/bold] with 1 vote (100%)." in line for line in out)
    assert any("(file poll-1.png" in line for line in out)


async def test_a_console_survey_takes_a_score_and_a_comment(services: Services) -> None:
    manager, out = session(services, "manager")
    await manager.handle("/survey nps 2d")  # the Discord spelling works on the console too
    await manager.handle("11")  # the buttons are 0..10: the eleventh is "10"
    assert "Thanks! Your answer to survey #1: 10." in out[-2]
    await manager.handle("1")  # the answer brought its own button: "Add a comment"
    assert "What would you like to tell the managers?" in out[-1]
    await manager.handle("Keep going!")
    assert "your comment on survey #1 is saved" in out[-1]
    (answer,) = await services.surveys.repo.answers(1)
    assert (answer.score, answer.comment) == (10, "Keep going!")
