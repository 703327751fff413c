"""Ring 1: rules, and the rules gate on Telegram (restrict → own press lifts → time limit removes), join
requests, and the Discord member-role gate; with bad input and restarts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.app import Services, build_services
from bot.core.clock import FakeClock
from bot.core.hub import MembershipSeen
from cogs.onboarding.models import GateStatus, JoinRequested
from cogs.onboarding.ports import AccessProblem, GroupGate, Headcount
from config.settings import Settings
from storage.tables import onboarding_gates, onboarding_settings
from tests.cogs.onboarding.conftest import GROUP, GUILD, FakeGroupGate, FakeRoleGate, FixedHeadcount, join, member_id
from tests.cogs.test_dispatch import texts
from tests.cogs.test_outbox import RecordingMessenger
from tests.conftest import caller, group, private

MANAGER = caller(uid="1")
NEWBIE = caller(uid="200", name="Aino", locale="fi")


async def set_rules(services: Services, text: str = "Be kind | Stay on topic | No spam") -> str:
    answer = await services.dispatcher.run_text(group(), MANAGER, "setrules", text)
    return texts(answer) + ("!ERROR" if answer.error else "")


async def gate_rows(services: Services) -> list[tuple[str, str]]:
    async with services.engine.connect() as conn:
        rows = await conn.execute(sa.select(onboarding_gates).order_by(onboarding_gates.c.id))
        return [(r.kind, r.status) for r in rows]


# -- rules ----------------------------------------------------------------------------------------------
async def test_rules_are_set_with_bars_and_shown_numbered_to_anyone(services: Services) -> None:
    saved = await set_rules(services, "1. Be kind | Stay on topic |  No   spam ")
    assert saved.startswith("Saved 3 rules:\n1. Be kind\n2. Stay on topic\n3. No spam")
    shown = await services.dispatcher.run_text(group(), caller(uid="77", locale="ru"), "rules", "")
    assert texts(shown) == "Правила\n1. Be kind\n2. Stay on topic\n3. No spam" and not shown.error


async def test_rules_before_any_are_set_say_so(services: Services) -> None:
    answer = await services.dispatcher.run_text(group(), caller(uid="77"), "rules", "")
    assert texts(answer) == "No rules have been set here yet."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (" | | ", "Give at least one rule"),
        (" | ".join(f"Rule {i}" for i in range(50)), "At most 20 rules, not 50"),
        ("Be kind | " + "x" * 1000, "Rule 2 is too long: 1,000 characters, at most 300."),
        (" | ".join("y" * 1000 for _ in range(50)), "rules is too long"),
    ],
    ids=["empty", "fifty-rules", "one-long-rule", "fifty-long-rules"],
)
async def test_bad_rules_are_refused_and_nothing_is_written(services: Services, text: str, expected: str) -> None:
    reply = await set_rules(services, text)
    assert reply.endswith("!ERROR") and expected in reply
    async with services.engine.connect() as conn:
        assert (await conn.execute(sa.select(onboarding_settings.c.rules))).all() == []


async def test_setrules_alone_asks_for_the_rules(services: Services) -> None:
    first = await services.dispatcher.run_text(group(), MANAGER, "setrules", "")
    assert "Send the rules, separated by |" in texts(first)
    done = await services.dispatcher.continue_text(group(), MANAGER, "Be kind | No spam")
    assert done is not None and "Saved 2 rules" in texts(done)


async def test_a_member_cannot_set_rules(services: Services) -> None:
    answer = await services.dispatcher.run_text(group(), caller(uid="77", locale="fi"), "setrules", "Anarchy")
    assert answer.error and "ylläpitäjä" in texts(answer)
    assert (await services.onboarding.ctx.repo.settings(1)).rules == ()


async def test_rules_in_a_private_chat_for_a_stranger_say_how_to_join(services: Services) -> None:
    # A member's own community answers in private (tests/cogs/test_private_chats.py); a stranger has none.
    answer = await services.dispatcher.run_text(private(uid="77"), caller(uid="77"), "rules", "")
    assert answer.error and "group" in texts(answer) and "/link" in texts(answer)


# -- the Telegram gate ----------------------------------------------------------------------------------
async def test_a_newcomer_is_restricted_until_their_own_press_and_others_are_refused(
    services: Services, telegram: RecordingMessenger, group_gate: FakeGroupGate
) -> None:
    await set_rules(services)
    await join(services, "200", "Aino", locale="fi")
    assert group_gate.calls == [("restrict", GROUP, "200")]
    gate_post = next(m for t, m, _ in telegram.sent if not t.dm and m.buttons)
    assert [b.action for row in gate_post.buttons for b in row] == ["onb:acc:1"]
    assert gate_post.mention_ids == ("200",) and "10 minutes" in gate_post.render_text("en", str, str)

    other = await services.dispatcher.press(group(), caller(uid="300", name="Bob"), "onb:acc:1")
    assert other.error and texts(other) == "This button is for Aino."
    assert group_gate.calls == [("restrict", GROUP, "200")]

    own = await services.dispatcher.press(group(), NEWBIE, "onb:acc:1")
    assert not own.error and texts(own) == "Kiitos! Tervetuloa yhteisöön Group."
    assert group_gate.calls[-1] == ("unrestrict", GROUP, "200")
    assert telegram.edited and "accepted the rules" in telegram.edited[-1][1].render_text("en", str, str)
    again = await services.dispatcher.press(group(), NEWBIE, "onb:acc:1")
    assert again.error and "jo hyväksynyt" in texts(again)
    journey = await services.onboarding.ctx.repo.journey(1, await member_id(services, "200"))
    assert journey is not None and journey.gated and journey.rules_accepted_at is not None
    assert await gate_rows(services) == [("restrict", "accepted")]


async def test_the_time_limit_removes_the_newcomer_and_tells_them_privately(
    services: Services, telegram: RecordingMessenger, group_gate: FakeGroupGate, clock: FakeClock
) -> None:
    await set_rules(services)
    await services.dispatcher.run_text(group(), MANAGER, "setgate", "on | 5")
    await join(services, "200", "Aino", locale="de")
    clock.advance(timedelta(minutes=4, seconds=59))
    await services.onboarding.tick()
    assert [c[0] for c in group_gate.calls] == ["restrict"]
    clock.advance(timedelta(seconds=1))
    await services.onboarding.tick()
    assert [c[0] for c in group_gate.calls] == ["restrict", "remove"]
    told = [(m, loc) for t, m, loc in telegram.sent if t.dm and t.chat_id == "200"][-1]
    assert told[1] == "de" and "innerhalb von 5 Minuten" in told[0].render_text("de", str, str)
    late = await services.dispatcher.press(group(), NEWBIE, "onb:acc:1")
    assert late.error and "nicht mehr offen" not in texts(late) and "ei ole enää auki" in texts(late)
    assert await gate_rows(services) == [("restrict", "expired")]


async def test_a_gate_survives_a_restart_between_join_and_press(
    tmp_path: Path, settings: Settings, clock: FakeClock
) -> None:
    first = await build_services(settings, clock)
    gate = FakeGroupGate()
    port: GroupGate = gate
    first.capabilities.provide("telegram", GroupGate, port)
    first.messengers["telegram"] = RecordingMessenger()
    await first.dispatcher.run_text(group(), MANAGER, "setrules", "Be kind")
    await join(first, "200", "Aino")
    await first.engine.dispose()

    clock.advance(timedelta(minutes=3))
    second = await build_services(settings, clock)  # a new process: nothing in memory
    second.capabilities.provide("telegram", GroupGate, port)
    second.messengers["telegram"] = RecordingMessenger()
    await second.onboarding.start()
    pressed = await second.dispatcher.press(group(), caller(uid="200"), "onb:acc:1")
    assert not pressed.error, texts(pressed)
    assert gate.calls == [("restrict", GROUP, "200"), ("unrestrict", GROUP, "200")]
    await second.engine.dispose()


async def test_an_overdue_time_limit_is_applied_at_start_up(settings: Settings, clock: FakeClock) -> None:
    first = await build_services(settings, clock)
    gate = FakeGroupGate()
    port: GroupGate = gate
    first.capabilities.provide("telegram", GroupGate, port)
    first.messengers["telegram"] = RecordingMessenger()
    await first.dispatcher.run_text(group(), MANAGER, "setrules", "Be kind")
    await join(first, "200", "Aino")
    await first.engine.dispose()
    clock.advance(timedelta(hours=2))  # the bot was down past the limit
    second = await build_services(settings, clock)
    second.capabilities.provide("telegram", GroupGate, port)
    second.messengers["telegram"] = RecordingMessenger()
    await second.onboarding.start()
    assert gate.calls[-1] == ("remove", GROUP, "200")
    await second.engine.dispose()


async def test_no_gate_without_rules_or_when_switched_off_or_without_rights(
    services: Services, telegram: RecordingMessenger, group_gate: FakeGroupGate
) -> None:
    await join(services, "201", "NoRules")
    await set_rules(services)
    await services.dispatcher.run_text(group(), MANAGER, "setgate", "off")
    await join(services, "202", "GateOff")
    await services.dispatcher.run_text(group(), MANAGER, "setgate", "on")
    group_gate.problem_now = AccessProblem.CANNOT_RESTRICT
    await join(services, "203", "NoRights")
    assert group_gate.calls == []
    journey = await services.onboarding.ctx.repo.journey(1, await member_id(services, "203"))
    assert journey is not None and not journey.gated  # the rules step is passed for them


async def test_a_failed_restriction_lets_the_newcomer_in(
    services: Services, telegram: RecordingMessenger, group_gate: FakeGroupGate
) -> None:
    await set_rules(services)
    group_gate.refuse = AccessProblem.CANNOT_RESTRICT
    await join(services, "200", "Aino")
    assert await gate_rows(services) == [("restrict", "failed")]
    assert not any(m.buttons for t, m, _ in telegram.sent if not t.dm)


async def test_gate_on_without_rules_is_refused_and_nothing_written(
    services: Services, group_gate: FakeGroupGate
) -> None:
    await services.dispatcher.run_text(group(), MANAGER, "setgate", "off")
    answer = await services.dispatcher.run_text(group(), MANAGER, "setgate", "on | 15")
    assert answer.error and "Set the rules first" in texts(answer)
    settings = await services.onboarding.ctx.repo.settings(1)
    assert not settings.gate_enabled and settings.gate_minutes == 10
    await set_rules(services)
    group_gate.problem_now = AccessProblem.NOT_ADMIN
    answer = await services.dispatcher.run_text(group(), MANAGER, "setgate", "on")
    assert answer.error and "not an administrator" in texts(answer)
    group_gate.problem_now = None
    answer = await services.dispatcher.run_text(group(), MANAGER, "setgate", "on | 15")
    assert not answer.error and "after 15 minutes" in texts(answer)


@pytest.mark.parametrize(("text", "expected"), [("maybe", "state must be one of"), ("on | 0", "between 1 and 1,440"),
                                                ("on | soon", "whole number"), ("", "Missing state")])  # fmt: skip
async def test_bad_gate_input_is_refused(services: Services, text: str, expected: str) -> None:
    answer = await services.dispatcher.run_text(group(), MANAGER, "setgate", text)
    assert answer.error and expected in texts(answer)


# -- join requests --------------------------------------------------------------------------------------
async def test_a_join_request_gets_the_rules_privately_and_accepting_approves_it(
    services: Services, telegram: RecordingMessenger, group_gate: FakeGroupGate, clock: FakeClock
) -> None:
    await set_rules(services)
    await services.hub.deliver(JoinRequested("telegram", GROUP, "Group", "400", "Rea", clock.now(), "ru"))
    ((target, dm, locale),) = telegram.sent
    assert target.dm and target.chat_id == "400" and locale == "ru"
    assert [b.action for row in dm.buttons for b in row] == ["onb:acc:1"] and "Group" in dm.render_text("ru", str, str)
    answer = await services.dispatcher.press(private(uid="400"), caller(uid="400", locale="ru"), "onb:acc:1")
    assert not answer.error and "Вы приняты" in texts(answer)
    assert group_gate.calls == [("approve", GROUP, "400")]
    # The approval makes Telegram report the join: the accepted member is not held again.
    await join(services, "400", "Rea", locale="ru")
    assert group_gate.calls == [("approve", GROUP, "400")]
    journey = await services.onboarding.ctx.repo.journey(1, await member_id(services, "400"))
    assert journey is not None and journey.rules_accepted_at is not None


async def test_an_unanswered_join_request_is_declined_at_the_time_limit(
    services: Services, telegram: RecordingMessenger, group_gate: FakeGroupGate, clock: FakeClock
) -> None:
    await set_rules(services)
    await services.hub.deliver(JoinRequested("telegram", GROUP, "Group", "400", "Rea", clock.now()))
    clock.advance(timedelta(minutes=10))
    await services.onboarding.tick()
    assert group_gate.calls == [("decline", GROUP, "400")]
    assert "request to join" in telegram.sent[-1][1].render_text("en", str, str)


async def test_a_join_request_without_rules_is_left_to_the_managers(
    services: Services, telegram: RecordingMessenger, group_gate: FakeGroupGate, clock: FakeClock
) -> None:
    await services.hub.deliver(JoinRequested("telegram", GROUP, "Group", "400", "Rea", clock.now()))
    await services.dispatcher.run_text(group(), MANAGER, "help", "")  # the community exists now
    await services.hub.deliver(JoinRequested("telegram", GROUP, "Group", "400", "Rea", clock.now()))
    assert telegram.sent == [] and group_gate.calls == []


# -- the Discord gate -----------------------------------------------------------------------------------
DC_GUILD = group("discord", GUILD)
DC_MANAGER = caller("discord", "9", "Max", manager=True)


async def test_discord_gate_needs_a_member_role_and_grants_it_on_accept(
    services: Services, discord_messages: RecordingMessenger, role_gate: FakeRoleGate
) -> None:
    answer = await services.dispatcher.run_text(DC_GUILD, DC_MANAGER, "setgate", "on")
    assert answer.error and "Choose the member role first" in texts(answer)
    roles = services.registry.by_discord(["setup", "roles"])
    assert roles is not None and "member_role" in [a.name for a in roles.args]
    saved = await services.dispatcher.run(DC_GUILD, DC_MANAGER, roles, {"member_role": "888"})
    assert "Member role saved" in texts(saved) and "newcomers get the member role" in texts(saved)
    await join(services, "500", "Dora", platform="discord", scope=GUILD)
    gate_post = next(m for t, m, _ in discord_messages.sent if not t.dm and m.buttons)
    assert [t.chat_id for t, m, _ in discord_messages.sent if m is gate_post] == ["700"]  # the system channel
    answer = await services.dispatcher.press(DC_GUILD, caller("discord", "500", "Dora"), "onb:acc:1")
    assert not answer.error, texts(answer)
    assert role_gate.calls == [("grant", GUILD, "500", "888")]


async def test_missing_manage_roles_is_named_at_setup_and_when_granting_fails(
    services: Services, discord_messages: RecordingMessenger, role_gate: FakeRoleGate
) -> None:
    role_gate.problem_now = AccessProblem.NO_MANAGE_ROLES
    roles = services.registry.by_discord(["setup", "roles"])
    assert roles is not None
    saved = await services.dispatcher.run(DC_GUILD, DC_MANAGER, roles, {"member_role": "888", "moderator_role": "5"})
    assert "Staff roles saved." in texts(saved) and "I lack the Manage Roles permission" in texts(saved)
    await join(services, "500", "Dora", platform="discord", scope=GUILD)
    answer = await services.dispatcher.press(DC_GUILD, caller("discord", "500", "Dora"), "onb:acc:1")
    assert answer.error and "I lack the Manage Roles permission" in texts(answer)
    told = [m.render_text("en", str, str) for t, m, _ in discord_messages.sent if "could not let Dora in" in
            m.render_text("en", str, str)]  # fmt: skip
    assert told and "Manage Roles" in told[0]
    assert await gate_rows(services) == [("role", GateStatus.PENDING.value)]  # they can press again once fixed
    role_gate.problem_now = None
    assert not (await services.dispatcher.press(DC_GUILD, caller("discord", "500"), "onb:acc:1")).error


async def test_a_rejoining_discord_member_who_accepted_gets_the_role_back_without_a_new_gate(
    services: Services, discord_messages: RecordingMessenger, role_gate: FakeRoleGate, clock: FakeClock
) -> None:
    roles = services.registry.by_discord(["setup", "roles"])
    assert roles is not None
    await services.dispatcher.run(DC_GUILD, DC_MANAGER, roles, {"member_role": "888"})
    await join(services, "500", "Dora", platform="discord", scope=GUILD)
    await services.dispatcher.press(DC_GUILD, caller("discord", "500"), "onb:acc:1")
    await join(services, "500", "Dora", platform="discord", scope=GUILD, joined=False)
    clock.advance(timedelta(days=1))
    await join(services, "500", "Dora", platform="discord", scope=GUILD)
    assert role_gate.calls == [("grant", GUILD, "500", "888")] * 2
    assert len(await gate_rows(services)) == 1


async def test_pressing_a_button_of_a_gate_that_is_gone(services: Services) -> None:
    answer = await services.dispatcher.press(group(), caller(uid="1"), "onb:acc:99")
    assert answer.error and "/rules" in texts(answer)
    answer = await services.dispatcher.press(group(), caller(uid="1"), "onb:zzz")
    assert answer.error


async def test_the_head_count_comes_from_the_platform(services: Services, telegram: RecordingMessenger) -> None:
    count: Headcount = FixedHeadcount(1234)
    services.capabilities.provide("telegram", Headcount, count)
    await services.dispatcher.run_text(group(), MANAGER, "setwelcome", "{member} is number {member_count}")
    await join(services, "200", "Aino")
    post = next(m for t, m, _ in telegram.sent if not t.dm)
    assert post.render_text("en", str, str) == "Aino is number 1,234"


async def test_a_leave_before_answering_closes_the_gate(
    services: Services, telegram: RecordingMessenger, group_gate: FakeGroupGate, clock: FakeClock
) -> None:
    await set_rules(services)
    await join(services, "200", "Aino")
    await services.hub.deliver(MembershipSeen("telegram", GROUP, "Group", "200", "Aino", clock.now(), joined=False))
    clock.advance(timedelta(minutes=20))
    await services.onboarding.tick()
    assert [c[0] for c in group_gate.calls] == ["restrict"]  # nobody to remove
    assert await gate_rows(services) == [("restrict", "left")]


async def test_without_a_welcome_dm_the_rules_button_still_comes_privately_on_discord(
    services: Services, discord_messages: RecordingMessenger, role_gate: FakeRoleGate
) -> None:
    roles = services.registry.by_discord(["setup", "roles"])
    assert roles is not None
    await services.dispatcher.run(DC_GUILD, DC_MANAGER, roles, {"member_role": "888"})
    await services.dispatcher.run_text(DC_GUILD, DC_MANAGER, "welcomemode", "on | off")
    await join(services, "500", "Dora", platform="discord", scope=GUILD)
    (dm,) = [m for t, m, _ in discord_messages.sent if t.dm and t.chat_id == "500"]
    assert [b.action for row in dm.buttons for b in row] == ["onb:acc:1"]
    answer = await services.dispatcher.press(private("discord", "500"), caller("discord", "500"), "onb:acc:1")
    assert not answer.error and role_gate.calls == [("grant", GUILD, "500", "888")]  # pressed in the DM
