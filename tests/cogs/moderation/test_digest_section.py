"""Ring 1: what the weekly digest shows of moderation, read through the real moderation feature (actions by kind,
reports and the open ones, automod hits by rule), and reports and automod hits reaching the risk alerts."""

from __future__ import annotations

from datetime import timedelta

from bot.app import Services
from bot.core.clock import FakeClock
from bot.core.commands import MessageRef
from bot.core.identity import PlatformId
from tests.cogs.moderation.conftest import MOD, FakeActions, run
from tests.cogs.test_dispatch import texts
from tests.cogs.test_outbox import RecordingMessenger
from tests.conftest import START, caller, group

MANAGER = caller(uid="1", name="Owner")


async def report(services: Services, reporter: str, message_id: str) -> str:
    ref = MessageRef(message_id, "-1001", PlatformId.of("telegram", "100"), "buy coins at evil.ru", START)
    who = caller(uid=reporter, name=f"Reporter {reporter}")
    return await run(
        services, who, "report", "scam", target_member=PlatformId.of("telegram", "100"), target_message=ref
    )


async def digest(services: Services) -> str:
    answer = await services.dispatcher.run_text(group(), MANAGER, "digest", "")
    assert not answer.error, texts(answer)
    return texts(answer)


async def test_the_digest_counts_actions_reports_and_asks_to_review_the_open_ones(
    services: Services, actions: FakeActions, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    assert "!ERROR" not in await run(services, MOD, "warn", "100 spam")
    assert "!ERROR" not in await run(services, MOD, "warn", "101 spam")
    assert "!ERROR" not in await run(services, MOD, "mute", "100 1h | spam again")
    assert "!ERROR" not in await run(services, MOD, "note", "101 talked to them")  # notes are not actions
    assert "!ERROR" not in await report(services, "102", "41")
    clock.advance(timedelta(days=7))

    text = await digest(services)
    assert "Moderation and risks" in text
    assert "warnings: 2, mutes: 1" in text
    assert "Reports: 1 (1 open); automod hits: 0" in text
    assert "Review the 1 open report in the mod queue." in text


async def test_a_burst_of_reports_alerts_the_managers_with_links_to_the_messages(
    services: Services, actions: FakeActions, messenger: RecordingMessenger
) -> None:
    await services.dispatcher.run_text(group(), MANAGER, "setchannel", "")
    for reporter, message_id in (("102", "41"), ("103", "42"), ("104", "43")):
        assert "!ERROR" not in await report(services, reporter, message_id)
    await services.hub.drain()
    alerts = [
        m.render_text("en", str, str) for t, m, _l in messenger.sent if "Unusual" in m.render_text("en", str, str)
    ]
    assert len(alerts) == 1 and "reports" in alerts[0]
    assert "Look at: #1, #2, #3" in alerts[0]  # each a link to a reported message
    alert = await services.digest.risk.repo.last_alert(1, "report")
    assert alert is not None and [e.message_id for e in alert.examples] == ["41", "42", "43"]


async def test_a_quiet_week_leaves_the_section_out(services: Services, clock: FakeClock) -> None:
    clock.advance(timedelta(days=7))
    assert "Moderation and risks" not in await digest(services)
