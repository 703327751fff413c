"""Discord runtime: a discord.Client run inside our loop, slash commands from the registry, activity.

`start()` logs in, connects in a background task and returns once the client is ready; it raises
PlatformUnavailable when Discord cannot be reached (bot/app.py tries again later) and a clear
RuntimeError when Discord refuses the configuration (a bad token). A privileged intent the application
was not granted (gateway close 4014) is reported in one warning and the bot reconnects without it,
degraded instead of dead. Once running, REST and gateway outages are one log line each (outages.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
import yarl

from bot.core.hub import PlatformReachable
from bot.core.outage import OutageLog
from bot.core.outbound import PlatformUnavailable
from bot.core.permissions import FactsLookup
from bot.discord import exts, interactions
from bot.discord import slash_commands as commands
from bot.discord.activity import ActivityRecorder
from bot.discord.buttons import ActionButton, ActionSelect
from bot.discord.errors import HearthTree, answer_failure
from bot.discord.facts import DiscordFacts
from bot.discord.messenger import DiscordMessenger
from bot.discord.outages import close_reason, describe, is_outage, quiet_reconnects, rest_trace

if TYPE_CHECKING:
    from bot.platform import PlatformDeps

log = logging.getLogger(__name__)

# privileged intent → (name in the Developer Portal, what is lost without it)
PRIVILEGED = {
    "members": ("Server Members Intent", "member joins and leaves are not recorded"),
    "message_content": ("Message Content Intent", "questions and message lengths are not detected"),
}


def default_intents() -> discord.Intents:
    intents = discord.Intents.default()
    intents.members = True
    intents.message_content = True
    intents.typing = False  # never used; saves a lot of gateway traffic
    return intents


class HearthClient(discord.Client):
    def __init__(self, runtime: DiscordRuntime, intents: discord.Intents, guild_ready_timeout: float) -> None:
        super().__init__(
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=guild_ready_timeout,
            chunk_guilds_at_startup=False,  # we never need the full member list; it only slows start-up
            http_trace=rest_trace(runtime.rest_outage),
        )
        self.runtime = runtime
        self.tree = HearthTree(self)

    async def setup_hook(self) -> None:
        await self.tree.set_translator(commands.HearthTranslator())
        commands.install(self.runtime, self.tree)
        self.add_dynamic_items(ActionButton, ActionSelect)
        self.runtime.deps.capabilities.provide("discord", FactsLookup, DiscordFacts(self))
        self.runtime.listeners.clear()  # a client rebuilt without an intent sets its glue up again
        for module in exts.modules():
            setup = getattr(module, "setup", None)
            if setup is not None:
                setup(self.runtime, self.tree)

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        """Gateway events also reach the feature glue that asked for them (`host.listen`)."""
        super().dispatch(event_name, *args, **kwargs)
        for handler in self.runtime.listeners.get(event_name, ()):
            self.runtime.deps.spawn(handler(*args, **kwargs))

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py pauses 5 s before identifying again after an invalid session (Discord's identify rate
        limit); the pause is the runtime's, so tests can shorten it."""
        if not initial:
            await asyncio.sleep(self.runtime.identify_pause)

    # The gateway's bad minutes: discord.py reconnects (resume, or identify anew); one line each way.
    async def on_disconnect(self) -> None:
        if not self.is_closed():  # not our own shutdown
            self.runtime.gateway_outage.failed(close_reason(self))

    async def on_resumed(self) -> None:
        self.runtime.gateway_outage.ok(how="session resumed")

    async def on_connect(self) -> None:  # READY: a new session (first connect, or after an invalid session)
        self.runtime.gateway_outage.ok(how="new session")

    # Activity: discord.py calls on_<event> attributes; the recorder does the work.
    async def on_message(self, message: discord.Message) -> None:
        self.runtime.activity.on_message(message)

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        self.runtime.activity.on_raw_reaction_add(payload)

    async def on_member_join(self, member: discord.Member) -> None:
        self.runtime.activity.on_member_join(member)

    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        self.runtime.activity.on_raw_member_remove(payload)


