"""What features send: `OutMessage` (translatable, platform-neutral) and the `Messenger` port."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.core.i18n import ChannelRef, MessageRef, Moment, Text, UserRef, format_value, translate
from bot.core.targets import Target


class DeliveryRefused(Exception):
    """Raised by a Messenger when the platform refused a send for good (blocked DM, deleted chat), as
    opposed to a rate limit or an outage, which are retried."""


class PlatformUnavailable(Exception):
    """Raised by a Messenger or a runtime's start when the platform could not be reached (network error,
    5xx, timeout): an outage, not a refusal. The send is retried later; the start is retried in the
    background (bot/app.py)."""


class MentionPolicy(StrEnum):
    NONE = "none"  # default: nothing pings, whatever the text says
    USERS = "users"  # only the member ids listed in OutMessage.mention_ids may ping


class ButtonStyle(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    SUCCESS = "success"
    DANGER = "danger"


@dataclass(frozen=True, slots=True)
class Button:
    """A button whose `action` comes back to the feature as a callback (persistent across restarts).

    `action` is `<feature>:<verb>:<arg>` and stays under 64 bytes (Telegram callback_data limit)."""

    label: Text
    action: str
    style: ButtonStyle = ButtonStyle.SECONDARY

    def __post_init__(self) -> None:
        if len(self.action.encode()) > 64:
            raise ValueError(f"button action too long: {self.action!r}")


@dataclass(frozen=True, slots=True)
class SelectOption:
    label: Text
    value: str  # short: it travels in the callback (Telegram's 64 bytes hold the action and it)
    selected: bool = False


@dataclass(frozen=True, slots=True)
class Select:
    """A pick-several menu: a select menu on Discord; elsewhere one toggle button per option.

    Answers come back to the ButtonRoute of `action`'s prefix: a Discord pick as `<action>:=<v1>,<v2>`
    (the whole new choice, maybe empty), a toggle button as `<action>:+<value>` (flip that one)."""

    action: str
    options: tuple[SelectOption, ...]
    placeholder: Text
    max_values: int = 25

    def toggle_action(self, value: str) -> str:
        return f"{self.action}:+{value}"

    def __post_init__(self) -> None:
        longest = max((len(o.value.encode()) for o in self.options), default=0)
        if len(self.action.encode()) + 2 + longest > 64:
            raise ValueError(f"select action too long: {self.action!r}")


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    data: bytes
    is_image: bool = False


@dataclass(frozen=True, slots=True)
class Field:
    """A named value inside a Section: a Discord embed field; elsewhere a bold name, then the value."""

    name: Text
    value: Text
    inline: bool = False


@dataclass(frozen=True, slots=True)
class Section:
    """A titled block of a structured message (a report, a digest). Discord shows each section as an embed (the
    image named here inside it); Telegram and the console as a bold heading and its lines. A long message is split
    between sections, never inside one unless a section alone is too long."""

    title: Text | None = None
    lines: tuple[Text, ...] = ()
    fields: tuple[Field, ...] = ()
    footer: Text | None = None
    image: str | None = None  # filename of one of the message's image attachments


@dataclass(frozen=True, slots=True)
class OutMessage:
    """A message in neutral form. `lines` are joined with newlines; each is translated in the reader's
    locale. Markup inside templates: `**bold**` only; every param value is escaped by the adapter."""

    lines: tuple[Text, ...]
    buttons: tuple[tuple[Button, ...], ...] = ()
    attachments: tuple[Attachment, ...] = ()
    mentions: MentionPolicy = MentionPolicy.NONE
    mention_ids: tuple[str, ...] = ()
    ephemeral: bool = False  # only the invoker sees it where the platform can do that (Discord)
    title: Text | None = None
    private: bool = False  # must never appear in a shared chat (link codes): Telegram sends it by DM
    select: Select | None = None  # a pick-several menu after the buttons
    sections: tuple[Section, ...] = ()  # a structured message: rendered after `lines`

    @classmethod
    def of(cls, *lines: Text, ephemeral: bool = False, **kw: object) -> OutMessage:
        return cls(tuple(lines), ephemeral=ephemeral, **kw)  # type: ignore[arg-type]

    def render_text(
        self,
        locale: str,
        escape: Callable[[str], str],
        bold: Callable[[str], str],
        native: Callable[[object, str], str | None] | None = None,
    ) -> str:
        """Translate every line, escape params with the platform escaper, turn `**x**` into platform bold.
        `native` lets a platform render special values (Moment, UserRef) its own way — Discord timestamps,
        real mentions; it returns None to fall back to plain, escaped text. Its output is not escaped."""
        blocks = self.render_blocks(locale, escape, bold, native)
        return "\n\n".join(b for b in blocks if b) if self.sections else blocks[0]

    def render_blocks(
        self,
        locale: str,
        escape: Callable[[str], str],
        bold: Callable[[str], str],
        native: Callable[[object, str], str | None] | None = None,
    ) -> list[str]:
        """The title and lines as the first block, then one block per section: where a platform that splits long
        text may cut."""
        parts = [_render_markup(line, locale, escape, bold, native) for line in self.lines]
        if self.title is not None:
            parts.insert(0, bold(escape(self.title.render(locale))))
        blocks = ["\n".join(parts)]
        for section in self.sections:
            blocks.append(render_section(section, locale, escape, bold, native))
        return blocks


def render_section(
    section: Section,
    locale: str,
    escape: Callable[[str], str],
    bold: Callable[[str], str],
    native: Callable[[object, str], str | None] | None = None,
) -> str:
    """A section as text: bold title, lines, fields (bold name, value), footer."""
    out: list[str] = []
    if section.title is not None:
        out.append(bold(_render_markup(section.title, locale, escape, lambda s: s, native)))
    out += [_render_markup(line, locale, escape, bold, native) for line in section.lines]
    for field in section.fields:
        out.append(bold(_render_markup(field.name, locale, escape, lambda s: s, native)))
        out.append(_render_markup(field.value, locale, escape, bold, native))
    if section.footer is not None:
        out.append(_render_markup(section.footer, locale, escape, bold, native))
    return "\n".join(out)


def render_markup(
    text: Text,
    locale: str,
    escape: Callable[[str], str],
    bold: Callable[[str], str],
    native: Callable[[object, str], str | None] | None = None,
) -> str:
    """One Text in platform markup: the template escaped and `**bold**` applied, params escaped (or native)."""
    return _render_markup(text, locale, escape, bold, native)


def _render_markup(
    text: Text,
    locale: str,
    escape: Callable[[str], str],
    bold: Callable[[str], str],
    native: Callable[[object, str], str | None] | None = None,
) -> str:
    # Escape and bold the *template* first, then fill params (escaped): user text can never add markup.

    template = translate(locale, text.msgid, text.plural, text.count)
    chunks = template.split("**")
    out = []
    for i, chunk in enumerate(chunks):
        safe = _escape_template(chunk, escape)
        out.append(bold(safe) if i % 2 == 1 and i < len(chunks) - 1 else safe)
    if len(chunks) % 2 == 0:  # unbalanced '**': keep the literal asterisks
        out[-1] = "**" + out[-1]
    values: dict[str, str] = {}
    for key, value in text.params.items():
        if isinstance(value, Text):
            values[key] = _render_markup(value, locale, escape, bold, native)
        elif isinstance(value, tuple) and value and all(isinstance(v, Text) for v in value):
            values[key] = ", ".join(_render_markup(v, locale, escape, bold, native) for v in value)
        else:
            values[key] = _native_or_plain(value, locale, escape, native)
    if text.count is not None:
        values.setdefault("count", format_value(text.count, locale))
    try:
        return "".join(out).format(**values)
    except (KeyError, IndexError, ValueError):
        return escape(text.render("en"))


def _native_or_plain(
    value: object, locale: str, escape: Callable[[str], str], native: Callable[[object, str], str | None] | None
) -> str:
    if native is not None and isinstance(value, Moment | UserRef | ChannelRef | MessageRef):
        shown = native(value, locale)
        if shown is not None:
            return shown
    return escape(format_value(value, locale))


def _escape_template(chunk: str, escape: Callable[[str], str]) -> str:
    # Escape the literal parts of a template while keeping `{placeholders}` intact.
    import string

    pieces = []
    for literal, name, spec, conv in string.Formatter().parse(chunk):
        pieces.append(escape(literal).replace("{", "{{").replace("}", "}}"))
        if name is not None:
            pieces.append("{" + name + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") + "}")
    return "".join(pieces)


class Messenger(Protocol):
    """Implemented once per platform. `send` returns the platform message id, or None if nothing was
    sent; `edit` replaces a message the bot sent earlier (live counts on event posts)."""

    async def send(self, target: Target, message: OutMessage, locale: str) -> str | None: ...

    async def edit(self, target: Target, message_id: str, message: OutMessage, locale: str) -> None: ...
