"""Moderation commands. Discord: top-level /warn /mute /unmute /kick /ban /unban /purge /note /infractions
/report /reports /lockdown, the /automod group, and /setup modlog|modqueue|appeal; Telegram: the same names
(target by reply, @username or numeric id), `/automod …` with words, /setmodlog /setmodqueue /setappeal."""

from __future__ import annotations

from typing import Any

from bot.core.commands import Arg, ArgKind, ButtonRoute, CommandSpec, Invocation, Registry, Reply
from bot.core.i18n import t_
from bot.core.permissions import Role
from cogs.moderation.config import ConfigService
from cogs.moderation.models import AutomodAction, Rule
from cogs.moderation.render import RULE_LABELS
from cogs.moderation.reports import ReportService
from cogs.moderation.service import PURGE_MAX, REASON_MAX, ModerationService

MEMBER = Arg(
    "member",
    ArgKind.MEMBER,
    t_("the member: reply to their message, or @username or numeric id"),
    prompt=t_("Whom? Reply to one of their messages, or send their @username or numeric id."),
)
REASON = Arg("reason", ArgKind.TEXT, t_("why; the member is told"), required=False, max_length=REASON_MAX)
ON_OFF = (("on", t_("on")), ("off", t_("off")))
REASON_FOR_REPORT = Arg("reason", ArgKind.TEXT, t_("what is wrong"), required=False, max_length=REASON_MAX)


