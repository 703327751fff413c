"""Managers' onboarding commands: rules, the rules gate, the member role, welcome templates and where they
go, interests, nudges, and an overview. Each checks what it can before writing anything."""

from __future__ import annotations

import re
from typing import Any

from bot.core.commands import Form, FormField, Invocation, Reply
from bot.core.errors import BadArgument
from bot.core.i18n import LOCALE_NAMES, LOCALES, Text, UserRef, t_, tn_, translate
from bot.core.identity import Platform
from bot.core.outbound import OutMessage
from cogs.onboarding import render, templates
from cogs.onboarding.context import Context
from cogs.onboarding.interests import InterestService, clean_names, find, unknown
from cogs.onboarding.models import OnboardingSettings, TemplateKind
from cogs.onboarding.nudges import MAX_DAY
from cogs.onboarding.welcome import WelcomeService

RULES_MAX = 20
RULE_MAX = 300
RULES_FORM = "onbf:rules"
ASK_POST = t_(
    "Send the welcome post for the group (send - to keep it). You can use {placeholders}. Now it is:\n{current}"
)
ASK_DM = t_(
    "Send the welcome message newcomers get privately (send - to keep it). You can use {placeholders}. "
    "Now it is:\n{current}"
)
_LANG_PREFIX = re.compile(r"^\s*([a-zA-Z]{2})\s*\|\s*(.*)$", re.DOTALL)


def parse_rules(raw: str) -> tuple[str, ...]:
    """One rule per `|` (Telegram) or per line (the Discord form); leading numbers are dropped (we number)."""
    pieces = raw.split("|") if "|" in raw else raw.splitlines()
    rules = [re.sub(r"^\s*\d+[.)]\s*", "", " ".join(p.split())) for p in pieces]
    rules = [r for r in rules if r]
    if not rules:
        raise BadArgument(t_("Give at least one rule, separated by |, for example: /setrules Be kind | Stay on topic"))
    if len(rules) > RULES_MAX:
        raise BadArgument(t_("At most {limit} rules, not {count}: keep them short and few.", limit=RULES_MAX,
                             count=len(rules)))  # fmt: skip
    for number, rule in enumerate(rules, 1):
        if len(rule) > RULE_MAX:
            raise BadArgument(t_("Rule {number} is too long: {length} characters, at most {limit}.", number=number,
                                 length=len(rule), limit=RULE_MAX))  # fmt: skip
    return tuple(rules)


def on_off(value: bool) -> Text:
    return t_("on") if value else t_("off")


