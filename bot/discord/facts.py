"""FactsLookup for Discord: a user's permissions and roles in a guild, for commands used in a DM."""

from __future__ import annotations

import discord

from bot.core.permissions import PlatformFacts


class DiscordFacts:
    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def facts_in(self, scope_id: str, user_id: str) -> PlatformFacts | None:
        guild = self.client.get_guild(int(scope_id)) if scope_id.isdigit() else None
        if guild is None or not user_id.isdigit():
            return None
        member = guild.get_member(int(user_id))
        if member is None:
            try:
                member = await guild.fetch_member(int(user_id))
            except discord.HTTPException:
                return None
        perms = member.guild_permissions
        admin = perms.administrator
        return PlatformFacts(
            can_moderate=admin or perms.moderate_members or perms.kick_members or perms.ban_members,
            can_manage=admin or perms.manage_guild,
            can_organize=admin or perms.manage_events,
            role_ids=frozenset(str(r.id) for r in member.roles if r.id != guild.id),
        )
