from __future__ import annotations

from typing import Any

from bot.core.commands import Arg, ArgKind, ButtonRoute, CommandSpec, Invocation, Registry, Reply, Where
from bot.core.i18n import t_, tn_
from bot.core.identity import Platform
from bot.core.outbound import OutMessage
from bot.core.permissions import Role
from cogs.privacy.exports import ExportService
from cogs.privacy.service import PrivacyService

ACTIONS = (
    ("export", t_("send me everything stored about me")),
    ("delete", t_("erase my personal data")),
    ("optout", t_("leave per-member analytics")),
    ("optin", t_("rejoin per-member analytics")),
)
# Upload limits with room to spare: Discord's default per file, Telegram's for bots.
UPLOAD_LIMIT = {Platform.DISCORD: 8 * 1024 * 1024, Platform.TELEGRAM: 45 * 1024 * 1024}


def register(registry: Registry, privacy: PrivacyService, exports: ExportService) -> None:
    def sub(action: str) -> Any:
        async def handler(inv: Invocation, _args: dict[str, Any]) -> Reply:
            return await privacy.handle(inv, {"action": action})

        return handler

    descriptions = dict(ACTIONS)
    registry.add(
        *(
            CommandSpec(
                key=f"privacy.{action}",
                description=descriptions[action],
                handler=sub(action),
                discord=("privacy", action),
                where=Where.ANYWHERE,
                needs_community=False,
            )
            for action, _ in ACTIONS
        ),
        CommandSpec(
            key="privacy",
            description=t_("Your data: export, delete, opt out of analytics"),
            handler=privacy.handle,
            telegram=("privacy",),
            args=(
                Arg(
                    "action",
                    ArgKind.CHOICE,
                    t_("export, delete, optout or optin"),
                    choices=ACTIONS,
                    prompt=t_("What would you like? export, delete, optout or optin"),
                ),
            ),
            where=Where.ANYWHERE,
            needs_community=False,
            guided=True,
        ),
        CommandSpec(
            key="export",
            description=t_("CSV files of the community's data (members, activity, events, …)"),
            handler=lambda inv, args: export(exports, inv, args),
            role=Role.MANAGER,
            discord=("export", "community"),
            telegram=("export",),
            args=(
                Arg(
                    "members",
                    ArgKind.CHOICE,
                    t_("show members by pseudonymous id (default) or by name"),
                    required=False,
                    choices=(("ids", t_("pseudonymous ids")), ("names", t_("names"))),
                ),
            ),
            where=Where.ANYWHERE,
        ),
    )
    registry.add_button(ButtonRoute("pv", privacy.press))


async def export(exports: ExportService, inv: Invocation, args: dict[str, Any]) -> Reply:
    assert inv.community_id is not None
    limit = UPLOAD_LIMIT.get(inv.platform, 45 * 1024 * 1024)
    files = await exports.to_zips(inv.community_id, limit, with_names=args.get("members") == "names")
    intro = OutMessage.of(
        tn_(
            "The community's data as CSV files, in {count} zip file.",
            "The community's data as CSV files, in {count} zip files.",
            len(files),
        ),
        t_("Members appear by pseudonymous id unless you asked for names; keep these files safe."),
        attachments=files[:1],
        private=True,
        ephemeral=True,
    )
    rest = [
        OutMessage.of(
            t_("Part {part} of {total}.", part=i, total=len(files)), attachments=(f,), private=True, ephemeral=True
        )
        for i, f in enumerate(files[1:], start=2)
    ]
    return Reply.of(intro, *rest)
