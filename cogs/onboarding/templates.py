"""Welcome templates: validation, and rendering into a translatable `Text` that no template can break.

A manager's template becomes the *format* of a `Text` (so `**bold**` works and every literal part is
escaped by the adapter), and the placeholders become params: member names are `UserRef`s (a real mention
where the message may ping the newcomer, plain text elsewhere), everything else plain values, escaped too.
Literal `@everyone`, `@here` and role mentions in a template are escaped like any text and never ping."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.core.errors import BadArgument
from bot.core.i18n import Text, UserRef, t_
from cogs.onboarding.models import TemplateKind

PLACEHOLDERS = ("member", "community", "member_count", "rules")
TEMPLATE_MAX = 1500
_FIELD = re.compile(r"\{([^{}]*)\}")

# The templates a fresh community welcomes people with, in every language (the catalogs translate them).
DEFAULTS: dict[TemplateKind, Text] = {
    TemplateKind.POST: t_(
        "Welcome to **{community}**, {member}! 👋 Say hello, and see /rules for how we do things here."
    ),
    TemplateKind.DM: t_(
        "Hi {member}, welcome to **{community}**! I am the community's bot.\n"
        "Our rules:\n{rules}\n"
        "Send /help to see what I can do, and say hello in the group when you are ready."
    ),
}
NO_RULES = t_("(No rules have been written down yet.)")


def listing() -> str:
    return ", ".join("{" + name + "}" for name in PLACEHOLDERS)


def validate(raw: str) -> str:
    """The template as it will be stored, or a BadArgument that says what to fix."""
    text = raw.strip()
    if not text:
        raise BadArgument(t_("The welcome text is empty. Write a greeting; you can use {placeholders}.",
                             placeholders=listing()))  # fmt: skip
    if len(text) > TEMPLATE_MAX:
        raise BadArgument(
            t_(
                "The welcome text is too long: {length} characters, at most {limit}.",
                length=len(text),
                limit=TEMPLATE_MAX,
            )
        )
    # `{ }` and `{}` are just braces; anything else in braces is meant as a placeholder and must be one.
    unknown = [m.group(0) for m in _FIELD.finditer(text) if m.group(1).strip() and m.group(1) not in PLACEHOLDERS]
    if unknown:
        raise BadArgument(
            t_(
                "Unknown placeholder {found}. You can use: {placeholders}.",
                found=", ".join(dict.fromkeys(unknown)),
                placeholders=listing(),
            )
        )
    return text


def compile_format(template: str) -> str:
    """The template as a format string: known placeholders stay, every other brace is literal."""
    out: list[str] = []
    last = 0
    for match in _FIELD.finditer(template):
        if match.group(1) not in PLACEHOLDERS:
            continue
        out.append(template[last : match.start()].replace("{", "{{").replace("}", "}}"))
        out.append(match.group(0))
        last = match.end()
    out.append(template[last:].replace("{", "{{").replace("}", "}}"))
    return "".join(out)


def members_text(people: Sequence[UserRef]) -> object:
    """One name, or "A, B and C" (translated), each a UserRef so the platform can mention them."""
    if len(people) == 1:
        return people[0]
    first = tuple(Text("{name}", {"name": p}) for p in people[:-1])
    return t_("{names} and {last}", names=first, last=people[-1])


def rules_text(rules: Sequence[str]) -> object:
    if not rules:
        return NO_RULES
    return "\n".join(f"{i}. {rule}" for i, rule in enumerate(rules, 1))


def render(
    custom: str | None,
    kind: TemplateKind,
    people: Sequence[UserRef],
    community: str,
    member_count: int,
    rules: Sequence[str],
) -> Text:
    """The welcome as a Text: the manager's template if there is one, else the default for `kind`."""
    params = {
        "member": members_text(people),
        "community": community,
        "member_count": member_count,
        "rules": rules_text(rules),
    }
    if custom is None:
        return Text(DEFAULTS[kind].msgid, params)
    return Text(compile_format(custom), params)
