"""Discord glue for onboarding: granting and taking roles (the member role of the rules gate, interest
roles) as the `RoleGate` capability, with the exact reason when Discord would refuse; the server's system
channel as the default welcome channel; the server's head count. No rules here: the feature decides."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from cogs.onboarding.ports import AccessProblem, AccessRefused, Headcount, RoleGate

if TYPE_CHECKING:
    from bot.discord.host import DiscordHost

PLATFORM = "discord"


class DiscordRoleGate:
    def __init__(self, host: DiscordHost) -> None:
        self.host = host

    def _guild(self, guild_id: str) -> discord.Guild | None:
        return self.host.client.get_guild(int(guild_id)) if guild_id.isdigit() else None

    async def problem(self, guild_id: str, role_id: str) -> AccessProblem | None:
        guild = self._guild(guild_id)
        if guild is None:
            return AccessProblem.UNKNOWN
        me = guild.me
        role = guild.get_role(int(role_id)) if role_id.isdigit() else None
        if me is None:
            return None  # not cached: Discord itself will say
        if not me.guild_permissions.manage_roles:
            return AccessProblem.NO_MANAGE_ROLES
        if role is None:
            return AccessProblem.ROLE_UNKNOWN
        if role.is_default() or role.managed:
            return AccessProblem.ROLE_MANAGED
        if guild.owner_id != me.id and role >= me.top_role:
            return AccessProblem.ROLE_TOO_HIGH
        return None

    async def _change(self, guild_id: str, user_id: str, role_id: str, add: bool) -> None:
        problem = await self.problem(guild_id, role_id)
        if problem is not None:
            raise AccessRefused(problem)
        http: Any = self.host.client.http
        try:
            if add:
                await http.add_role(int(guild_id), int(user_id), int(role_id), reason="Hearth onboarding")
            else:
                await http.remove_role(int(guild_id), int(user_id), int(role_id), reason="Hearth onboarding")
        except discord.Forbidden as exc:
            raise AccessRefused(AccessProblem.NO_MANAGE_ROLES, str(exc)) from exc
        except discord.NotFound as exc:
            raise AccessRefused(AccessProblem.ROLE_UNKNOWN, str(exc)) from exc

    async def grant(self, guild_id: str, user_id: str, role_id: str) -> None:
        await self._change(guild_id, user_id, role_id, add=True)

    async def revoke(self, guild_id: str, user_id: str, role_id: str) -> None:
        await self._change(guild_id, user_id, role_id, add=False)

    async def default_channel(self, guild_id: str) -> str | None:
        guild = self._guild(guild_id)
        channel = guild.system_channel if guild is not None else None
        return str(channel.id) if channel is not None else None


class DiscordHeadcount:
    def __init__(self, host: DiscordHost) -> None:
        self.host = host

    async def member_count(self, scope_id: str) -> int | None:
        guild = self.host.client.get_guild(int(scope_id)) if scope_id.isdigit() else None
        return guild.member_count if guild is not None else None


def setup(host: DiscordHost, tree: discord.app_commands.CommandTree[Any]) -> None:
    roles: RoleGate = DiscordRoleGate(host)
    count: Headcount = DiscordHeadcount(host)
    host.deps.capabilities.provide(PLATFORM, RoleGate, roles)
    host.deps.capabilities.provide(PLATFORM, Headcount, count)
