"""The neutral command registry. Features declare `CommandSpec`s once; each adapter turns them into
platform commands (Discord grouped slash commands, Telegram flat commands, console lines)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.core.i18n import Text
from bot.core.identity import Platform, PlatformId
from bot.core.outbound import OutMessage
from bot.core.permissions import PlatformFacts, Role
from bot.core.targets import Target


class Where(StrEnum):
    """Where a command may be used. In a private chat the dispatcher finds the caller's community from
    their memberships (linked accounts included)."""

    GROUP = "group"  # the community's group/server only (posts in the channel, acts on a group message)
    PRIVATE = "private"  # a private chat with the bot only (personal data)
    ANYWHERE = "anywhere"  # both: personal, read-only things (my events, my language, help)

    @property
    def in_group(self) -> bool:
        return self is not Where.PRIVATE

    @property
    def in_private(self) -> bool:
        return self is not Where.GROUP


class ArgKind(StrEnum):
    TEXT = "text"
    INT = "int"
    CHOICE = "choice"
    MEMBER = "member"  # Discord: user option; Telegram: reply, @username or numeric id
    TIMEZONE = "timezone"  # IANA name, autocompleted on Discord
    LOCALE = "locale"  # one of en fi de ru
    ROLE = "role"  # Discord role (role option); not offered on Telegram, which has no roles
    BOOL = "bool"  # Discord: a true/false option; typed: yes/no, true/false (en, fi, de, ru words)


@dataclass(frozen=True, slots=True)
class UserHandle:
    """A member named by `@username` (Telegram, console): the feature resolves it to someone it has seen."""

    platform: Platform
    username: str

    def __str__(self) -> str:
        return f"@{self.username}"


@dataclass(frozen=True, slots=True)
class MessageRef:
    """The message a command acts on: the message a Telegram command replies to, or a Discord message
    context menu's target. `text` is for in-memory use (a report's excerpt) and is never stored."""

    message_id: str
    channel_id: str
    author: PlatformId | None = None
    text: str = ""
    sent_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Arg:
    name: str  # lower-case ascii, Discord option rules (1–32 chars); a Python keyword (`from`) is fine
    kind: ArgKind
    description: Text
    required: bool = True
    choices: tuple[tuple[str, Text], ...] = ()  # (value, label)
    max_length: int = 200
    min_value: int | None = None
    max_value: int | None = None
    prompt: Text | None = None  # the question a guided dialogue asks for it (Telegram, console)
    # Suggestions while typing (Discord autocomplete): (invocation, typed text) → up to 25 (value, label).
    suggest: Suggest | None = None


@dataclass(frozen=True, slots=True)
class Caller:
    """Who invoked, as the adapter saw it."""

    identity: PlatformId
    display_name: str
    platform_locale: str | None = None
    facts: PlatformFacts = field(default_factory=PlatformFacts)
    username: str | None = None


@dataclass(frozen=True, slots=True)
class Place:
    """Where it happened: the platform scope (guild / chat) and the channel to answer in."""

    platform: Platform
    scope_id: str | None  # Discord guild id, Telegram chat id; None for DMs / private chats
    scope_title: str
    channel: Target
    is_private: bool = False
    reply_to: str | None = None  # the message a command replied to (Telegram: /closepoll on a poll), if any
    message_id: str | None = None  # the message that invoked the command, where there is one (Telegram)


@dataclass(frozen=True, slots=True)
class Invocation:
    """A resolved call: community, member, role and locale already looked up."""

    place: Place
    caller: Caller
    community_id: int | None
    member_id: int
    role: Role
    locale: str
    now: datetime
    target_member: PlatformId | None = None  # Telegram reply target
    target_message: MessageRef | None = None  # the message replied to (Telegram) or picked (Discord context menu)
    is_organizer: bool = False  # may create and manage events (managers, organizer role, Manage Events)
    timezone: str = "UTC"  # the community's zone (or UTC outside a community)

    @property
    def platform(self) -> Platform:
        return self.place.platform


Handler = Callable[[Invocation, dict[str, Any]], Awaitable["Reply"]]
Suggest = Callable[[Invocation, str], Awaitable[list[tuple[str, Text]]]]


@dataclass(frozen=True, slots=True)
class FormField:
    name: str  # lower-case ascii, ≤ 45 characters (Discord custom_id limits)
    label: Text  # ≤ 45 characters once translated (Discord)
    long: bool = False  # a paragraph rather than one line
    required: bool = True
    max_length: int = 1000  # ≤ 4000 (Discord)
    default: str = ""  # prefilled value (editing something that exists)
    prompt: Text | None = None  # what a step-by-step dialogue asks for it (Telegram, console)


@dataclass(frozen=True, slots=True)
class Form:
    """A small form: a modal on Discord; on Telegram and the console the dispatcher asks its fields one by
    one. The values come back to the `FormRoute` whose prefix starts `action` (like a button)."""

    title: Text
    action: str  # "<prefix>:<rest>", ≤ 100 characters
    fields: tuple[FormField, ...]


@dataclass(frozen=True, slots=True)
class Reply:
    """What a handler returns: messages to the invoker (first one answers the command), or a form to fill."""

    messages: tuple[OutMessage, ...]
    locale: str | None = None  # answer in this locale instead of the caller's (after /language)
    form: Form | None = None

    @classmethod
    def of(cls, *messages: OutMessage, locale: str | None = None) -> Reply:
        return cls(tuple(messages), locale)

    @classmethod
    def ask(cls, form: Form) -> Reply:
        return cls((), None, form)


@dataclass(frozen=True, slots=True)
class CommandSpec:
    key: str  # stable id, e.g. "setup.timezone"
    description: Text
    handler: Handler
    role: Role = Role.MEMBER
    discord: tuple[str, ...] = ()  # slash path, e.g. ("setup", "timezone"); () = not on Discord
    # Flat names, first is canonical, e.g. ("help", "start"). A two-word name ("export feedback") is a
    # subcommand: `/export feedback` runs it, and several features can share the first word.
    telegram: tuple[str, ...] = ()
    args: tuple[Arg, ...] = ()
    where: Where = Where.GROUP
    needs_community: bool = True  # the handler needs the caller's community (else e.g. /help, /language)
    organizer: bool = False  # organizers too (see Invocation.is_organizer), whatever `role` says
    guided: bool = False  # missing required arguments are asked one by one (Telegram, console)

    @property
    def console_name(self) -> str:
        return self.telegram[0] if self.telegram else " ".join(self.discord)


ButtonHandler = Callable[[Invocation, str], Awaitable[Reply]]
FormHandler = Callable[[Invocation, str, dict[str, str]], Awaitable[Reply]]


@dataclass(frozen=True, slots=True)
class ButtonRoute:
    prefix: str  # first segment of Button.action, e.g. "lang"
    handler: ButtonHandler  # receives the rest of the action string


@dataclass(frozen=True, slots=True)
class FormRoute:
    prefix: str  # first segment of Form.action
    handler: FormHandler  # receives the rest of the action string and the values by field name


class Registry:
    def __init__(self) -> None:
        self.commands: list[CommandSpec] = []
        self.buttons: dict[str, ButtonRoute] = {}
        self.forms: dict[str, FormRoute] = {}

    def add(self, *specs: CommandSpec) -> None:
        for spec in specs:
            if any(s.key == spec.key for s in self.commands):
                raise ValueError(f"duplicate command key {spec.key}")
            self.commands.append(spec)

    def add_button(self, route: ButtonRoute) -> None:
        if route.prefix in self.buttons:
            raise ValueError(f"duplicate button prefix {route.prefix}")
        self.buttons[route.prefix] = route

    def add_form(self, route: FormRoute) -> None:
        if route.prefix in self.forms:
            raise ValueError(f"duplicate form prefix {route.prefix}")
        self.forms[route.prefix] = route

    def by_telegram(self, name: str) -> CommandSpec | None:
        name = name.lower()
        return next((s for s in self.commands if name in s.telegram), None)

    def by_telegram_text(self, name: str, text: str) -> tuple[CommandSpec, str] | None:
        """`/export feedback rest` → (the "export feedback" spec, "rest"); else the one-word name's spec."""
        word, _, rest = text.strip().partition(" ")
        if word and (spec := self.by_telegram(f"{name} {word}")) is not None:
            return spec, rest.strip()
        spec = self.by_telegram(name)
        return (spec, text) if spec is not None else None

    def telegram_subcommands(self, name: str) -> list[str]:
        """The second words of two-word names starting with `name` ("export" → ["feedback", …])."""
        name = name.lower()
        return sorted(
            full.split(" ", 1)[1] for s in self.commands for full in s.telegram if full.startswith(name + " ")
        )

    def knows_telegram(self, name: str) -> bool:
        """A Telegram command word of ours (a whole name, or the first word of a two-word name)."""
        name = name.lower()
        return any(name == full.split(" ", 1)[0] for s in self.commands for full in s.telegram)

    def by_discord(self, path: Sequence[str]) -> CommandSpec | None:
        wanted = tuple(path)
        return next((s for s in self.commands if s.discord == wanted), None)

    def by_key(self, key: str) -> CommandSpec | None:
        return next((s for s in self.commands if s.key == key), None)

    def visible_to(self, role: Role, organizer: bool = False) -> list[CommandSpec]:
        return [s for s in self.commands if s.role <= role or (organizer and s.organizer)]