def register(registry: Registry, moderation: ModerationService, reports: ReportService, config: ConfigService) -> None:
    mod = Role.MODERATOR
    registry.add(
        CommandSpec(
            key="mod.warn",
            description=t_("Warn a member"),
            handler=moderation.warn,
            role=mod,
            discord=("warn",),
            telegram=("warn",),
            args=(MEMBER, Arg("reason", ArgKind.TEXT, t_("why; the member is told"), max_length=REASON_MAX)),
        ),
        CommandSpec(
            key="mod.mute",
            description=t_("Mute (time out) a member"),
            handler=moderation.mute,
            role=mod,
            discord=("mute",),
            telegram=("mute",),
            args=(MEMBER, Arg("duration", ArgKind.TEXT, t_("how long: 30m, 2h, 1d, 1w"), max_length=20), REASON),
        ),
        CommandSpec(
            key="mod.unmute",
            description=t_("Let a muted member write again"),
            handler=moderation.unmute,
            role=mod,
            discord=("unmute",),
            telegram=("unmute",),
            args=(MEMBER, REASON),
        ),
        CommandSpec(
            key="mod.kick",
            description=t_("Remove a member (they can rejoin)"),
            handler=moderation.kick,
            role=mod,
            discord=("kick",),
            telegram=("kick",),
            args=(MEMBER, REASON),
        ),
        CommandSpec(
            key="mod.ban",
            description=t_("Ban a member, for good or a while"),
            handler=moderation.ban,
            role=mod,
            discord=("ban",),
            telegram=("ban",),
            args=(
                MEMBER,
                Arg(
                    "duration",
                    ArgKind.TEXT,
                    t_("for how long (empty: permanently): 1d, 1w"),
                    required=False,
                    max_length=REASON_MAX,
                ),  # fmt: skip
                REASON,
                Arg(
                    "delete_days",
                    ArgKind.INT,
                    t_("delete their messages of the last days (0–7)"),
                    required=False,
                    min_value=0,
                    max_value=7,
                ),  # fmt: skip
            ),
        ),
        CommandSpec(
            key="mod.unban",
            description=t_("Lift a member's ban"),
            handler=moderation.unban,
            role=mod,
            discord=("unban",),
            telegram=("unban",),
            args=(MEMBER, REASON),
        ),
        CommandSpec(
            key="mod.note",
            description=t_("Moderators' note about a member"),
            handler=moderation.note,
            role=mod,
            discord=("note",),
            telegram=("note",),
            args=(MEMBER, Arg("text", ArgKind.TEXT, t_("the note"), max_length=1000)),
        ),
        CommandSpec(
            key="mod.infractions",
            description=t_("A member's history and notes"),
            handler=moderation.infractions,
            role=mod,
            discord=("infractions",),
            telegram=("infractions",),
            args=(MEMBER, Arg("page", ArgKind.INT, t_("page"), required=False, min_value=1, max_value=1000)),
        ),
        CommandSpec(
            key="mod.purge",
            description=t_("Delete recent messages here"),
            handler=moderation.purge,
            role=mod,
            discord=("purge",),
            args=(
                Arg("count", ArgKind.INT, t_("how many recent messages"), min_value=1, max_value=PURGE_MAX),
                Arg("member", ArgKind.MEMBER, t_("only this member's messages"), required=False),
            ),
        ),
        CommandSpec(
            key="mod.purge.text",
            description=t_("Delete messages: reply to the first one, or give how many"),
            handler=moderation.purge,
            role=mod,
            telegram=("purge",),
            args=(
                Arg(
                    "count",
                    ArgKind.INT,
                    t_("how many recent messages"),
                    required=False,
                    min_value=1,
                    max_value=PURGE_MAX,
                ),
            ),  # fmt: skip
        ),
        CommandSpec(
            key="mod.report",
            description=t_("Report a member to the moderators"),
            handler=reports.report,
            discord=("report",),
            args=(Arg("member", ArgKind.MEMBER, t_("whom you report")), REASON_FOR_REPORT),
        ),
        CommandSpec(
            key="mod.report.text",
            description=t_("Report a message to the moderators (reply to it)"),
            handler=reports.report,
            telegram=("report",),
            args=(Arg("member", ArgKind.MEMBER, t_("whom you report"), required=False), REASON_FOR_REPORT),
        ),
        CommandSpec(
            key="mod.reports",
            description=t_("Open member reports"),
            handler=reports.open_reports,
            role=mod,
            discord=("reports",),
            telegram=("reports",),
        ),
        CommandSpec(
            key="mod.lockdown",
            description=t_("Raid lockdown on or off"),
            handler=config.lockdown,
            role=mod,
            discord=("lockdown",),
            telegram=("lockdown",),
            args=(
                Arg("state", ArgKind.CHOICE, t_("on or off"), choices=ON_OFF),
                Arg(
                    "minutes",
                    ArgKind.INT,
                    t_("how long (default from /automod raid)"),
                    required=False,
                    min_value=5,
                    max_value=1440,
                ),  # fmt: skip
            ),
        ),
        *_automod_specs(config),
        CommandSpec(
            key="setup.modlog",
            description=t_("Moderation log goes to this channel"),
            handler=config.set_log_channel,
            role=Role.MANAGER,
            discord=("setup", "modlog"),
            telegram=("setmodlog",),
        ),
        CommandSpec(
            key="setup.modqueue",
            description=t_("Member reports go to this channel"),
            handler=config.set_queue_channel,
            role=Role.MANAGER,
            discord=("setup", "modqueue"),
            telegram=("setmodqueue",),
        ),
        CommandSpec(
            key="setup.appeal",
            description=t_("How members can appeal"),
            handler=config.set_appeal,
            role=Role.MANAGER,
            discord=("setup", "appeal"),
            telegram=("setappeal",),
            args=(Arg("text", ArgKind.TEXT, t_("what members are told (- for the default)"), max_length=500),),
        ),
    )
    registry.add_button(ButtonRoute("modinf", moderation.press_page))
    registry.add_button(ButtonRoute("modrep", reports.press))


RULES = tuple((r.value, RULE_LABELS[r]) for r in Rule)
ACTIONS = (
    (AutomodAction.DELETE.value, t_("delete the message")),
    (AutomodAction.WARN.value, t_("delete and warn")),
    (AutomodAction.MUTE.value, t_("delete and mute")),
)


