from __future__ import annotations

from bot.core.commands import CommandSpec, Registry, Where
from bot.core.i18n import t_
from cogs.help.service import HelpService


def register(registry: Registry, service: HelpService) -> None:
    registry.add(
        CommandSpec(
            key="help",
            description=t_("Show the commands you can use"),
            handler=service.help,
            discord=("help",),
            telegram=("help", "start"),
            where=Where.ANYWHERE,
            needs_community=False,
        )
    )
