"""Forms: a modal on Discord; on Telegram and the console the dispatcher asks each field in turn and then
submits the values to the same handler. Bad answers are refused and asked again; nothing is submitted half."""

from __future__ import annotations

from typing import Any

from bot.app import Services
from bot.core.commands import CommandSpec, Form, FormField, FormRoute, Invocation, Reply, Where
from bot.core.i18n import t_
from bot.core.outbound import OutMessage
from tests.cogs.test_dispatch import texts
from tests.conftest import caller, group

FORM = Form(
    t_("Feedback"),
    "tf:7",
    (FormField("title", t_("title"), max_length=20), FormField("body", t_("description"), long=True, required=False)),
)


def install(services: Services) -> list[tuple[str, dict[str, str]]]:
    submitted: list[tuple[str, dict[str, str]]] = []

    async def open_form(_inv: Invocation, _args: dict[str, Any]) -> Reply:
        return Reply.ask(FORM)

    async def filled(_inv: Invocation, rest: str, values: dict[str, str]) -> Reply:
        submitted.append((rest, values))
        return Reply.of(OutMessage.of(t_("Saved.")))

    services.registry.add(
        CommandSpec(
            "test.form",
            t_("Feedback"),
            open_form,
            discord=("tform",),
            telegram=("tform",),
            where=Where.ANYWHERE,
            needs_community=False,
        )  # fmt: skip
    )
    services.registry.add_form(FormRoute("tf", filled))
    return submitted


async def test_on_telegram_a_form_is_asked_field_by_field_then_submitted(services: Services) -> None:
    submitted = install(services)
    first = await services.dispatcher.run_text(group(), caller(), "tform", "")
    assert first.form is None and "title" in texts(first)
    second = await services.dispatcher.continue_text(group(), caller(), "Dark mode")
    assert second is not None and "description" in texts(second) and "-" in texts(second)
    done = await services.dispatcher.continue_text(group(), caller(), "-")  # optional field left empty
    assert done is not None and not done.error and "Saved." in texts(done)
    assert submitted == [("7", {"title": "Dark mode", "body": ""})]
    assert await services.dispatcher.continue_text(group(), caller(), "more") is None  # the dialogue is over


async def test_a_bad_field_answer_is_refused_and_asked_again_nothing_submitted(services: Services) -> None:
    submitted = install(services)
    await services.dispatcher.run_text(group(), caller(), "tform", "")
    too_long = await services.dispatcher.continue_text(group(), caller(), "x" * 21)
    assert too_long is not None and too_long.error and "20" in texts(too_long) and "title" in texts(too_long)
    empty = await services.dispatcher.continue_text(group(), caller(), "   ")
    assert empty is not None and empty.error
    assert submitted == []
    stopped = await services.dispatcher.run_text(group(), caller(), "cancel", "")
    assert "Nothing was saved" in texts(stopped) and submitted == []


async def test_on_discord_the_answer_carries_the_form_for_a_modal(services: Services) -> None:
    install(services)
    spec = services.registry.by_discord(["tform"])
    assert spec is not None
    answer = await services.dispatcher.run(group("discord", "55"), caller("discord", "2"), spec, {})
    assert answer.form == FORM and answer.messages == ()


async def test_a_form_from_an_unknown_route_is_answered(services: Services) -> None:
    answer = await services.dispatcher.submit(group(), caller(), "gone:1", {"x": "y"})
    assert answer.error and "no longer works" in texts(answer)
