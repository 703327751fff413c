"""Data shapes, permission maths and validation for the fake Discord.

Private to ``tests.fakes.discord``: JSON builders that mirror Discord's API v10 payloads, the
permission / hierarchy rules the fake enforces and the application-command validation it applies
to bulk overwrites and slash invocations.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import time
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

with warnings.catch_warnings():  # discord.py imports audioop (deprecated) and tests run with -W error
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord

# --- errors -------------------------------------------------------------------------------------


class FakeDiscordError(Exception):
    """Base for errors the fake raises *in the test* (never sent over HTTP)."""


class UnsyncedCommand(FakeDiscordError):
    """The invoked command, subcommand or option is not in the definitions synced by bulk overwrite."""


class InvalidOption(FakeDiscordError):
    """An option value Discord's client would never send (wrong type, not a choice, missing, out of range)."""


class InvalidInteraction(FakeDiscordError):
    """An interaction a user could not perform (unknown member, button not on the message, modal not shown...)."""


class ApiError(Exception):
    """An error the fake answers over HTTP, shaped like Discord's ``{"message", "code"}`` body."""

    def __init__(self, status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            out["errors"] = self.errors
        return out


def not_found(code: int, what: str) -> ApiError:
    return ApiError(404, code, f"Unknown {what}")


def missing_access() -> ApiError:
    return ApiError(403, 50001, "Missing Access")


def missing_permissions() -> ApiError:
    return ApiError(403, 50013, "Missing Permissions")


def form_error(path: Iterable[str | int], code: str, message: str) -> ApiError:
    """HTTP 400 / 50035 "Invalid Form Body" with Discord's nested ``errors`` object."""
    errors: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(list(path)):
        errors = {str(part): errors}
    return ApiError(400, 50035, "Invalid Form Body", errors)


UNKNOWN_CHANNEL = 10003
UNKNOWN_GUILD = 10004
UNKNOWN_MEMBER = 10007
UNKNOWN_MESSAGE = 10008
UNKNOWN_ROLE = 10011
UNKNOWN_USER = 10013
UNKNOWN_WEBHOOK = 10015
UNKNOWN_BAN = 10026
UNKNOWN_INTERACTION = 10062
UNKNOWN_COMMAND = 10063
UNKNOWN_EVENT = 10070
UNKNOWN_APPLICATION = 10002


# --- intents ------------------------------------------------------------------------------------

INTENT_GUILDS = 1 << 0
INTENT_MEMBERS = 1 << 1
INTENT_MODERATION = 1 << 2
INTENT_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_GUILD_REACTIONS = 1 << 10
INTENT_GUILD_TYPING = 1 << 11
INTENT_DM_MESSAGES = 1 << 12
INTENT_DM_REACTIONS = 1 << 13
INTENT_DM_TYPING = 1 << 14
INTENT_MESSAGE_CONTENT = 1 << 15
INTENT_SCHEDULED_EVENTS = 1 << 16
INTENT_GUILD_POLLS = 1 << 24
INTENT_DM_POLLS = 1 << 25

PRIVILEGED_INTENTS = {
    "members": INTENT_MEMBERS,
    "presences": INTENT_PRESENCES,
    "message_content": INTENT_MESSAGE_CONTENT,
}

# application flags for *limited* (unverified, < 100 guilds) privileged intents
APP_FLAG_FOR_INTENT = {"presences": 1 << 13, "members": 1 << 15, "message_content": 1 << 19}

_GUILD_EVENTS = {
    "GUILD_CREATE",
    "GUILD_UPDATE",
    "GUILD_DELETE",
    "GUILD_ROLE_CREATE",
    "GUILD_ROLE_UPDATE",
    "GUILD_ROLE_DELETE",
    "CHANNEL_CREATE",
    "CHANNEL_UPDATE",
    "CHANNEL_DELETE",
    "CHANNEL_PINS_UPDATE",
    "THREAD_CREATE",
    "THREAD_UPDATE",
    "THREAD_DELETE",
    "THREAD_LIST_SYNC",
    "THREAD_MEMBER_UPDATE",
    "STAGE_INSTANCE_CREATE",
    "STAGE_INSTANCE_UPDATE",
    "STAGE_INSTANCE_DELETE",
}
_EVENT_INTENTS: dict[str, tuple[int, int | None]] = {
    # event: (intent when in a guild, intent in DMs (None = same))
    **{name: (INTENT_GUILDS, None) for name in _GUILD_EVENTS},
    "GUILD_MEMBER_ADD": (INTENT_MEMBERS, None),
    "GUILD_MEMBER_UPDATE": (INTENT_MEMBERS, None),
    "GUILD_MEMBER_REMOVE": (INTENT_MEMBERS, None),
    "THREAD_MEMBERS_UPDATE": (INTENT_MEMBERS, None),
    "GUILD_BAN_ADD": (INTENT_MODERATION, None),
    "GUILD_BAN_REMOVE": (INTENT_MODERATION, None),
    "GUILD_AUDIT_LOG_ENTRY_CREATE": (INTENT_MODERATION, None),
    "PRESENCE_UPDATE": (INTENT_PRESENCES, None),
    "MESSAGE_CREATE": (INTENT_GUILD_MESSAGES, INTENT_DM_MESSAGES),
    "MESSAGE_UPDATE": (INTENT_GUILD_MESSAGES, INTENT_DM_MESSAGES),
    "MESSAGE_DELETE": (INTENT_GUILD_MESSAGES, INTENT_DM_MESSAGES),
    "MESSAGE_DELETE_BULK": (INTENT_GUILD_MESSAGES, None),
    "MESSAGE_REACTION_ADD": (INTENT_GUILD_REACTIONS, INTENT_DM_REACTIONS),
    "MESSAGE_REACTION_REMOVE": (INTENT_GUILD_REACTIONS, INTENT_DM_REACTIONS),
    "MESSAGE_REACTION_REMOVE_ALL": (INTENT_GUILD_REACTIONS, INTENT_DM_REACTIONS),
    "MESSAGE_REACTION_REMOVE_EMOJI": (INTENT_GUILD_REACTIONS, INTENT_DM_REACTIONS),
    "TYPING_START": (INTENT_GUILD_TYPING, INTENT_DM_TYPING),
    "GUILD_SCHEDULED_EVENT_CREATE": (INTENT_SCHEDULED_EVENTS, None),
    "GUILD_SCHEDULED_EVENT_UPDATE": (INTENT_SCHEDULED_EVENTS, None),
    "GUILD_SCHEDULED_EVENT_DELETE": (INTENT_SCHEDULED_EVENTS, None),
    "GUILD_SCHEDULED_EVENT_USER_ADD": (INTENT_SCHEDULED_EVENTS, None),
    "GUILD_SCHEDULED_EVENT_USER_REMOVE": (INTENT_SCHEDULED_EVENTS, None),
    "MESSAGE_POLL_VOTE_ADD": (INTENT_GUILD_POLLS, INTENT_DM_POLLS),
    "MESSAGE_POLL_VOTE_REMOVE": (INTENT_GUILD_POLLS, INTENT_DM_POLLS),
}


def intent_for_event(event: str, data: Mapping[str, Any]) -> int | None:
    """The intent bit an event needs, or ``None`` when Discord always sends it (READY, INTERACTION_CREATE...)."""
    entry = _EVENT_INTENTS.get(event)
    if entry is None:
        return None
    guild_intent, dm_intent = entry
    if dm_intent is not None and not data.get("guild_id"):
        return dm_intent
    return guild_intent


# --- permissions --------------------------------------------------------------------------------

ALL_PERMISSIONS = discord.Permissions.all().value
ADMINISTRATOR = 1 << 3
VIEW_CHANNEL = 1 << 10
READ_MESSAGE_HISTORY = 1 << 16


def perm(*names: str) -> int:
    """Permission bits from discord.py flag names: ``perm("kick_members", "ban_members")``."""
    return discord.Permissions(**dict.fromkeys(names, True)).value


def permissions_value(value: int | str | Iterable[str] | None) -> int:
    """Accepts an int, Discord's decimal string, or an iterable of discord.py permission names."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return int(value) if value.isdigit() else perm(value)
    return perm(*value)


DEFAULT_EVERYONE_PERMISSIONS = perm(
    "create_instant_invite",
    "change_nickname",
    "view_channel",
    "send_messages",
    "send_messages_in_threads",
    "create_public_threads",
    "create_private_threads",
    "embed_links",
    "attach_files",
    "add_reactions",
    "use_external_emojis",
    "use_external_stickers",
    "mention_everyone",
    "read_message_history",
    "use_application_commands",
    "connect",
    "speak",
    "stream",
    "use_voice_activation",
    "send_voice_messages",
    "send_polls",
    "use_embedded_activities",
    "create_events",
)

DEFAULT_BOT_PERMISSIONS = perm(
    "view_channel",
    "send_messages",
    "send_messages_in_threads",
    "embed_links",
    "attach_files",
    "read_message_history",
    "add_reactions",
    "use_external_emojis",
    "mention_everyone",
    "manage_messages",
    "manage_roles",
    "manage_channels",
    "kick_members",
    "ban_members",
    "moderate_members",
    "manage_events",
    "create_events",
    "send_polls",
    "use_application_commands",
)

P_SEND = perm("send_messages")
P_ATTACH = perm("attach_files")
P_MANAGE_MESSAGES = perm("manage_messages")
P_MANAGE_ROLES = perm("manage_roles")
P_MANAGE_CHANNELS = perm("manage_channels")
P_KICK = perm("kick_members")
P_BAN = perm("ban_members")
P_MODERATE = perm("moderate_members")
P_MANAGE_EVENTS = perm("manage_events")
P_CREATE_EVENTS = perm("create_events")
P_ADD_REACTIONS = perm("add_reactions")
P_MENTION_EVERYONE = perm("mention_everyone")
P_SEND_POLLS = perm("send_polls")
P_MANAGE_NICKNAMES = perm("manage_nicknames")
P_MANAGE_GUILD = perm("manage_guild")


# --- ids and time -------------------------------------------------------------------------------

DISCORD_EPOCH_MS = 1_420_070_400_000


class SnowflakeFactory:
    """Real-looking, strictly increasing snowflakes (timestamp in the high bits, as Discord's)."""

    def __init__(self) -> None:
        self._last = 0
        self._increment = itertools.count()

    def __call__(self) -> int:
        ms = max(int(time.time() * 1000) - DISCORD_EPOCH_MS, 0)
        candidate = (ms << 22) | (1 << 17) | (next(self._increment) & 0xFFF)
        self._last = max(candidate, self._last + 1)
        return self._last


def iso_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def parse_iso(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def sid(value: int | str | None) -> str | None:
    return None if value is None else str(value)


# --- world --------------------------------------------------------------------------------------


@dataclass
class FakeGuild:
    id: int
    name: str
    owner_id: int
    locale: str = "en-US"
    roles: dict[int, dict[str, Any]] = field(default_factory=dict)
    channels: dict[int, dict[str, Any]] = field(default_factory=dict)
    members: dict[int, dict[str, Any]] = field(default_factory=dict)  # member objects *without* "user"
    bans: dict[int, dict[str, Any]] = field(default_factory=dict)
    scheduled_events: dict[int, dict[str, Any]] = field(default_factory=dict)
    features: list[str] = field(default_factory=list)
    bot_role_id: int | None = None
    verification_level: int = 1  # 0 none … 4 very high (PATCH /guilds/{id} changes it)
    system_channel_id: int | None = None  # where Discord posts join messages (Server Settings → Overview)

    def member_role_ids(self, user_id: int) -> list[int]:
        member = self.members.get(user_id)
        return [int(r) for r in member["roles"]] if member else []

    def top_position(self, user_id: int) -> int:
        positions = [self.roles[r]["position"] for r in self.member_role_ids(user_id) if r in self.roles]
        return max(positions, default=0)

    def base_permissions(self, user_id: int) -> int:
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        if user_id not in self.members:
            return 0
        value = permissions_value(self.roles[self.id]["permissions"])
        for role_id in self.member_role_ids(user_id):
            if role_id in self.roles:
                value |= permissions_value(self.roles[role_id]["permissions"])
        return ALL_PERMISSIONS if value & ADMINISTRATOR else value

    def channel_permissions(self, channel: Mapping[str, Any] | None, user_id: int) -> int:
        value = self.base_permissions(user_id)
        if value == ALL_PERMISSIONS or channel is None:
            return value
        overwrites = {int(o["id"]): o for o in channel.get("permission_overwrites", [])}
        everyone = overwrites.get(self.id)
        if everyone:
            value = (value & ~permissions_value(everyone["deny"])) | permissions_value(everyone["allow"])
        allow = deny = 0
        for role_id in self.member_role_ids(user_id):
            ow = overwrites.get(role_id)
            if ow and ow.get("type", 0) == 0:
                allow |= permissions_value(ow["allow"])
                deny |= permissions_value(ow["deny"])
        value = (value & ~deny) | allow
        own = overwrites.get(user_id)
        if own and own.get("type", 0) == 1:
            value = (value & ~permissions_value(own["deny"])) | permissions_value(own["allow"])
        if not value & VIEW_CHANNEL:
            return 0
        until = self.members.get(user_id, {}).get("communication_disabled_until")
        if until and parse_iso(until) > dt.datetime.now(dt.UTC):
            value &= VIEW_CHANNEL | READ_MESSAGE_HISTORY
        return value

    def outranks(self, actor_id: int, target_id: int) -> bool:
        """Discord's hierarchy rule: the owner is untouchable; otherwise the actor's top role must be higher."""
        if target_id == self.owner_id:
            return False
        if actor_id == self.owner_id:
            return True
        return self.top_position(actor_id) > self.top_position(target_id)


def user_obj(user_id: int, username: str, *, bot: bool = False, global_name: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(user_id),
        "username": username,
        "discriminator": "0",
        "global_name": global_name,
        "avatar": None,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
        "collectibles": None,
        "primary_guild": None,
    }
    if bot:
        out["bot"] = True
    return out


def member_obj(roles: Iterable[int], *, nick: str | None = None, joined_at: str | None = None) -> dict[str, Any]:
    return {
        "roles": [str(r) for r in roles],
        "nick": nick,
        "avatar": None,
        "banner": None,
        "joined_at": joined_at or iso_now(),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }


def role_obj(guild_id: int, raw: Mapping[str, Any], *, position: int) -> dict[str, Any]:
    role_id = int(raw["id"])
    out = {
        "id": str(role_id),
        "name": raw.get("name", "@everyone" if role_id == guild_id else f"role-{role_id}"),
        "color": raw.get("color", 0),
        "colors": {"primary_color": raw.get("color", 0), "secondary_color": None, "tertiary_color": None},
        "hoist": raw.get("hoist", False),
        "icon": None,
        "unicode_emoji": None,
        "position": raw.get("position", position),
        "permissions": str(permissions_value(raw.get("permissions", 0))),
        "managed": raw.get("managed", False),
        "mentionable": raw.get("mentionable", False),
        "flags": 0,
    }
    if "tags" in raw:
        out["tags"] = raw["tags"]
    return out


CHANNEL_TEXT = 0
CHANNEL_DM = 1
CHANNEL_VOICE = 2
CHANNEL_CATEGORY = 4
CHANNEL_NEWS = 5
CHANNEL_FORUM = 15


def channel_obj(guild_id: int, raw: Mapping[str, Any], *, position: int) -> dict[str, Any]:
    ctype = raw.get("type", CHANNEL_TEXT)
    out: dict[str, Any] = {
        "id": str(raw["id"]),
        "type": ctype,
        "guild_id": str(guild_id),
        "name": raw.get("name", f"channel-{raw['id']}"),
        "position": raw.get("position", position),
        "permission_overwrites": [
            {
                "id": str(o["id"]),
                "type": o.get("type", 0),
                "allow": str(permissions_value(o.get("allow"))),
                "deny": str(permissions_value(o.get("deny"))),
            }
            for o in raw.get("permission_overwrites", [])
        ],
        "parent_id": sid(raw.get("parent_id")),
        "flags": 0,
    }
    if ctype in (CHANNEL_TEXT, CHANNEL_NEWS, CHANNEL_FORUM):
        out.update(
            topic=raw.get("topic"),
            nsfw=raw.get("nsfw", False),
            rate_limit_per_user=raw.get("rate_limit_per_user", 0),
            last_message_id=None,
            default_thread_rate_limit_per_user=0,
        )
    if ctype == CHANNEL_VOICE:
        out.update(
            bitrate=64000, user_limit=0, rtc_region=None, nsfw=False, rate_limit_per_user=0, last_message_id=None
        )
    if ctype == CHANNEL_FORUM:
        out.update(available_tags=[], default_reaction_emoji=None, default_sort_order=None, default_forum_layout=0)
    return out


# --- messages -----------------------------------------------------------------------------------

_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


def mentions_in(content: str) -> tuple[list[int], list[int], bool]:
    """(user ids, role ids, @everyone/@here) mentioned in message text."""
    users = list(dict.fromkeys(int(u) for u in _USER_MENTION.findall(content)))
    roles = list(dict.fromkeys(int(r) for r in _ROLE_MENTION.findall(content)))
    return users, roles, ("@everyone" in content or "@here" in content)


def apply_allowed_mentions(
    allowed: Mapping[str, Any] | None,
    users: list[int],
    roles: list[int],
    everyone: bool,
    replied_author: int | None,
) -> tuple[list[int], list[int], bool]:
    """Which mentions actually ping, given ``allowed_mentions`` (absent = everything parses, as on Discord)."""
    if allowed is None:
        out_users = list(users)
        if replied_author is not None and replied_author not in out_users:
            out_users.append(replied_author)
        return out_users, list(roles), everyone
    parse = set(allowed.get("parse") or [])
    allowed_users = {int(u) for u in allowed.get("users") or []}
    allowed_roles = {int(r) for r in allowed.get("roles") or []}
    out_users = [u for u in users if "users" in parse or u in allowed_users]
    out_roles = [r for r in roles if "roles" in parse or r in allowed_roles]
    if replied_author is not None and allowed.get("replied_user") and replied_author not in out_users:
        out_users.append(replied_author)
    return out_users, out_roles, everyone and "everyone" in parse


def number_components(components: list[Any] | None) -> list[Any]:
    """Echo components as Discord does: every component gets a numeric ``id`` if it has none."""
    if not components:
        return []
    counter = itertools.count(1)
    used = set()

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("id"), int):
                used.add(node["id"])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    def assign(node: Any) -> Any:
        if isinstance(node, dict):
            out = {k: assign(v) for k, v in node.items()}
            if "type" in out and "id" not in out:
                nxt = next(counter)
                while nxt in used:
                    nxt = next(counter)
                out["id"] = nxt
            return out
        if isinstance(node, list):
            return [assign(v) for v in node]
        return node

    collect(components)
    return assign(components)


def walk_components(components: Any) -> Iterable[dict[str, Any]]:
    """Every component dict in a (possibly nested, components-v2) tree."""
    if isinstance(components, list):
        for item in components:
            yield from walk_components(item)
    elif isinstance(components, dict):
        if "type" in components:
            yield components
        for key in ("components", "component", "accessory", "items"):
            if key in components:
                yield from walk_components(components[key])


def normalize_embed(embed: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(embed)
    out.setdefault("type", "rich")
    out.setdefault("content_scan_version", 0)
    return out


# --- application commands -----------------------------------------------------------------------

CHAT_INPUT = 1
USER_COMMAND = 2
MESSAGE_COMMAND = 3

OPT_SUB_COMMAND = 1
OPT_SUB_COMMAND_GROUP = 2
OPT_STRING = 3
OPT_INTEGER = 4
OPT_BOOLEAN = 5
OPT_USER = 6
OPT_CHANNEL = 7
OPT_ROLE = 8
OPT_MENTIONABLE = 9
OPT_NUMBER = 10
OPT_ATTACHMENT = 11

_NAME_RE = re.compile(r"^[-_'\w\u0900-\u097F\u0E00-\u0E7F]{1,32}$")


def _check_name(name: Any, path: list[str | int], *, chat_input: bool) -> None:
    if not isinstance(name, str) or not 1 <= len(name) <= 32:
        raise form_error([*path, "name"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
    if chat_input and (not _NAME_RE.match(name) or name != name.lower()):
        raise form_error([*path, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")


def _check_description(desc: Any, path: list[str | int]) -> None:
    if not isinstance(desc, str) or not 1 <= len(desc) <= 100:
        raise form_error([*path, "description"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")


def _validate_options(options: list[dict[str, Any]], path: list[str | int], *, depth: int) -> None:
    if len(options) > 25:
        raise form_error([*path], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    names: set[str] = set()
    seen_optional = False
    kinds = {o.get("type") in (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP) for o in options}
    if len(kinds) > 1:
        raise form_error(
            path,
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
            "Sub-command and sub-command group option types are mutually exclusive to all other types",
        )
    for index, option in enumerate(options):
        opath = [*path, index]
        otype = option.get("type")
        if otype not in range(1, 12):
            raise form_error([*opath, "type"], "BASE_TYPE_CHOICES", f"Value must be one of {list(range(1, 12))}.")
        _check_name(option.get("name"), opath, chat_input=True)
        _check_description(option.get("description"), opath)
        if option["name"] in names:
            raise form_error(
                [*opath, "name"], "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS", "Option name already exists"
            )
        names.add(option["name"])
        if otype in (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP):
            if otype == OPT_SUB_COMMAND_GROUP and depth > 0:
                raise form_error(
                    [*opath, "type"],
                    "APPLICATION_COMMAND_OPTION_TYPE_INVALID",
                    "Sub-command groups can only be nested at the top level",
                )
            if otype == OPT_SUB_COMMAND and depth > 1:
                raise form_error(
                    [*opath, "type"],
                    "APPLICATION_COMMAND_OPTION_TYPE_INVALID",
                    "Sub-commands can only be nested in groups",
                )
            children = option.get("options") or []
            if otype == OPT_SUB_COMMAND_GROUP and any(c.get("type") != OPT_SUB_COMMAND for c in children):
                raise form_error(
                    [*opath, "options"],
                    "APPLICATION_COMMAND_OPTION_TYPE_INVALID",
                    "Sub-command groups may only contain sub-commands",
                )
            if otype == OPT_SUB_COMMAND and any(c.get("type") in (1, 2) for c in children):
                raise form_error(
                    [*opath, "options"],
                    "APPLICATION_COMMAND_OPTION_TYPE_INVALID",
                    "Sub-commands cannot contain sub-commands",
                )
            _validate_options(children, [*opath, "options"], depth=depth + 1)
            continue
        if option.get("required"):
            if seen_optional:
                raise form_error(
                    [*opath, "required"],
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            seen_optional = True
        choices = option.get("choices") or []
        if choices and option.get("autocomplete"):
            raise form_error(
                [*opath, "autocomplete"],
                "APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_CHOICES",
                "Autocomplete cannot be set if choices are present",
            )
        if len(choices) > 25:
            raise form_error([*opath, "choices"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        for cindex, choice in enumerate(choices):
            if not 1 <= len(str(choice.get("name", ""))) <= 100:
                raise form_error(
                    [*opath, "choices", cindex, "name"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
                )


def validate_command(raw: Mapping[str, Any], index: int) -> None:
    """Discord's checks on one entry of a bulk overwrite; raises ApiError 400 / 50035 like the API."""
    path: list[str | int] = [index]
    ctype = raw.get("type", CHAT_INPUT)
    if ctype not in (CHAT_INPUT, USER_COMMAND, MESSAGE_COMMAND, 4):
        raise form_error([*path, "type"], "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4}.")
    _check_name(raw.get("name"), path, chat_input=ctype == CHAT_INPUT)
    if ctype == CHAT_INPUT:
        _check_description(raw.get("description"), path)
        _validate_options(list(raw.get("options") or []), [*path, "options"], depth=0)
    elif raw.get("description"):
        raise form_error(
            [*path, "description"],
            "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION",
            "Context menu commands cannot have a description",
        )
    elif raw.get("options"):
        raise form_error(
            [*path, "options"], "APPLICATION_COMMAND_CONTEXT_MENU_OPTIONS", "Context menu commands cannot have options"
        )


def _normalize_option(raw: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": raw["type"],
        "name": raw["name"],
        "name_localizations": raw.get("name_localizations"),
        "description": raw.get("description", ""),
        "description_localizations": raw.get("description_localizations"),
    }
    if raw.get("required"):
        out["required"] = True
    for key in ("channel_types", "min_value", "max_value", "min_length", "max_length"):
        if raw.get(key) is not None:
            out[key] = raw[key]
    if raw.get("autocomplete"):
        out["autocomplete"] = True
    if raw.get("choices"):
        out["choices"] = [
            {"name": c["name"], "name_localizations": c.get("name_localizations"), "value": c["value"]}
            for c in raw["choices"]
        ]
    if raw.get("options"):
        out["options"] = [_normalize_option(o) for o in raw["options"]]
    return out


def normalize_command(
    raw: Mapping[str, Any], *, command_id: int, application_id: int, guild_id: int | None, version: int
) -> dict[str, Any]:
    dmp = raw.get("default_member_permissions")
    ctype = raw.get("type", CHAT_INPUT)
    out: dict[str, Any] = {
        "id": str(command_id),
        "application_id": str(application_id),
        "version": str(version),
        "default_member_permissions": None if dmp is None else str(dmp),
        "type": ctype,
        "name": raw["name"],
        "name_localizations": raw.get("name_localizations"),
        "description": raw.get("description", "") if ctype == CHAT_INPUT else "",
        "description_localizations": raw.get("description_localizations"),
        "dm_permission": raw.get("dm_permission", True),
        "contexts": raw.get("contexts"),
        "integration_types": raw.get("integration_types") or [0],
        "nsfw": bool(raw.get("nsfw", False)),
    }
    if guild_id is not None:
        out["guild_id"] = str(guild_id)
    if raw.get("options"):
        out["options"] = [_normalize_option(o) for o in raw["options"]]
    return out
