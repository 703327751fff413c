from __future__ import annotations

from bot.core.commands import Arg, ArgKind, CommandSpec, Registry
from bot.core.i18n import t_
from bot.core.permissions import Role
from cogs.community.service import CommunityService


def register(registry: Registry, service: CommunityService) -> None:
    registry.add(
        CommandSpec(
            key="setup.show",
            description=t_("Show this community's settings"),
            handler=service.show,
            role=Role.MANAGER,
            discord=("setup", "show"),
            telegram=("setup",),
        ),
        CommandSpec(
            key="setup.timezone",
            description=t_("Set the community time zone"),
            handler=service.set_timezone,
            role=Role.MANAGER,
            discord=("setup", "timezone"),
            telegram=("settimezone",),
            args=(Arg("timezone", ArgKind.TIMEZONE, t_("an IANA name such as Europe/Helsinki"), max_length=64),),
        ),
        CommandSpec(
            key="setup.language",
            description=t_("Set the community's default language"),
            handler=service.set_language,
            role=Role.MANAGER,
            discord=("setup", "language"),
            telegram=("setlanguage",),
            args=(Arg("language", ArgKind.LOCALE, t_("en, fi, de or ru")),),
        ),
        CommandSpec(
            key="setup.channel",
            description=t_("Send manager digests and alerts to this channel"),
            handler=service.set_manager_channel,
            role=Role.MANAGER,
            discord=("setup", "channel"),
            telegram=("setchannel",),
        ),
        CommandSpec(
            key="setup.roles",
            description=t_("Choose the moderator, manager and event organizer roles"),
            handler=service.set_roles,
            role=Role.MANAGER,
            discord=("setup", "roles"),
            args=(
                Arg("moderator_role", ArgKind.ROLE, t_("members with this role moderate"), required=False),
                Arg("manager_role", ArgKind.ROLE, t_("members with this role manage"), required=False),
                Arg("organizer_role", ArgKind.ROLE, t_("members with this role organize events"), required=False),
            ),
        ),
        CommandSpec(
            key="setup.link",
            description=t_("Join a server or group from the other platform to this community"),
            handler=service.link,
            role=Role.MANAGER,
            discord=("setup", "link"),
            telegram=("setuplink",),
            args=(
                Arg(
                    "code",
                    ArgKind.TEXT,
                    t_("the code from /setup link on the other platform"),
                    required=False,
                    max_length=20,
                ),
            ),
        ),
    )
