"""Ring 1: interests — defined by managers, picked by members (toggles / a select menu), offered after
accepting the rules, and used to announce events by DM with the DM fallback."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.app import Services
from cogs.onboarding.ports import AccessProblem
from storage.tables import onboarding_interests, onboarding_member_interests
from tests.cogs.onboarding.conftest import GUILD, FakeGroupGate, FakeRoleGate, join, member_id
from tests.cogs.test_dispatch import texts
from tests.cogs.test_outbox import RecordingMessenger
from tests.conftest import caller, group

MANAGER = caller(uid="1")
ALICE = caller(uid="100", name="Alice")


async def set_interests(services: Services, text: str) -> str:
    answer = await services.dispatcher.run_text(group(), MANAGER, "setinterests", text)
    return texts(answer) + ("!ERROR" if answer.error else "")


async def test_members_toggle_interests_from_the_picker(services: Services) -> None:
    assert "Interests: Games, Music, Hiking." in await set_interests(services, "Games | Music | Hiking")
    shown = await services.dispatcher.run_text(group(), ALICE, "interests", "")
    (picker,) = shown.messages
    assert picker.select is not None and [o.value for o in picker.select.options] == ["1", "2", "3"]
    assert picker.select.toggle_action("2") == "onb:it:1:+2"
    assert texts(await services.dispatcher.press(group(), ALICE, "onb:it:1:+2")) == "Your interests: Music."
    assert texts(await services.dispatcher.press(group(), ALICE, "onb:it:1:+1")) == "Your interests: Games, Music."
    assert texts(await services.dispatcher.press(group(), ALICE, "onb:it:1:+2")) == "Your interests: Games."
    # A Discord select menu sends the whole new choice at once.
    assert texts(await services.dispatcher.press(group(), ALICE, "onb:it:1:=2,3")) == "Your interests: Music, Hiking."
    assert texts(await services.dispatcher.press(group(), ALICE, "onb:it:1:=")) == "You have no interests picked now."
    again = await services.dispatcher.run_text(group(), ALICE, "interests", "")
    assert not any(o.selected for o in again.messages[0].select.options)  # type: ignore[union-attr]


async def test_interests_by_name_and_unknown_names(services: Services) -> None:
    await set_interests(services, "Games | Music")
    assert texts(await services.dispatcher.run_text(group(), ALICE, "interests", "music")) == "Your interests: Music."
    bad = await services.dispatcher.run_text(group(), caller(uid="100", locale="fi"), "interests", "Knitting")
    assert bad.error and texts(bad) == "Kiinnostuksen kohdetta ”Knitting” ei ole. Valitse jokin näistä: Games, Music."
    stale = await services.dispatcher.press(group(), ALICE, "onb:it:1:+99")
    assert stale.error and "no longer exists" in texts(stale)
    assert await services.onboarding.ctx.repo.member_interests(1, await member_id(services, "100")) == {2}


async def test_a_member_of_another_community_cannot_press_its_picker(services: Services) -> None:
    await set_interests(services, "Games")
    stranger = caller("discord", "9", "Zed")
    answer = await services.dispatcher.press(group("discord", GUILD), stranger, "onb:it:1:+1")
    assert answer.error and "not in" in texts(answer)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (" | ", "Give at least one interest"),
        ("Games | games", "is in the list twice"),
        ("x" * 41, "is too long"),
        (" | ".join(f"I{i}" for i in range(26)), "At most 25 interests, not 26."),
    ],
)
async def test_bad_interest_lists_are_refused_and_nothing_is_written(
    services: Services, text: str, expected: str
) -> None:
    reply = await set_interests(services, text)
    assert reply.endswith("!ERROR") and expected in reply
    async with services.engine.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(onboarding_interests))).scalar() == 0


async def test_changing_the_list_keeps_picks_of_kept_interests(services: Services) -> None:
    await set_interests(services, "Games | Music")
    await services.dispatcher.press(group(), ALICE, "onb:it:1:=1,2")
    await set_interests(services, "music | Hiking")  # Games goes, Music stays (renamed in case)
    async with services.engine.connect() as conn:
        picked = (await conn.execute(sa.select(onboarding_member_interests.c.interest_id))).scalars().all()
    assert picked == [2]
    names = [i.name for i in await services.onboarding.ctx.repo.interests(1)]
    assert names == ["music", "Hiking"]


async def test_discord_interests_map_to_roles_given_and_taken(services: Services, role_gate: FakeRoleGate) -> None:
    dc, manager = group("discord", GUILD), caller("discord", "9", manager=True)
    spec = services.registry.by_discord(["setup", "interests"])
    assert spec is not None
    saved = await services.dispatcher.run(dc, manager, spec, {"interest": "Games", "role": "901"})
    assert "Saved Games (members who pick it get its role)." in texts(saved)
    member = caller("discord", "600", "Max")
    await services.dispatcher.press(dc, member, "onb:it:1:=1")
    await services.dispatcher.press(dc, member, "onb:it:1:=")
    assert role_gate.calls == [("grant", GUILD, "600", "901"), ("revoke", GUILD, "600", "901")]
    removed = await services.dispatcher.run(dc, manager, spec, {"interest": "games", "remove": "yes"})
    assert "Removed Games" in texts(removed)
    missing = await services.dispatcher.run(dc, manager, spec, {"interest": "Chess", "remove": "yes"})
    assert missing.error and "no interests to pick" in texts(missing)
    role_gate.problem_now = AccessProblem.ROLE_TOO_HIGH
    warned = await services.dispatcher.run(dc, manager, spec, {"interest": "Art", "role": "902"})
    assert "Members cannot get that role yet" in texts(warned) and "below my highest role" in texts(warned)


async def test_accepting_the_rules_offers_the_interests_privately_on_telegram(
    services: Services, telegram: RecordingMessenger, group_gate: FakeGroupGate
) -> None:
    await services.dispatcher.run_text(group(), MANAGER, "setrules", "Be kind")
    await set_interests(services, "Games | Music")
    await join(services, "200", "Aino")
    answer = await services.dispatcher.press(group(), caller(uid="200"), "onb:acc:1")
    assert texts(answer) == "Thank you! Welcome to Group."  # the button's short answer
    offered = [m for t, m, _ in telegram.sent if t.dm and t.chat_id == "200" and m.select is not None]
    assert len(offered) == 1 and offered[0].select is not None
    assert offered[0].select.action == "onb:it:1"


async def test_an_event_for_an_interest_is_announced_to_members_with_it(
    services: Services, telegram: RecordingMessenger
) -> None:
    await set_interests(services, "Games | Music")
    gamer, listener = caller(uid="100", name="Ann"), caller(uid="101", name="Ben", locale="de")
    await services.dispatcher.press(group(), gamer, "onb:it:1:=1")
    await services.dispatcher.press(group(), listener, "onb:it:1:=1,2")
    await services.dispatcher.press(group(), caller(uid="102"), "onb:it:1:=2")
    telegram.refuse.add("101")  # Ben never started the bot: he is mentioned in the event's channel
    spec = services.registry.by_key("event.create")
    assert spec is not None
    made = await services.dispatcher.run(group(), MANAGER, spec, {"title": "LAN party", "when": "tomorrow 18:00",
                                                                  "interest": "games"})  # fmt: skip
    assert not made.error, texts(made)
    await services.hub.drain()
    await services.outbox.deliver_due()
    (told,) = [m for t, m, _ in telegram.sent if t.dm and t.chat_id == "100"]
    assert told.render_text("en", str, str).startswith("New event for people interested in Games: LAN party")
    assert "Answer with /events." in told.render_text("en", str, str)
    assert not [m for t, m, _ in telegram.sent if t.dm and t.chat_id == "102"]
    fallback = [m for t, m, _ in telegram.sent if not t.dm and m.mention_ids == ("101",)]
    assert len(fallback) == 1 and "interessieren" in fallback[0].render_text("de", str, str)


async def test_an_event_for_an_unknown_interest_is_reported_to_its_organizer(
    services: Services, telegram: RecordingMessenger
) -> None:
    await set_interests(services, "Games")
    spec = services.registry.by_key("event.create")
    assert spec is not None
    await services.dispatcher.run(group(), MANAGER, spec, {"title": "Quiz", "when": "tomorrow 18:00",
                                                           "interest": "Trivia"})  # fmt: skip
    await services.hub.drain()
    told = [m.render_text("en", str, str) for t, m, _ in telegram.sent if t.dm and t.chat_id == "1"]
    assert told == ["Event #1 is for the interest “Trivia”, but this community has no such interest (Games), "
                    "so nobody was told about it."]  # fmt: skip
