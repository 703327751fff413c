"""Discord glue for moderation: timeouts, kicks, bans, message deletion, slowmode and verification level for
lockdowns, role-hierarchy facts, and two context menus — "Infractions" on a member (moderators) and
"Report to moderators" on a message (everyone). The rules are in cogs/moderation; this only calls Discord."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands
from discord.http import Route

from bot.core.commands import MessageRef
from bot.core.identity import Platform, PlatformId
from bot.core.permissions import PlatformFacts
from bot.discord.interactions import caller_of, handle, place_of
from cogs.moderation.models import ActionFailed, BotPermission, TargetFacts
from cogs.moderation.ports import ModerationActions

if TYPE_CHECKING:
    from bot.discord.host import DiscordHost

log = logging.getLogger(__name__)
T = TypeVar("T")

TIMEOUT_MAX = timedelta(days=28)
_PERMISSIONS = {
    "moderate_members": BotPermission.TIMEOUT_MEMBERS,
    "kick_members": BotPermission.KICK_MEMBERS,
    "ban_members": BotPermission.BAN_MEMBERS,
    "manage_messages": BotPermission.MANAGE_MESSAGES,
    "manage_channels": BotPermission.MANAGE_CHANNELS,
    "manage_guild": BotPermission.MANAGE_SERVER,
}
MISSING_PERMISSIONS = 50013


class DiscordModeration:
    max_mute: timedelta | None = TIMEOUT_MAX
    max_temporary: timedelta | None = None  # Discord has no temporary bans: the scheduler unbans
    admins_protected = False  # the role hierarchy decides

    def __init__(self, host: DiscordHost) -> None:
        self.host = host

    @property
    def client(self) -> discord.Client:
        return self.host.client

    async def _guild(self, scope_id: str) -> discord.Guild:
        try:
            guild = self.client.get_guild(int(scope_id)) or await self.client.fetch_guild(int(scope_id))
        except (ValueError, discord.HTTPException) as exc:
            raise ActionFailed(f"unknown server {scope_id}") from exc
        return guild

    async def _member(self, guild: discord.Guild, user_id: str | None) -> discord.Member | None:
        if user_id is None or not user_id.isdigit():
            return None
        found = guild.get_member(int(user_id))
        if found is not None:
            return found
        try:
            return await guild.fetch_member(int(user_id))
        except discord.NotFound:
            return None

    async def _call(self, work: Awaitable[T], needs: BotPermission | None) -> T:
        try:
            return await work
        except discord.Forbidden as exc:
            raise ActionFailed(exc.text or "forbidden", needs if exc.code == MISSING_PERMISSIONS else None) from exc
        except discord.NotFound as exc:
            raise ActionFailed(exc.text or "not found", gone=True) from exc
        except discord.HTTPException as exc:
            raise ActionFailed(exc.text or str(exc.status)) from exc

    # -- facts -----------------------------------------------------------------------------------------
    async def bot_permissions(self, scope_id: str, channel_id: str | None = None) -> frozenset[BotPermission]:
        guild = await self._guild(scope_id)
        me = guild.me
        channel = guild.get_channel_or_thread(int(channel_id)) if channel_id and channel_id.isdigit() else None
        perms = channel.permissions_for(me) if channel is not None else me.guild_permissions
        return frozenset(p for name, p in _PERMISSIONS.items() if getattr(perms, name))

    async def target(self, scope_id: str, actor_user_id: str | None, user_id: str) -> TargetFacts:
        guild = await self._guild(scope_id)
        me = guild.me
        actor = await self._member(guild, actor_user_id)
        actor_is_owner = actor_user_id == str(guild.owner_id)
        actor_rank = actor.top_role.position if actor is not None else None
        member = await self._member(guild, user_id)
        if member is None:
            try:
                user = self.client.get_user(int(user_id)) or await self.client.fetch_user(int(user_id))
            except (ValueError, discord.NotFound):
                return TargetFacts(known=False, present=False)
            return TargetFacts(known=True, present=False, is_self=user.id == me.id, is_bot=user.bot,
                               actor_is_owner=actor_is_owner, actor_rank=actor_rank, bot_rank=me.top_role.position,
                               name=user.display_name)  # fmt: skip
        return TargetFacts(
            known=True,
            present=True,
            is_self=member.id == me.id,
            is_bot=member.bot,
            is_owner=member.id == guild.owner_id,
            is_admin=member.guild_permissions.administrator,
            actor_is_owner=actor_is_owner,
            actor_rank=actor_rank,
            target_rank=member.top_role.position,
            bot_rank=me.top_role.position,
            name=member.display_name,
        )

    async def staff_facts(self, scope_id: str, user_id: str) -> PlatformFacts:
        guild = await self._guild(scope_id)
        member = await self._member(guild, user_id)
        if member is None:
            return PlatformFacts()
        perms = member.guild_permissions
        return PlatformFacts(
            can_moderate=perms.administrator or perms.moderate_members or perms.kick_members or perms.ban_members,
            can_manage=perms.administrator or perms.manage_guild,
            can_organize=perms.administrator or perms.manage_events,
            role_ids=frozenset(str(r.id) for r in member.roles if r.id != guild.id),
        )

    def account_created(self, user_id: str) -> datetime | None:
        return discord.utils.snowflake_time(int(user_id)) if user_id.isdigit() else None

    def message_link(self, scope_id: str, channel_id: str, message_id: str) -> str | None:
        return f"https://discord.com/channels/{scope_id}/{channel_id}/{message_id}"

    # -- actions ---------------------------------------------------------------------------------------
    async def _present(self, scope_id: str, user_id: str) -> discord.Member:
        member = await self._member(await self._guild(scope_id), user_id)
        if member is None:
            raise ActionFailed("Unknown Member", gone=True)
        return member

    async def mute(self, scope_id: str, user_id: str, until: datetime, reason: str) -> None:
        member = await self._present(scope_id, user_id)
        await self._call(member.timeout(until, reason=reason), BotPermission.TIMEOUT_MEMBERS)

    async def unmute(self, scope_id: str, user_id: str, reason: str) -> None:
        member = await self._present(scope_id, user_id)
        if member.timed_out_until is None:
            return  # nothing to lift (it ended by itself)
        await self._call(member.timeout(None, reason=reason), BotPermission.TIMEOUT_MEMBERS)

    async def kick(self, scope_id: str, user_id: str, reason: str) -> None:
        guild = await self._guild(scope_id)
        await self._call(guild.kick(discord.Object(int(user_id)), reason=reason), BotPermission.KICK_MEMBERS)

    # Bans go straight to REST: the API takes a JSON body (BanUserFromGuildRequest, UnbanUserFromGuildRequest)
    # where discord.py would send query parameters.
    async def ban(self, scope_id: str, user_id: str, until: datetime | None, reason: str, delete_days: int) -> None:
        route = Route("PUT", "/guilds/{guild_id}/bans/{user_id}", guild_id=int(scope_id), user_id=int(user_id))
        body = {"delete_message_seconds": max(0, min(delete_days, 7)) * 86400}
        await self._call(self.client.http.request(route, json=body, reason=reason), BotPermission.BAN_MEMBERS)

    async def unban(self, scope_id: str, user_id: str, reason: str) -> None:
        route = Route("DELETE", "/guilds/{guild_id}/bans/{user_id}", guild_id=int(scope_id), user_id=int(user_id))
        await self._call(self.client.http.request(route, json={}, reason=reason), BotPermission.BAN_MEMBERS)

    async def _channel(self, channel_id: str) -> Any:
        try:
            return self.client.get_channel(int(channel_id)) or await self.client.fetch_channel(int(channel_id))
        except (ValueError, discord.HTTPException) as exc:
            raise ActionFailed(f"unknown channel {channel_id}", gone=True) from exc

    async def delete_message(self, scope_id: str, channel_id: str, message_id: str) -> None:
        channel = await self._channel(channel_id)
        try:
            await self._call(channel.get_partial_message(int(message_id)).delete(), BotPermission.MANAGE_MESSAGES)
        except ActionFailed as exc:
            if not exc.gone:  # already deleted is fine
                raise

    async def purge(
        self,
        scope_id: str,
        channel_id: str,
        *,
        count: int | None,
        author_user_id: str | None,
        from_message_id: str | None,
        up_to_message_id: str | None,
    ) -> int:
        channel = await self._channel(channel_id)
        if not isinstance(channel, discord.TextChannel | discord.Thread | discord.VoiceChannel):
            raise ActionFailed("this channel has no messages to delete")
        after = discord.Object(int(from_message_id) - 1) if from_message_id else None

        def wanted(message: discord.Message) -> bool:
            return author_user_id is None or str(message.author.id) == author_user_id

        deleted = await self._call(
            channel.purge(limit=count or 1000, check=wanted, after=after, reason="Hearth /purge"),
            BotPermission.MANAGE_MESSAGES,
        )
        return len(deleted)

    async def lockdown(self, scope_id: str, on: bool, slowmode_seconds: int, saved: dict[str, Any]) -> dict[str, Any]:
        """On: slowmode in every channel where everyone may write, and at least the High verification level
        (new accounts wait before they can talk). Off: put back what was there before."""
        guild = await self._guild(scope_id)
        me = guild.me
        if on:
            channels: dict[str, int] = {}
            for channel in guild.text_channels:
                everyone = channel.permissions_for(guild.default_role)
                if not everyone.send_messages or not channel.permissions_for(me).manage_channels:
                    continue
                if channel.slowmode_delay >= slowmode_seconds:
                    continue
                before = channel.slowmode_delay
                try:
                    await channel.edit(slowmode_delay=slowmode_seconds, reason="Hearth: raid lockdown")
                    channels[str(channel.id)] = before
                except discord.HTTPException as exc:
                    log.warning("Discord: slowmode in %s failed: %s", channel.id, exc)
            state: dict[str, Any] = {"channels": channels, "missing": []}
            if not me.guild_permissions.manage_channels:
                state["missing"].append(BotPermission.MANAGE_CHANNELS.value)
            level = guild.verification_level
            if not me.guild_permissions.manage_guild:
                state["missing"].append(BotPermission.MANAGE_SERVER.value)
            elif level.value < discord.VerificationLevel.high.value:
                try:
                    await guild.edit(verification_level=discord.VerificationLevel.high, reason="Hearth: raid lockdown")
                    state["verification"] = level.value
                except discord.HTTPException as exc:
                    log.warning("Discord: raising the verification level in %s failed: %s", guild.id, exc)
            return state
        for channel_id, delay in (saved.get("channels") or {}).items():
            found = guild.get_channel(int(channel_id))
            if isinstance(found, discord.TextChannel):
                try:
                    await found.edit(slowmode_delay=int(delay), reason="Hearth: lockdown ended")
                except discord.HTTPException as exc:
                    log.warning("Discord: restoring slowmode in %s failed: %s", channel_id, exc)
        if "verification" in saved:
            try:
                level = discord.VerificationLevel(int(saved["verification"]))
                await guild.edit(verification_level=level, reason="Hearth: lockdown ended")
            except discord.HTTPException as exc:
                log.warning("Discord: restoring the verification level in %s failed: %s", guild.id, exc)
        return {}


def setup(host: DiscordHost, tree: app_commands.CommandTree[Any]) -> None:
    actions: ModerationActions = DiscordModeration(host)
    host.deps.capabilities.provide("discord", ModerationActions, actions)  # type: ignore[type-abstract]
    registry, dispatcher = host.deps.registry, host.deps.dispatcher

    async def infractions(interaction: discord.Interaction, user: discord.Member | discord.User) -> None:
        spec = registry.by_key("mod.infractions")
        assert spec is not None
        raw = {"member": PlatformId.of(Platform.DISCORD, user.id)}
        await handle(interaction, dispatcher.run(place_of(interaction), caller_of(interaction), spec, raw),
                     host.defer_after, host=host)  # fmt: skip

    async def report(interaction: discord.Interaction, message: discord.Message) -> None:
        spec = registry.by_key("mod.report")
        assert spec is not None
        author = PlatformId.of(Platform.DISCORD, message.author.id)
        ref = MessageRef(str(message.id), str(message.channel.id), author, message.content or "", message.created_at)
        work = dispatcher.run(place_of(interaction), caller_of(interaction), spec, {"member": author}, None, ref)
        await handle(interaction, work, host.defer_after, force_ephemeral=True, host=host)

    menu = app_commands.ContextMenu(name="Infractions", callback=infractions)
    menu.guild_only = True
    menu.default_permissions = discord.Permissions(moderate_members=True)
    tree.add_command(menu)
    reporting = app_commands.ContextMenu(name="Report to moderators", callback=report)
    reporting.guild_only = True
    tree.add_command(reporting)
