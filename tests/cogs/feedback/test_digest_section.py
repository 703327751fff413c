"""Ring 1: what the weekly digest shows of feedback, read through the real feedback feature (new items, the most
upvoted, status changes, what still waits for an answer), and bursts of problem reports as a risk alert."""

from __future__ import annotations

from datetime import timedelta

from bot.app import Services
from bot.core.clock import FakeClock
from tests.cogs.feedback.helpers import ALICE, BOB, CAROL, DMITRI, OWNER, said, settle, submit, upvote
from tests.cogs.test_dispatch import texts
from tests.cogs.test_outbox import RecordingMessenger
from tests.conftest import group


async def digest(services: Services, locale: str = "en") -> str:
    answer = await services.dispatcher.run_text(group(), OWNER, "digest", "")
    assert not answer.error, texts(answer)
    return "\n".join(m.render_text(locale, str, str) for m in answer.messages)


async def test_the_digest_shows_the_weeks_feedback_and_what_waits_for_an_answer(
    services: Services, clock: FakeClock
) -> None:
    await submit(services, ALICE, "Dark mode | My eyes hurt at night")
    await submit(services, BOB, "Quiet hours | No pings at night please")
    await submit(services, CAROL, "Login broken | The login page fails at night", category="problem")
    for who in (BOB, CAROL, DMITRI):
        assert not (await upvote(services, who, 1)).error
    assert "!ERROR" not in said(await services.dispatcher.run_text(group(), OWNER, "fbstatus", "2 | planned | Soon"))
    await settle(services)
    clock.advance(timedelta(days=7))

    text = await digest(services)
    assert "New items: 3 · waiting for a reply: 2" in text  # #2 got its answer
    assert "#1 Dark mode: votes 3, new" in text
    assert "#2 Quiet hours: new → planned" in text
    assert "night (3)" in text  # a theme the three items share
    assert "Reply to the most wanted idea #1 “Dark mode” (3 votes)." in text


async def test_a_quiet_week_with_nothing_open_leaves_the_section_out(services: Services, clock: FakeClock) -> None:
    clock.advance(timedelta(days=7))
    assert "New items:" not in await digest(services)


async def test_a_burst_of_problem_reports_alerts_the_managers(services: Services) -> None:
    managers = RecordingMessenger()
    services.messengers["telegram"] = managers
    await services.dispatcher.run_text(group(), OWNER, "setchannel", "")
    await submit(services, ALICE, "Dark mode | An idea, not a problem")
    for who, text in ((ALICE, "Crash | The app crashes"), (BOB, "Lost data | My posts vanished"),
                      (CAROL, "Slow | Pages take a minute")):  # fmt: skip
        await submit(services, who, text, category="problem")
    await services.hub.drain()
    await settle(services)
    alerts = [
        m.render_text("en", str, str) for _t, m, _l in managers.sent if "Unusual" in m.render_text("en", str, str)
    ]
    assert len(alerts) == 1 and "negative feedback" in alerts[0]
