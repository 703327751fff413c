"""Ring 1: reputation-risk alerts — a scripted burst alerts managers once, baseline noise does not; watch-list terms
match whole words in any language, in memory; other features' signals (reports, automod, negative feedback) plug in
through the RiskSignal hub event."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import Services
from bot.core.clock import FakeClock
from cogs.digest.models import RiskSignal
from cogs.digest.risk import compile_terms, hour_of, robust_z
from tests.cogs.digest.script import Script
from tests.cogs.test_dispatch import texts
from tests.cogs.test_outbox import RecordingMessenger
from tests.conftest import START, caller, group

OWNER = caller(uid="1", manager=True)
HOUR = hour_of(START)


@pytest.fixture
async def managers(services: Services) -> RecordingMessenger:
    """A manager channel in the group, so alerts have somewhere to go; a recording messenger."""
    recording = RecordingMessenger()
    services.messengers["telegram"] = recording
    await services.dispatcher.run_text(group(), OWNER, "setchannel", "")
    return recording


async def baseline(services: Services, kind: str, counts: list[int]) -> None:
    """The same hour of the week in each of the last len(counts) weeks."""
    rows = [(1, kind, HOUR - timedelta(weeks=k + 1), n) for k, n in enumerate(counts) if n]
    await services.digest.risk.repo.add_counts(rows)


def alerts(recording: RecordingMessenger) -> list[str]:
    return [m.render_text("en", str, str) for _t, m, _l in recording.sent if "Unusual" in m.render_text("en", str, str)]


def test_robust_z_uses_median_and_mad_with_a_floor() -> None:
    assert robust_z(10, [1, 2, 1, 0, 2, 1, 1, 2]) == (1.0, pytest.approx(9.0))  # MAD 0.5 → the floor √1 wins
    assert robust_z(3, [0] * 8) == (0, pytest.approx(4.0))  # nothing usually: 3 is already a burst
    median, z = robust_z(7, [4, 6, 5, 7, 5, 6, 4, 5])
    assert median == 5 and z < 4  # within the usual spread


async def test_a_burst_of_leaves_alerts_managers_once(services: Services, managers: RecordingMessenger) -> None:
    await baseline(services, "leave", [1, 0, 2, 1, 0, 1, 1, 2])
    s = Script(services)
    for i in range(12):  # 12 leaves within the hour
        await s.leave(str(100 + i), START + timedelta(minutes=i))
    await services.hub.drain()
    sent = alerts(managers)
    assert len(sent) == 1
    assert "Unusual members leaving in Group" in sent[0]
    assert "usually 1" in sent[0]  # the median of the same hour in the last 8 weeks
    for i in range(5):  # the burst goes on: no stream of alerts
        await s.leave(str(200 + i), START + timedelta(minutes=40 + i))
    await services.hub.drain()
    assert len(alerts(managers)) == 1


async def test_baseline_noise_does_not_alert(services: Services, managers: RecordingMessenger) -> None:
    await baseline(services, "leave", [4, 6, 5, 7, 5, 6, 4, 5])  # a busy community: 4–7 leaves this hour
    s = Script(services)
    for i in range(7):
        await s.leave(str(100 + i), START + timedelta(minutes=i))
    await services.hub.drain()
    assert alerts(managers) == []


async def test_a_few_leaves_in_a_quiet_community_are_below_the_minimum(
    services: Services, managers: RecordingMessenger
) -> None:
    s = Script(services)
    for i in range(4):  # z would be high (the baseline is zero), but 4 is below the minimum count of 5
        await s.leave(str(100 + i), START + timedelta(minutes=i))
    await services.hub.drain()
    assert alerts(managers) == []


async def test_watch_list_terms_alert_with_links_and_are_never_stored(
    services: Services, managers: RecordingMessenger
) -> None:
    await services.dispatcher.run_text(group(), OWNER, "watchlist", "add | huijaus*")
    await services.dispatcher.run_text(group(), OWNER, "watchlist", "add | scam")
    s = Script(services, scope="-1001")
    s.msg("7", START + timedelta(minutes=3), channel="-1001", text="Tämä on HUIJAUSTA!", message_id="501")
    s.msg("8", START + timedelta(minutes=2), channel="-1001", text="Is this a scam?", message_id="502")
    s.msg("9", START + timedelta(minutes=1), channel="-1001", text="assistance needed", message_id="503")  # no
    s.msg("9", START, channel="-1001", text="scammers? (scam only as a whole word)", message_id="504")
    await services.hub.drain()
    sent = alerts(managers)
    assert len(sent) == 1 and "watch-list terms" in sent[0]
    [alert] = await services.digest.risk.repo.alerts(1, START - timedelta(hours=1), START + timedelta(hours=1))
    assert alert.count == 3 and sorted(e.message_id for e in alert.examples) == ["501", "502", "504"]
    import sqlalchemy as sa

    from storage.tables import activity_events, risk_alerts, risk_hourly

    await services.digest.risk.flush()
    async with services.engine.connect() as conn:
        for table in (activity_events, risk_alerts, risk_hourly):
            for row in (await conn.execute(sa.select(table))).all():
                assert "scam" not in str(row).lower() and "huijaus" not in str(row).lower()


def test_terms_match_whole_words_in_every_script() -> None:
    pattern = compile_terms(["ass", "мошенник*", "betrug"])
    assert pattern is not None
    assert pattern.search("an ass!") and not pattern.search("assistance")
    assert pattern.search("Это мошенники") and pattern.search("Betrug!") and not pattern.search("betrugsfrei")


async def test_reports_from_moderation_plug_in_through_the_hub(
    services: Services, managers: RecordingMessenger
) -> None:
    for i in range(3):
        services.hub.publish(
            RiskSignal(1, "report", START + timedelta(minutes=i), "telegram", "-1001", "-1001", str(i))
        )
    await services.hub.drain()
    assert len(alerts(managers)) == 1 and "reports" in alerts(managers)[0]


async def test_an_alert_reaches_subscribers_privately_and_shows_in_the_digest(
    services: Services, managers: RecordingMessenger, clock: FakeClock
) -> None:
    from tests.conftest import private

    await services.dispatcher.run_text(group(), OWNER, "help", "")
    await services.dispatcher.run_text(private(uid="1"), OWNER, "digest", "subscribe")
    s = Script(services)
    for i in range(6):
        await s.leave(str(300 + i), START + timedelta(minutes=i))
    await services.hub.drain()
    targets = sorted((t.chat_id, t.dm) for t, m, _ in managers.sent if "Unusual" in m.render_text("en", str, str))
    assert targets == [("-1001", False), ("1", True)]
    clock.advance(timedelta(days=7))
    digest = await services.dispatcher.run_text(group(), OWNER, "digest", "")
    assert "Risk alerts this week" in texts(digest) and "members leaving, 5 in an hour" in texts(
        digest
    )  # when it alerted


def test_moderation_and_feedback_events_become_signals_with_their_message_ids() -> None:
    from cogs.digest.signals import from_automod, from_feedback, from_report
    from cogs.feedback.models import FeedbackSubmitted
    from cogs.moderation.models import AutomodHit, ReportFiled

    hit = AutomodHit(1, 7, "links", "delete", "discord", START, "55", "c1", "m9")
    assert from_automod(hit) == RiskSignal(1, "automod", START, "discord", "55", "c1", "m9")
    filed = ReportFiled(1, 3, 7, 8, START, "telegram", "-1001", "-1001", "41")
    assert from_report(filed) == RiskSignal(1, "report", START, "telegram", "-1001", "-1001", "41")
    assert from_feedback(FeedbackSubmitted(1, 5, 2, "idea", START)) is None  # only problems are a risk
    assert from_feedback(FeedbackSubmitted(1, 5, 2, "problem", START)) == RiskSignal(1, "negative_feedback", START)
