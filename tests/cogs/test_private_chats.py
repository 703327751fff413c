"""Private chats: the community is the member's own (one → it; several → buttons, remembered; none → how
to join), linked accounts count, group-only commands say where to use them, help lists what works there."""

from __future__ import annotations

from bot.app import Services
from bot.core.permissions import PlatformFacts
from tests.cogs.test_dispatch import texts
from tests.conftest import caller, group, private

OWNER = caller("telegram", "1", "Owner", manager=True)


async def make_event(services: Services, scope: str = "-1001", title: str = "Picnic") -> None:
    made = await services.dispatcher.run_text(group(scope=scope, title=f"Group {scope}"), OWNER, "newevent",
                                              f"{title} | 2026-03-10 18:00")  # fmt: skip
    assert not made.error, texts(made)


async def test_a_member_of_one_community_gets_myevents_and_ics_in_private(services: Services) -> None:
    await make_event(services)
    await services.dispatcher.press(group(), caller(), "ev:rsvp:1:going")
    mine = await services.dispatcher.run_text(private(), caller(), "myevents", "")
    assert not mine.error and "Picnic" in texts(mine)
    ics = await services.dispatcher.run_text(private(), caller(), "ics", "1")
    files = [a for m in ics.messages for a in m.attachments]
    assert not ics.error and files and files[0].filename.endswith(".ics") and b"BEGIN:VCALENDAR" in files[0].data
    # The RSVP buttons of /events work in the private chat too.
    listed = await services.dispatcher.run_text(private(), caller(), "events", "")
    assert not listed.error and any(
        b.action == "ev:rsvp:1:going" for m in listed.messages for r in m.buttons for b in r
    )
    changed = await services.dispatcher.press(private(), caller(), "ev:rsvp:1:maybe")
    assert not changed.error


async def test_a_member_of_two_communities_is_asked_which_and_the_choice_is_remembered(services: Services) -> None:
    await make_event(services, "-1001", "Picnic")
    await make_event(services, "-1002", "Quiz")
    await services.dispatcher.run_text(group(scope="-1001", title="Group -1001"), caller(), "help", "")
    await services.dispatcher.run_text(group(scope="-1002", title="Group -1002"), caller(), "help", "")
    asked = await services.dispatcher.run_text(private(), caller(), "events", "")
    assert not asked.error and "Which community" in texts(asked)
    choices = [b for m in asked.messages for row in m.buttons for b in row]
    assert [b.label.params["name"] for b in choices] == ["Group -1001", "Group -1002"]
    picked = await services.dispatcher.press(private(), caller(), choices[1].action)
    assert "Group -1002" in texts(picked) and "Quiz" in texts(picked) and "Picnic" not in texts(picked)
    again = await services.dispatcher.run_text(private(), caller(), "events", "")  # remembered: no question
    assert "Quiz" in texts(again) and "Which community" not in texts(again)
    switched = await services.dispatcher.run_text(private(), caller(), "community", "")
    assert len([b for m in switched.messages for row in m.buttons for b in row]) == 2


async def test_a_stranger_is_told_how_to_join(services: Services) -> None:
    answer = await services.dispatcher.run_text(private("telegram", "999"), caller("telegram", "999"), "myevents", "")
    assert answer.error and "/link" in texts(answer)


async def test_a_group_only_command_in_private_says_where_to_use_it(services: Services) -> None:
    await make_event(services)
    await services.dispatcher.run_text(group(), caller(), "help", "")
    answer = await services.dispatcher.run_text(private(), caller(), "newevent", "Party | 2026-03-10 18:00")
    assert answer.error and "group or server" in texts(answer)


async def test_someone_elses_community_button_is_refused(services: Services) -> None:
    await make_event(services, "-1001")
    await make_event(services, "-1002")
    await services.dispatcher.run_text(group(scope="-1001"), caller(), "help", "")
    answer = await services.dispatcher.press(private(), caller(), "pc:2")
    assert answer.error


async def test_linked_accounts_count_for_the_private_chat(services: Services) -> None:
    await make_event(services)
    await services.dispatcher.press(group(), caller("telegram", "100"), "ev:rsvp:1:going")
    issued = await services.dispatcher.run_text(group(), caller("telegram", "100"), "link", "")
    code = issued.messages[0].lines[0].params["code"]
    link = services.registry.by_discord(["link"])
    assert link is not None
    # Known only in a Discord DM so far: no community of its own until linked.
    await services.dispatcher.run(private("discord", "200"), caller("discord", "200"), link, {"code": code})
    mine_spec = services.registry.by_discord(["event", "mine"])
    assert mine_spec is not None
    mine = await services.dispatcher.run(private("discord", "200"), caller("discord", "200"), mine_spec, {})
    assert not mine.error and "Picnic" in texts(mine)


async def test_help_in_private_lists_what_works_there(services: Services) -> None:
    await services.dispatcher.run_text(group(), caller(), "help", "")
    answer = await services.dispatcher.run_text(private(), caller(), "help", "")
    text = texts(answer)
    assert "/myevents" in text and "/language" in text and "/newevent" not in text and "send /help there" in text


async def test_a_manager_is_a_manager_in_private_when_the_platform_says_so(services: Services) -> None:
    class Lookup:
        async def facts_in(self, scope_id: str, user_id: str) -> PlatformFacts | None:
            return PlatformFacts(can_moderate=True, can_manage=True) if (scope_id, user_id) == ("-1001", "7") else None

    from bot.core.permissions import FactsLookup

    services.capabilities.provide("telegram", FactsLookup, Lookup())
    await services.dispatcher.run_text(group(), caller("telegram", "7", "Max"), "help", "")
    answer = await services.dispatcher.run_text(private("telegram", "7"), caller("telegram", "7", "Max"), "help", "")
    assert "manager" in texts(answer)


async def test_every_feature_s_personal_commands_work_in_private_for_a_member(services: Services) -> None:
    manager = caller("telegram", "1", "Owner", manager=True)
    assert not (await services.dispatcher.run_text(group(), manager, "setrules", "Be kind | Stay on topic")).error
    await services.dispatcher.run_text(group(), caller(), "feedback", "Dark mode please")
    for name, text, expected in (
        ("rules", "", "Be kind"),
        ("interests", "", ""),
        ("ideas", "", ""),
        ("privacy", "optout", "optin"),
        ("community", "", "Group"),
    ):
        answer = await services.dispatcher.run_text(private(), caller(), name, text)
        assert not answer.error, (name, texts(answer))
        assert expected in texts(answer), name
