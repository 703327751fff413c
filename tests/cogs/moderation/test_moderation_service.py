"""Ring 1: moderator commands through the dispatcher, with a recording platform capability.

Who may do what, what is written before the platform call, what the member and the mod log are told, the
warning ladder, temporary actions ending on time (and when overdue at start-up), and bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from bot.app import Services
from bot.core.clock import FakeClock
from bot.core.commands import MessageRef
from bot.core.hub import MessageSeen
from bot.core.identity import PlatformId
from bot.core.targets import Target
from cogs.moderation.models import ActionFailed, BotPermission, InfractionRecorded, TargetFacts
from storage.tables import mod_infractions
from tests.cogs.moderation.conftest import HERE, MEMBER, MOD, FakeActions, run, sent_to
from tests.cogs.test_outbox import RecordingMessenger
from tests.conftest import START, caller, group

MANAGER = caller(uid="1", name="Owner")  # an owner: manager everywhere (settings fixture)
COMMANDS = [
    ("warn", "100 spam"),
    ("mute", "100 1h | spam"),
    ("unmute", "100"),
    ("kick", "100"),
    ("ban", "100 1d | spam"),
    ("unban", "100"),
    ("note", "100 watch them"),
    ("infractions", "100"),
    ("purge", "5"),
    ("lockdown", "on"),
    ("automod", ""),
    ("reports", ""),
]


async def rows(services: Services) -> list[sa.Row]:
    async with services.engine.connect() as conn:
        return list((await conn.execute(sa.select(mod_infractions).order_by(mod_infractions.c.id))).all())


@pytest.fixture
async def log_here(services: Services, messenger: RecordingMessenger) -> None:
    """The group itself receives the mod log (a manager ran /setmodlog here)."""
    assert "!ERROR" not in await run(services, MANAGER, "setmodlog")


# -- permissions -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "text"), COMMANDS)
async def test_a_plain_member_is_refused_every_moderation_command_and_nothing_happens(
    services: Services, actions: FakeActions, messenger: RecordingMessenger, name: str, text: str
) -> None:
    reply = await run(services, MEMBER, name, text)
    assert "!ERROR" in reply and "Only a moderator" in reply
    assert actions.calls == [] and await rows(services) == [] and messenger.sent == []


@pytest.mark.parametrize(("name", "text"), COMMANDS)
async def test_a_moderator_may_use_every_moderation_command(
    services: Services, actions: FakeActions, messenger: RecordingMessenger, name: str, text: str
) -> None:
    if name == "unban":
        actions.facts["100"] = TargetFacts(known=True, present=False, name="Alice")
    reply = await run(services, MOD, name, text)
    assert "!ERROR" not in reply, reply


async def test_moderation_commands_are_refused_in_a_private_chat(services: Services, actions: FakeActions) -> None:
    reply = await run(services, MOD, "warn", "100 spam", place=group().__class__(HERE.platform, None, "", HERE.channel,
                                                                                 is_private=True))  # fmt: skip
    assert "!ERROR" in reply and actions.calls == []


async def test_an_administrator_is_not_moderated_where_the_platform_protects_them(
    services: Services, actions: FakeActions
) -> None:
    actions.admins_protected = True
    actions.facts["100"] = TargetFacts(known=True, present=True, is_admin=True, name="Alice")
    reply = await run(services, MOD, "mute", "100 1h | spam")
    assert "!ERROR" in reply and "administrator" in reply
    assert actions.calls == [] and await rows(services) == []


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (TargetFacts(known=True, present=True, is_owner=True, target_rank=9, actor_rank=5, bot_rank=10), "owns"),
        (TargetFacts(known=True, present=True, target_rank=5, actor_rank=5, bot_rank=10), "equal to or above yours"),
        (TargetFacts(known=True, present=True, target_rank=6, actor_rank=8, bot_rank=6), "above mine"),
        (TargetFacts(known=True, present=True, is_self=True), "myself"),
        (TargetFacts(known=False, present=False), "can't find that user"),
    ],
)
async def test_role_hierarchy_and_identity_are_respected_and_say_which(
    services: Services, actions: FakeActions, facts: TargetFacts, expected: str
) -> None:
    actions.facts["100"] = facts
    reply = await run(services, MOD, "kick", "100 rude")
    assert "!ERROR" in reply and expected in reply, reply
    assert actions.calls == [] and await rows(services) == []


async def test_the_server_owner_may_act_on_any_role(services: Services, actions: FakeActions) -> None:
    actions.facts["100"] = TargetFacts(known=True, present=True, target_rank=9, actor_rank=1, actor_is_owner=True,
                                       bot_rank=10)  # fmt: skip
    assert "!ERROR" not in await run(services, MOD, "kick", "100")
    assert actions.of("kick")


async def test_a_missing_bot_permission_is_named_and_nothing_is_written(
    services: Services, actions: FakeActions
) -> None:
    actions.perms.discard(BotPermission.BAN_MEMBERS)
    actions.perms.discard(BotPermission.RESTRICT_MEMBERS)
    reply = await run(services, MOD, "ban", "100 spam")
    assert "!ERROR" in reply and ("“Ban users” permission" in reply or "“Ban Members” permission" in reply)
    assert actions.calls == [] and await rows(services) == []


async def test_moderators_cannot_moderate_themselves(services: Services, actions: FakeActions) -> None:
    assert "yourself" in await run(services, MOD, "warn", "50 testing")


# -- actions, notices, the log -------------------------------------------------------------------------------
async def test_mute_by_reply_records_the_row_first_calls_the_platform_and_tells_everyone(
    services: Services, actions: FakeActions, messenger: RecordingMessenger, log_here: None, clock: FakeClock
) -> None:
    seen: list[InfractionRecorded] = []
    services.hub.subscribe(InfractionRecorded, seen.append)
    target = PlatformId.of("telegram", "100")
    reply = await run(services, MOD, "mute", "2h | spamming links", target_member=target)
    assert "muted for 2 hours" in reply and "!ERROR" not in reply
    (call,) = actions.of("mute")
    assert call[2] == "100" and call[3] == START + timedelta(hours=2)
    (row,) = await rows(services)
    assert (row.kind, row.state, row.reason, row.user_id) == ("mute", "active", "spamming links", "100")
    assert row.until == START + timedelta(hours=2)
    dm = sent_to(messenger, "100")
    assert dm and "You were muted" in dm[0] and "spamming links" in dm[0] and "appeal" in dm[0].lower()
    log = sent_to(messenger, "-1001")
    assert any("#1 mute" in entry and "Mona" in entry for entry in log)
    assert seen and seen[0].kind == "mute" and seen[0].state == "active"


async def test_the_member_is_told_in_their_own_language(
    services: Services, actions: FakeActions, messenger: RecordingMessenger
) -> None:
    await run(services, caller(uid="100", locale="fi"), "help")  # the member's Finnish client is seen
    await run(services, MOD, "warn", "100 roskapostia")
    (dm,) = sent_to(messenger, "100")
    assert "Sait varoituksen" in dm and "roskapostia" in dm


async def test_a_failed_platform_call_leaves_the_row_failed_and_tells_the_moderator_why(
    services: Services, actions: FakeActions, messenger: RecordingMessenger, log_here: None
) -> None:
    actions.fail["ban"] = ActionFailed("Missing Permissions", BotPermission.BAN_MEMBERS)
    reply = await run(services, MOD, "ban", "100 spam")
    assert "!ERROR" in reply and "“Ban Members” permission" in reply
    (row,) = await rows(services)
    assert (row.kind, row.state, row.detail) == ("ban", "failed", "perm:ban_members")
    assert any("Failed" in entry for entry in sent_to(messenger, "-1001"))


async def test_unmute_lifts_the_mute_and_kick_lets_them_back(
    services: Services, actions: FakeActions, messenger: RecordingMessenger
) -> None:
    await run(services, MOD, "mute", "100 1d")
    assert "can write again" in await run(services, MOD, "unmute", "100")
    assert actions.of("unmute")
    states = {(r.kind, r.state) for r in await rows(services)}
    assert states == {("mute", "lifted"), ("unmute", "done")}
    assert "can join again" in await run(services, MOD, "kick", "100 | behave")
    assert actions.of("kick")


async def test_three_warnings_mute_automatically_for_an_hour(
    services: Services, actions: FakeActions, messenger: RecordingMessenger, log_here: None, clock: FakeClock
) -> None:
    for n in range(3):
        assert "!ERROR" not in await run(services, MOD, "warn", f"100 rule {n}")
        clock.advance(timedelta(days=1))
    (mute,) = actions.of("mute")
    assert mute[3] == clock.now() - timedelta(days=1) + timedelta(hours=1)
    kinds = [(r.kind, r.source, r.state) for r in await rows(services)]
    assert kinds[-1] == ("mute", "escalation", "active") and kinds.count(("warn", "manual", "active")) == 3
    assert any("3 warnings within 30 days" in e for e in sent_to(messenger, "-1001"))
    assert any("You were muted" in d and "3 warnings" in d for d in sent_to(messenger, "100"))
    await run(services, MOD, "warn", "100 rule 4")  # the ladder starts again after a step
    assert len(actions.of("mute")) == 1


async def test_old_warnings_do_not_count_towards_the_ladder(
    services: Services, actions: FakeActions, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    await run(services, MOD, "warn", "100 one")
    clock.advance(timedelta(days=31))
    await run(services, MOD, "warn", "100 two")
    await run(services, MOD, "warn", "100 three")
    assert actions.of("mute") == []


async def test_a_temporary_ban_ends_on_time_and_an_overdue_one_at_start_up(
    services: Services, actions: FakeActions, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    await run(services, MOD, "ban", "100 1d | spam")
    await run(services, MOD, "ban", "101 2d | spam")
    clock.advance(timedelta(days=1, seconds=1))
    await services.moderation.expiry.tick()
    assert [c[2] for c in actions.of("unban")] == ["100"]
    clock.advance(timedelta(days=3))  # down through the second ban's end: start-up ends it
    await services.moderation.expiry.rehydrate()
    assert [c[2] for c in actions.of("unban")] == ["100", "101"]
    assert [r.state for r in await rows(services)] == ["expired", "expired"]
    assert any("has ended" in d for d in sent_to(messenger, "100"))


async def test_an_end_the_platform_refuses_is_tried_again_later(
    services: Services, actions: FakeActions, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    await run(services, MOD, "mute", "100 10m")
    clock.advance(timedelta(minutes=11))
    actions.fail["unmute"] = ActionFailed("Bad Gateway")
    await services.moderation.expiry.tick()
    assert [r.state for r in await rows(services)] == ["active"]
    clock.advance(timedelta(minutes=6))
    await services.moderation.expiry.tick()
    assert [r.state for r in await rows(services)] == ["expired"]


async def test_a_newer_mute_replaces_the_older_one(
    services: Services, actions: FakeActions, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    await run(services, MOD, "mute", "100 10m")
    await run(services, MOD, "mute", "100 2h")
    clock.advance(timedelta(minutes=11))
    await services.moderation.expiry.tick()
    assert actions.of("unmute") == []  # the first mute's end must not lift the second
    assert [r.state for r in await rows(services)] == ["lifted", "active"]


async def test_infractions_pages_the_history_with_states(
    services: Services, actions: FakeActions, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    actions.fail["kick"] = ActionFailed("nope")
    await run(services, MOD, "kick", "100")
    await run(services, MOD, "mute", "100 10m")
    for n in range(8):
        await run(services, MOD, "note", f"100 note {n}")
    clock.advance(timedelta(hours=1))
    answer = await services.dispatcher.run_text(HERE, MOD, "infractions", "100")
    page1 = answer.messages[0]
    text = page1.render_text("en", str, str)
    assert "(10, page 1 of 2)" in text and "note 7" in text and page1.private
    (button,) = [b for row in page1.buttons for b in row]
    page2 = await services.dispatcher.press(HERE, MOD, button.action)
    text2 = page2.messages[0].render_text("en", str, str)
    assert "expired" in text2 and "failed" in text2 and "note 7" not in text2
    refused = await services.dispatcher.press(HERE, MEMBER, button.action)
    assert refused.error


# -- usernames -------------------------------------------------------------------------------------------
async def test_members_are_found_by_the_username_they_were_seen_with(
    services: Services, actions: FakeActions, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    services.hub.publish(
        MessageSeen("telegram", "-1001", "G", "-1001", "100", "Alice", clock.now(), username="alice_a")
    )
    await services.hub.drain()
    assert "!ERROR" not in await run(services, MOD, "warn", "@Alice_A spam")
    assert (await rows(services))[0].user_id == "100"
    reply = await run(services, MOD, "ban", "@nobody_here spam")
    assert "!ERROR" in reply and "I don't know @nobody_here" in reply


# -- bad input ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("mute", "100", "Missing duration"),
        ("mute", "100 soon | spam", "is not a duration"),
        ("mute", "100 5x", "Unknown unit"),
        ("mute", "100 30d", "at most 4 weeks"),
        ("warn", "100", "Missing reason"),
        ("warn", "spammer", "@username or numeric id"),
        ("purge", "0", "between 1 and 1,000"),
        ("purge", "10000", "between 1 and 1,000"),
        ("purge", "", "Reply to the first message"),
        ("ban", "100 1d | " + "x" * 2000, "too long"),
        ("lockdown", "maybe", "on, off"),
        ("note", "100", "Missing text"),
    ],
)
async def test_bad_input_gets_a_clear_answer_and_changes_nothing(
    services: Services, actions: FakeActions, name: str, text: str, expected: str
) -> None:
    reply = await run(services, MOD, name, text)
    assert "!ERROR" in reply and expected in reply, reply
    assert actions.calls == [] and await rows(services) == []


async def test_bad_input_is_answered_in_russian(services: Services, actions: FakeActions) -> None:
    reply = await run(services, caller(uid="50", locale="ru", moderator=True), "mute", "100 soon")
    assert "!ERROR" in reply and "не длительность" in reply


async def test_purge_from_a_replied_message_deletes_up_to_the_command(
    services: Services, actions: FakeActions, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    place = group().__class__(HERE.platform, HERE.scope_id, HERE.scope_title, HERE.channel, message_id="90")
    start = MessageRef("60", "-1001", PlatformId.of("telegram", "100"), "hi", clock.now() - timedelta(hours=1))
    reply = await run(services, MOD, "purge", "", place=place, target_message=start)
    assert "Deleted" in reply
    (call,) = actions.of("purge")
    assert call[3]["from_message_id"] == "60" and call[3]["up_to_message_id"] == "90"
    old = MessageRef("61", "-1001", None, "", clock.now() - timedelta(hours=49))
    assert "older than 48 hours" in await run(services, MOD, "purge", "", place=place, target_message=old)
    far = MessageRef("1", "-1001", None, "", clock.now())
    far_place = group().__class__(HERE.platform, HERE.scope_id, HERE.scope_title, HERE.channel, message_id="5000")
    assert "at most 1,000" in await run(services, MOD, "purge", "", place=far_place, target_message=far)


async def test_a_history_page_pressed_in_a_private_chat_rechecks_the_role_in_the_group(
    services: Services, actions: FakeActions, messenger: RecordingMessenger
) -> None:
    from bot.core.permissions import PlatformFacts
    from tests.conftest import private

    for n in range(9):
        await run(services, MOD, "note", f"100 note {n}")
    answer = await services.dispatcher.run_text(HERE, MOD, "infractions", "100")
    (button,) = [b for row in answer.messages[0].buttons for b in row]
    actions.staff["50"] = PlatformFacts(can_moderate=True)  # still an administrator who can restrict
    page2 = await services.dispatcher.press(private(uid="50"), MOD, button.action)
    assert not page2.error and "page 2 of 2" in page2.messages[0].render_text("en", str, str)
    demoted = await services.dispatcher.press(private(uid="100"), MEMBER, button.action)
    assert demoted.error and "Only moderators" in demoted.messages[0].render_text("en", str, str)


async def test_purge_by_number_is_refused_inside_a_forum_topic(services: Services, actions: FakeActions) -> None:
    topic = group().__class__(HERE.platform, HERE.scope_id, HERE.scope_title, Target.channel("telegram", "-1001", 7),
                              message_id="90")  # fmt: skip
    assert "topic" in await run(services, MOD, "purge", "10", place=topic)
    assert actions.calls == []
