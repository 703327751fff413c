"""Slash commands built from the neutral registry, and their sync.

Every `CommandSpec` with a Discord path becomes an `app_commands.Command`: a one-part path is a
top-level command, a two-part path a subcommand of an `app_commands.Group`. Its callback is generated
with an explicit signature whose annotations are `Transformer` instances built from the spec's `Arg`s
(type, limits, choices, autocomplete) — discord.py reads options from that signature exactly as from
a hand-written one. Names stay English; descriptions and choice labels are localised by `HearthTranslator`
from the same gettext catalogs as everything else. Menus show each role its commands through
`default_member_permissions`; the dispatcher re-checks every use."""

from __future__ import annotations

import hashlib
import inspect
import json
import keyword
import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Where

from bot.core.commands import Arg, ArgKind, CommandSpec
from bot.core.i18n import LOCALE_NAMES, LOCALES, Text
from bot.core.identity import Platform, PlatformId
from bot.core.permissions import Role
from bot.discord.interactions import caller_of, handle, place_of
from cogs.dispatch.args import suggest_timezones

if TYPE_CHECKING:
    from bot.discord.host import DiscordHost

log = logging.getLogger(__name__)

MAX_DESCRIPTION = 100
MAX_STRING = 6000
SYNC_CURSOR = "discord:commands"

DEFAULT_PERMISSIONS: dict[Role, discord.Permissions | None] = {
    Role.MEMBER: None,
    Role.MODERATOR: discord.Permissions(moderate_members=True),
    Role.MANAGER: discord.Permissions(manage_guild=True),
}
ORGANIZER_PERMISSIONS = discord.Permissions(manage_events=True)
GUILD_ONLY = app_commands.AppCommandContext(guild=True)
ANYWHERE = app_commands.AppCommandContext(guild=True, dm_channel=True)
_CATALOG_LOCALES = {discord.Locale(code): code for code in LOCALES if code != "en"}  # fi, de, ru
_OPTION_TYPES = {
    ArgKind.TEXT: discord.AppCommandOptionType.string,
    ArgKind.INT: discord.AppCommandOptionType.integer,
    ArgKind.CHOICE: discord.AppCommandOptionType.string,
    ArgKind.TIMEZONE: discord.AppCommandOptionType.string,
    ArgKind.LOCALE: discord.AppCommandOptionType.string,
    ArgKind.ROLE: discord.AppCommandOptionType.role,
    ArgKind.MEMBER: discord.AppCommandOptionType.user,
    ArgKind.BOOL: discord.AppCommandOptionType.boolean,
}


def localised(text: Text) -> app_commands.locale_str:
    """English (≤ 100 chars) as Discord's default, carrying the Text for the translator."""
    return app_commands.locale_str(text.render("en")[:MAX_DESCRIPTION] or "…", text=text)


