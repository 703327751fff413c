"""Onboarding's commands, buttons and forms, declared once for every platform."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.core.commands import Arg, ArgKind, ButtonRoute, CommandSpec, FormRoute, Invocation, Registry, Reply, Where
from bot.core.errors import BadArgument
from bot.core.i18n import t_
from bot.core.outbound import OutMessage
from bot.core.permissions import Role
from cogs.onboarding.service import OnboardingService
from cogs.onboarding.setup import RULES_FORM, SetupService
from cogs.onboarding.templates import TEMPLATE_MAX

ON_OFF = (("on", t_("on")), ("off", t_("off")))


def register(registry: Registry, service: OnboardingService, setup: SetupService) -> None:
    registry.add(
        CommandSpec(
            key="rules.show",
            description=t_("The community rules"),
            handler=service.show_rules,
            where=Where.ANYWHERE,
            discord=("rules",),
            telegram=("rules",),
        ),
        CommandSpec(
            key="interests.pick",
            description=t_("Pick your interests: you hear about events for them"),
            handler=service.show_interests,
            where=Where.ANYWHERE,
            discord=("interests",),
            telegram=("interests",),
            args=(Arg("interest", ArgKind.TEXT, t_("an interest to add or remove"), required=False, max_length=60),),
        ),
        CommandSpec(
            key="setup.rules",
            description=t_("Set the community rules (one per line, or separated by |)"),
            handler=setup.set_rules,
            role=Role.MANAGER,
            discord=("setup", "rules"),
            telegram=("setrules",),
            args=(
                Arg("rules", ArgKind.TEXT, t_("rule | rule | rule (empty: a form)"), required=False, max_length=4000),
            ),
        ),
        CommandSpec(
            key="setup.gate",
            description=t_("Switch the rules gate for newcomers on or off, and set its time limit"),
            handler=setup.set_gate,
            role=Role.MANAGER,
            discord=("setup", "gate"),
            telegram=("setgate",),
            args=(
                Arg("state", ArgKind.CHOICE, t_("on or off"), choices=ON_OFF),
                Arg(
                    "minutes",
                    ArgKind.INT,
                    t_("minutes to accept (Telegram; default 10)"),
                    required=False,
                    min_value=1,
                    max_value=1440,
                ),  # fmt: skip
            ),
        ),
        CommandSpec(
            key="setup.nudges",
            description=t_("When quiet newcomers get a friendly nudge (days after joining), or off"),
            handler=setup.set_nudges,
            role=Role.MANAGER,
            discord=("setup", "nudges"),
            telegram=("setnudges",),
            args=(Arg("days", ArgKind.TEXT, t_("days, e.g. 3, 7 — or off"), max_length=40),),
        ),
        CommandSpec(
            key="setup.interests",
            description=t_("Add an interest (with a role members get), or remove one"),
            handler=setup.put_interest,
            role=Role.MANAGER,
            discord=("setup", "interests"),
            args=(
                Arg("interest", ArgKind.TEXT, t_("the interest's name"), max_length=60),
                Arg("role", ArgKind.ROLE, t_("a role members who pick it get"), required=False),
                Arg(
                    "remove", ArgKind.CHOICE, t_("remove this interest"), required=False, choices=(("yes", t_("yes")),)
                ),
            ),
        ),
        CommandSpec(
            key="interests.set",
            description=t_("Set the interests members can pick (separated by |)"),
            handler=setup.set_interests,
            role=Role.MANAGER,
            telegram=("setinterests",),
            args=(Arg("interests", ArgKind.TEXT, t_("interest | interest | …"), max_length=2000),),
        ),
        CommandSpec(
            key="welcome.set",
            description=t_("Write the welcome post and message for a language"),
            handler=setup.welcome_form,
            role=Role.MANAGER,
            discord=("welcome", "set"),
            args=(Arg("language", ArgKind.LOCALE, t_("en, fi, de or ru (default: the community's)"), required=False),),
        ),
        CommandSpec(
            key="welcome.text",
            description=t_("Set the welcome post ([language |] text); alone, it asks step by step"),
            handler=setup.welcome_text,
            role=Role.MANAGER,
            telegram=("setwelcome",),
            args=(Arg("text", ArgKind.TEXT, t_("the welcome text"), required=False, max_length=TEMPLATE_MAX + 10),),
        ),
        CommandSpec(
            key="welcome.test",
            description=t_("Preview the welcome post and message"),
            handler=setup.test_welcome,
            role=Role.MANAGER,
            discord=("welcome", "test"),
            telegram=("testwelcome",),
            args=(Arg("language", ArgKind.LOCALE, t_("en, fi, de or ru"), required=False),),
        ),
        CommandSpec(
            key="welcome.channel",
            description=t_("Send welcome posts and the rules for newcomers to this channel"),
            handler=setup.welcome_channel,
            role=Role.MANAGER,
            discord=("welcome", "channel"),
        ),
        CommandSpec(
            key="welcome.mode",
            description=t_("Switch the welcome post and the welcome message on or off"),
            handler=setup.welcome_mode,
            role=Role.MANAGER,
            discord=("welcome", "mode"),
            telegram=("welcomemode",),
            args=(
                Arg("post", ArgKind.CHOICE, t_("the welcome post"), required=False, choices=ON_OFF),
                Arg("dm", ArgKind.CHOICE, t_("the welcome message (DM)"), required=False, choices=ON_OFF),
            ),
        ),
        CommandSpec(
            key="setup.onboarding",
            description=t_("Show the onboarding settings"),
            handler=setup.show,
            role=Role.MANAGER,
            discord=("setup", "onboarding"),
            telegram=("onboarding",),
        ),
        CommandSpec(
            key="funnel",
            description=t_("Newcomer funnel per join week, with the biggest drop"),
            handler=service.funnel_command,
            role=Role.MANAGER,
            where=Where.ANYWHERE,
            discord=("funnel",),
            telegram=("funnel",),
            args=(
                Arg(
                    "weeks",
                    ArgKind.INT,
                    t_("how many weeks back (default 8)"),
                    required=False,
                    min_value=1,
                    max_value=26,
                ),
            ),  # fmt: skip
        ),
    )
    registry.add_button(ButtonRoute("onb", service.press))
    registry.add_form(FormRoute("onbf", _forms(setup)))
    _extend_setup_roles(registry, setup)


def _forms(setup: SetupService) -> Any:
    async def filled(inv: Invocation, rest: str, values: dict[str, str]) -> Reply:
        if f"onbf:{rest}" == RULES_FORM:
            return await setup.rules_form(inv, rest, values)
        kind, _, locale = rest.partition(":")
        if kind == "wel":
            return await setup.welcome_form_filled(inv, locale, values)
        raise BadArgument(t_("This form no longer works. Run the command again."))

    return filled


def _extend_setup_roles(registry: Registry, setup: SetupService) -> None:
    """`/setup roles` (the community's command) gains `member_role:`, the role the rules gate grants."""
    index = next((i for i, s in enumerate(registry.commands) if s.key == "setup.roles"), None)
    member_role = Arg("member_role", ArgKind.ROLE, t_("newcomers get this role when they accept the rules"),
                      required=False)  # fmt: skip
    if index is None:
        registry.add(CommandSpec("setup.memberrole", t_("Choose the role newcomers get when they accept the rules"),
                                 _member_role_only(setup), role=Role.MANAGER, discord=("setup", "memberrole"),
                                 args=(replace(member_role, required=True),)))  # fmt: skip
        return
    original = registry.commands[index]

    async def handler(inv: Invocation, args: dict[str, Any]) -> Reply:
        role = args.get("member_role")
        rest = {k: v for k, v in args.items() if k != "member_role"}
        if role is None:
            return await original.handler(inv, rest)
        messages: list[OutMessage] = []
        if any(rest.values()):
            messages.extend((await original.handler(inv, rest)).messages)
        messages.append(await setup.set_member_role(inv, role))
        return Reply.of(*messages)

    registry.commands[index] = replace(original, args=(*original.args, member_role), handler=handler)


def _member_role_only(setup: SetupService) -> Any:
    async def handler(inv: Invocation, args: dict[str, Any]) -> Reply:
        return Reply.of(await setup.set_member_role(inv, args["member_role"]))

    return handler
