"""A fake Discord (REST API v10 + gateway) on 127.0.0.1 that the real discord.py 2.7 client runs against.

Typical use::

    async with FakeDiscord() as fake:
        fake.add_guild(100, "Guild", owner_id=1, channels=[{"id": 200, "name": "general"}])
        fake.add_member(100, 2, "alice", locale="fi")
        with fake.patch_discord():
            client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.01)
            async with fake.running(client):
                await fake.message_create(100, 200, 2, "hello")

The fake behaves like Discord where it matters to a bot: JSON with the exact content type, intents
gate gateway events (and blank message content without the message-content intent), a privileged
intent that is not granted closes the gateway with 4014, slash commands must have been synced by
bulk overwrite before a user can invoke them, permissions and role hierarchy are enforced on
moderation routes, 429s can be injected, and every REST call is recorded as a :class:`Call`.

Bad minutes on demand: ``rest_outage(503, path_regex)`` answers matching REST calls with a 5xx until
``end_rest_outage()``; on the gateway, ``request_reconnect()`` (op 7), ``close_gateway(4000)`` and
``drop_gateway()`` (the connection just ends) make discord.py RESUME, ``invalidate_session()`` (op 9)
makes it IDENTIFY anew. ``gateway_events`` records what happened ("identify", "resume", …).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
import secrets
import warnings
import zlib
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, TypeVar

import yarl
from aiohttp import WSMsgType, web

from .conformance import Ledger, Violation
from .discord_model import (
    ALL_PERMISSIONS,
    APP_FLAG_FOR_INTENT,
    CHANNEL_DM,
    CHAT_INPUT,
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    INTENT_GUILDS,
    INTENT_MEMBERS,
    INTENT_MESSAGE_CONTENT,
    MESSAGE_COMMAND,
    OPT_ATTACHMENT,
    OPT_BOOLEAN,
    OPT_CHANNEL,
    OPT_INTEGER,
    OPT_MENTIONABLE,
    OPT_NUMBER,
    OPT_ROLE,
    OPT_STRING,
    OPT_SUB_COMMAND,
    OPT_SUB_COMMAND_GROUP,
    OPT_USER,
    P_MENTION_EVERYONE,
    PRIVILEGED_INTENTS,
    USER_COMMAND,
    ApiError,
    FakeDiscordError,
    FakeGuild,
    InvalidInteraction,
    InvalidOption,
    SnowflakeFactory,
    UnsyncedCommand,
    apply_allowed_mentions,
    channel_obj,
    intent_for_event,
    iso_now,
    member_obj,
    mentions_in,
    normalize_embed,
    number_components,
    perm,
    permissions_value,
    role_obj,
    user_obj,
    walk_components,
)
from .discord_rest import RestMixin

with warnings.catch_warnings():  # discord.py imports audioop (deprecated) and discord_model imported it already
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord

__all__ = [
    "ApiError",
    "Call",
    "FakeDiscord",
    "FakeDiscordError",
    "FakeFile",
    "FakeGuild",
    "FakeInteraction",
    "InvalidInteraction",
    "InvalidOption",
    "StoredMessage",
    "UnsyncedCommand",
    "perm",
]

T = TypeVar("T")

# message types / flags
MSG_DEFAULT = 0
MSG_REPLY = 19
MSG_CHAT_INPUT = 20
MSG_CONTEXT_MENU = 23
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7

# interaction types
IT_COMMAND = 2
IT_COMPONENT = 3
IT_AUTOCOMPLETE = 4
IT_MODAL = 5

DM_APP_PERMISSIONS = perm(
    "view_channel",
    "send_messages",
    "embed_links",
    "attach_files",
    "read_message_history",
    "add_reactions",
    "use_external_emojis",
    "use_application_commands",
    "send_polls",
)


@dataclass
class FakeFile:
    """A file part of a multipart request."""

    field: str
    filename: str
    content: bytes
    content_type: str | None = None


@dataclass
class Call:
    """One recorded REST request. ``path`` is relative to ``/api/v10`` and URL-decoded."""

    method: str
    path: str
    json: Any
    files: list[FakeFile]
    headers: Mapping[str, str]  # case-insensitive
    query: dict[str, str] = field(default_factory=dict)
    status: int = 0
    response: Any = None
    violations: list[str] = field(default_factory=list)  # OpenAPI rules the request broke

    def __str__(self) -> str:
        broke = "".join(f"\n      breaks: {rule}" for rule in self.violations)
        return f"{self.method} {self.path} -> {self.status}{broke}"


@dataclass
class StoredMessage:
    """A message the fake knows about (sent by the bot or by a simulated user)."""

    id: int
    channel_id: int
    guild_id: int | None
    data: dict[str, Any]  # current API object (what GET returns)
    allowed_mentions: dict[str, Any] | None = None  # as sent by the bot (None = not sent)
    files: list[FakeFile] = field(default_factory=list)
    source: str = "rest"  # rest | interaction | followup | gateway
    interaction_id: int | None = None
    ephemeral: bool = False
    deleted: bool = False
    history: list[dict[str, Any]] = field(default_factory=list)  # earlier versions, oldest first
    reactions: dict[str, list[int]] = field(default_factory=dict)  # emoji key -> user ids
    poll_votes: dict[int, list[int]] = field(default_factory=dict)  # answer id -> user ids

    @property
    def content(self) -> str:
        return self.data.get("content", "")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.data.get("embeds", [])

    @property
    def components(self) -> list[dict[str, Any]]:
        return self.data.get("components", [])

    @property
    def flags(self) -> int:
        return self.data.get("flags", 0)

    @property
    def author_id(self) -> int:
        return int(self.data["author"]["id"])


@dataclass
class FakeInteraction:
    """An interaction the fake sent, and what the bot answered to it."""

    id: int
    token: str
    type: int
    payload: dict[str, Any]
    guild_id: int | None
    channel_id: int
    user_id: int
    callback_type: int | None = None
    callback_data: Any = None
    original_id: int | None = None  # message the callback created or updated
    followup_ids: list[int] = field(default_factory=list)
    modal_submitted: bool = False  # a modal shown in answer to this interaction was submitted (once only)

    @property
    def acknowledged(self) -> bool:
        return self.callback_type is not None


@dataclass
class _Failure:
    method: str | None
    pattern: re.Pattern[str]
    remaining: int
    retry_after: float
    global_: bool
    status: int


class _Conn:
    """One gateway websocket connection, with Discord's transport compression when asked for."""

    def __init__(self, ws: web.WebSocketResponse, compress: str | None, request: web.Request | None = None) -> None:
        self.ws = ws
        self.request = request
        self.compress = compress
        self._lock = asyncio.Lock()
        self._zlib = zlib.compressobj() if compress == "zlib-stream" else None
        self._zstd: Callable[[bytes], bytes] | None = None
        if compress == "zstd-stream":
            self._zstd = _zstd_stream()
            if self._zstd is None:  # pragma: no cover - discord.py only asks for zstd when it can decode it
                self.compress = None  # plain text frames: discord.py accepts those whatever it asked for

    async def send(self, payload: Mapping[str, Any]) -> None:
        raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        async with self._lock:
            if self._zlib is not None:
                await self.ws.send_bytes(self._zlib.compress(raw) + self._zlib.flush(zlib.Z_SYNC_FLUSH))
            elif self._zstd is not None:
                await self.ws.send_bytes(self._zstd(raw))
            else:
                await self.ws.send_str(raw.decode())


def _zstd_stream() -> Callable[[bytes], bytes] | None:
    """A zstd stream compressor flushing a block per message (what discord.py's zstd-stream decoder expects)."""
    try:
        import zstandard  # type: ignore[import-not-found]
    except ImportError:
        try:
            from compression import zstd  # type: ignore[import-not-found]  # Python 3.14+
        except ImportError:
            return None
        compressor = zstd.ZstdCompressor()
        return lambda raw: compressor.compress(raw, mode=zstd.ZstdCompressor.FLUSH_BLOCK)
    obj = zstandard.ZstdCompressor().compressobj()
    return lambda raw: obj.compress(raw) + obj.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)


@dataclass
class _Session:
    id: str
    intents: int
    conn: _Conn | None
    seq: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class _Patch:
    """Points discord.py at the fake on creation; undo with ``.undo()`` or by leaving the ``with`` block."""

    def __init__(self, rest_base: str, gateway: yarl.URL) -> None:
        self._saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
        self._done = False
        discord.http.Route.BASE = rest_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway

    def undo(self) -> None:
        if not self._done:
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = self._saved
            self._done = True

    def __enter__(self) -> _Patch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.undo()