class HearthTranslator(app_commands.Translator):
    """Descriptions and choice labels in fi/de/ru from the gettext catalogs; names stay English."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContext[Any, Any],
    ) -> str | None:
        if context.location in (Where.command_name, Where.group_name, Where.parameter_name):
            return None
        text = string.extras.get("text")
        code = _CATALOG_LOCALES.get(locale)
        if not isinstance(text, Text) or code is None:
            return None
        rendered = text.render(code)[:MAX_DESCRIPTION]
        return rendered if rendered and rendered != string.message else None


class ArgOption(app_commands.Transformer):
    """One registry `Arg` as a Discord option; `transform` hands the dispatcher its raw value."""

    def __init__(self, arg: Arg) -> None:
        self.arg = arg

    @property
    def type(self) -> discord.AppCommandOptionType:
        return _OPTION_TYPES[self.arg.kind]

    @property
    def min_value(self) -> int | None:
        return self.arg.min_value if self.arg.kind is ArgKind.INT else None

    @property
    def max_value(self) -> int | None:
        if self.arg.kind is ArgKind.INT:
            return self.arg.max_value
        if self.type is discord.AppCommandOptionType.string and not self.choices:
            return min(self.arg.max_length, MAX_STRING)  # Discord's max_length for strings
        return None

    @property
    def choices(self) -> list[app_commands.Choice[int | float | str]] | None:
        if self.arg.kind is ArgKind.CHOICE:
            pairs = [(localised(label), value) for value, label in self.arg.choices]
        elif self.arg.kind is ArgKind.LOCALE:
            pairs = [(app_commands.locale_str(LOCALE_NAMES[code]), code) for code in LOCALES]
        else:
            return None
        return [app_commands.Choice(name=name, value=value) for name, value in pairs]

    async def transform(self, interaction: discord.Interaction, value: Any, /) -> Any:
        if self.arg.kind is ArgKind.ROLE:
            return str(value.id)
        if self.arg.kind is ArgKind.MEMBER:
            return PlatformId.of(Platform.DISCORD, value.id)
        return value


class TimezoneOption(ArgOption):
    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: str, /
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=zone, value=zone) for zone in suggest_timezones(value or "")]


class SuggestOption(ArgOption):
    """An argument with `Arg.suggest`: the feature's suggestions, through the dispatcher (who may use the
    command is checked there), in the typist's language."""

    def __init__(self, arg: Arg, runtime: DiscordHost, spec: CommandSpec) -> None:
        super().__init__(arg)
        self.runtime = runtime
        self.spec = spec

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: int | float | str, /
    ) -> list[app_commands.Choice[str]]:
        typed = str(value or "")
        found = await self.runtime.deps.dispatcher.suggest(
            place_of(interaction), caller_of(interaction), self.spec, self.arg.name, typed
        )
        return [app_commands.Choice(name=(label or choice)[:100], value=choice) for choice, label in found]


def option_for(arg: Arg, runtime: DiscordHost | None = None, spec: CommandSpec | None = None) -> ArgOption:
    if arg.suggest is not None and runtime is not None and spec is not None:
        return SuggestOption(arg, runtime, spec)
    return TimezoneOption(arg) if arg.kind is ArgKind.TIMEZONE else ArgOption(arg)


def _param(name: str) -> str:
    """The callback's parameter for an option: `from` is a fine option name but not a Python parameter."""
    return f"{name}_" if keyword.iskeyword(name) else name


Callback = Callable[..., Coroutine[Any, Any, None]]


def _callback(runtime: DiscordHost, spec: CommandSpec) -> Callback:
    """`async def (interaction, *, <arg>: <ArgOption>, ...)` — generated, so options follow the registry."""

    names = {_param(arg.name): arg.name for arg in spec.args}

    async def callback(interaction: discord.Interaction, **options: Any) -> None:
        raw = {names.get(name, name): value for name, value in options.items() if value is not None}
        work = runtime.deps.dispatcher.run(place_of(interaction), caller_of(interaction), spec, raw)
        await handle(interaction, work, runtime.defer_after, host=runtime)

    params = [inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction)]
    ordered = sorted(spec.args, key=lambda a: not a.required)  # Discord: required options first
    for arg in ordered:
        default = inspect.Parameter.empty if arg.required else None
        params.append(inspect.Parameter(_param(arg.name), inspect.Parameter.KEYWORD_ONLY,
                                        annotation=option_for(arg, runtime, spec), default=default))  # fmt: skip
    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    callback.__qualname__ = callback.__name__ = spec.key.replace(".", "_")
    if spec.args:
        descriptions = {_param(arg.name): localised(arg.description) for arg in spec.args}
        app_commands.describe(**descriptions)(callback)
        renamed = {param: name for param, name in names.items() if param != name}
        if renamed:
            app_commands.rename(**renamed)(callback)
    return callback


def _command(runtime: DiscordHost, spec: CommandSpec, name: str, parent: app_commands.Group | None) -> Any:
    command: app_commands.Command[Any, ..., None] = app_commands.Command(
        name=name, description=localised(spec.description), callback=_callback(runtime, spec), parent=parent
    )
    if parent is None:
        command.guild_only = not spec.where.in_private
        command.allowed_contexts = ANYWHERE if spec.where.in_private else GUILD_ONLY
        command.default_permissions = default_permissions(spec)
    return command


