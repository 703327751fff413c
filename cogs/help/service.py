"""/help: the commands the caller's role may use, written as they are typed on the caller's platform."""

from __future__ import annotations

from typing import Any

from bot.core.commands import CommandSpec, Invocation, Registry, Reply
from bot.core.i18n import Text, t_
from bot.core.identity import Platform
from bot.core.outbound import OutMessage
from bot.core.permissions import Role


def command_name(spec: CommandSpec, platform: Platform) -> str | None:
    if platform is Platform.DISCORD:
        return "/" + " ".join(spec.discord) if spec.discord else None
    if platform is Platform.TELEGRAM:
        return "/" + spec.telegram[0] if spec.telegram else None
    return "/" + spec.console_name


class HelpService:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def lines_for(self, role: Role, platform: Platform) -> list[Text]:
        lines: list[Text] = []
        for section in (Role.MEMBER, Role.MODERATOR, Role.MANAGER):
            if section > role:
                break
            specs = [s for s in self.registry.commands if s.role == section and command_name(s, platform)]
            if not specs:
                continue
            lines.append(t_("**{section}**", section=SECTION_TITLES[section]))
            for spec in sorted(specs, key=lambda s: command_name(s, platform) or ""):
                lines.append(
                    t_("{command} — {description}", command=command_name(spec, platform), description=spec.description)
                )
        return lines

    async def help(self, inv: Invocation, _args: dict[str, Any]) -> Reply:
        header = t_("Commands you can use here, as a {role}:", role=inv.role.label)
        footer = t_("Arguments go after the command, separated by |, for example: /language fi")
        lines = [header, *self.lines_for(inv.role, inv.platform)]
        if inv.platform is not Platform.DISCORD:
            lines.append(footer)
        return Reply.of(OutMessage.of(*lines, ephemeral=True))


SECTION_TITLES = {
    Role.MEMBER: t_("For everyone"),
    Role.MODERATOR: t_("For moderators"),
    Role.MANAGER: t_("For managers"),
}