class SetupService:
    def __init__(self, ctx: Context, welcome: WelcomeService, interests: InterestService) -> None:
        self.ctx = ctx
        self.welcome = welcome
        self.interests = interests

    async def _settings(self, inv: Invocation) -> OnboardingSettings:
        assert inv.community_id is not None
        return await self.ctx.repo.settings(inv.community_id)

    # -- rules --------------------------------------------------------------------------------------
    async def set_rules(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        if not args.get("rules"):
            current = "\n".join((await self._settings(inv)).rules)
            field = FormField("rules", t_("Rules, one per line"), long=True, max_length=4000, default=current,
                              prompt=t_("Send the rules, separated by | (one rule each)."))  # fmt: skip
            return Reply.ask(Form(t_("Community rules"), RULES_FORM, (field,)))
        return await self._save_rules(inv, args["rules"])

    async def rules_form(self, inv: Invocation, _rest: str, values: dict[str, str]) -> Reply:
        return await self._save_rules(inv, values.get("rules", ""))

    async def _save_rules(self, inv: Invocation, raw: str) -> Reply:
        assert inv.community_id is not None
        if raw.strip() == "-":
            await self.ctx.repo.update_settings(inv.community_id, rules=())
            return Reply.of(OutMessage.of(t_("Rules removed. The rules gate stays off until there are rules again."),
                                          ephemeral=True))  # fmt: skip
        rules = parse_rules(raw)
        settings = await self.ctx.repo.update_settings(inv.community_id, rules=rules)
        lines = [tn_("Saved {count} rule:", "Saved {count} rules:", len(rules)), *render.rules_lines(rules)[1:]]
        lines.append(await self._gate_status(inv, settings))
        return Reply.of(OutMessage(tuple(lines), ephemeral=True))

    # -- the gate -----------------------------------------------------------------------------------
    async def set_gate(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        assert inv.community_id is not None
        settings = await self._settings(inv)
        switch_on = args["state"] == "on"
        minutes = args.get("minutes")
        if switch_on:
            await self._check_gate_can_work(inv, settings)
        changes: dict[str, Any] = {"gate_enabled": switch_on}
        if minutes is not None:
            changes["gate_minutes"] = minutes
        settings = await self.ctx.repo.update_settings(inv.community_id, **changes)
        return Reply.of(OutMessage.of(await self._gate_status(inv, settings), ephemeral=True))

    async def _check_gate_can_work(self, inv: Invocation, settings: OnboardingSettings) -> None:
        platform = inv.platform.value
        if inv.platform is Platform.DISCORD:
            if not settings.member_role:
                raise BadArgument(t_("Choose the member role first: /setup roles member_role:… — newcomers get it "
                                     "when they accept the rules."))  # fmt: skip
            roles = self.ctx.role_gate(platform)
            problem = await roles.problem(inv.place.scope_id or "", settings.member_role) if roles else None
        else:
            if not settings.rules:
                raise BadArgument(t_("Set the rules first, for example: /setrules Be kind | Stay on topic"))
            group = self.ctx.group_gate(platform)
            problem = await group.problem(inv.place.scope_id or "") if group and inv.place.scope_id else None
        if problem is not None:
            raise BadArgument(t_("I cannot hold newcomers at the door here: {problem}",
                                 problem=render.PROBLEMS[problem]))  # fmt: skip

    async def _gate_status(self, inv: Invocation, settings: OnboardingSettings) -> Text:
        if not settings.gate_enabled:
            return t_("The rules gate is off.")
        platform, scope = inv.platform.value, inv.place.scope_id or ""
        if inv.platform is Platform.DISCORD:
            if not settings.member_role:
                return t_("The rules gate waits for a member role: /setup roles member_role:…")
            roles = self.ctx.role_gate(platform)
            problem = await roles.problem(scope, settings.member_role) if roles else None
            if problem is not None:
                return t_("The rules gate cannot work yet: {problem}", problem=render.PROBLEMS[problem])
            return t_("The rules gate is on: newcomers get the member role when they accept the rules.")
        if not settings.rules:
            return t_("The rules gate waits for rules: /setrules …")
        group = self.ctx.group_gate(platform)
        if group is None or not inv.place.scope_id:
            return t_("The rules gate is on where I can restrict members (Telegram groups).")
        problem = await group.problem(scope)
        if problem is not None:
            return t_("The rules gate cannot work yet: {problem}", problem=render.PROBLEMS[problem])
        return tn_(
            "The rules gate is on: newcomers can post once they accept the rules, and are removed after {count} "
            "minute without accepting.",
            "The rules gate is on: newcomers can post once they accept the rules, and are removed after {count} "
            "minutes without accepting.",
            settings.gate_minutes,
        )

    async def set_member_role(self, inv: Invocation, role_id: str) -> OutMessage:
        assert inv.community_id is not None
        settings = await self.ctx.repo.update_settings(inv.community_id, member_role=role_id)
        return OutMessage.of(t_("Member role saved."), await self._gate_status(inv, settings), ephemeral=True)

    # -- nudges -------------------------------------------------------------------------------------
    async def set_nudges(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        assert inv.community_id is not None
        raw = str(args["days"]).strip().lower()
        if raw in ("off", "0", "-", "none"):
            await self.ctx.repo.update_settings(inv.community_id, nudges_enabled=False)
            return Reply.of(OutMessage.of(t_("Nudges are off: newcomers get no reminders to say hello."),
                                          ephemeral=True))  # fmt: skip
        pieces = [p for p in re.split(r"[,\s|]+", raw) if p]
        if not pieces or not all(p.isdigit() and 1 <= int(p) <= MAX_DAY for p in pieces) or len(pieces) > 5:
            raise BadArgument(t_("Give up to five days between 1 and {limit}, like 3, 7 — or off.", limit=MAX_DAY))
        days = tuple(sorted({int(p) for p in pieces}))
        await self.ctx.repo.update_settings(inv.community_id, nudges_enabled=True, nudge_days=days)
        text = t_("Newcomers who have not posted yet get a friendly nudge on these days after joining: {days}.",
                  days=", ".join(map(str, days)))  # fmt: skip
        return Reply.of(OutMessage.of(text, ephemeral=True))

    # -- welcome ------------------------------------------------------------------------------------
    async def welcome_form(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        """Discord `/welcome set [language]`: a modal with the post and the DM of one language."""
        assert inv.community_id is not None
        community = await self.ctx.community(inv.community_id)
        locale = args.get("language") or community.locale
        custom = await self.ctx.repo.templates(inv.community_id)

        def field(kind: TemplateKind, label: Text, ask: str) -> FormField:
            current = custom.get((locale, kind)) or translate(locale, templates.DEFAULTS[kind].msgid)
            prompt = Text(ask, {"placeholders": templates.listing(), "current": current})
            return FormField(kind.value, label, long=True, max_length=templates.TEMPLATE_MAX, default=current,
                             required=False, prompt=prompt)  # fmt: skip

        title = t_("Welcome texts ({language})", language=LOCALE_NAMES[locale])
        post = field(TemplateKind.POST, t_("Welcome post"), ASK_POST.msgid)
        dm = field(TemplateKind.DM, t_("Welcome message (DM)"), ASK_DM.msgid)
        return Reply.ask(Form(title, f"onbf:wel:{locale}", (post, dm)))

    async def welcome_form_filled(self, inv: Invocation, rest: str, values: dict[str, str]) -> Reply:
        locale = rest if rest in LOCALES else "en"
        texts: dict[TemplateKind, str | None] = {}
        for kind in TemplateKind:
            raw = values.get(kind.value, "")
            if raw.strip():  # an empty field keeps what is there
                default = translate(locale, templates.DEFAULTS[kind].msgid)
                texts[kind] = None if raw.strip() == default.strip() else templates.validate(raw)
        return await self._save_templates(inv, locale, texts)

    async def welcome_text(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        """Telegram `/setwelcome [language |] text`: the post; `/setwelcome` alone asks post and DM in turn."""
        assert inv.community_id is not None
        raw = (args.get("text") or "").strip()
        community = await self.ctx.community(inv.community_id)
        if raw.lower() in LOCALES or not raw:
            return await self.welcome_form(inv, {"language": raw.lower() or community.locale})
        locale = community.locale
        match = _LANG_PREFIX.match(raw)
        if match and match.group(1).lower() in LOCALES:
            locale, raw = match.group(1).lower(), match.group(2)
        return await self._save_templates(inv, locale, {TemplateKind.POST: templates.validate(raw)})

    async def _save_templates(self, inv: Invocation, locale: str, texts: dict[TemplateKind, str | None]) -> Reply:
        assert inv.community_id is not None
        if texts:
            await self.ctx.repo.set_templates(inv.community_id, locale, texts)
        saved = t_("Welcome texts for {language} saved. This is how they look:", language=LOCALE_NAMES[locale])
        preview = await self._preview(inv, locale)
        return Reply.of(OutMessage.of(saved, ephemeral=True), *preview)

    async def test_welcome(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        assert inv.community_id is not None
        locale = args.get("language") or inv.locale
        intro = t_("Preview in {language}, as if you had just joined:", language=LOCALE_NAMES[locale])
        return Reply.of(OutMessage.of(intro, ephemeral=True), *await self._preview(inv, locale))

    async def _preview(self, inv: Invocation, locale: str) -> list[OutMessage]:
        assert inv.community_id is not None
        me = [UserRef(inv.caller.identity.id, inv.caller.display_name)]
        count = await self.ctx.repo.present_members(inv.community_id)
        post = await self.welcome.text(inv.community_id, TemplateKind.POST, locale, me, count)
        dm = await self.welcome.text(inv.community_id, TemplateKind.DM, locale, me, count)
        return [
            OutMessage.of(t_("**Welcome post:**"), post, ephemeral=True),
            OutMessage.of(t_("**Welcome message (DM):**"), dm, ephemeral=True),
        ]

    async def welcome_channel(self, inv: Invocation, _args: dict[str, Any]) -> Reply:
        assert inv.community_id is not None
        await self.ctx.repo.update_settings(inv.community_id, welcome_channel=inv.place.channel)
        return Reply.of(OutMessage.of(t_("Welcome posts and the rules for newcomers now go to this channel."),
                                      ephemeral=True))  # fmt: skip

    async def welcome_mode(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        assert inv.community_id is not None
        changes = {f"welcome_{k}": args[k] == "on" for k in ("post", "dm") if args.get(k)}
        if not changes:
            raise BadArgument(t_("Say what to switch, for example: post off, or dm on."))
        settings = await self.ctx.repo.update_settings(inv.community_id, **changes)
        return Reply.of(OutMessage.of(t_("Welcome post: {post}. Welcome message (DM): {dm}.",
                                         post=on_off(settings.welcome_post), dm=on_off(settings.welcome_dm)),
                                      ephemeral=True))  # fmt: skip

    # -- interests ----------------------------------------------------------------------------------
    async def set_interests(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        assert inv.community_id is not None
        raw = str(args["interests"])
        names = clean_names(raw.split("|") if "|" in raw else raw.split(","))
        saved = await self.ctx.repo.replace_interests(inv.community_id, names)
        return Reply.of(OutMessage.of(t_("Interests: {names}. Members pick theirs with /interests.",
                                         names=", ".join(i.name for i in saved)), ephemeral=True))  # fmt: skip

    async def put_interest(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        """Discord `/setup interests interest: [role:] [remove:]`: add one, map it to a role, or remove it."""
        assert inv.community_id is not None
        repo = self.ctx.repo
        interests = await repo.interests(inv.community_id)
        if args.get("remove") == "yes":
            found = find(interests, args["interest"])
            if found is None:
                raise unknown(args["interest"], interests)
            await repo.remove_interest(inv.community_id, found.id)
            left = [i.name for i in interests if i.id != found.id]
            return Reply.of(OutMessage.of(t_("Removed {name}. Interests now: {names}.", name=found.name,
                                             names=", ".join(left) or "–"), ephemeral=True))  # fmt: skip
        (name,) = clean_names([args["interest"]])
        if find(interests, name) is None and len(interests) >= 25:
            raise BadArgument(t_("At most {limit} interests, not {count}.", limit=25, count=len(interests) + 1))
        role = args.get("role")
        lines: list[Text] = []
        if role:
            roles = self.ctx.role_gate(inv.platform.value)
            problem = await roles.problem(inv.place.scope_id or "", role) if roles else None
            if problem is not None:
                lines.append(t_("Members cannot get that role yet: {problem}", problem=render.PROBLEMS[problem]))
        saved = await repo.put_interest(inv.community_id, name, role)
        everything = await repo.interests(inv.community_id)
        head = t_("Saved {name} (members who pick it get its role).", name=saved.name) if role else t_(
            "Saved {name}.", name=saved.name)  # fmt: skip
        lines.insert(0, head)
        lines.append(t_("Interests now: {names}.", names=", ".join(i.name for i in everything)))
        return Reply.of(OutMessage(tuple(lines), ephemeral=True))

    # -- overview -----------------------------------------------------------------------------------
    async def show(self, inv: Invocation, _args: dict[str, Any]) -> Reply:
        assert inv.community_id is not None
        settings = await self._settings(inv)
        interests = await self.ctx.repo.interests(inv.community_id)
        custom = await self.ctx.repo.templates(inv.community_id)
        none = t_("not set")
        langs = sorted({LOCALE_NAMES[loc] for loc, _kind in custom if loc in LOCALE_NAMES})
        lines: list[Text] = [
            t_("**Onboarding**"),
            tn_("Rules: {count} rule", "Rules: {count} rules", len(settings.rules))
            if settings.rules
            else t_("Rules: {value}", value=none),  # fmt: skip
            await self._gate_status(inv, settings),
            tn_("Time limit to accept: {count} minute", "Time limit to accept: {count} minutes", settings.gate_minutes),
            t_("Member role: {value}", value=settings.member_role or none),
            t_(
                "Welcome post: {post}. Welcome message (DM): {dm}.",
                post=on_off(settings.welcome_post),
                dm=on_off(settings.welcome_dm),
            ),  # fmt: skip
            t_("Own welcome texts in: {languages}", languages=", ".join(langs) or none),
            t_("Interests: {names}", names=", ".join(i.name for i in interests) or none),
            t_("Nudges on these days after joining: {days}", days=", ".join(map(str, settings.nudge_days)))
            if settings.nudges_enabled
            else t_("Nudges: {value}", value=on_off(False)),
        ]
        return Reply.of(OutMessage(tuple(lines), ephemeral=True))
