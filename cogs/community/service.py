"""/setup basics: time zone, default language, manager channel, staff roles, linking communities."""

from __future__ import annotations

from typing import Any

from bot.core.clock import Clock
from bot.core.commands import Invocation, Reply
from bot.core.errors import BadArgument
from bot.core.i18n import LOCALE_NAMES, Text, t_
from bot.core.outbound import OutMessage
from cogs.community.directory import Directory
from cogs.community.models import Community
from cogs.community.ports import CommunityRepo
from cogs.members.link_codes import LinkCodes


class CommunityService:
    def __init__(self, repo: CommunityRepo, codes: LinkCodes, directory: Directory, clock: Clock) -> None:
        self.repo = repo
        self.codes = codes
        self.directory = directory
        self.clock = clock

    async def _community(self, inv: Invocation) -> Community:
        assert inv.community_id is not None  # the dispatcher refuses needs_community commands without one
        found = await self.repo.get(inv.community_id)
        assert found is not None
        return found

    async def show(self, inv: Invocation, _args: dict[str, Any]) -> Reply:
        community = await self._community(inv)
        links = await self.repo.links(community.id)
        none = t_("not set")
        channel: Text | str = community.manager_channel.chat_id if community.manager_channel else none
        lines = [
            t_("**Settings of {name}**", name=community.name),
            t_("Time zone: {timezone}", timezone=community.timezone),
            t_("Default language: {language}", language=LOCALE_NAMES.get(community.locale, community.locale)),
            t_("Manager channel: {channel}", channel=channel),
            t_("Moderator roles: {roles}", roles=", ".join(community.moderator_roles) or none),
            t_("Manager roles: {roles}", roles=", ".join(community.manager_roles) or none),
            t_("Organizer roles: {roles}", roles=", ".join(community.organizer_roles) or none),
            t_("Linked chats: {links}", links=", ".join(f"{x.platform}:{x.title or x.scope_id}" for x in links)),
        ]
        return Reply.of(OutMessage.of(*lines, ephemeral=True))

    async def set_timezone(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        community = await self._community(inv)
        await self.repo.update(community.id, timezone=args["timezone"])
        return Reply.of(OutMessage.of(t_("Time zone set to {timezone}.", timezone=args["timezone"]), ephemeral=True))

    async def set_language(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        community = await self._community(inv)
        await self.repo.update(community.id, locale=args["language"])
        return Reply.of(
            OutMessage.of(
                t_(
                    "Default language set to {language}. Members who chose their own keep it.",
                    language=LOCALE_NAMES[args["language"]],
                ),
                ephemeral=True,
            )
        )

    async def set_manager_channel(self, inv: Invocation, _args: dict[str, Any]) -> Reply:
        community = await self._community(inv)
        await self.repo.update(community.id, manager_channel=inv.place.channel)
        return Reply.of(OutMessage.of(t_("This channel now receives digests and alerts for managers."), ephemeral=True))

    async def set_roles(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        community = await self._community(inv)
        mod, manager, organizer = args.get("moderator_role"), args.get("manager_role"), args.get("organizer_role")
        if mod is None and manager is None and organizer is None:
            raise BadArgument(t_("Give a moderator, manager or organizer role."))
        await self.repo.update(
            community.id,
            moderator_roles=(mod,) if mod else None,
            manager_roles=(manager,) if manager else None,
            organizer_roles=(organizer,) if organizer else None,
        )
        return Reply.of(OutMessage.of(t_("Staff roles saved."), ephemeral=True))

    async def link(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        community = await self._community(inv)
        now = self.clock.now()
        code = args.get("code")
        if not code:
            issued = await self.codes.issue("community", community.id, inv.platform.value)
            return Reply.of(
                OutMessage.of(
                    t_(
                        "Community link code: **{code}**. Within 15 minutes, a manager sends /setup link {code} "
                        "(Telegram: /setuplink {code}) in the other server or group to join it to this community.",
                        code=issued,
                    ),
                    ephemeral=True,
                    private=True,
                )
            )
        unusable = t_("That code is unknown, used or expired. Run /setup link again to get a new one.")
        owner_id, _platform = await self.codes.redeem("community", code, unusable)
        if owner_id == community.id:
            raise BadArgument(t_("This chat already belongs to that community."))
        target = await self.repo.get(owner_id)
        if target is None:
            raise BadArgument(t_("That community no longer exists."))
        assert inv.place.scope_id is not None
        await self.repo.relink_scope(inv.platform.value, inv.place.scope_id, inv.place.scope_title, target.id, now)
        self.directory.forget()
        return Reply.of(OutMessage.of(t_("Linked: this chat is now part of {name}.", name=target.name)))
