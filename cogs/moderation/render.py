"""How moderation looks in messages: notices to members, mod-log entries, histories, reasons, problems."""

from __future__ import annotations

from datetime import datetime

from bot.core.i18n import Moment, Text, UserRef, t_
from bot.core.outbound import Button, ButtonStyle, OutMessage
from cogs.moderation.durations import duration_text
from cogs.moderation.models import (
    AutomodAction,
    BotPermission,
    Infraction,
    InfractionKind,
    InfractionState,
    Report,
    Rule,
)

KIND_LABELS = {
    InfractionKind.WARN: t_("warning"),
    InfractionKind.MUTE: t_("mute"),
    InfractionKind.UNMUTE: t_("unmute"),
    InfractionKind.KICK: t_("kick"),
    InfractionKind.BAN: t_("ban"),
    InfractionKind.UNBAN: t_("unban"),
    InfractionKind.NOTE: t_("note"),
}
STATE_LABELS = {
    InfractionState.PENDING: t_("in progress"),
    InfractionState.ACTIVE: t_("active"),
    InfractionState.DONE: t_("done"),
    InfractionState.EXPIRED: t_("expired"),
    InfractionState.LIFTED: t_("lifted"),
    InfractionState.FAILED: t_("failed"),
}
RULE_LABELS = {
    Rule.FLOOD: t_("flooding"),
    Rule.REPEAT: t_("repeated messages"),
    Rule.MENTIONS: t_("mass mentions"),
    Rule.INVITES: t_("invite links"),
    Rule.LINKS: t_("links"),
    Rule.CAPS: t_("excessive capitals"),
    Rule.WORDS: t_("banned words"),
    Rule.NEW_ACCOUNTS: t_("links or mentions from a new account"),
}
ACTION_LABELS = {
    AutomodAction.DELETE: t_("delete the message"),
    AutomodAction.WARN: t_("delete and warn"),
    AutomodAction.MUTE: t_("delete and mute"),
}
PERMISSION_LABELS = {
    BotPermission.TIMEOUT_MEMBERS: t_("Timeout Members"),
    BotPermission.KICK_MEMBERS: t_("Kick Members"),
    BotPermission.BAN_MEMBERS: t_("Ban Members"),
    BotPermission.MANAGE_MESSAGES: t_("Manage Messages"),
    BotPermission.MANAGE_CHANNELS: t_("Manage Channels"),
    BotPermission.MANAGE_SERVER: t_("Manage Server"),
    BotPermission.RESTRICT_MEMBERS: t_("Ban users"),
    BotPermission.DELETE_MESSAGES: t_("Delete messages"),
}
ICONS = {
    InfractionKind.WARN: "⚠️",
    InfractionKind.MUTE: "🔇",
    InfractionKind.UNMUTE: "🔊",
    InfractionKind.KICK: "👢",
    InfractionKind.BAN: "⛔",
    InfractionKind.UNBAN: "✅",
    InfractionKind.NOTE: "📝",
}

# -- reasons and problems are stored as codes and translated when shown --------------------------------
SYSTEM = "§"


def automod_reason(rule: Rule) -> str:
    return f"{SYSTEM}automod:{rule.value}"


def escalation_reason(count: int, days: int) -> str:
    return f"{SYSTEM}escalation:{count}:{days}"


def report_reason(report_id: int, reason: str) -> str:
    return f"{SYSTEM}report:{report_id}:{reason}"


def reason_text(reason: str) -> Text:
    if not reason:
        return t_("no reason given")
    if not reason.startswith(SYSTEM):
        return t_("{reason}", reason=reason)
    kind, _, rest = reason[1:].partition(":")
    if kind == "automod" and rest in {r.value for r in Rule}:
        return t_("automod: {rule}", rule=RULE_LABELS[Rule(rest)])
    if kind == "escalation":
        count, _, days = rest.partition(":")
        return t_("automatic: {count} warnings within {days} days", count=int(count or 0), days=int(days or 0))
    if kind == "report":
        number, _, text = rest.partition(":")
        if text:
            return t_("report #{id}: {reason}", id=number, reason=text)
        return t_("report #{id}", id=number)
    return t_("{reason}", reason=reason)


