"""Generic pieces polls added to the core: yes/no arguments, suggestions while typing (Discord autocomplete)
through the dispatcher's role check, and the replied-to message on a Place."""

from __future__ import annotations

from typing import Any

import pytest

from bot.app import Services
from bot.core.commands import Arg, ArgKind, CommandSpec, Invocation, Reply
from bot.core.errors import BadArgument
from bot.core.i18n import Text, t_
from bot.core.identity import Platform
from bot.core.outbound import OutMessage
from bot.core.permissions import Role
from cogs.dispatch.args import validate
from tests.conftest import caller, group

FLAG = CommandSpec("t.flag", t_("flag"), lambda _i, _a: None, args=(Arg("on", ArgKind.BOOL, t_("on")),))  # type: ignore[arg-type,return-value]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(True, True), ("yes", True), ("Kyllä", True), ("да", True), ("no", False), ("nein", False), (False, False)],
)
def test_yes_no_arguments_accept_booleans_and_words_in_four_languages(raw: object, expected: bool) -> None:
    assert validate(FLAG, {"on": raw}, Platform.TELEGRAM) == {"on": expected}


def test_a_yes_no_argument_refuses_other_words() -> None:
    with pytest.raises(BadArgument) as refused:
        validate(FLAG, {"on": "perhaps"}, Platform.TELEGRAM)
    assert refused.value.text.render("en") == "on must be yes or no, not “perhaps”."


async def test_suggestions_run_for_who_may_use_the_command_and_are_translated(services: Services) -> None:
    seen: list[Invocation] = []

    async def suggest(inv: Invocation, typed: str) -> list[tuple[str, Text]]:
        seen.append(inv)
        return [(str(i), Role.MANAGER.label) for i in range(30) if typed in str(i)]

    async def handler(_inv: Invocation, _args: dict[str, Any]) -> Reply:
        return Reply.of(OutMessage.of(t_("flag")))

    spec = CommandSpec("t.pick", t_("flag"), handler, role=Role.MODERATOR, discord=("tpick",),
                       args=(Arg("poll", ArgKind.TEXT, t_("the poll number"), suggest=suggest),))  # fmt: skip
    services.registry.add(spec)
    place = group("discord", "55")
    mod = caller("discord", "4", locale="fi", moderator=True)
    found = await services.dispatcher.suggest(place, mod, spec, "poll", "2")
    assert found[:2] == [("2", "ylläpitäjä"), ("12", "ylläpitäjä")] and len(found) == 12  # in the typist's language
    assert await services.dispatcher.suggest(place, caller("discord", "5"), spec, "poll", "") == []  # a member
    assert await services.dispatcher.suggest(place, mod, spec, "nothing", "") == []
    assert len(seen) == 1 and seen[0].role is Role.MODERATOR
