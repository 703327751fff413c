from __future__ import annotations

from bot.core.commands import Arg, ArgKind, CommandSpec, Registry, Where
from bot.core.i18n import t_
from bot.core.permissions import Role
from cogs.digest.service import DigestService

WEEKDAY_LABELS = (
    ("mon", t_("Monday")),
    ("tue", t_("Tuesday")),
    ("wed", t_("Wednesday")),
    ("thu", t_("Thursday")),
    ("fri", t_("Friday")),
    ("sat", t_("Saturday")),
    ("sun", t_("Sunday")),
)


def register(registry: Registry, service: DigestService) -> None:
    """Managers only; in the community's group/server or in a private chat (a manager stays a manager there)."""
    registry.add(
        CommandSpec(
            key="digest.preview",
            description=t_("The weekly digest of the last complete week, now (only you see it)"),
            handler=service.preview,
            discord=("digest", "preview"),
            role=Role.MANAGER,
            where=Where.ANYWHERE,
        ),
        CommandSpec(
            key="digest.subscribe",
            description=t_("Get the weekly digest and risk alerts by private message"),
            handler=service.subscribe,
            discord=("digest", "subscribe"),
            role=Role.MANAGER,
            where=Where.ANYWHERE,
        ),
        CommandSpec(
            key="digest.unsubscribe",
            description=t_("Stop getting the digest and alerts by private message"),
            handler=service.unsubscribe,
            discord=("digest", "unsubscribe"),
            role=Role.MANAGER,
            where=Where.ANYWHERE,
        ),
        CommandSpec(
            key="digest",
            description=t_("The weekly digest now (in private); subscribe or unsubscribe"),
            handler=service.telegram,
            telegram=("digest",),
            args=(
                Arg(
                    "action",
                    ArgKind.CHOICE,
                    t_("preview (default), subscribe or unsubscribe"),
                    required=False,
                    choices=(
                        ("preview", t_("preview")),
                        ("subscribe", t_("subscribe")),
                        ("unsubscribe", t_("unsubscribe")),
                    ),
                ),
            ),
            role=Role.MANAGER,
            where=Where.ANYWHERE,
        ),
        CommandSpec(
            key="digest.schedule",
            description=t_("When the weekly digest goes out, and whether to the manager channel"),
            handler=service.schedule,
            discord=("digest", "schedule"),
            telegram=("digestschedule",),
            args=(
                Arg("weekday", ArgKind.CHOICE, t_("day of the week"), required=False, choices=WEEKDAY_LABELS),
                Arg("hour", ArgKind.INT, t_("hour, 0–23, community time"), required=False, min_value=0, max_value=23),
                Arg(
                    "channel",
                    ArgKind.CHOICE,
                    t_("also post it in the manager channel"),
                    required=False,
                    choices=(("on", t_("on")), ("off", t_("off"))),
                ),
            ),
            role=Role.MANAGER,
            where=Where.ANYWHERE,
        ),
        CommandSpec(
            key="digest.watch",
            description=t_("Watch-list terms that trigger a risk alert when they burst"),
            handler=service.watch,
            discord=("digest", "watch"),
            telegram=("watchlist",),
            args=(
                Arg(
                    "action",
                    ArgKind.CHOICE,
                    t_("list (default), add or remove"),
                    required=False,
                    choices=(("list", t_("list")), ("add", t_("add")), ("remove", t_("remove"))),
                ),
                Arg(
                    "term",
                    ArgKind.TEXT,
                    t_("a word or phrase; scam* also matches scams"),
                    required=False,
                    max_length=64,
                ),  # fmt: skip
            ),
            role=Role.MANAGER,
            where=Where.ANYWHERE,
        ),
        CommandSpec(
            key="stats",
            description=t_("This community's headline numbers and a small chart"),
            handler=service.stats,
            discord=("stats",),
            telegram=("stats",),
            role=Role.MANAGER,
            where=Where.ANYWHERE,
        ),
        CommandSpec(
            key="atrisk",
            description=t_("Drifting members and what to do about each"),
            handler=service.atrisk,
            discord=("atrisk",),
            telegram=("atrisk",),
            role=Role.MANAGER,
            where=Where.ANYWHERE,
        ),
    )