class FakeDiscord(RestMixin):
    """Fake Discord REST v10 + gateway; see the module docstring."""

    def __init__(
        self,
        *,
        token: str = "fake-bot-token",
        bot_id: int = 1000,
        application_id: int | None = None,
        bot_name: str = "Hearth",
        owner_id: int = 1,
    ) -> None:
        self.token = token
        self.bot_id = bot_id
        self.application_id = application_id if application_id is not None else bot_id
        self.bot_name = bot_name
        self.app_owner_id = owner_id
        self.privileged_intents_granted: dict[str, bool] = {"members": True, "message_content": True, "presences": True}
        self.echo_bot_messages = True  # Discord sends the bot MESSAGE_CREATE for its own messages too
        self.heartbeat_interval_ms = 45_000
        self.attachment_size_limit = 10 * 1024 * 1024

        self._snowflake = SnowflakeFactory()
        self.users: dict[int, dict[str, Any]] = {}
        self.user_locales: dict[int, str] = {}
        self.guilds: dict[int, FakeGuild] = {}
        self.channels: dict[int, dict[str, Any]] = {}
        self.dm_channels: dict[int, int] = {}  # user id -> DM channel id
        self.blocked_dms: set[int] = set()
        self.messages: dict[int, StoredMessage] = {}
        self.commands: dict[int | None, list[dict[str, Any]]] = {}  # guild id (None = global) -> synced commands
        self.interactions: dict[int, FakeInteraction] = {}
        self._interactions_by_token: dict[str, FakeInteraction] = {}

        self.calls: list[Call] = []
        self.conformance = Ledger("discord")  # requests that broke Discord's OpenAPI (see conformance.py)
        self.identified_intents: int | None = None
        self.identify_payloads: list[dict[str, Any]] = []
        self.gateway_queries: list[dict[str, str]] = []
        self.presence_updates: list[Any] = []
        self.dispatched: list[tuple[str, dict[str, Any]]] = []  # events sent to the client
        self.dropped: list[tuple[str, dict[str, Any]]] = []  # events withheld for lack of intents
        self.gateway_close_codes: list[int] = []  # close codes the fake sent
        self.heartbeats = 0
        # What happened on the gateway, in order: "identify", "resume", "resume refused", "reconnect requested",
        # "session invalidated", "closed <code>", "dropped".
        self.gateway_events: list[str] = []
        self.internal_errors: list[str] = []  # tracebacks of bugs in the fake (answered as HTTP 400)
        self._failures: list[_Failure] = []
        self._outage: _Failure | None = None  # see rest_outage()
        self._sessions: dict[str, _Session] = {}
        self._session: _Session | None = None
        self._conns: set[_Conn] = set()
        self._waiters: list[asyncio.Future[None]] = []
        self._runner: web.AppRunner | None = None
        self._port = 0

        self.users[bot_id] = user_obj(bot_id, bot_name, bot=True)
        self.users[bot_id].update(verified=True, mfa_enabled=False, locale="en-US", email=None)
        if owner_id not in self.users:
            self.users[owner_id] = user_obj(owner_id, f"appowner{owner_id}")

    # --- lifecycle --------------------------------------------------------------------------------

    async def start(self) -> FakeDiscord:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._handle_rest)
        app.router.add_get("/", self._handle_ws)
        app.router.add_route("*", "/{tail:.*}", self._handle_rest)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self._port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        for conn in list(self._conns):
            with contextlib.suppress(Exception):
                await conn.ws.close(code=1001, message=b"fake discord stopping")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_base(self) -> str:
        return f"{self.url}/api/v10"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self._port}/"

    def patch_discord(self) -> _Patch:
        """Set ``Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY``; use as ``with`` or call ``.undo()``."""
        return _Patch(self.api_base, yarl.URL(self.ws_url))

    @contextlib.asynccontextmanager
    async def running(
        self,
        client: discord.Client,
        *,
        reconnect: bool = False,
        wait_ready: bool = True,
        timeout: float = 30.0,  # noqa: ASYNC109
    ) -> AsyncIterator[discord.Client]:
        """Log ``client`` in, run ``client.connect`` in a task, wait for ``on_ready``; close it on exit.

        If the connection fails before ready (e.g. 4014), the client's exception is raised here.
        Build the client with a small ``guild_ready_timeout`` (e.g. 0.01): discord.py waits that
        long after the last GUILD_CREATE before ``on_ready``.
        """
        task: asyncio.Task[None] | None = None
        try:
            await client.login(self.token)
            task = asyncio.create_task(client.connect(reconnect=reconnect))
            if wait_ready:
                ready = asyncio.create_task(client.wait_until_ready())
                done, _ = await asyncio.wait({task, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
                if ready not in done:
                    ready.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await ready
                if task in done:
                    task.result()  # raises the connection error
                    raise AssertionError("client.connect() returned before the client was ready")
                if not done:
                    raise AssertionError(f"client not ready within {timeout}s; calls: {self._describe_calls()}")
            yield client
        finally:
            await client.close()
            if task is not None:
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await asyncio.wait_for(task, timeout=timeout)

    # --- world ------------------------------------------------------------------------------------

    def add_user(
        self,
        user_id: int,
        username: str | None = None,
        *,
        bot: bool = False,
        locale: str | None = None,
        global_name: str | None = None,
    ) -> dict[str, Any]:
        """Create or update a user (needed for DMs to users who are not in a configured guild)."""
        user = self.users.get(user_id)
        if user is None:
            user = self.users[user_id] = user_obj(
                user_id, username or f"user{user_id}", bot=bot, global_name=global_name
            )
        else:
            if username is not None:
                user["username"] = username
            if global_name is not None:
                user["global_name"] = global_name
            if bot:
                user["bot"] = True
        if locale is not None:
            self.user_locales[user_id] = locale
        return user

    def add_guild(
        self,
        guild_id: int,
        name: str = "Guild",
        owner_id: int = 1,
        channels: Iterable[Mapping[str, Any]] = (),
        roles: Iterable[Mapping[str, Any]] = (),
        *,
        bot_roles: Iterable[int] | None = None,
        bot_permissions: int | str | Iterable[str] | None = None,
        bot_role_position: int | None = None,
        locale: str = "en-US",
        owner_name: str | None = None,
        features: Iterable[str] = (),
    ) -> FakeGuild:
        """Configure a guild the bot is in.

        ``channels``: dicts with at least ``id`` (``name``, ``type`` (0 text), ``permission_overwrites``,
        ``rate_limit_per_user``... optional). ``roles``: dicts with ``id``, ``name``, ``permissions`` (int,
        decimal string or discord.py permission names), ``position``. The @everyone role has id == guild
        id (created with Discord's defaults unless given). Unless ``bot_roles`` is given, the bot gets a
        managed role (named after the bot) at ``bot_role_position`` (default: above all given roles) with
        ``bot_permissions`` (default: a moderation set without administrator). The owner is added as a member.
        """
        guild = FakeGuild(id=guild_id, name=name, owner_id=owner_id, locale=locale, features=list(features))
        raw_roles = [dict(r) for r in roles]
        if not any(int(r["id"]) == guild_id for r in raw_roles):
            raw_roles.insert(0, {"id": guild_id, "name": "@everyone", "permissions": DEFAULT_EVERYONE_PERMISSIONS})
        for index, raw in enumerate(raw_roles):
            role = role_obj(guild_id, raw, position=0 if int(raw["id"]) == guild_id else index)
            guild.roles[int(raw["id"])] = role
        if bot_roles is None:
            role_id = self._snowflake()
            top = max((r["position"] for r in guild.roles.values()), default=0)
            guild.roles[role_id] = role_obj(
                guild_id,
                {
                    "id": role_id,
                    "name": self.bot_name,
                    "permissions": permissions_value(bot_permissions)
                    if bot_permissions is not None
                    else DEFAULT_BOT_PERMISSIONS,
                    "managed": True,
                    "tags": {"bot_id": str(self.bot_id)},
                },
                position=top + 1 if bot_role_position is None else bot_role_position,
            )
            guild.bot_role_id = role_id
            bot_roles = [role_id]
        self.guilds[guild_id] = guild
        for index, raw in enumerate(channels):
            self.add_channel(guild_id, raw, _position=index)
        self.add_member(
            guild_id, owner_id, owner_name or self.users.get(owner_id, {}).get("username") or f"owner{owner_id}"
        )
        self.add_member(guild_id, self.bot_id, self.bot_name, roles=bot_roles, bot=True)
        return guild

    def add_channel(self, guild_id: int, channel: Mapping[str, Any], *, _position: int | None = None) -> dict[str, Any]:
        guild = self.guilds[guild_id]
        obj = channel_obj(guild_id, channel, position=len(guild.channels) if _position is None else _position)
        guild.channels[int(channel["id"])] = obj
        self.channels[int(channel["id"])] = obj
        return obj

    def add_role(self, guild_id: int, role: Mapping[str, Any]) -> dict[str, Any]:
        guild = self.guilds[guild_id]
        obj = role_obj(guild_id, role, position=len(guild.roles))
        guild.roles[int(role["id"])] = obj
        return obj

    def add_member(
        self,
        guild_id: int,
        user_id: int,
        username: str | None = None,
        roles: Iterable[int] = (),
        bot: bool = False,
        locale: str | None = None,
        *,
        nick: str | None = None,
        global_name: str | None = None,
        joined_at: str | None = None,
    ) -> dict[str, Any]:
        """Add (or update) a guild member silently — use :meth:`member_join` to also send GUILD_MEMBER_ADD."""
        guild = self.guilds[guild_id]
        self.add_user(user_id, username, bot=bot, locale=locale, global_name=global_name)
        role_ids = [int(r) for r in roles]
        unknown = [r for r in role_ids if r not in guild.roles]
        if unknown:
            raise KeyError(f"roles {unknown} are not in guild {guild_id}")
        member = guild.members.get(user_id)
        if member is None:
            member = guild.members[user_id] = member_obj(role_ids, nick=nick, joined_at=joined_at)
        else:
            if role_ids:
                member["roles"] = [str(r) for r in role_ids]
            if nick is not None:
                member["nick"] = nick
        return member

    def bot_role_id(self, guild_id: int) -> int | None:
        return self.guilds[guild_id].bot_role_id

    def dm_blocked(self, user_id: int, blocked: bool = True) -> None:
        """Messages to this user's DM channel answer 403 / 50007 "Cannot send messages to this user"."""
        (self.blocked_dms.add if blocked else self.blocked_dms.discard)(user_id)

    def dm_channel_id(self, user_id: int) -> int:
        """The DM channel between the bot and ``user_id`` (created like POST /users/@me/channels would)."""
        if user_id not in self.users:
            raise KeyError(f"unknown user {user_id}")
        channel_id = self.dm_channels.get(user_id)
        if channel_id is None:
            channel_id = self._snowflake()
            self.dm_channels[user_id] = channel_id
            self.channels[channel_id] = {
                "id": str(channel_id),
                "type": CHANNEL_DM,
                "last_message_id": None,
                "flags": 0,
                "recipients": [self._public_user(user_id)],
            }
        return channel_id

    def member_payload(self, guild_id: int, user_id: int, *, with_user: bool = True) -> dict[str, Any]:
        guild = self.guilds[guild_id]
        out = dict(guild.members[user_id])
        if with_user:
            out["user"] = self._public_user(user_id)
        return out

    def guild_payload(self, guild_id: int, *, gateway: bool = False, intents: int = 0) -> dict[str, Any]:
        guild = self.guilds[guild_id]
        out: dict[str, Any] = {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "icon_hash": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(guild.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "widget_enabled": False,
            "verification_level": guild.verification_level,
            "default_message_notifications": 1,
            "explicit_content_filter": 2,
            "roles": sorted(guild.roles.values(), key=lambda r: r["position"]),
            "emojis": [],
            "stickers": [],
            "features": list(guild.features),
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None if guild.system_channel_id is None else str(guild.system_channel_id),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "max_presences": None,
            "max_members": 500000,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": guild.locale,
            "public_updates_channel_id": None,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "safety_alerts_channel_id": None,
            "incidents_data": None,
        }
        if gateway:
            members = list(guild.members) if intents & INTENT_MEMBERS else [self.bot_id]
            out.update(
                joined_at=guild.members[self.bot_id]["joined_at"],
                large=len(guild.members) > 250,
                unavailable=False,
                member_count=len(guild.members),
                voice_states=[],
                members=[self.member_payload(guild_id, uid) for uid in members if uid in guild.members],
                channels=[{k: v for k, v in c.items() if k != "guild_id"} for c in guild.channels.values()],
                threads=[],
                presences=[],
                stage_instances=[],
                guild_scheduled_events=list(guild.scheduled_events.values()),
                soundboard_sounds=[],
                lazy=True,
            )
        return out

    # --- recording --------------------------------------------------------------------------------

    @property
    def violations(self) -> list[Violation]:
        """OpenAPI violations not yet claimed by ``take_violations``."""
        return list(self.conformance.violations)

    def take_violations(self) -> list[Violation]:
        """Claim the spec violations so far: for tests that send bad requests on purpose."""
        return self.conformance.take()

    def calls_to(self, method: str | None, path_regex: str, *, status: int | None = None) -> list[Call]:
        """Recorded calls whose method matches (None = any) and whose path fully matches ``path_regex``."""
        pattern = re.compile(path_regex)
        return [
            c
            for c in self.calls
            if (method is None or c.method == method.upper())
            and pattern.fullmatch(c.path)
            and (status is None or c.status == status)
        ]

    async def wait_for(
        self,
        method: str | None,
        path_regex: str,
        predicate: Callable[[Call], bool] | None = None,
        count: int = 1,
        timeout: float = 30.0,  # noqa: ASYNC109
        *,
        status: int | None = None,
    ) -> list[Call]:
        """Wait (on events, not sleeps) until ``count`` matching calls are recorded; return all matches.

        Calls are recorded after the fake has answered, so the world already reflects them.
        Raises AssertionError listing every recorded call on timeout.
        """

        def check() -> list[Call] | None:
            found = [c for c in self.calls_to(method, path_regex, status=status) if predicate is None or predicate(c)]
            return found if len(found) >= count else None

        return await self._wait_until(
            check, timeout, lambda: f"timed out after {timeout}s waiting for {count}x {method} {path_regex}"
        )

    async def wait_for_callback(self, interaction: FakeInteraction | int, timeout: float = 30.0) -> FakeInteraction:  # noqa: ASYNC109
        """Wait until the bot has answered the interaction (any callback type); return its record."""
        iid = interaction.id if isinstance(interaction, FakeInteraction) else interaction
        record = self.interactions[iid]
        return await self._wait_until(
            lambda: record if record.acknowledged else None,
            timeout,
            lambda: f"timed out after {timeout}s waiting for a callback to interaction {iid}",
        )

    def interaction_responses(self, interaction: FakeInteraction | int) -> list[Call]:
        """Calls answering this interaction: its callback, and webhook calls with its token, in order."""
        iid = interaction.id if isinstance(interaction, FakeInteraction) else interaction
        record = self.interactions[iid]
        prefix_cb = f"/interactions/{iid}/{record.token}/"
        prefix_wh = f"/webhooks/{self.application_id}/{record.token}"
        return [c for c in self.calls if c.path.startswith(prefix_cb) or c.path.startswith(prefix_wh)]

    def messages_in(self, channel_id: int, *, include_deleted: bool = False) -> list[StoredMessage]:
        return [m for m in self.messages.values() if m.channel_id == channel_id and (include_deleted or not m.deleted)]

    def bot_messages(self, channel_id: int | None = None, *, include_deleted: bool = False) -> list[StoredMessage]:
        return [
            m
            for m in self.messages.values()
            if m.author_id == self.bot_id
            and (channel_id is None or m.channel_id == channel_id)
            and (include_deleted or not m.deleted)
        ]

    def dms_to(self, user_id: int) -> list[StoredMessage]:
        channel_id = self.dm_channels.get(user_id)
        return [] if channel_id is None else self.bot_messages(channel_id)

    def fail_next(
        self,
        method: str | None,
        path_regex: str,
        times: int = 1,
        retry_after: float = 0.05,
        global_: bool = False,
        *,
        status: int = 429,
    ) -> None:
        """Answer the next ``times`` matching requests with a 429 (Discord's body and X-RateLimit-* headers)."""
        self._failures.append(
            _Failure(
                None if method is None else method.upper(), re.compile(path_regex), times, retry_after, global_, status
            )
        )

    def _describe_calls(self) -> str:
        return "\n".join(f"  {c}" for c in self.calls) or "  (none)"

    def _notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    async def _wait_until(self, check: Callable[[], T | None], timeout: float, describe: Callable[[], str]) -> T:  # noqa: ASYNC109
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                while True:
                    result = check()
                    if result is not None:
                        return result
                    fut: asyncio.Future[None] = loop.create_future()
                    self._waiters.append(fut)
                    await fut
        except TimeoutError:
            raise AssertionError(f"{describe()}; calls so far:\n{self._describe_calls()}") from None

    # --- gateway ----------------------------------------------------------------------------------

    async def _handle_ws(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return await self._handle_rest(request)
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        query = dict(request.query)
        self.gateway_queries.append(query)
        conn = _Conn(ws, query.get("compress"), request)
        self._conns.add(conn)
        try:
            if query.get("v") not in (None, "10"):
                await self._close(conn, 4012, "Invalid API version")
                return ws
            if query.get("encoding", "json") != "json":
                await self._close(conn, 4002, "Decode error")
                return ws
            await conn.send(
                {
                    "op": 10,
                    "s": None,
                    "t": None,
                    "d": {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ['["fake-gateway"]']},
                }
            )
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    await self._on_gateway_op(conn, json.loads(msg.data))
                elif msg.type == WSMsgType.BINARY:
                    await self._on_gateway_op(conn, json.loads(msg.data.decode()))
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            self._conns.discard(conn)
            for session in self._sessions.values():
                if session.conn is conn:
                    session.conn = None
            self._notify()
        return ws

    async def _close(self, conn: _Conn, code: int, reason: str) -> None:
        self.gateway_close_codes.append(code)
        self.gateway_events.append(f"closed {code}")
        await conn.ws.close(code=code, message=reason.encode())

    async def _on_gateway_op(self, conn: _Conn, payload: Mapping[str, Any]) -> None:
        op = payload.get("op")
        data = payload.get("d")
        if op == 1:  # heartbeat
            self.heartbeats += 1
            await conn.send({"op": 11, "s": None, "t": None, "d": None})
            self._notify()
        elif op == 2:
            await self._identify(conn, data or {})
        elif op == 6:
            await self._resume(conn, data or {})
        elif op == 3:
            self.presence_updates.append(data)
        elif op == 8:
            await self._request_members(data or {})
        elif op == 4:
            pass  # voice state update: no voice here

    async def _identify(self, conn: _Conn, data: Mapping[str, Any]) -> None:
        self.identify_payloads.append(dict(data))
        self.gateway_events.append("identify")
        if data.get("token") != self.token:
            await self._close(conn, 4004, "Authentication failed.")
            return
        intents = data.get("intents")
        if not isinstance(intents, int):
            await self._close(conn, 4013, "Invalid intent(s).")
            return
        self.identified_intents = intents
        for name, bit in PRIVILEGED_INTENTS.items():
            if intents & bit and not self.privileged_intents_granted.get(name, False):
                await self._close(conn, 4014, "Disallowed intent(s).")
                self._notify()
                return
        session = _Session(id=secrets.token_hex(16), intents=intents, conn=conn)
        self._sessions[session.id] = session
        self._session = session
        ready: dict[str, Any] = {
            "v": 10,
            "user": self.users[self.bot_id],
            "user_settings": {},
            "guilds": [{"id": str(gid), "unavailable": True} for gid in self.guilds],
            "relationships": [],
            "private_channels": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["fake"],
            "session_type": "normal",
            "session_id": session.id,
            "resume_gateway_url": self.ws_url,
            "auth_session_id_hash": secrets.token_urlsafe(16),
            "application": {"id": str(self.application_id), "flags": self._application_flags()},
            "_trace": ['["fake-gateway"]'],
        }
        if "shard" in data:
            ready["shard"] = data["shard"]
        await self._send_dispatch(session, "READY", ready)
        if intents & INTENT_GUILDS:
            for gid in self.guilds:
                await self._send_dispatch(
                    session, "GUILD_CREATE", self.guild_payload(gid, gateway=True, intents=intents)
                )
        self._notify()

    async def _resume(self, conn: _Conn, data: Mapping[str, Any]) -> None:
        session = self._sessions.get(str(data.get("session_id")))
        if session is None or data.get("token") != self.token:
            self.gateway_events.append("resume refused")
            await conn.send({"op": 9, "s": None, "t": None, "d": False})
            return
        self.gateway_events.append("resume")
        session.conn = conn
        self._session = session
        last = data.get("seq") or 0
        async with session.lock:
            for payload in session.sent:
                if payload["s"] > last:
                    await conn.send(payload)
        await self._send_dispatch(session, "RESUMED", {"_trace": ['["fake-gateway"]']})
        self._notify()

    async def _request_members(self, data: Mapping[str, Any]) -> None:
        session = self._session
        guild = self.guilds.get(int(data.get("guild_id", 0)))
        if session is None or guild is None:
            return
        query = (data.get("query") or "").lower()
        limit = data.get("limit") or 0
        user_ids = {int(u) for u in (data.get("user_ids") or [])}
        found = []
        for uid in guild.members:
            if user_ids and uid not in user_ids:
                continue
            if not user_ids and query and not self.users[uid]["username"].lower().startswith(query):
                continue
            found.append(self.member_payload(guild.id, uid))
        if limit:
            found = found[:limit]
        chunk: dict[str, Any] = {
            "guild_id": str(guild.id),
            "members": found,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [str(u) for u in user_ids if u not in guild.members],
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        await self._send_dispatch(session, "GUILD_MEMBERS_CHUNK", chunk)

    def _application_flags(self) -> int:
        flags = 1 << 23  # APPLICATION_COMMAND_BADGE
        for name, bit in APP_FLAG_FOR_INTENT.items():
            if self.privileged_intents_granted.get(name):
                flags |= bit
        return flags

    async def _send_dispatch(self, session: _Session, event: str, data: dict[str, Any]) -> None:
        async with session.lock:
            session.seq += 1
            payload = {"op": 0, "s": session.seq, "t": event, "d": data}
            session.sent.append(payload)
            self.dispatched.append((event, data))
            if session.conn is not None:
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await session.conn.send(payload)

    @property
    def connected(self) -> bool:
        return self._session is not None and self._session.conn is not None and not self._session.conn.ws.closed

    async def wait_until_identified(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        await self._wait_until(lambda: True if self.connected else None, timeout, lambda: "no client identified")

    def intents_allow(self, event: str, data: Mapping[str, Any]) -> bool:
        if self._session is None:
            return False
        bit = intent_for_event(event, data)
        return bit is None or bool(self._session.intents & bit)

    async def dispatch(self, event: str, data: dict[str, Any]) -> bool:
        """Send a DISPATCH (op 0) with the next sequence number, if the client's intents allow it.

        Returns False (and records the event in ``fake.dropped``) when an intent is missing. MESSAGE_CREATE /
        MESSAGE_UPDATE lose their content without the message-content intent, except in DMs, when the
        bot is mentioned, or for the bot's own messages. Raises RuntimeError if no client is connected.
        """
        session = self._session
        if session is None or session.conn is None:
            raise RuntimeError(f"no client connected to the fake gateway (cannot dispatch {event})")
        if not self.intents_allow(event, data):
            self.dropped.append((event, data))
            return False
        if event in ("MESSAGE_CREATE", "MESSAGE_UPDATE"):
            data = self._without_content(data, session.intents)
        await self._send_dispatch(session, event, data)
        return True

    def _without_content(self, data: dict[str, Any], intents: int) -> dict[str, Any]:
        if intents & INTENT_MESSAGE_CONTENT or not data.get("guild_id"):
            return data
        if data.get("author", {}).get("id") == str(self.bot_id):
            return data
        if any(m.get("id") == str(self.bot_id) for m in data.get("mentions", [])):
            return data
        stripped = dict(data)
        stripped.update(content="", embeds=[], attachments=[], components=[])
        stripped.pop("poll", None)
        return stripped

    async def gateway_roundtrip(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Barrier: ask the client for a heartbeat (op 1) and wait for it.

        discord.py parses gateway messages in order, so once it answers, every event dispatched
        before has been parsed (listeners it spawned may still be running).
        """
        session = self._session
        if session is None or session.conn is None:
            raise RuntimeError("no client connected to the fake gateway")
        before = self.heartbeats
        await session.conn.send({"op": 1, "s": None, "t": None, "d": None})
        await self._wait_until(
            lambda: True if self.heartbeats > before else None, timeout, lambda: "client did not answer op 1"
        )

    def _conn(self) -> _Conn:
        session = self._session
        if session is None or session.conn is None:
            raise RuntimeError("no client connected to the fake gateway")
        return session.conn

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT: discord.py closes and RESUMEs on ``resume_gateway_url``."""
        conn = self._conn()
        self.gateway_events.append("reconnect requested")
        await conn.send({"op": 7, "s": None, "t": None, "d": None})

    async def invalidate_session(self, *, resumable: bool = False) -> None:
        """Send op 9 INVALID SESSION: with ``resumable=False`` the session is gone and discord.py must
        IDENTIFY anew (a new session, READY and every GUILD_CREATE again); with True it RESUMEs."""
        conn = self._conn()
        session = self._session
        if not resumable and session is not None:
            self._sessions.pop(session.id, None)
            session.conn = None
        self.gateway_events.append("session invalidated")
        await conn.send({"op": 9, "s": None, "t": None, "d": resumable})

    async def drop_gateway(self) -> None:
        """End the client's connection without a close frame, as a network failure does (discord.py sees
        1006 and RESUMEs)."""
        conn = self._conn()
        self.gateway_events.append("dropped")
        transport = conn.request.transport if conn.request is not None else None
        if transport is None:
            raise RuntimeError("the gateway connection has no transport to drop")
        transport.abort()

    async def wait_for_gateway(self, event: str, count: int = 1, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until ``event`` (see ``gateway_events``) happened ``count`` times."""
        await self._wait_until(
            lambda: True if self.gateway_events.count(event) >= count else None,
            timeout,
            lambda: f"gateway event {event!r} x{count} not seen; events: {self.gateway_events}",
        )

    def rest_outage(self, status: int = 503, path_regex: str = r".*", method: str | None = None) -> None:
        """Answer every matching REST call with ``status`` (a 5xx) until ``end_rest_outage()``. discord.py
        retries 500/502/504 itself (sleeping 1 s, 3 s, … between tries) and gives up at once on 503."""
        if not 500 <= status < 600 or status not in set(HTTPStatus):
            raise ValueError("an outage answers a known 5xx status")
        self._outage = _Failure(None if method is None else method.upper(), re.compile(path_regex), 1, 0, False, status)

    def end_rest_outage(self) -> None:
        self._outage = None

    async def close_gateway(self, code: int = 4000, reason: str = "closed by the fake") -> None:
        """Close the client's websocket with ``code`` (4000 -> discord.py resumes; 4004/401x -> it gives up)."""
        await self._close(self._conn(), code, reason)

    # --- messages ---------------------------------------------------------------------------------

    def _public_user(self, user_id: int) -> dict[str, Any]:
        user = self.users[user_id]
        return {k: v for k, v in user.items() if k not in ("verified", "mfa_enabled", "locale", "email")}

    def _new_message(
        self,
        *,
        channel_id: int,
        author_id: int,
        body: Mapping[str, Any],
        files: Sequence[FakeFile] = (),
        source: str,
        mtype: int = MSG_DEFAULT,
        extra_mentions: Iterable[int] = (),
        interaction: FakeInteraction | None = None,
        flags: int | None = None,
    ) -> StoredMessage:
        channel = self.channels[channel_id]
        guild_id = int(channel["guild_id"]) if channel.get("guild_id") else None
        mid = self._snowflake()
        ref = body.get("message_reference")
        if ref and ref.get("message_id") and ref.get("type", 0) == 0 and mtype == MSG_DEFAULT:
            mtype = MSG_REPLY
        data: dict[str, Any] = {
            "type": mtype,
            "channel_id": str(channel_id),
            "content": "",
            "attachments": [],
            "embeds": [],
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "flags": 0,
            "components": [],
            "id": str(mid),
            "author": self._public_user(author_id),
            "mentions": [],
            "mention_roles": [],
            "pinned": False,
            "mention_everyone": False,
            "tts": bool(body.get("tts", False)),
        }
        stored = StoredMessage(
            id=mid,
            channel_id=channel_id,
            guild_id=guild_id,
            data=data,
            allowed_mentions=body.get("allowed_mentions") if author_id == self.bot_id else None,
            files=list(files),
            source=source,
            interaction_id=interaction.id if interaction else None,
        )
        if body.get("nonce") is not None:
            data["nonce"] = body["nonce"]
        if ref and ref.get("message_id"):
            target = self.messages.get(int(ref["message_id"]))
            data["message_reference"] = {
                "type": ref.get("type", 0),
                "channel_id": str(target.channel_id if target else ref.get("channel_id", channel_id)),
                "message_id": str(ref["message_id"]),
            }
            if guild_id is not None:
                data["message_reference"]["guild_id"] = str(guild_id)
            if target is not None and not target.deleted:
                data["referenced_message"] = {k: v for k, v in target.data.items() if k != "referenced_message"}
        if interaction is not None:
            data["webhook_id"] = str(self.application_id)
            data["application_id"] = str(self.application_id)
            data["interaction_metadata"] = self._interaction_metadata(interaction)
            if interaction.type == IT_COMMAND:
                data["interaction"] = {
                    "id": str(interaction.id),
                    "type": interaction.type,
                    "name": interaction.payload["data"]["name"],
                    "user": self._public_user(interaction.user_id),
                }
        self._apply_body(stored, body, files, extra_mentions=extra_mentions)
        if flags is not None:
            data["flags"] = flags
        stored.ephemeral = bool(data["flags"] & FLAG_EPHEMERAL)
        self.messages[mid] = stored
        if not stored.ephemeral:
            channel["last_message_id"] = str(mid)
        return stored

    def _interaction_metadata(self, interaction: FakeInteraction) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "id": str(interaction.id),
            "type": interaction.type,
            "user": self._public_user(interaction.user_id),
            "authorizing_integration_owners": interaction.payload.get("authorizing_integration_owners", {}),
        }
        if interaction.type == IT_COMMAND:
            meta["name"] = interaction.payload["data"]["name"]
            meta["command_type"] = interaction.payload["data"].get("type", CHAT_INPUT)
        if interaction.original_id is not None:
            meta["original_response_message_id"] = str(interaction.original_id)
        if interaction.type == IT_COMPONENT and "message" in interaction.payload:
            meta["interacted_message_id"] = interaction.payload["message"]["id"]
        return meta

    def _apply_body(
        self,
        stored: StoredMessage,
        body: Mapping[str, Any],
        files: Sequence[FakeFile],
        *,
        extra_mentions: Iterable[int] = (),
        editing: bool = False,
    ) -> None:
        """Apply a create/edit payload to a stored message (content, embeds, components, attachments, mentions)."""
        data = stored.data
        if "content" in body and body["content"] is not None:
            data["content"] = str(body["content"])
        elif "content" in body and editing:
            data["content"] = ""
        if "embeds" in body:
            data["embeds"] = [normalize_embed(e) for e in body.get("embeds") or []]
        elif "embed" in body and body["embed"]:
            data["embeds"] = [normalize_embed(body["embed"])]
        if "components" in body:
            data["components"] = number_components(body.get("components") or [])
        if "flags" in body and body["flags"] is not None:
            data["flags"] = int(body["flags"]) if not editing else (data["flags"] & ~4) | (int(body["flags"]) & 4)
        if "poll" in body and body["poll"] and not editing:
            data["poll"] = self._poll_object(body["poll"])
        # attachments: keep the ones listed by id, add uploaded files
        kept = data["attachments"]
        if "attachments" in body and editing:
            keep_ids = {str(a.get("id")) for a in body.get("attachments") or []}
            kept = [a for a in data["attachments"] if a["id"] in keep_ids]
        described = {str(a.get("id")): a for a in body.get("attachments") or []} if "attachments" in body else {}
        new = []
        for index, file in enumerate(files):
            match = re.fullmatch(r"files\[(\d+)\]", file.field)
            meta = described.get(match.group(1) if match else str(index), {})
            aid = self._snowflake()
            new.append(
                {
                    "id": str(aid),
                    "filename": meta.get("filename") or file.filename,
                    "size": len(file.content),
                    "url": f"{self.url}/attachments/{stored.channel_id}/{aid}/{file.filename}",
                    "proxy_url": f"{self.url}/attachments/{stored.channel_id}/{aid}/{file.filename}",
                    "content_type": file.content_type or "application/octet-stream",
                    "description": meta.get("description"),
                    "ephemeral": bool(data["flags"] & FLAG_EPHEMERAL),
                }
            )
        data["attachments"] = kept + new
        if editing and files:
            stored.files.extend(files)
        if not editing:
            self._compute_mentions(stored, body.get("allowed_mentions"), extra_mentions)
        elif editing and ("content" in body or "allowed_mentions" in body):
            if "allowed_mentions" in body and stored.author_id == self.bot_id:
                stored.allowed_mentions = body["allowed_mentions"]
            self._compute_mentions(stored, stored.allowed_mentions if stored.author_id == self.bot_id else None, ())

    def _compute_mentions(self, stored: StoredMessage, allowed: Mapping[str, Any] | None, extra: Iterable[int]) -> None:
        data = stored.data
        users, roles, everyone = mentions_in(data["content"])
        users += [u for u in extra if u not in users]
        replied_author = None
        ref = data.get("referenced_message")
        if ref is not None and data.get("type") == MSG_REPLY:
            replied_author = int(ref["author"]["id"])
        if stored.author_id == self.bot_id:
            users, roles, everyone = apply_allowed_mentions(allowed, users, roles, everyone, replied_author)
        elif replied_author is not None and replied_author not in users:
            users.append(replied_author)
        guild = self.guilds.get(stored.guild_id) if stored.guild_id else None
        if everyone and guild is not None:
            channel = self.channels[stored.channel_id]
            everyone = bool(guild.channel_permissions(channel, stored.author_id) & P_MENTION_EVERYONE)
        mention_objs = []
        for uid in users:
            if uid not in self.users:
                continue
            obj = self._public_user(uid)
            if guild is not None and uid in guild.members:
                obj["member"] = dict(guild.members[uid])
            mention_objs.append(obj)
        data["mentions"] = mention_objs
        data["mention_roles"] = [str(r) for r in roles if guild is None or r in guild.roles]
        data["mention_everyone"] = everyone

    def _poll_object(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        import datetime as dt

        hours = int(raw.get("duration", 24))
        expiry = dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)
        return {
            "question": dict(raw.get("question") or {}),
            "answers": [
                {"answer_id": index, "poll_media": dict(answer.get("poll_media") or {})}
                for index, answer in enumerate(raw.get("answers") or [], start=1)
            ],
            "expiry": expiry.isoformat(),
            "allow_multiselect": bool(raw.get("allow_multiselect", False)),
            "layout_type": raw.get("layout_type", 1),
            "results": {"is_finalized": False, "answer_counts": []},
        }

    def gateway_message(self, stored: StoredMessage) -> dict[str, Any]:
        """The MESSAGE_CREATE / MESSAGE_UPDATE shape of a stored message (adds guild_id and member)."""
        out = dict(stored.data)
        if stored.guild_id is not None:
            out["guild_id"] = str(stored.guild_id)
            guild = self.guilds[stored.guild_id]
            if stored.author_id in guild.members and "webhook_id" not in out:
                out["member"] = dict(guild.members[stored.author_id])
        return out

    async def _echo(self, event: str, data: dict[str, Any]) -> None:
        """Dispatch an event caused by a REST call, if a client is connected (like Discord does)."""
        if self._session is not None and self._session.conn is not None:
            await self.dispatch(event, data)

    async def _echo_message(self, event: str, stored: StoredMessage) -> None:
        if self.echo_bot_messages and not stored.ephemeral:
            await self._echo(event, self.gateway_message(stored))

    # --- gateway event helpers --------------------------------------------------------------------

    async def message_create(
        self,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int,
        content: str,
        reply_to: int | None = None,
        mentions: Iterable[int] = (),
        bot: bool = False,
        *,
        embeds: Sequence[Mapping[str, Any]] = (),
        attachments: Sequence[FakeFile] = (),
    ) -> StoredMessage:
        """A user posts a message (MESSAGE_CREATE). ``guild_id=None`` = a DM to the bot (channel may be None).

        The message is stored (so the bot can reply to / fetch it). Mentions are parsed from ``<@id>`` in
        the content plus ``mentions``. Returns the stored message even when intents withheld the event.
        """
        if user_id not in self.users:
            raise InvalidInteraction(f"unknown user {user_id}")
        if bot:
            self.users[user_id]["bot"] = True
        if guild_id is None:
            channel_id = channel_id or self.dm_channel_id(user_id)
        else:
            guild = self.guilds[guild_id]
            if user_id not in guild.members:
                raise InvalidInteraction(f"user {user_id} is not a member of guild {guild_id}")
            if channel_id not in guild.channels:
                raise InvalidInteraction(f"channel {channel_id} is not in guild {guild_id}")
        assert channel_id is not None
        body: dict[str, Any] = {"content": content, "embeds": list(embeds)}
        if reply_to is not None:
            body["message_reference"] = {"message_id": str(reply_to), "channel_id": str(channel_id)}
        stored = self._new_message(
            channel_id=channel_id,
            author_id=user_id,
            body=body,
            files=[FakeFile(f"files[{i}]", f.filename, f.content, f.content_type) for i, f in enumerate(attachments)],
            source="gateway",
            extra_mentions=mentions,
        )
        await self.dispatch("MESSAGE_CREATE", self.gateway_message(stored))
        return stored

    async def message_update(self, message_id: int, content: str) -> StoredMessage:
        """A user edits their message (MESSAGE_UPDATE)."""
        stored = self.messages[message_id]
        stored.history.append(json.loads(json.dumps(stored.data)))
        self._apply_body(stored, {"content": content}, (), editing=True)
        stored.data["edited_timestamp"] = iso_now()
        await self.dispatch("MESSAGE_UPDATE", self.gateway_message(stored))
        return stored

    async def message_delete(self, message_id: int) -> bool:
        """A message is deleted by its author / a moderator (MESSAGE_DELETE)."""
        stored = self.messages[message_id]
        stored.deleted = True
        data: dict[str, Any] = {"id": str(message_id), "channel_id": str(stored.channel_id)}
        if stored.guild_id is not None:
            data["guild_id"] = str(stored.guild_id)
        return await self.dispatch("MESSAGE_DELETE", data)

    async def member_join(
        self,
        guild_id: int,
        user_id: int,
        username: str | None = None,
        *,
        roles: Iterable[int] = (),
        bot: bool = False,
        locale: str | None = None,
    ) -> bool:
        """A user joins: added to the world, GUILD_MEMBER_ADD dispatched if the members intent is on."""
        if self._session is None:
            raise RuntimeError("no client connected to the fake gateway")
        self.guilds[guild_id].members.pop(user_id, None)
        self.add_member(guild_id, user_id, username, roles=roles, bot=bot, locale=locale)
        payload = self.member_payload(guild_id, user_id)
        payload["guild_id"] = str(guild_id)
        return await self.dispatch("GUILD_MEMBER_ADD", payload)

    async def guild_create(self, guild_id: int) -> bool:
        """The bot joins a guild configured with :meth:`add_guild` after connecting (GUILD_CREATE)."""
        if self._session is None:
            raise RuntimeError("no client connected to the fake gateway")
        payload = self.guild_payload(guild_id, gateway=True, intents=self._session.intents)
        return await self.dispatch("GUILD_CREATE", payload)

    async def member_leave(self, guild_id: int, user_id: int) -> bool:
        """A member leaves: removed from the world, GUILD_MEMBER_REMOVE dispatched if the members intent is on."""
        if self._session is None:
            raise RuntimeError("no client connected to the fake gateway")
        self.guilds[guild_id].members.pop(user_id)
        return await self.dispatch(
            "GUILD_MEMBER_REMOVE", {"guild_id": str(guild_id), "user": self._public_user(user_id)}
        )

    async def _member_update_event(self, guild_id: int, user_id: int) -> None:
        payload = self.member_payload(guild_id, user_id)
        payload["guild_id"] = str(guild_id)
        await self._echo("GUILD_MEMBER_UPDATE", payload)

    @staticmethod
    def _emoji(emoji: str | Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        if isinstance(emoji, Mapping):
            obj = {"id": emoji.get("id"), "name": emoji.get("name")}
        elif ":" in emoji:
            name, _, eid = emoji.rpartition(":")
            obj = {"id": eid, "name": name.lstrip("<a:").lstrip(":")}
        else:
            obj = {"id": None, "name": emoji}
        key = f"{obj['name']}:{obj['id']}" if obj["id"] else str(obj["name"])
        return key, obj

    def _set_reaction(self, stored: StoredMessage, key: str, emoji: dict[str, Any], user_id: int, add: bool) -> bool:
        users = stored.reactions.setdefault(key, [])
        changed = (user_id not in users) if add else (user_id in users)
        if add and changed:
            users.append(user_id)
        elif not add and changed:
            users.remove(user_id)
        reactions = []
        for k, uids in stored.reactions.items():
            if not uids:
                continue
            name, _, eid = k.partition(":") if ":" in k else (k, "", "")
            reactions.append(
                {
                    "count": len(uids),
                    "count_details": {"burst": 0, "normal": len(uids)},
                    "me": self.bot_id in uids,
                    "me_burst": False,
                    "burst_me": False,
                    "burst_count": 0,
                    "burst_colors": [],
                    "emoji": {"id": eid or None, "name": name} if k != key else emoji,
                }
            )
        if reactions:
            stored.data["reactions"] = reactions
        else:
            stored.data.pop("reactions", None)
        return changed

    def _reaction_event(self, stored: StoredMessage, user_id: int, emoji: dict[str, Any], add: bool) -> dict[str, Any]:
        data: dict[str, Any] = {
            "user_id": str(user_id),
            "channel_id": str(stored.channel_id),
            "message_id": str(stored.id),
            "emoji": emoji,
            "burst": False,
            "type": 0,
        }
        if stored.guild_id is not None:
            data["guild_id"] = str(stored.guild_id)
            if add and user_id in self.guilds[stored.guild_id].members:
                data["member"] = self.member_payload(stored.guild_id, user_id)
        if add:
            data["message_author_id"] = str(stored.author_id)
            data["burst_colors"] = []
        return data

    async def reaction_add(
        self,
        guild_id: int | None,
        channel_id: int,
        message_id: int,
        user_id: int,
        emoji: str | Mapping[str, Any] = "👍",
    ) -> bool:
        """A user reacts (MESSAGE_REACTION_ADD, needs the reactions intent). ``emoji``: "👍" or "name:id"."""
        stored = self.messages.get(message_id)
        if stored is None or stored.channel_id != channel_id:
            raise InvalidInteraction(f"message {message_id} is not known in channel {channel_id}")
        key, obj = self._emoji(emoji)
        self._set_reaction(stored, key, obj, user_id, add=True)
        return await self.dispatch("MESSAGE_REACTION_ADD", self._reaction_event(stored, user_id, obj, add=True))

    async def reaction_remove(
        self,
        guild_id: int | None,
        channel_id: int,
        message_id: int,
        user_id: int,
        emoji: str | Mapping[str, Any] = "👍",
    ) -> bool:
        stored = self.messages[message_id]
        key, obj = self._emoji(emoji)
        self._set_reaction(stored, key, obj, user_id, add=False)
        return await self.dispatch("MESSAGE_REACTION_REMOVE", self._reaction_event(stored, user_id, obj, add=False))

    async def poll_vote(self, message_id: int, user_id: int, answer_id: int, *, remove: bool = False) -> bool:
        """A user votes on a native poll (MESSAGE_POLL_VOTE_ADD/REMOVE, needs the polls intent)."""
        stored = self.messages[message_id]
        poll = stored.data.get("poll")
        if poll is None or not any(a["answer_id"] == answer_id for a in poll["answers"]):
            raise InvalidInteraction(f"message {message_id} has no poll answer {answer_id}")
        if poll["results"]["is_finalized"]:
            raise InvalidInteraction("the poll has ended")
        voters = stored.poll_votes.setdefault(answer_id, [])
        if remove:
            if user_id in voters:
                voters.remove(user_id)
        else:
            if not poll.get("allow_multiselect"):
                for other in stored.poll_votes.values():
                    if user_id in other:
                        raise InvalidInteraction("user already voted on this single-choice poll")
            if user_id not in voters:
                voters.append(user_id)
        self._refresh_poll_counts(stored)
        data: dict[str, Any] = {
            "user_id": str(user_id),
            "channel_id": str(stored.channel_id),
            "message_id": str(message_id),
            "answer_id": answer_id,
        }
        if stored.guild_id is not None:
            data["guild_id"] = str(stored.guild_id)
        return await self.dispatch("MESSAGE_POLL_VOTE_REMOVE" if remove else "MESSAGE_POLL_VOTE_ADD", data)

    def _refresh_poll_counts(self, stored: StoredMessage) -> None:
        poll = stored.data["poll"]
        poll["results"]["answer_counts"] = [
            {"id": aid, "count": len(uids), "me_voted": self.bot_id in uids}
            for aid, uids in sorted(stored.poll_votes.items())
            if uids
        ]

    # --- interactions -----------------------------------------------------------------------------

    def synced_command(self, guild_id: int | None, name: str, ctype: int = CHAT_INPUT) -> dict[str, Any]:
        """The synced definition a user in ``guild_id`` would see for ``name`` (guild first, then global)."""
        scopes: list[int | None] = [guild_id, None] if guild_id is not None else [None]
        for scope in scopes:
            for cmd in self.commands.get(scope, []):
                if cmd["name"] == name and cmd.get("type", CHAT_INPUT) == ctype:
                    return cmd
        synced = {
            "global" if scope is None else f"guild {scope}": [c["name"] for c in cmds]
            for scope, cmds in self.commands.items()
        }
        raise UnsyncedCommand(f"command {name!r} (type {ctype}) is not synced for guild {guild_id}; synced: {synced}")

    def _check_command_allowed(self, cmd: Mapping[str, Any], guild_id: int | None, user_id: int) -> None:
        contexts = cmd.get("contexts")
        if guild_id is None:
            if (contexts is not None and 1 not in contexts) or (contexts is None and cmd.get("dm_permission") is False):
                raise InvalidInteraction(f"/{cmd['name']} is not available in DMs")
            if cmd.get("guild_id"):
                raise InvalidInteraction(f"/{cmd['name']} is a guild command")
            return
        if contexts is not None and 0 not in contexts:
            raise InvalidInteraction(f"/{cmd['name']} is not available in guilds")
        required = cmd.get("default_member_permissions")
        if required is not None:
            have = self.guilds[guild_id].base_permissions(user_id)
            need = int(required)
            if need == 0 and have != ALL_PERMISSIONS:
                raise InvalidInteraction(f"/{cmd['name']} is disabled for members (default_member_permissions=0)")
            if have & need != need:
                raise InvalidInteraction(
                    f"user {user_id} lacks default_member_permissions {need} for /{cmd['name']} (has {have})"
                )

    def _resolve_command_path(
        self, guild_id: int | None, command: str
    ) -> tuple[dict[str, Any], list[tuple[str, int]], list[dict[str, Any]]]:
        parts = command.strip().lstrip("/").split()
        if not parts:
            raise UnsyncedCommand("empty command name")
        cmd = self.synced_command(guild_id, parts[0], CHAT_INPUT)
        defs: list[dict[str, Any]] = cmd.get("options") or []
        chain: list[tuple[str, int]] = []
        for part in parts[1:]:
            sub = next(
                (o for o in defs if o["name"] == part and o["type"] in (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP)), None
            )
            if sub is None:
                raise UnsyncedCommand(
                    f"/{command}: {part!r} is not a synced subcommand (have {[o['name'] for o in defs]})"
                )
            chain.append((part, sub["type"]))
            defs = sub.get("options") or []
        if any(o["type"] in (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP) for o in defs):
            raise UnsyncedCommand(f"/{command} needs a subcommand: {[o['name'] for o in defs]}")
        return cmd, chain, defs

    def _convert_option(
        self,
        defn: Mapping[str, Any],
        value: Any,
        guild_id: int | None,
        channel_id: int,
        resolved: dict[str, dict[str, Any]],
        *,
        check: bool = True,
    ) -> Any:
        otype = defn["type"]
        name = defn["name"]

        def bad(why: str) -> InvalidOption:
            return InvalidOption(f"option {name!r}: {why} (got {value!r})")

        if otype == OPT_STRING:
            if not isinstance(value, str):
                raise bad("expected a string")
            if check and defn.get("min_length") is not None and len(value) < defn["min_length"]:
                raise bad(f"shorter than min_length {defn['min_length']}")
            if check and len(value) > defn.get("max_length", 6000):
                raise bad("longer than max_length")
            out: Any = value
        elif otype == OPT_INTEGER:
            if isinstance(value, bool) or not isinstance(value, int):
                raise bad("expected an integer")
            out = value
        elif otype == OPT_NUMBER:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise bad("expected a number")
            out = value
        elif otype == OPT_BOOLEAN:
            if not isinstance(value, bool):
                raise bad("expected a bool")
            out = value
        elif otype in (OPT_USER, OPT_MENTIONABLE, OPT_ROLE):
            target = int(value)
            guild = self.guilds.get(guild_id) if guild_id else None
            if otype != OPT_USER and guild is not None and target in guild.roles:
                resolved.setdefault("roles", {})[str(target)] = dict(guild.roles[target])
            elif otype != OPT_ROLE and target in self.users:
                resolved.setdefault("users", {})[str(target)] = self._public_user(target)
                if guild is not None and target in guild.members:
                    member = dict(guild.members[target])
                    member["permissions"] = str(guild.channel_permissions(self.channels.get(channel_id), target))
                    resolved.setdefault("members", {})[str(target)] = member
            else:
                raise bad("no such user/role")
            out = str(target)
        elif otype == OPT_CHANNEL:
            target = int(value)
            channel = self.channels.get(target)
            if channel is None or (guild_id is not None and channel.get("guild_id") != str(guild_id)):
                raise bad("no such channel in this guild")
            if defn.get("channel_types") and channel["type"] not in defn["channel_types"]:
                raise bad(f"channel type {channel['type']} not in {defn['channel_types']}")
            entry = {k: channel[k] for k in ("id", "name", "type", "parent_id", "guild_id") if k in channel}
            guild = self.guilds.get(guild_id) if guild_id else None
            entry["permissions"] = str(guild.channel_permissions(channel, self.bot_id) if guild else 0)
            resolved.setdefault("channels", {})[str(target)] = entry
            out = str(target)
        elif otype == OPT_ATTACHMENT:
            if isinstance(value, FakeFile):
                value = {"filename": value.filename, "content": value.content, "content_type": value.content_type}
            if not isinstance(value, Mapping) or "filename" not in value:
                raise bad("expected a FakeFile or a dict with 'filename'")
            aid = str(self._snowflake())
            size = value.get("size", len(value.get("content", b"")))
            resolved.setdefault("attachments", {})[aid] = {
                "id": aid,
                "filename": value["filename"],
                "size": size,
                "url": f"{self.url}/ephemeral-attachments/{aid}/{value['filename']}",
                "proxy_url": f"{self.url}/ephemeral-attachments/{aid}/{value['filename']}",
                "content_type": value.get("content_type") or "application/octet-stream",
                "ephemeral": True,
            }
            out = aid
        else:
            raise bad(f"unsupported option type {otype}")
        if check and otype in (OPT_INTEGER, OPT_NUMBER):
            if defn.get("min_value") is not None and value < defn["min_value"]:
                raise bad(f"below min_value {defn['min_value']}")
            if defn.get("max_value") is not None and value > defn["max_value"]:
                raise bad(f"above max_value {defn['max_value']}")
        if check and defn.get("choices") and value not in [c["value"] for c in defn["choices"]]:
            raise bad(f"not one of the choices {[c['value'] for c in defn['choices']]}")
        return out

    def _build_options(
        self,
        command: str,
        defs: list[dict[str, Any]],
        options: Mapping[str, Any],
        guild_id: int | None,
        channel_id: int,
        *,
        focused: str | None = None,
    ) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
        by_name = {d["name"]: d for d in defs}
        resolved: dict[str, dict[str, Any]] = {}
        out = []
        for name, value in options.items():
            defn = by_name.get(name)
            if defn is None:
                raise UnsyncedCommand(f"/{command} has no synced option {name!r} (have {list(by_name)})")
            if value is None:
                continue
            if name == focused:
                if not defn.get("autocomplete"):
                    raise InvalidOption(f"option {name!r} of /{command} has no autocomplete")
                out.append({"name": name, "type": defn["type"], "value": str(value), "focused": True})
                continue
            converted = self._convert_option(defn, value, guild_id, channel_id, resolved, check=focused is None)
            out.append({"name": name, "type": defn["type"], "value": converted})
        if focused is None:
            missing = [d["name"] for d in defs if d.get("required") and options.get(d["name"]) is None]
            if missing:
                raise InvalidOption(f"/{command}: required options missing: {missing}")
        elif focused not in options:
            raise InvalidOption(f"focused option {focused!r} must be given in options")
        return out, resolved

    async def invoke_slash(
        self,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int,
        command: str,
        options: Mapping[str, Any] | None = None,
        locale: str | None = None,
    ) -> FakeInteraction:
        """A user runs a synced slash command: ``"event create"`` = command ``event``, subcommand ``create``.

        ``options`` maps option names to Python values (users/roles/channels by id, attachments as
        FakeFile). Raises UnsyncedCommand for unsynced commands/subcommands/option names and
        InvalidOption for values Discord's client would refuse. ``guild_id=None`` runs it in the DM.
        """
        cmd, chain, defs = self._resolve_command_path(guild_id, command)
        channel_id = self._interaction_channel(guild_id, channel_id, user_id)
        self._check_command_allowed(cmd, guild_id, user_id)
        leaf, resolved = self._build_options(command, defs, options or {}, guild_id, channel_id)
        nested: list[dict[str, Any]] = leaf
        for name, otype in reversed(chain):
            nested = [{"name": name, "type": otype, "options": nested}]
        data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": CHAT_INPUT}
        if nested:
            data["options"] = nested
        if resolved:
            data["resolved"] = resolved
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        return await self._send_interaction(IT_COMMAND, guild_id, channel_id, user_id, data, locale)

    async def invoke_autocomplete(
        self,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int,
        command: str,
        options: Mapping[str, Any],
        focused: str,
        locale: str | None = None,
    ) -> FakeInteraction:
        """The user is typing ``options[focused]`` (partial text) in an autocomplete option (type 4)."""
        cmd, chain, defs = self._resolve_command_path(guild_id, command)
        channel_id = self._interaction_channel(guild_id, channel_id, user_id)
        self._check_command_allowed(cmd, guild_id, user_id)
        leaf, resolved = self._build_options(command, defs, options, guild_id, channel_id, focused=focused)
        nested: list[dict[str, Any]] = leaf
        for name, otype in reversed(chain):
            nested = [{"name": name, "type": otype, "options": nested}]
        data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": CHAT_INPUT, "options": nested}
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        return await self._send_interaction(IT_AUTOCOMPLETE, guild_id, channel_id, user_id, data, locale)

    async def invoke_user_command(
        self,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int,
        name: str,
        target_user_id: int,
        locale: str | None = None,
    ) -> FakeInteraction:
        """User context-menu command (Apps > name) on ``target_user_id``."""
        cmd = self.synced_command(guild_id, name, USER_COMMAND)
        channel_id = self._interaction_channel(guild_id, channel_id, user_id)
        self._check_command_allowed(cmd, guild_id, user_id)
        resolved: dict[str, dict[str, Any]] = {}
        self._convert_option({"type": OPT_USER, "name": "target"}, target_user_id, guild_id, channel_id, resolved)
        data = {
            "id": cmd["id"],
            "name": name,
            "type": USER_COMMAND,
            "target_id": str(target_user_id),
            "resolved": resolved,
        }
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        return await self._send_interaction(IT_COMMAND, guild_id, channel_id, user_id, data, locale)

    async def invoke_message_command(
        self,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int,
        name: str,
        target_message_id: int,
        locale: str | None = None,
    ) -> FakeInteraction:
        """Message context-menu command (Apps > name) on a stored message."""
        cmd = self.synced_command(guild_id, name, MESSAGE_COMMAND)
        target = self.messages.get(target_message_id)
        if target is None or target.deleted:
            raise InvalidInteraction(f"message {target_message_id} is not known to the fake")
        channel_id = self._interaction_channel(guild_id, channel_id or target.channel_id, user_id)
        self._check_command_allowed(cmd, guild_id, user_id)
        resolved = {"messages": {str(target.id): dict(target.data)}}
        data = {
            "id": cmd["id"],
            "name": name,
            "type": MESSAGE_COMMAND,
            "target_id": str(target.id),
            "resolved": resolved,
        }
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        return await self._send_interaction(IT_COMMAND, guild_id, channel_id, user_id, data, locale)

    def _find_component_message(self, channel_id: int, custom_id: str, message_id: int | None) -> StoredMessage:
        if message_id is not None:
            stored = self.messages.get(message_id)
            if stored is None or stored.deleted:
                raise InvalidInteraction(f"message {message_id} is not known to the fake")
            return stored
        for stored in reversed(list(self.messages.values())):
            has_it = any(c.get("custom_id") == custom_id for c in walk_components(stored.components))
            if stored.channel_id == channel_id and not stored.deleted and has_it:
                return stored
        raise InvalidInteraction(f"no message in channel {channel_id} has a component {custom_id!r}")

    async def invoke_component(
        self,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int,
        custom_id: str,
        message_id: int | None = None,
        *,
        values: Sequence[str] | None = None,
        locale: str | None = None,
    ) -> FakeInteraction:
        """A user clicks a button / picks select values on a message the bot sent (type 3)."""
        channel_id = self._interaction_channel(guild_id, channel_id, user_id)
        stored = self._find_component_message(channel_id, custom_id, message_id)
        component = next((c for c in walk_components(stored.components) if c.get("custom_id") == custom_id), None)
        if component is None:
            raise InvalidInteraction(f"message {stored.id} has no component {custom_id!r}")
        if component.get("disabled"):
            raise InvalidInteraction(f"component {custom_id!r} is disabled")
        if stored.ephemeral and stored.interaction_id is not None:
            owner = self.interactions[stored.interaction_id].user_id
            if owner != user_id:
                raise InvalidInteraction("only the user who got an ephemeral message can use its components")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"]}
        if component["type"] == 2:
            if values is not None:
                raise InvalidOption("buttons take no values")
        else:
            chosen = list(values or [])
            low, high = component.get("min_values", 1), component.get("max_values", 1)
            if not low <= len(chosen) <= high:
                raise InvalidOption(f"select {custom_id!r} takes {low}..{high} values, got {len(chosen)}")
            if component["type"] == 3:
                allowed = [o["value"] for o in component.get("options", [])]
                if any(v not in allowed for v in chosen):
                    raise InvalidOption(f"values {chosen} not among the options {allowed}")
            data["values"] = [str(v) for v in chosen]
            kind = {5: OPT_USER, 6: OPT_ROLE, 7: OPT_MENTIONABLE, 8: OPT_CHANNEL}.get(component["type"])
            if kind is not None:
                resolved: dict[str, dict[str, Any]] = {}
                for v in chosen:
                    self._convert_option({"type": kind, "name": custom_id}, v, guild_id, channel_id, resolved)
                data["resolved"] = resolved
        return await self._send_interaction(
            IT_COMPONENT, guild_id, channel_id, user_id, data, locale, message=self.gateway_message(stored)
        )

    async def invoke_button(
        self,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int,
        custom_id: str,
        message_id: int | None = None,
        locale: str | None = None,
    ) -> FakeInteraction:
        """A user clicks button ``custom_id`` (on ``message_id``, or the latest message in the channel having it)."""
        return await self.invoke_component(guild_id, channel_id, user_id, custom_id, message_id, locale=locale)

    async def invoke_select(
        self,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int,
        custom_id: str,
        values: Sequence[str],
        message_id: int | None = None,
        locale: str | None = None,
    ) -> FakeInteraction:
        return await self.invoke_component(
            guild_id, channel_id, user_id, custom_id, message_id, values=values, locale=locale
        )

    async def invoke_modal_submit(
        self,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int,
        custom_id: str,
        values: Mapping[str, str | Sequence[str]],
        locale: str | None = None,
    ) -> FakeInteraction:
        """A user submits a modal the bot showed them (callback type 9); ``values``: input custom_id -> text."""
        shown = next(
            (
                i
                for i in reversed(list(self.interactions.values()))
                if i.callback_type == 9
                and not i.modal_submitted
                and i.user_id == user_id
                and (i.callback_data or {}).get("custom_id") == custom_id
            ),
            None,
        )
        if shown is None:
            raise InvalidInteraction(f"no modal {custom_id!r} is open for user {user_id} (shown and not yet submitted)")
        channel_id = channel_id or shown.channel_id
        unused = set(values)

        def answer(component: Mapping[str, Any]) -> dict[str, Any] | None:
            ctype = component["type"]
            if ctype == 1:
                inner = [a for a in (answer(c) for c in component.get("components", [])) if a is not None]
                return {"type": 1, "id": component.get("id"), "components": inner}
            if ctype == 18:
                inner_answer = answer(component["component"])
                return {"type": 18, "id": component.get("id"), "component": inner_answer}
            if ctype == 10:
                return {"type": 10, "id": component.get("id")}
            cid = component.get("custom_id")
            if cid is None:
                return None
            unused.discard(cid)
            value = values.get(cid)
            if ctype == 4:
                if value is None and component.get("required", True):
                    raise InvalidOption(f"modal {custom_id!r}: required input {cid!r} missing")
                text = "" if value is None else str(value)
                if len(text) > component.get("max_length", 4000) or (
                    text and len(text) < component.get("min_length", 0)
                ):
                    raise InvalidOption(f"modal {custom_id!r}: input {cid!r} length out of bounds")
                return {"type": 4, "id": component.get("id"), "custom_id": cid, "value": text}
            chosen = [] if value is None else ([value] if isinstance(value, str) else list(value))
            return {"type": ctype, "id": component.get("id"), "custom_id": cid, "values": chosen}

        components = [a for a in (answer(c) for c in shown.callback_data.get("components", [])) if a is not None]
        if unused:
            raise InvalidOption(f"modal {custom_id!r} has no inputs {sorted(unused)}")
        shown.modal_submitted = True
        data = {"custom_id": custom_id, "components": components}
        message = shown.payload.get("message")
        return await self._send_interaction(IT_MODAL, guild_id, channel_id, user_id, data, locale, message=message)

    def _interaction_channel(self, guild_id: int | None, channel_id: int | None, user_id: int) -> int:
        if user_id not in self.users:
            raise InvalidInteraction(f"unknown user {user_id}")
        if guild_id is None:
            return channel_id or self.dm_channel_id(user_id)
        guild = self.guilds.get(guild_id)
        if guild is None:
            raise InvalidInteraction(f"unknown guild {guild_id}")
        if user_id not in guild.members:
            raise InvalidInteraction(f"user {user_id} is not a member of guild {guild_id}")
        if channel_id not in guild.channels:
            raise InvalidInteraction(f"channel {channel_id} is not in guild {guild_id}")
        return channel_id

    async def _send_interaction(
        self,
        itype: int,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        data: dict[str, Any],
        locale: str | None,
        *,
        message: dict[str, Any] | None = None,
    ) -> FakeInteraction:
        iid = self._snowflake()
        token = base64.urlsafe_b64encode(f"interaction:{iid}:{secrets.token_urlsafe(48)}".encode()).decode().rstrip("=")
        channel = self.channels[channel_id]
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "channel_id": str(channel_id),
            "token": token,
            "version": 1,
            "locale": locale or self.user_locales.get(user_id, "en-US"),
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": self.attachment_size_limit,
        }
        if guild_id is not None:
            guild = self.guilds[guild_id]
            member = self.member_payload(guild_id, user_id)
            member["permissions"] = str(guild.channel_permissions(channel, user_id))
            chan = dict(channel)
            chan["permissions"] = member["permissions"]
            payload.update(
                guild_id=str(guild_id),
                guild={"id": str(guild_id), "locale": guild.locale, "features": list(guild.features)},
                guild_locale=guild.locale,
                member=member,
                channel=chan,
                app_permissions=str(guild.channel_permissions(channel, self.bot_id)),
                authorizing_integration_owners={"0": str(guild_id)},
                context=0,
            )
        else:
            payload.update(
                user=self._public_user(user_id),
                channel=dict(channel),
                app_permissions=str(DM_APP_PERMISSIONS),
                authorizing_integration_owners={"0": "0"},
                context=1,
            )
        if message is not None:
            payload["message"] = message
        record = FakeInteraction(
            id=iid, token=token, type=itype, payload=payload, guild_id=guild_id, channel_id=channel_id, user_id=user_id
        )
        self.interactions[iid] = record
        self._interactions_by_token[token] = record
        await self.dispatch("INTERACTION_CREATE", payload)
        return record
