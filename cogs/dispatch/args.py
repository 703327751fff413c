"""Argument parsing and validation, once for every platform.

Telegram and the console pass text after the command, split on `|`; Discord passes typed options.
Both end in `validate`, which converts, checks limits and raises a translated BadArgument."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.core.commands import Arg, ArgKind, CommandSpec, UserHandle
from bot.core.errors import BadArgument, MissingArgument
from bot.core.i18n import LOCALE_NAMES, LOCALES, t_
from bot.core.identity import Platform, PlatformId


def usage(spec: CommandSpec, platform: Platform) -> str:
    """How to type the command on this platform: `/settimezone <timezone>` or `/setup timezone timezone:…`."""
    if platform is Platform.DISCORD:
        head = "/" + " ".join(spec.discord)
        return " ".join([head, *(f"{a.name}:…" if a.required else f"[{a.name}:…]" for a in spec.args)])
    head = "/" + spec.console_name if platform is Platform.CONSOLE else "/" + spec.telegram[0]
    parts = [f"<{a.name}>" if a.required else f"[{a.name}]" for a in spec.args]
    if spec.args and spec.args[0].kind is ArgKind.MEMBER:  # `/mute @name 1h | reason`, or as a reply
        return " ".join([head, parts[0], " | ".join(parts[1:])]).rstrip()
    return head + (" " + " | ".join(parts) if parts else "")


def split_text(spec: CommandSpec, text: str, has_target: bool = False) -> dict[str, str]:
    """`a | b | c` → {arg1: a, arg2: b, arg3: c}. With one argument the whole text is that argument;
    extra pieces join the last argument so a `|` inside free text survives.

    A leading member argument is the first word (`/mute @bob 1h | spam`, `/mute 12345 | 1h`) — or, when the
    command replies to the member's message (`has_target`), nobody in the text: `/mute 1h | spam`."""
    text = text.strip()
    if not spec.args or not text:
        if text and not spec.args:
            raise BadArgument(t_("This command takes no arguments."))
        return {}
    args = spec.args
    out: dict[str, str] = {}
    if args[0].kind is ArgKind.MEMBER:
        if not has_target:
            first, _, text = text.partition(" ")
            first, bar, more = first.partition("|")  # `@bob|1h`
            out[args[0].name] = first.strip()
            text = (more + " " + text if bar else text).strip().removeprefix("|").strip()
        args = args[1:]
        if not args or not text:
            if text:
                raise BadArgument(t_("This command takes no arguments."))
            return {k: v for k, v in out.items() if v}
    pieces = [p.strip() for p in text.split("|")] if len(args) > 1 else [text]
    if len(pieces) > len(args):
        pieces = [*pieces[: len(args) - 1], " | ".join(pieces[len(args) - 1 :])]
    out.update({arg.name: piece for arg, piece in zip(args, pieces, strict=False)})
    return {k: v for k, v in out.items() if v != ""}