def problem_text(code: str, name: str = "") -> Text:
    """Why an action cannot or could not happen, from a stored code."""
    kind, _, rest = code.partition(":")
    who = name or t_("this member")
    texts = {
        "self": t_("I can't moderate myself."),
        "bot": t_("{member} is a bot: manage bots in the server or group settings.", member=who),
        "owner": t_("{member} owns this server: nobody can moderate the owner.", member=who),
        "admin": t_("{member} is an administrator here: administrators are not moderated.", member=who),
        "admin_timeout": t_(
            "{member} is an administrator: Discord does not allow timing out administrators.", member=who
        ),
        "rank_actor": t_(
            "{member}'s highest role is equal to or above yours: only someone above them can do that.", member=who
        ),
        "rank_bot": t_(
            "{member}'s highest role is equal to or above mine: move my role above theirs in the server settings.",
            member=who,
        ),
        "absent": t_("{member} is not a member here now.", member=who),
        "unknown": t_("I can't find that user. Check the id, or reply to one of their messages.", member=who),
        "yourself": t_("You can't moderate yourself."),
        "platform": t_("This platform can't do that."),
    }
    if kind == "perm" and rest in {p.value for p in BotPermission}:
        return t_(
            "I need the “{permission}” permission for that. Please give it to me and try again.",
            permission=PERMISSION_LABELS[BotPermission(rest)],
        )
    if kind == "refused":
        return t_("The platform refused: {detail}", detail=rest or "?")
    return texts.get(kind, t_("The platform refused: {detail}", detail=code))


# -- notices to the member -------------------------------------------------------------------------


def until_text(infraction: Infraction, timezone: str, reader_timezone: str | None) -> Text:
    if infraction.until is None:
        return t_("permanently")
    assert infraction.duration is not None
    return t_(
        "for {duration} (until {until})",
        duration=duration_text(infraction.duration),
        until=Moment(infraction.until, timezone, reader_timezone),
    )


def member_notice(
    infraction: Infraction, community: str, appeal: str, timezone: str, reader_timezone: str | None
) -> OutMessage:
    kind = infraction.kind
    how_long = until_text(infraction, timezone, reader_timezone)
    heads = {
        InfractionKind.WARN: t_("⚠️ You received a warning in **{community}**.", community=community),
        InfractionKind.MUTE: t_("🔇 You were muted in **{community}** {how_long}.", community=community,
                                how_long=how_long),
        InfractionKind.KICK: t_("👢 You were removed from **{community}**. You can join again.", community=community),
        InfractionKind.BAN: t_("⛔ You were banned from **{community}** {how_long}.", community=community,
                               how_long=how_long),
        InfractionKind.UNMUTE: t_("🔊 You can write in **{community}** again.", community=community),
        InfractionKind.UNBAN: t_("✅ Your ban from **{community}** was lifted: you can join again.",
                                 community=community),
    }  # fmt: skip
    lines = [heads[kind], t_("Reason: {reason}", reason=reason_text(infraction.reason))]
    if kind in (InfractionKind.WARN, InfractionKind.MUTE, InfractionKind.KICK, InfractionKind.BAN):
        lines.append(appeal_text(appeal, community))
    return OutMessage(tuple(lines))


def appeal_text(appeal: str, community: str) -> Text:
    if appeal.strip():
        return t_("How to appeal: {appeal}", appeal=appeal.strip())
    return t_(
        "To appeal, write to a moderator or manager of {community}: they can review it.",
        community=community,
    )


def ended_notice(infraction: Infraction, community: str) -> OutMessage:
    if infraction.kind is InfractionKind.BAN:
        return OutMessage.of(t_("✅ Your ban from **{community}** has ended: you can join again.", community=community))
    return OutMessage.of(t_("🔊 Your mute in **{community}** has ended: you can write again.", community=community))


# -- the mod log -------------------------------------------------------------------------------------