def _automod_specs(config: ConfigService) -> list[CommandSpec]:
    mod = Role.MODERATOR

    async def rule(inv: Invocation, args: dict[str, Any]) -> Reply:
        action = AutomodAction(args["action"]) if args.get("action") else None
        return await config.set_rule(inv, Rule(args["rule"]), args["state"] == "on", action, args.get("limit"),
                                     args.get("seconds"))  # fmt: skip

    async def enable(inv: Invocation, args: dict[str, Any]) -> Reply:
        if args.get("mute"):
            await config.mute_minutes(inv, args["mute"])
        return await config.set_enabled(inv, args["state"] == "on")

    async def words(inv: Invocation, args: dict[str, Any]) -> Reply:
        return await config.words(inv, args["action"], args.get("entries") or "")

    async def links(inv: Invocation, args: dict[str, Any]) -> Reply:
        return await config.links(inv, args["list"], args["action"], args.get("domains") or "")

    async def escalation(inv: Invocation, args: dict[str, Any]) -> Reply:
        return await config.escalation(inv, args["warnings"], args.get("days"), args.get("action"),
                                       args.get("duration"))  # fmt: skip

    async def raid(inv: Invocation, args: dict[str, Any]) -> Reply:
        return await config.raid_settings(inv, args["state"] == "on", args.get("joins"), args.get("seconds"),
                                          args.get("minutes"))  # fmt: skip

    state = Arg("state", ArgKind.CHOICE, t_("on or off"), choices=ON_OFF)
    return [
        CommandSpec(key="automod.show", description=t_("Show the moderation settings"),
                    handler=config.show, role=mod, discord=("automod", "show")),
        CommandSpec(key="automod.enable", description=t_("Automod on or off; how long its mutes last"),
                    handler=enable, role=mod, discord=("automod", "enable"),
                    args=(state, Arg("mute", ArgKind.TEXT, t_("how long automod mutes last, like 10m"),
                                     required=False, max_length=20))),
        CommandSpec(
            key="automod.rule",
            description=t_("One rule: on or off, and its action"),
            handler=rule,
            role=mod,
            discord=("automod", "rule"),
            args=(
                Arg("rule", ArgKind.CHOICE, t_("which rule"), choices=RULES),
                state,
                Arg("action", ArgKind.CHOICE, t_("what happens"), required=False, choices=ACTIONS),
                Arg("limit", ArgKind.INT, t_("messages, mentions, percent or days, by rule"), required=False,
                    min_value=1, max_value=365),
                Arg("seconds", ArgKind.INT, t_("within how many seconds (flood, repeats)"), required=False,
                    min_value=1, max_value=3600),
            ),
        ),
        CommandSpec(
            key="automod.words",
            description=t_("Banned words and phrases"),
            handler=words,
            role=mod,
            discord=("automod", "words"),
            args=(
                Arg("action", ArgKind.CHOICE, t_("add, remove, list or clear"),
                    choices=(("add", t_("add")), ("remove", t_("remove")), ("list", t_("list")),
                             ("clear", t_("clear")))),
                Arg("entries", ArgKind.TEXT, t_("separated by commas"), required=False, max_length=2000),
            ),
        ),
        CommandSpec(
            key="automod.links",
            description=t_("Allowed and denied links"),
            handler=links,
            role=mod,
            discord=("automod", "links"),
            args=(
                Arg("list", ArgKind.CHOICE, t_("allow or deny list"),
                    choices=(("allow", t_("allow")), ("deny", t_("deny")))),
                Arg("action", ArgKind.CHOICE, t_("add, remove or clear"),
                    choices=(("add", t_("add")), ("remove", t_("remove")), ("clear", t_("clear")))),
                Arg("domains", ArgKind.TEXT, t_("like example.com, separated by commas"), required=False,
                    max_length=2000),
            ),
        ),
        CommandSpec(
            key="automod.escalation",
            description=t_("Warnings within days → mute, kick or ban"),
            handler=escalation,
            role=mod,
            discord=("automod", "escalation"),
            args=(
                Arg("warnings", ArgKind.INT, t_("warnings (0 switches it off)"), min_value=0, max_value=20),
                Arg("days", ArgKind.INT, t_("within how many days"), required=False, min_value=1, max_value=365),
                Arg("action", ArgKind.CHOICE, t_("then what"), required=False,
                    choices=(("mute", t_("mute")), ("kick", t_("kick")), ("ban", t_("ban")))),
                Arg("duration", ArgKind.TEXT, t_("for how long: 1h, 1d"), required=False, max_length=20),
            ),
        ),
        CommandSpec(
            key="automod.raid",
            description=t_("Joins within seconds → lockdown"),
            handler=raid,
            role=mod,
            discord=("automod", "raid"),
            args=(
                state,
                Arg("joins", ArgKind.INT, t_("joins"), required=False, min_value=3, max_value=1000),
                Arg("seconds", ArgKind.INT, t_("within how many seconds"), required=False, min_value=5,
                    max_value=3600),
                Arg("minutes", ArgKind.INT, t_("lockdown minutes"), required=False, min_value=5, max_value=1440),
            ),
        ),
        CommandSpec(
            key="automod.text",
            description=t_("Automod settings: /automod, /automod flood on mute 6 10, /automod words add …"),
            handler=config.telegram,
            role=mod,
            telegram=("automod",),
            args=(Arg("settings", ArgKind.TEXT, t_("what to change"), required=False, max_length=2000),),
        ),
    ]  # fmt: skip
