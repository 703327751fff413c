from __future__ import annotations

from bot.core.commands import Arg, ArgKind, ButtonRoute, CommandSpec, Registry, Where
from bot.core.i18n import t_
from cogs.members.service import MemberService


def register(registry: Registry, service: MemberService) -> None:
    registry.add(
        CommandSpec(
            key="language",
            description=t_("Choose the language I use with you"),
            handler=service.language,
            discord=("language",),
            telegram=("language",),
            args=(Arg("language", ArgKind.LOCALE, t_("en, fi, de or ru"), required=False),),
            where=Where.ANYWHERE,
            needs_community=False,
        ),
        CommandSpec(
            key="timezone",
            description=t_("Set your own time zone for event times"),
            handler=service.timezone,
            discord=("timezone",),
            telegram=("timezone",),
            args=(
                Arg(
                    "timezone",
                    ArgKind.TIMEZONE,
                    t_("an IANA name such as Europe/Helsinki"),
                    required=False,
                    max_length=64,
                ),
            ),
            where=Where.ANYWHERE,
            needs_community=False,
        ),
        CommandSpec(
            key="link",
            description=t_("Link your Discord and Telegram accounts"),
            handler=service.link,
            discord=("link",),
            telegram=("link",),
            args=(
                Arg("code", ArgKind.TEXT, t_("the code you got on the other platform"), required=False, max_length=20),
            ),
            where=Where.ANYWHERE,
            needs_community=False,
        ),
    )
    registry.add_button(ButtonRoute("lang", service.press_language))