def log_entry(
    infraction: Infraction, member: UserRef, moderator: UserRef | None, timezone: str, auto_note: Text | None = None
) -> OutMessage:
    who = moderator if moderator is not None else t_("automatically")
    lines = [
        t_(
            "{icon} **#{id} {kind}** · {member} · by {moderator}",
            icon=ICONS[infraction.kind],
            id=infraction.id,
            kind=KIND_LABELS[infraction.kind],
            member=member,
            moderator=who,
        ),
        t_("Reason: {reason}", reason=reason_text(infraction.reason)),
    ]
    if infraction.until is not None and infraction.kind in (InfractionKind.MUTE, InfractionKind.BAN):
        lines.append(t_("Until: {until}", until=Moment(infraction.until, timezone)))
    if infraction.state is InfractionState.FAILED:
        lines.append(t_("**Failed:** {why}", why=problem_text(infraction.detail, member.name)))
    if auto_note is not None:
        lines.append(auto_note)
    return OutMessage(tuple(lines))


def ended_log(infraction: Infraction, member: UserRef) -> OutMessage:
    return OutMessage.of(
        t_(
            "⏱ #{id} {kind} of {member} ended on time.",
            id=infraction.id,
            kind=KIND_LABELS[infraction.kind],
            member=member,
        )
    )


# -- histories -----------------------------------------------------------------------------------------

PAGE = 8


def history(
    member: UserRef,
    rows: list[Infraction],
    total: int,
    page: int,
    now: datetime,
    timezone: str,
    names: dict[int, str],
    action_prefix: str,
) -> OutMessage:
    pages = max(1, -(-total // PAGE))
    if not rows:
        return OutMessage.of(t_("{member} has no infractions or notes.", member=member), ephemeral=True, private=True)
    lines = [t_("**Infractions of {member}** ({total}, page {page} of {pages})", member=member, total=total,
                page=page, pages=pages)]  # fmt: skip
    for row in rows:
        state = row.shown_state(now)
        line = t_(
            "#{id} {icon} {kind} · {state} · {when} · by {moderator} · {reason}",
            id=row.id,
            icon=ICONS[row.kind],
            kind=KIND_LABELS[row.kind],
            state=STATE_LABELS[state],
            when=Moment(row.created_at, timezone),
            moderator=names.get(row.moderator_id or 0) or t_("automatically"),
            reason=reason_text(row.reason),
        )
        lines.append(line)
        if row.until is not None and row.kind in (InfractionKind.MUTE, InfractionKind.BAN):
            lines.append(t_("    until {until}", until=Moment(row.until, timezone)))
        if state is InfractionState.FAILED:
            lines.append(t_("    failed: {why}", why=problem_text(row.detail, member.name)))
    buttons: list[Button] = []
    if page > 1:
        buttons.append(Button(t_("◀ Newer"), f"{action_prefix}:{page - 1}"))
    if page < pages:
        buttons.append(Button(t_("Older ▶"), f"{action_prefix}:{page + 1}"))
    return OutMessage(tuple(lines), buttons=(tuple(buttons),) if buttons else (), ephemeral=True, private=True)


# -- reports -------------------------------------------------------------------------------------------

EXCERPT = 300


def excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT else flat[: EXCERPT - 1] + "…"


def report_buttons(report_id: int) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button(t_("Dismiss"), f"modrep:{report_id}:dismiss", ButtonStyle.SECONDARY),
            Button(t_("Warn"), f"modrep:{report_id}:warn", ButtonStyle.PRIMARY),
            Button(t_("Mute 1 h"), f"modrep:{report_id}:mute", ButtonStyle.PRIMARY),
            Button(t_("Ban"), f"modrep:{report_id}:ban", ButtonStyle.DANGER),
        ),
    )


def report_card(
    report: Report, reporter: UserRef, member: UserRef | None, text: str, timezone: str, handled: Text | None = None
) -> OutMessage:
    lines = [
        t_("🚩 **Report #{id}** by {reporter}", id=report.id, reporter=reporter),
        t_("Reported: {member}", member=member if member is not None else t_("unknown")),
        t_("Reason: {reason}", reason=reason_text(report.reason)),
        t_("When: {when}", when=Moment(report.created_at, timezone)),
    ]
    if text:
        lines.append(t_("Message: “{excerpt}”", excerpt=excerpt(text)))
    if report.link:
        lines.append(t_("Link: {link}", link=report.link))
    if handled is not None:
        lines.append(handled)
    return OutMessage(tuple(lines), buttons=() if handled is not None else report_buttons(report.id))
