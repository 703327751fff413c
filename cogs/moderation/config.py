"""Moderation settings: automod rules, banned words, link lists, the warning ladder, raid protection,
lockdown, and (for managers) the mod-log and mod-queue channels and the appeal text.

Discord has one typed subcommand per setting; Telegram has one `/automod` taking words
(`/automod flood on mute 6 10`); both end in the same typed methods here."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from bot.core.clock import Clock
from bot.core.commands import Invocation, Reply
from bot.core.errors import BadArgument
from bot.core.i18n import Moment, Text, t_
from bot.core.outbound import OutMessage
from cogs.community.ports import CommunityRepo
from cogs.moderation import render, textmatch
from cogs.moderation.durations import duration_text, parse_duration
from cogs.moderation.models import (
    AutomodAction,
    EscalationConfig,
    InfractionKind,
    ModSettings,
    RaidConfig,
    Rule,
    RuleSetting,
)
from cogs.moderation.raid import RaidGuard, missing_permissions
from cogs.moderation.store import SettingsStore

APPEAL_MAX = 500
LIMITS = {  # rule → (lowest, highest) `limit`
    Rule.FLOOD: (2, 50),
    Rule.REPEAT: (2, 20),
    Rule.MENTIONS: (2, 50),
    Rule.CAPS: (50, 100),
    Rule.NEW_ACCOUNTS: (1, 365),
}
SECONDS = {Rule.FLOOD: (2, 300), Rule.REPEAT: (10, 3600)}
USAGE = (
    "/automod — /automod <rule> on|off [delete|warn|mute] [limit] [seconds] — /automod words add|remove|list "
    "word, two words, prefix* — /automod links allow|deny add|remove example.com — /automod escalation "
    "<warnings> <days> mute|kick|ban [duration] — /automod raid on|off [joins] [seconds] [minutes]"
)


class ConfigService:
    def __init__(self, store: SettingsStore, raid: RaidGuard, communities: CommunityRepo, clock: Clock) -> None:
        self.store = store
        self.raid = raid
        self.communities = communities
        self.clock = clock

    # -- show ------------------------------------------------------------------------------------------
    async def show(self, inv: Invocation, _args: dict[str, Any]) -> Reply:
        settings = await self.store.get(_community(inv))
        return Reply.of(OutMessage(tuple(self.lines(settings, inv.timezone)), ephemeral=True))

    def lines(self, settings: ModSettings, timezone: str) -> list[Text]:
        automod = settings.automod
        on, off = t_("on"), t_("off")
        lines = [t_("**Automod** is {state}.", state=on if automod.enabled else off)]
        for rule in Rule:
            rs = automod.rule(rule)
            lines.append(
                t_(
                    "{rule} ({name}): {state}, {action}{limits}",
                    rule=rule.value,
                    name=render.RULE_LABELS[rule],
                    state=on if rs.enabled else off,
                    action=render.ACTION_LABELS[rs.action],
                    limits=_limits(rule, rs),
                )
            )
        lines.append(t_("Banned words and phrases: {count}", count=len(automod.words)))
        lines.append(t_("Allowed domains: {domains}", domains=", ".join(automod.allow_domains) or "—"))
        lines.append(t_("Denied domains: {domains}", domains=", ".join(automod.deny_domains) or "—"))
        lines.append(t_("Automod mutes last {minutes} minutes.", minutes=automod.mute_minutes))
        ladder = settings.escalation
        if ladder.warnings:
            lines.append(
                t_(
                    "**Warning ladder:** {warnings} warnings within {days} days → {action}",
                    warnings=ladder.warnings,
                    days=ladder.days,
                    action=_ladder_action(ladder),
                )
            )
        else:
            lines.append(t_("**Warning ladder:** off"))
        raid = settings.raid
        lines.append(
            t_(
                "**Raid protection:** {state}: {joins} joins within {seconds} s → lockdown for {minutes} minutes",
                state=on if raid.enabled else off,
                joins=raid.joins,
                seconds=raid.seconds,
                minutes=raid.lockdown_minutes,
            )
        )
        if settings.lockdown_until is not None:
            lines.append(t_("Lockdown is on until {until}.", until=Moment(settings.lockdown_until, timezone)))
        return lines

    # -- rules -----------------------------------------------------------------------------------------
    async def set_rule(
        self,
        inv: Invocation,
        rule: Rule,
        enabled: bool,
        action: AutomodAction | None = None,
        limit: int | None = None,
        seconds: int | None = None,
    ) -> Reply:
        community_id = _community(inv)
        settings = await self.store.get(community_id)
        current = settings.automod.rule(rule)
        if limit is not None and rule in LIMITS:
            low, high = LIMITS[rule]
            if not low <= limit <= high:
                raise BadArgument(t_("The limit for {rule} must be between {low} and {high}.", rule=rule.value,
                                     low=low, high=high))  # fmt: skip
        if seconds is not None and rule in SECONDS:
            low, high = SECONDS[rule]
            if not low <= seconds <= high:
                raise BadArgument(t_("The time for {rule} must be between {low} and {high} seconds.",
                                     rule=rule.value, low=low, high=high))  # fmt: skip
        updated = RuleSetting(
            enabled,
            action or current.action,
            limit if limit is not None and rule in LIMITS else current.limit,
            seconds if seconds is not None and rule in SECONDS else current.seconds,
        )
        automod = settings.automod.with_rule(rule, updated)
        await self.store.update(community_id, inv.now, automod=automod)
        return _saved(
            t_(
                "Automod {rule}: {state}, {action}{limits}.",
                rule=render.RULE_LABELS[rule],
                state=t_("on") if enabled else t_("off"),
                action=render.ACTION_LABELS[updated.action],
                limits=_limits(rule, updated),
            )
        )

    async def set_enabled(self, inv: Invocation, enabled: bool) -> Reply:
        community_id = _community(inv)
        settings = await self.store.get(community_id)
        await self.store.update(community_id, inv.now, automod=replace(settings.automod, enabled=enabled))
        return _saved(t_("Automod is on.") if enabled else t_("Automod is off: no rule is checked."))

    async def words(self, inv: Invocation, op: str, raw: str) -> Reply:
        community_id = _community(inv)
        settings = await self.store.get(community_id)
        current = list(settings.automod.words)
        if op == "list":
            if not current:
                return _saved(t_("No banned words yet. Add some: /automod words add word, two words, prefix*"))
            return Reply.of(OutMessage.of(t_("Banned: {words}", words=", ".join(current)), ephemeral=True,
                                          private=True))  # fmt: skip
        if op == "clear":
            await self.store.update(community_id, inv.now, automod=replace(settings.automod, words=()))
            return _saved(t_("The banned word list is empty now."))
        entries = _entries(raw)
        if op == "add":
            for entry in entries:
                if textmatch.parse_entry(entry) is None:
                    raise BadArgument(t_("“{entry}” has no word in it.", entry=entry))
                if len(entry) > textmatch.MAX_ENTRY:
                    raise BadArgument(t_("“{entry}” is too long: at most {limit} characters.", entry=entry[:40] + "…",
                                         limit=textmatch.MAX_ENTRY))  # fmt: skip
            merged = current + [e for e in entries if e.lower() not in {c.lower() for c in current}]
            if len(merged) > textmatch.MAX_ENTRIES:
                raise BadArgument(t_("At most {limit} banned words and phrases.", limit=textmatch.MAX_ENTRIES))
            updated = tuple(merged)
        else:
            wanted = {e.lower() for e in entries}
            updated = tuple(c for c in current if c.lower() not in wanted)
        await self.store.update(community_id, inv.now, automod=replace(settings.automod, words=updated))
        return _saved(t_("Banned words and phrases: {count}.", count=len(updated)))

    async def links(self, inv: Invocation, which: str, op: str, raw: str) -> Reply:
        community_id = _community(inv)
        settings = await self.store.get(community_id)
        field = "allow_domains" if which == "allow" else "deny_domains"
        current = list(getattr(settings.automod, field))
        if op == "clear":
            updated: tuple[str, ...] = ()
        else:
            domains = []
            for entry in _entries(raw):
                domain = textmatch.normalise_domain(entry)
                if domain is None:
                    raise BadArgument(t_("“{entry}” is not a domain like example.com.", entry=entry[:80]))
                domains.append(domain)
            if op == "add":
                updated = tuple(dict.fromkeys(current + domains))[:200]
            else:
                updated = tuple(d for d in current if d not in domains)
        if which == "allow":
            automod = replace(settings.automod, allow_domains=updated)
        else:
            automod = replace(settings.automod, deny_domains=updated)
        await self.store.update(community_id, inv.now, automod=automod)
        label = t_("Allowed domains") if which == "allow" else t_("Denied domains")
        return _saved(t_("{list}: {domains}", list=label, domains=", ".join(updated) or "—"))

    async def mute_minutes(self, inv: Invocation, raw: str) -> Reply:
        duration = parse_duration(raw)
        if duration.total_seconds() > 28 * 86400:
            raise BadArgument(t_("An automod mute can last at most 28 days."))
        community_id = _community(inv)
        settings = await self.store.get(community_id)
        minutes = int(duration.total_seconds() // 60)
        await self.store.update(community_id, inv.now, automod=replace(settings.automod, mute_minutes=minutes))
        return _saved(t_("Automod mutes now last {duration}.", duration=duration_text(duration)))

    # -- the ladder, raids, lockdown -------------------------------------------------------------------
    async def escalation(
        self, inv: Invocation, warnings: int, days: int | None, action: str | None, duration: str | None
    ) -> Reply:
        community_id = _community(inv)
        settings = await self.store.get(community_id)
        if warnings == 0:
            await self.store.update(community_id, inv.now, escalation=replace(settings.escalation, warnings=0))
            return _saved(t_("The warning ladder is off."))
        if not 1 <= warnings <= 20:
            raise BadArgument(t_("Warnings must be between 1 and 20 (0 switches the ladder off)."))
        days = days if days is not None else settings.escalation.days
        if not 1 <= days <= 365:
            raise BadArgument(t_("Days must be between 1 and 365."))
        kind = InfractionKind(action) if action else settings.escalation.action
        if kind not in (InfractionKind.MUTE, InfractionKind.KICK, InfractionKind.BAN):
            raise BadArgument(t_("The ladder's action must be mute, kick or ban."))
        minutes = settings.escalation.minutes
        if duration:
            minutes = int(parse_duration(duration).total_seconds() // 60)
        elif kind is InfractionKind.BAN and action:
            minutes = None  # a ban without a duration is permanent
        if kind is InfractionKind.MUTE and (minutes is None or minutes > 28 * 24 * 60):
            raise BadArgument(t_("Give the mute a duration of at most 28 days, like 1h."))
        ladder = EscalationConfig(warnings, days, kind, minutes)
        await self.store.update(community_id, inv.now, escalation=ladder)
        return _saved(
            t_(
                "Warning ladder: {warnings} warnings within {days} days → {action}.",
                warnings=warnings,
                days=days,
                action=_ladder_action(ladder),
            )  # fmt: skip
        )

    async def raid_settings(
        self, inv: Invocation, enabled: bool, joins: int | None, seconds: int | None, minutes: int | None
    ) -> Reply:
        community_id = _community(inv)
        current = (await self.store.get(community_id)).raid
        raid = RaidConfig(
            enabled,
            joins if joins is not None else current.joins,
            seconds if seconds is not None else current.seconds,
            minutes if minutes is not None else current.lockdown_minutes,
            current.slowmode_seconds,
        )
        if not (3 <= raid.joins <= 1000 and 5 <= raid.seconds <= 3600 and 5 <= raid.lockdown_minutes <= 1440):
            raise BadArgument(t_("Use 3–1000 joins within 5–3600 seconds, and a lockdown of 5–1440 minutes."))
        await self.store.update(community_id, inv.now, raid=raid)
        if not enabled:
            return _saved(t_("Raid protection is off."))
        return _saved(
            t_(
                "Raid protection: {joins} joins within {seconds} s → lockdown for {minutes} minutes.",
                joins=raid.joins,
                seconds=raid.seconds,
                minutes=raid.lockdown_minutes,
            )  # fmt: skip
        )

    async def lockdown(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        community_id = _community(inv)
        state = (args.get("state") or "").lower()
        minutes = args.get("minutes")
        if state == "on":
            settings = await self.raid.set(community_id, True, minutes, automatic=False)
            assert settings.lockdown_until is not None
            lines = [
                t_(
                    "🚨 Lockdown is on until {until}. New members are held until then.",
                    until=Moment(settings.lockdown_until, inv.timezone),
                )
            ]
            missing = missing_permissions(settings)
            if missing:
                lines.append(t_("I could not do all of it: I need {permissions}.", permissions=missing))
            return Reply.of(OutMessage(tuple(lines)))
        settings = await self.store.get(community_id)
        if settings.lockdown_until is None:
            raise BadArgument(t_("There is no lockdown to end."))
        await self.raid.set(community_id, False, None, automatic=False)
        return Reply.of(OutMessage.of(t_("✅ Lockdown ended.")))

    # -- managers: where things go, how to appeal --------------------------------------------------------
    async def set_log_channel(self, inv: Invocation, _args: dict[str, Any]) -> Reply:
        await self.store.update(_community(inv), inv.now, log_channel=inv.place.channel)
        return _saved(t_("This channel now receives the moderation log."))

    async def set_queue_channel(self, inv: Invocation, _args: dict[str, Any]) -> Reply:
        await self.store.update(_community(inv), inv.now, queue_channel=inv.place.channel)
        return _saved(t_("Member reports now come to this channel, with buttons to handle them."))

    async def set_appeal(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        text = " ".join((args.get("text") or "").split())
        if len(text) > APPEAL_MAX:
            raise BadArgument(t_("The appeal text is too long: at most {limit} characters.", limit=APPEAL_MAX))
        if text == "-":
            text = ""
        await self.store.update(_community(inv), inv.now, appeal=text)
        if not text:
            return _saved(t_("Members are told to write to a moderator or manager to appeal."))
        return _saved(t_("Members who are warned, muted or banned are told: “{text}”", text=text))

    # -- Telegram: /automod with words ---------------------------------------------------------------------
    async def telegram(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        words = (args.get("settings") or "").replace("|", " ").split()
        if not words or words[0].lower() == "show":
            return await self.show(inv, args)
        head, rest = words[0].lower(), words[1:]
        raw_rest = (args.get("settings") or "").split(None, 1)[1] if len(words) > 1 else ""
        if head in ("on", "off"):
            return await self.set_enabled(inv, head == "on")
        switching = bool(rest) and rest[0].lower() in ("on", "off")  # `/automod words on delete`: the rule itself
        if head == "words" and not switching:
            op = rest[0].lower() if rest else "list"
            if op not in ("add", "remove", "list", "clear"):
                raise _usage()
            return await self.words(inv, op, raw_rest.split(None, 1)[1] if len(rest) > 1 else "")
        if head == "links" and not switching:
            if (
                len(rest) < 2
                or rest[0].lower() not in ("allow", "deny")
                or rest[1].lower() not in ("add", "remove", "clear")
            ):
                raise _usage()
            return await self.links(inv, rest[0].lower(), rest[1].lower(), " ".join(rest[2:]))
        if head in ("mute", "muteminutes"):
            return await self.mute_minutes(inv, " ".join(rest))
        if head == "escalation":
            if rest and rest[0].lower() == "off":
                return await self.escalation(inv, 0, None, None, None)
            counts: list[int] = []
            while rest and rest[0].isdigit() and len(counts) < 2:
                counts.append(int(rest.pop(0)))
            ladder_action = rest.pop(0).lower() if rest else None
            if not counts or ladder_action not in (None, "mute", "kick", "ban"):
                raise _usage()
            days = counts[1] if len(counts) > 1 else None
            return await self.escalation(inv, counts[0], days, ladder_action, rest[0] if rest else None)
        if head == "raid":
            if not rest or rest[0].lower() not in ("on", "off"):
                raise _usage()
            given = [_int(w) for w in rest[1:4]]
            return await self.raid_settings(inv, rest[0].lower() == "on", *(given + [None] * (3 - len(given))))
        rule = next((r for r in Rule if r.value == head), None)
        if rule is None or not rest or rest[0].lower() not in ("on", "off"):
            raise _usage()
        chosen: AutomodAction | None = None
        values: list[int | None] = []
        for word in rest[1:]:
            if word.lower() in {a.value for a in AutomodAction}:
                chosen = AutomodAction(word.lower())
            else:
                values.append(_int(word))
        limit, seconds = (values + [None, None])[:2]
        return await self.set_rule(inv, rule, rest[0].lower() == "on", chosen, limit, seconds)


def _community(inv: Invocation) -> int:
    assert inv.community_id is not None  # the dispatcher refuses these outside a community
    return inv.community_id


def _saved(text: Text) -> Reply:
    return Reply.of(OutMessage.of(text, ephemeral=True))


def _entries(raw: str) -> list[str]:
    entries = [e.strip() for e in raw.replace("\n", ",").split(",") if e.strip()]
    if not entries:
        raise BadArgument(t_("Give one or more entries, separated by commas."))
    return entries


def _int(word: str) -> int:
    if not word.isdigit():
        raise BadArgument(t_("“{value}” should be a whole number. Usage: {usage}", value=word, usage=USAGE))
    return int(word)


def _usage() -> BadArgument:
    return BadArgument(t_("Usage: {usage}", usage=USAGE))


def _limits(rule: Rule, setting: RuleSetting) -> Text | str:
    if rule is Rule.FLOOD or rule is Rule.REPEAT:
        return t_(" ({limit} within {seconds} s)", limit=setting.limit, seconds=setting.seconds)
    if rule is Rule.MENTIONS:
        return t_(" ({limit} or more)", limit=setting.limit)
    if rule is Rule.CAPS:
        return t_(" ({limit}% or more)", limit=setting.limit)
    if rule is Rule.NEW_ACCOUNTS:
        return t_(" (younger than {limit} days)", limit=setting.limit)
    return ""


def _ladder_action(ladder: EscalationConfig) -> Text:
    label = render.KIND_LABELS[ladder.action]
    if ladder.minutes:
        return t_("{action} for {duration}", action=label, duration=duration_text(timedelta(minutes=ladder.minutes)))
    return t_("{action}, permanently", action=label) if ladder.action is InfractionKind.BAN else label