class DiscordRuntime:
    name = "discord"

    def __init__(
        self,
        deps: PlatformDeps,
        guild_ready_timeout: float = 2.0,
        sync_guilds: list[int] | None = None,
        ready_timeout: float = 60.0,
        defer_after: float = 2.0,
        identify_pause: float = 5.0,
    ) -> None:
        settings = deps.settings
        if settings.discord_token is None:
            raise RuntimeError("HEARTH_DISCORD_TOKEN is not set")
        self.deps = deps
        self.guild_ready_timeout = guild_ready_timeout
        self.sync_guilds = sync_guilds
        self.ready_timeout = ready_timeout
        self.defer_after = defer_after  # answer "thinking…" first when the dispatcher is slower than this
        self.identify_pause = identify_pause
        discord.http.Route.BASE = settings.discord_api_base.rstrip("/")
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)
        self.intents = default_intents()
        self.missing_intents: tuple[str, ...] = ()
        self.rest_outage = OutageLog(
            "Discord REST API", deps.clock, log, on_recovered=lambda: deps.hub.publish(PlatformReachable(self.name))
        )
        self.gateway_outage = OutageLog(
            "Discord gateway", deps.clock, log, down="disconnected", up="connected again",
            retrying="reconnecting with backoff", unit="attempt",
        )  # fmt: skip
        quiet_reconnects()
        self.client = HearthClient(self, self.intents, guild_ready_timeout)
        self.messenger = DiscordMessenger(self)
        self.activity = ActivityRecorder(self)
        self.listeners: dict[str, list[Callable[..., Coroutine[Any, Any, None]]]] = {}
        self._task: asyncio.Task[None] | None = None

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        if self.client.is_closed():  # an earlier attempt found Discord unreachable: a fresh client
            self.client = HearthClient(self, self.intents, self.guild_ready_timeout)
        try:
            await self._connect()
        except discord.PrivilegedIntentsRequired:
            self.missing_intents = self._refused_intents()
            names = ", ".join(PRIVILEGED[i][0] for i in self.missing_intents)
            losses = "; ".join(PRIVILEGED[i][1] for i in self.missing_intents)
            log.warning(
                "Discord refused the privileged gateway intent(s) %s: enable them in the Developer Portal "
                "(Applications → your bot → Bot → Privileged Gateway Intents). Running without them: %s.",
                names, losses,
            )  # fmt: skip
            await self._close_client()
            for intent in self.missing_intents:
                setattr(self.intents, intent, False)
            self.client = HearthClient(self, self.intents, self.guild_ready_timeout)
            await self._connect()
        try:
            await commands.sync(self, self.client.tree, self.sync_guilds)
        except Exception as exc:  # REST went away right after the gateway was ready
            if not is_outage(exc):
                raise
            await self._close_client()
            raise PlatformUnavailable(describe(exc)) from None
        self.rest_outage.watch()
        self.gateway_outage.watch()
        user = self.client.user
        log.info("Discord: connected as %s in %d server(s)", user, len(self.client.guilds))

    def listen(self, event: str, handler: Callable[..., Coroutine[Any, Any, None]]) -> None:
        """Call `handler(*args)` for each gateway event `event` (discord.py's name, without `on_`)."""
        self.listeners.setdefault(event, []).append(handler)

    async def tick(self) -> None:
        """Nothing periodic on Discord: the gateway keeps its own heartbeat."""

    async def stop(self) -> None:
        await self.activity.drain()
        await self._close_client()

    async def press(self, interaction: discord.Interaction, action: str) -> None:
        """A persistent button was clicked (see buttons.py): the answer is only for the clicker."""
        try:
            place, caller = interactions.place_of(interaction), interactions.caller_of(interaction)
        except Exception as exc:  # a View swallows callback errors: answer here, never leave it hanging
            await answer_failure(interaction, exc)
            return
        work = self.deps.dispatcher.press(place, caller, action)
        await interactions.handle(interaction, work, self.defer_after, force_ephemeral=True, host=self)

    # -- connection -----------------------------------------------------------------------------
    async def _connect(self) -> None:
        client = self.client
        token = self.deps.settings.discord_token
        assert token is not None
        try:
            await client.login(token.get_secret_value())
        except discord.LoginFailure:
            await client.close()
            raise RuntimeError(
                "Discord rejected the token (HEARTH_DISCORD_TOKEN): copy the bot token again from the "
                "Developer Portal (Applications → your bot → Bot → Reset Token)"
            ) from None
        except (OSError, aiohttp.ClientError, discord.HTTPException) as exc:
            await client.close()
            if is_outage(exc):  # 5xx (after discord.py's own retries), refused connection, timeout
                raise PlatformUnavailable(describe(exc)) from None
            base = discord.http.Route.BASE
            raise RuntimeError(f"Discord login failed ({base}): {exc}") from None
        self._task = asyncio.create_task(client.connect(reconnect=True), name="discord-gateway")
        ready = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait({self._task, ready}, timeout=self.ready_timeout,
                                     return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
        if ready in done:
            self._task.add_done_callback(_log_gateway_end)
            return
        ready.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ready
        if self._task in done:
            error = self._task.exception()
            self._task = None
            if isinstance(error, discord.PrivilegedIntentsRequired):
                raise error
            await client.close()
            if client.ws is None:  # never reached the gateway (discord.py cannot retry a first connect)
                raise PlatformUnavailable("the gateway could not be reached") from None
            if error is not None and is_outage(error):
                raise PlatformUnavailable(describe(error)) from None
            raise RuntimeError(f"Discord connection failed before ready: {error!r}") from None
        # Still trying (discord.py reconnects with backoff while the gateway cannot be reached).
        await self._close_client()
        raise PlatformUnavailable(f"the gateway was not ready within {self.ready_timeout:.0f} s")

    def _refused_intents(self) -> tuple[str, ...]:
        """Which requested privileged intents the application lacks, read from its flags (4014 does not say)."""
        flags = self.client.application_flags
        granted = {
            "members": flags.gateway_guild_members or flags.gateway_guild_members_limited,
            "message_content": flags.gateway_message_content or flags.gateway_message_content_limited,
        }
        requested = [name for name in PRIVILEGED if getattr(self.intents, name)]
        refused = tuple(name for name in requested if not granted[name])
        return refused or tuple(requested)

    async def _close_client(self) -> None:
        if not self.client.is_closed():
            await self.client.close()
        task, self._task = self._task, None
        if task is not None and not task.done():
            try:
                await asyncio.wait_for(task, timeout=5)
            except (Exception, asyncio.CancelledError):
                log.debug("Discord: gateway task ended with an error on close", exc_info=True)


def _log_gateway_end(task: asyncio.Task[Any]) -> None:
    if task.cancelled():
        return
    error = task.exception()
    if error is not None:
        log.error("Discord: the gateway connection ended: %s", error, exc_info=error)
