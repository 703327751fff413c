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

    def sections_for(
        self, role: Role, platform: Platform, organizer: bool = False, private: bool = False
    ) -> list[list[Text]]:
        """The caller's commands in sections (everyone, organizers, moderators, managers), each a list of lines."""
        out: list[list[Text]] = []
        visible = self.registry.visible_to(role, organizer)
        if platform is Platform.CONSOLE:  # a Discord-only twin of a Telegram command is typed the Telegram way
            typed = {name for s in visible for name in s.telegram}
            visible = [s for s in visible if s.telegram or s.console_name not in typed]
        visible = [s for s in visible if (s.where.in_private if private else s.where.in_group)]
        sections: list[tuple[Text, list[CommandSpec]]] = [
            (SECTION_TITLES[Role.MEMBER], [s for s in visible if s.role == Role.MEMBER and not s.organizer]),
            (t_("For event organizers"), [s for s in visible if s.organizer]),
            (SECTION_TITLES[Role.MODERATOR], [s for s in visible if s.role == Role.MODERATOR and not s.organizer]),
            (SECTION_TITLES[Role.MANAGER], [s for s in visible if s.role == Role.MANAGER and not s.organizer]),
        ]
        for title, all_specs in sections:
            specs = [s for s in all_specs if command_name(s, platform)]
            if not specs:
                continue
            lines = [t_("**{section}**", section=title)]
            for spec in sorted(specs, key=lambda s: command_name(s, platform) or ""):
                lines.append(
                    t_("{command} — {description}", command=command_name(spec, platform), description=spec.description)
                )
            out.append(lines)
        return out

    def lines_for(self, role: Role, platform: Platform, organizer: bool = False, private: bool = False) -> list[Text]:
        return [line for section in self.sections_for(role, platform, organizer, private) for line in section]

    async def help(self, inv: Invocation, _args: dict[str, Any]) -> Reply:
        header = t_("Commands you can use here, as a {role}:", role=inv.role.label)
        footer = t_("Arguments go after the command, separated by |, for example: /language fi")
        private = inv.place.is_private
        sections = self.sections_for(inv.role, inv.platform, inv.is_organizer, private)
        if private:
            sections.append([t_("More commands work in your community's group or server; send /help there.")])
        if inv.platform is not Platform.DISCORD:
            sections.append([footer])
        sections[0:1] = [[header, *(sections[0] if sections else [])]]
        if inv.platform is Platform.DISCORD:
            # A message per section there: a manager's whole list outgrows one message (2,000 characters).
            return Reply.of(*(OutMessage.of(*lines, ephemeral=True) for lines in sections))
        return Reply.of(OutMessage.of(*(line for lines in sections for line in lines), ephemeral=True))


SECTION_TITLES = {
    Role.MEMBER: t_("For everyone"),
    Role.MODERATOR: t_("For moderators"),
    Role.MANAGER: t_("For managers"),
}
