"""Ring 1: member reports through the mod queue, raid protection and lockdown, settings, and the digest's
read port."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from bot.app import Services
from bot.core.clock import FakeClock
from bot.core.commands import MessageRef
from bot.core.hub import MemberJoined
from bot.core.identity import PlatformId
from bot.core.targets import Target
from cogs.moderation.models import LockdownChanged, ReportFiled
from storage.tables import mod_infractions, mod_reports
from tests.cogs.moderation.conftest import BOB, HERE, MEMBER, MOD, FakeActions, run, sent_to
from tests.cogs.test_dispatch import texts
from tests.cogs.test_outbox import RecordingMessenger
from tests.conftest import START, caller, group

MANAGER = caller(uid="1", name="Owner")
QUEUE = group("telegram", "-1001")  # the queue lives in the group's own chat here (a manager ran /setmodqueue)


async def report_by_reply(services: Services, who=BOB, reason: str = "scam link") -> str:  # type: ignore[no-untyped-def]
    ref = MessageRef("41", "-1001", PlatformId.of("telegram", "100"), "buy coins at evil.ru", START)
    return await run(services, who, "report", reason, target_member=PlatformId.of("telegram", "100"),
                     target_message=ref)  # fmt: skip


# -- reports --------------------------------------------------------------------------------------------
async def test_a_report_reaches_the_queue_and_a_button_acts_and_the_reporter_hears_back(
    services: Services, actions: FakeActions, messenger: RecordingMessenger
) -> None:
    assert "!ERROR" not in await run(services, MANAGER, "setmodqueue")
    filed: list[ReportFiled] = []
    services.hub.subscribe(ReportFiled, filed.append)
    thanks = await report_by_reply(services)
    assert "Thank you" in thanks and "!ERROR" not in thanks
    ((target, card, _locale),) = [s for s in messenger.sent if s[0].chat_id == "-1001"]
    text = card.render_text("en", str, str)
    assert "Report #1" in text and "scam link" in text and "buy coins at evil.ru" in text
    assert "https://example.test/-1001/41" in text
    assert [b.action for row in card.buttons for b in row] == [
        "modrep:1:dismiss", "modrep:1:warn", "modrep:1:mute", "modrep:1:ban",
    ]  # fmt: skip
    assert filed and filed[0].report_id == 1
    refused = await services.dispatcher.press(QUEUE, MEMBER, "modrep:1:ban")
    assert refused.error and actions.calls == []
    done = await services.dispatcher.press(QUEUE, MOD, "modrep:1:mute")
    assert "Report #1: muted for 1 hour" in texts(done)
    (mute,) = actions.of("mute")
    assert mute[2] == "100" and mute[3] == START + timedelta(hours=1)
    again = await services.dispatcher.press(QUEUE, MOD, "modrep:1:ban")
    assert again.error and "already handled" in texts(again) and actions.of("ban") == []
    assert any("was handled" in d and "Thank you" in d for d in sent_to(messenger, "101"))
    ((message_id, edited, _l),) = messenger.edited
    assert message_id == "1" and edited.buttons == () and "Handled by Mona" in edited.render_text("en", str, str)
    async with services.engine.connect() as conn:
        report = (await conn.execute(sa.select(mod_reports))).one()
        infraction = (await conn.execute(sa.select(mod_infractions))).one()
    assert (report.status, report.action) == ("actioned", "mute")
    assert (infraction.source, infraction.reason) == ("report", "§report:1:scam link")


async def test_a_dismissed_report_acts_on_nobody(
    services: Services, actions: FakeActions, messenger: RecordingMessenger
) -> None:
    await report_by_reply(services)
    done = await services.dispatcher.press(QUEUE, MOD, "modrep:1:dismiss")
    assert "dismissed" in texts(done) and actions.calls == []


async def test_without_a_queue_channel_reports_wait_in_reports(
    services: Services, actions: FakeActions, messenger: RecordingMessenger
) -> None:
    await report_by_reply(services)
    assert messenger.sent == []
    answer = await services.dispatcher.run_text(HERE, MOD, "reports", "")
    assert "Report #1" in texts(answer) and answer.messages[0].buttons


async def test_bad_reports_get_clear_answers(
    services: Services, actions: FakeActions, messenger: RecordingMessenger
) -> None:
    assert "Reply to the message you want to report" in await run(services, BOB, "report", "")
    assert "You can't report yourself" in await run(services, BOB, "report", "101 me")
    await report_by_reply(services)
    assert "already reported" in await report_by_reply(services)
    assert "too long" in await report_by_reply(services, reason="x" * 2000)


# -- raids and lockdown ------------------------------------------------------------------------------------
async def joins(services: Services, clock: FakeClock, count: int, every: timedelta, first: int = 1000) -> None:
    community = await services.directory.community("telegram", "-1001", "Group", clock.now())
    for i in range(count):
        uid = str(first + i)
        member = await services.directory.member_id("telegram", uid, None, clock.now())
        await services.hub.deliver(
            MemberJoined(community.id, member, "telegram", "-1001", uid, None, clock.now() + every * i)
        )
    await services.moderation.raid.drain()


async def test_twelve_joins_in_thirty_seconds_lock_down_hold_the_joiners_and_alert_staff(
    services: Services, actions: FakeActions, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    await run(services, MANAGER, "setmodlog")
    await services.communities.update(1, manager_channel=Target.channel("telegram", "-3003"))
    changes: list[LockdownChanged] = []
    services.hub.subscribe(LockdownChanged, changes.append)
    await joins(services, clock, 12, timedelta(seconds=2.5))
    assert [c[0] for c in actions.calls if c[0] == "lockdown"] == ["lockdown"]
    held = {c[2] for c in actions.of("mute")}
    assert {str(1000 + i) for i in range(10)} <= held  # the joiners who made the spike wait too
    assert changes and changes[0].on and changes[0].automatic
    for chat in ("-1001", "-3003"):  # moderators (mod log) and managers (manager channel), at once
        assert any("Lockdown is on" in m for m in sent_to(messenger, chat)), chat
    settings = await services.moderation.store.get(1)
    assert settings.lockdown_until == START + timedelta(minutes=30)

    clock.advance(timedelta(minutes=31))  # it ends by itself
    await services.moderation.expiry.tick()
    assert actions.of("lockdown")[-1][2] is False
    assert {c[2] for c in actions.of("unmute")} == held
    assert (await services.moderation.store.get(1)).lockdown_until is None
    assert any("Lockdown has ended" in m for m in sent_to(messenger, "-3003"))


async def test_a_normal_join_rate_does_nothing(
    services: Services, actions: FakeActions, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    await joins(services, clock, 30, timedelta(seconds=30))
    texts = [m.lines[0].msgid for _t, m, _l in messenger.sent]
    assert actions.calls == [] and not any("ockdown" in t for t in texts)  # welcomes only (onboarding)


async def test_lockdown_on_and_off_by_hand(
    services: Services, actions: FakeActions, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    reply = await run(services, MOD, "lockdown", "on | 15")
    assert "Lockdown is on until" in reply and actions.of("lockdown")
    await joins(services, clock, 1, timedelta(seconds=1), first=777)
    assert actions.of("mute")[0][2] == "777"  # a newcomer is held at the gate
    assert "Lockdown ended" in await run(services, MOD, "lockdown", "off")
    assert actions.of("unmute")[0][2] == "777"
    assert "no lockdown" in await run(services, MOD, "lockdown", "off")


# -- settings ------------------------------------------------------------------------------------------------
async def test_automod_settings_on_telegram_with_words(services: Services, actions: FakeActions) -> None:
    assert "flooding: on, delete and warn (4 within 5 s)" in await run(services, MOD, "automod", "flood on warn 4 5")
    assert "Banned words and phrases: 2" in await run(services, MOD, "automod", "words add foo, bar baz")
    assert "Denied domains: evil.ru" in await run(services, MOD, "automod", "links deny add https://Evil.ru/x")
    assert "3 warnings within 14 days → kick" in await run(services, MOD, "automod", "escalation 3 14 kick")
    assert "5 joins within 20 s" in await run(services, MOD, "automod", "raid on 5 20 15")
    shown = await run(services, MOD, "automod", "")
    assert "flood (flooding): on" in shown and "Denied domains: evil.ru" in shown
    for bad, expected in [
        ("flood on mute 1 5", "between 2 and 50"),
        ("frobnicate on", "Usage"),
        ("links deny add not a domain", "not a domain"),
        ("escalation 30", "between 1 and 20"),
        ("raid on 2", "3–1000 joins"),
        ("words add !!!", "no word in it"),
    ]:
        reply = await run(services, MOD, "automod", bad)
        assert "!ERROR" in reply and expected in reply, (bad, reply)


async def test_managers_set_the_appeal_text_members_read(
    services: Services, actions: FakeActions, messenger: RecordingMessenger
) -> None:
    assert "!ERROR" in await run(services, MOD, "setappeal", "write to appeals@example.com")  # managers only
    assert "appeals@example.com" in await run(services, MANAGER, "setappeal", "write to appeals@example.com")
    await run(services, MOD, "warn", "100 spam")
    assert any("How to appeal: write to appeals@example.com" in d for d in sent_to(messenger, "100"))


# -- the digest's read port --------------------------------------------------------------------------------
async def test_the_summary_counts_actions_reports_and_hits_for_a_period(
    services: Services, actions: FakeActions, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    await run(services, MOD, "warn", "100 spam")
    await run(services, MOD, "note", "100 just a note")
    await run(services, MOD, "mute", "101 1h")
    await report_by_reply(services)
    await services.moderation.enforcer.repo.add_hits([(1, 1, "flood", "mute", "telegram", clock.now())])
    summary = await services.moderation.reader.summary(1, clock.now() - timedelta(days=7), clock.now() + timedelta(1))
    assert summary.actions == {"warn": 1, "mute": 1} and summary.failed == 0
    assert (summary.reports_filed, summary.reports_open, summary.automod_hits) == (1, 1, {"flood": 1})
    days = await services.moderation.reader.risk_days(1, clock.now() - timedelta(days=2), clock.now() + timedelta(1))
    assert [(d.reports, d.automod_hits) for d in days] == [(0, 0), (0, 0), (1, 1), (0, 0)]


async def test_a_member_cannot_flood_the_queue_with_reports(
    services: Services, actions: FakeActions, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    for n in range(5):
        ref = MessageRef(str(50 + n), "-1001", PlatformId.of("telegram", "100"), "x", START)
        assert "Thank you" in await run(services, BOB, "report", "spam", target_message=ref,
                                        target_member=PlatformId.of("telegram", "100"))  # fmt: skip
    ref = MessageRef("60", "-1001", PlatformId.of("telegram", "100"), "x", START)
    alice = PlatformId.of("telegram", "100")
    assert "wait a few minutes" in await run(services, BOB, "report", "spam", target_message=ref, target_member=alice)
    clock.advance(timedelta(minutes=11))
    assert "Thank you" in await run(services, BOB, "report", "spam", target_message=ref, target_member=alice)
