"""Generic command-registry additions: two-word Telegram names that share a first word with another
feature's command, and a clear answer when only the first word was typed."""

from __future__ import annotations

from typing import Any

from bot.app import Services
from bot.core.commands import CommandSpec, Invocation, Registry, Reply, Where
from bot.core.i18n import t_
from bot.core.outbound import OutMessage
from tests.cogs.test_dispatch import texts
from tests.conftest import caller, group


def spec(key: str, *telegram: str) -> CommandSpec:
    async def handler(_inv: Invocation, _args: dict[str, Any]) -> Reply:
        return Reply.of(OutMessage.of(t_("Saved.")))

    return CommandSpec(key, t_("Saved."), handler, telegram=telegram, where=Where.ANYWHERE, needs_community=False)


def test_a_two_word_name_wins_over_the_one_word_name_for_its_second_word() -> None:
    registry = Registry()
    whole, part = spec("whole", "zap"), spec("part", "zap one")
    registry.add(whole, part)
    assert registry.by_telegram_text("zap", "one two | three") == (part, "two | three")
    assert registry.by_telegram_text("ZAP", "ONE") == (part, "")
    assert registry.by_telegram_text("zap", "other words") == (whole, "other words")
    assert registry.by_telegram_text("zip", "one") is None
    assert registry.knows_telegram("zap") and not registry.knows_telegram("zip")
    assert registry.telegram_subcommands("zap") == ["one"]


async def test_only_the_first_word_of_two_word_names_lists_them(services: Services) -> None:
    services.registry.add(spec("zap.one", "zap one"), spec("zap.two", "zap two"))
    answer = await services.dispatcher.run_text(group(), caller(), "zap", "three")
    assert answer.error and "Use /zap with one of: one, two." in texts(answer)
    done = await services.dispatcher.run_text(group(), caller(), "zap", "two")
    assert not done.error and "Saved." in texts(done)
