"""Feedback in the console: typed feedback with numbered category buttons, the Discord-style form asked
step by step, upvotes, a manager's status change reaching the members, merge and export — and refusals."""

from __future__ import annotations

from bot.app import Services
from tests.cogs.feedback.helpers import settle
from tests.console.test_console import session


async def test_feedback_flow_in_the_console(services: Services) -> None:
    console, out = session(services)
    await console.handle("/feedback Dark mode | My eyes hurt at night")
    assert "Which category fits your feedback “Dark mode”?" in out[-2] and "[1] 💡 idea" in out[-1]
    await console.handle("1")
    assert "Your feedback is [bold]#1[/bold] (idea): Dark mode" in "\n".join(out[-3:])

    await console.handle("/feedback submit problem")  # the Discord spelling: its form, one field at a time
    assert "Sum your feedback up in a few words" in out[-1]
    await console.handle("Crash")
    assert "Now tell us more" in out[-1]
    await console.handle("On login, every time")
    assert "#2[/bold] (problem): Crash" in "\n".join(out[-3:])

    await console.handle(":name bob")
    await console.handle("/ideas")
    assert "[1] 👍 #1" in out[-1] and "[2] 👍 #2" in out[-1]
    await console.handle("1")
    assert "Upvoted #1: 1 vote now." in out[-1]
    await console.handle("/idea 1")
    assert "History" in "\n".join(out[-3:])

    await console.handle("/fbstatus 1 | done | Shipped")
    assert "Only a manager can use this command" in out[-1]
    await console.handle(":as manager")
    await console.handle(":name max")
    await console.handle("/fbstatus 1 | planned | In March")
    assert "#1 is now planned." in out[-1]
    await settle(services)  # the notices go out after the answer
    told = [line for line in out if line.startswith("[dim](DM)[/dim]") and "In March" in line]
    assert len(told) == 2  # alice wrote it, bob upvoted it
    await console.handle("/fbmerge 2 | 2")
    assert "cannot be merged into itself" in out[-1]
    await console.handle("/fbthemes")
    assert "No recurring themes yet" in out[-1]
    await console.handle("/export feedback")
    assert any("(file feedback-" in line and ".csv" in line for line in out[-3:])