def validate(spec: CommandSpec, raw: dict[str, Any], platform: Platform, target: PlatformId | None = None) -> dict:
    out: dict[str, Any] = {}
    for arg in spec.args:
        value = raw.get(arg.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if arg.kind is ArgKind.MEMBER and target is not None:
                out[arg.name] = target
                continue
            if arg.required:
                raise MissingArgument(
                    t_("Missing {name}. Use it like this: {usage}", name=arg.name, usage=usage(spec, platform)),
                    arg.name,
                )
            out[arg.name] = None
            continue
        out[arg.name] = _convert(arg, value, platform)
    return out


def _convert(arg: Arg, value: Any, platform: Platform) -> Any:
    if isinstance(value, str):
        value = value.strip()
    if arg.kind is ArgKind.TEXT:
        text = str(value)
        if len(text) > arg.max_length:
            raise BadArgument(
                t_(
                    "{name} is too long: {length} characters, at most {limit}.",
                    name=arg.name,
                    length=len(text),
                    limit=arg.max_length,
                )
            )
        return text
    if arg.kind is ArgKind.INT:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise BadArgument(t_("{name} must be a whole number, not “{value}”.", name=arg.name, value=value)) from None
        if (arg.min_value is not None and number < arg.min_value) or (
            arg.max_value is not None and number > arg.max_value
        ):
            raise BadArgument(
                t_("{name} must be between {low} and {high}.", name=arg.name, low=arg.min_value, high=arg.max_value)
            )
        return number
    if arg.kind is ArgKind.CHOICE:
        allowed = [c[0] for c in arg.choices]
        if str(value).lower() not in allowed:
            raise BadArgument(t_("{name} must be one of: {choices}.", name=arg.name, choices=", ".join(allowed)))
        return str(value).lower()
    if arg.kind is ArgKind.TIMEZONE:
        return parse_timezone(str(value))
    if arg.kind is ArgKind.LOCALE:
        code = str(value).lower()
        for loc, name in LOCALE_NAMES.items():
            if code in (loc, name.lower()):
                return loc
        raise BadArgument(
            t_("Unknown language “{value}”. Choose one of: {choices}.", value=value, choices=", ".join(LOCALES))
        )
    if arg.kind is ArgKind.ROLE:
        raw_role = str(value).strip("<@&>")
        if not raw_role.isdigit():
            raise BadArgument(t_("{name} must be a role.", name=arg.name))
        return raw_role
    if arg.kind is ArgKind.BOOL:
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in _YES or word in _NO:
            return word in _YES
        raise BadArgument(t_("{name} must be yes or no, not “{value}”.", name=arg.name, value=value))
    if arg.kind is ArgKind.MEMBER:
        if isinstance(value, PlatformId | UserHandle):
            return value
        raw = str(value).strip()
        if raw.startswith("<@") and raw.endswith(">"):  # a Discord mention typed as text (console)
            raw = raw[2:-1].lstrip("!")
        if raw.lstrip("-").isdigit():
            return PlatformId(platform, raw)
        name = raw.removeprefix("@")
        if platform is Platform.CONSOLE and name.isidentifier():  # console people are their names
            return PlatformId(platform, name)
        if raw.startswith("@") and 0 < len(name) <= 64 and all(c.isalnum() or c in "_." for c in name):
            return UserHandle(platform, name)
        raise BadArgument(t_("Reply to the member's message, or give their @username or numeric id."))
    raise AssertionError(arg.kind)


_YES = frozenset({"yes", "y", "true", "1", "on", "kyllä", "k", "ja", "да"})
_NO = frozenset({"no", "n", "false", "0", "off", "ei", "e", "nein", "нет"})
_ZONES_LOWER: dict[str, str] = {}


def parse_timezone(value: str) -> str:
    """Accept an IANA name in any letter case (`europe/helsinki`)."""
    if not _ZONES_LOWER:
        _ZONES_LOWER.update({z.lower(): z for z in available_timezones()})
    name = _ZONES_LOWER.get(value.strip().lower().replace(" ", "_"))
    if name is None:
        raise BadArgument(
            t_("Unknown time zone “{value}”. Use a name like Europe/Helsinki or America/New_York.", value=value)
        )
    try:
        ZoneInfo(name)
    except ZoneInfoNotFoundError:
        raise BadArgument(t_("Unknown time zone “{value}”.", value=value)) from None
    return name


def suggest_timezones(prefix: str, limit: int = 25) -> list[str]:
    """Autocomplete for time zones (Discord)."""
    if not _ZONES_LOWER:
        _ZONES_LOWER.update({z.lower(): z for z in available_timezones()})
    needle = prefix.strip().lower()
    names = sorted(z for lower, z in _ZONES_LOWER.items() if needle in lower and "/" in z)
    starts = [z for z in names if z.lower().startswith(needle) or z.lower().split("/")[-1].startswith(needle)]
    rest = [z for z in names if z not in starts]
    return (starts + rest)[:limit]