def default_permissions(spec: CommandSpec) -> discord.Permissions | None:
    """Who sees the command in Discord's menu (the dispatcher re-checks every use anyway)."""
    if spec.role is Role.MEMBER:
        return None
    return ORGANIZER_PERMISSIONS if spec.organizer else DEFAULT_PERMISSIONS[spec.role]


def group_permissions(specs: Sequence[CommandSpec]) -> discord.Permissions | None:
    """Permissions exist only on top-level commands. A group whose subcommands need the same permission
    gets it; a group mixing levels is shown to everyone (Discord cannot express "this or that")."""
    found = {default_permissions(s) for s in specs}
    return found.pop() if len(found) == 1 else None


def build_commands(runtime: DiscordHost) -> list[app_commands.Command[Any, ..., None] | app_commands.Group]:
    top: list[app_commands.Command[Any, ..., None] | app_commands.Group] = []
    groups: dict[str, list[CommandSpec]] = {}
    for spec in runtime.deps.registry.commands:
        if len(spec.discord) == 1:
            top.append(_command(runtime, spec, spec.discord[0], None))
        elif len(spec.discord) == 2:
            groups.setdefault(spec.discord[0], []).append(spec)
        elif spec.discord:
            log.warning("Discord: %s has a path deeper than command + subcommand; not offered", spec.key)
    for name, specs in groups.items():
        guild_only = not any(s.where.in_private for s in specs)
        group = app_commands.Group(
            name=name,
            description=" · ".join(s.discord[1] for s in specs)[:MAX_DESCRIPTION],
            guild_only=guild_only,
            allowed_contexts=GUILD_ONLY if guild_only else ANYWHERE,
            default_permissions=group_permissions(specs),
        )
        for spec in specs:
            group.add_command(_command(runtime, spec, spec.discord[1], group))
        top.append(group)
    return top


def install(runtime: DiscordHost, tree: app_commands.CommandTree[Any]) -> None:
    for command in build_commands(runtime):
        tree.add_command(command)


async def payload_digest(tree: app_commands.CommandTree[Any], guild: discord.abc.Snowflake | None) -> int:
    """A 63-bit fingerprint of what a sync would upload (application id included)."""
    translator = tree.translator
    commands = tree.get_commands(guild=guild)
    if translator is not None:
        payload = [await c.get_translated_payload(tree, translator) for c in commands]
    else:
        payload = [c.to_dict(tree) for c in commands]
    blob = json.dumps([tree.client.application_id, payload], sort_keys=True, default=str).encode()
    return int.from_bytes(hashlib.sha256(blob).digest()[:8], "big") >> 1


async def sync(runtime: DiscordHost, tree: app_commands.CommandTree[Any], guild_ids: Sequence[int] | None) -> None:
    """Upload the commands (globally, or to the given guilds) only when they changed since the last sync."""
    scopes: list[discord.Object | None] = [discord.Object(g) for g in guild_ids] if guild_ids is not None else [None]
    cursors = runtime.deps.cursors
    for guild in scopes:
        if guild is not None:
            tree.copy_global_to(guild=guild)
        key = SYNC_CURSOR if guild is None else f"{SYNC_CURSOR}:{guild.id}"
        digest = await payload_digest(tree, guild)
        where = "globally" if guild is None else f"to guild {guild.id}"
        if await cursors.get(key) == digest:
            log.info("Discord: slash commands unchanged; not syncing %s", where)
            continue
        try:
            synced = await tree.sync(guild=guild)
        except discord.HTTPException as exc:
            log.error("Discord: could not sync slash commands %s: %s", where, exc)
            continue
        await cursors.set(key, digest)
        log.info("Discord: synced %d slash commands %s", len(synced), where)
