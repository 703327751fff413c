"""Member self-service: language and account linking (a member counts once across platforms)."""

from __future__ import annotations

from typing import Any

from bot.core.commands import Invocation, Reply
from bot.core.errors import BadArgument
from bot.core.hub import EventHub, MembersMerged
from bot.core.i18n import LOCALE_NAMES, LOCALES, t_
from bot.core.outbound import Button, ButtonStyle, OutMessage
from bot.core.text import quote
from cogs.community.directory import Directory
from cogs.members.link_codes import LinkCodes
from cogs.members.ports import MemberData, MemberRepo


class MemberService:
    def __init__(
        self, members: MemberRepo, codes: LinkCodes, directory: Directory, member_data: MemberData, hub: EventHub
    ) -> None:
        self.members = members
        self.codes = codes
        self.directory = directory
        self.member_data = member_data
        self.hub = hub

    # -- /language ----------------------------------------------------------------------------
    async def language(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        chosen = args.get("language")
        if chosen is None:
            return Reply.of(self._language_menu(inv.locale))
        return await self.set_language(inv, chosen)

    async def set_language(self, inv: Invocation, locale: str) -> Reply:
        if locale not in LOCALES:
            raise BadArgument(
                t_(
                    "Unknown language “{value}”. Choose one of: {choices}.",
                    value=quote(locale),
                    choices=", ".join(f"{loc} ({name})" for loc, name in LOCALE_NAMES.items()),
                )
            )
        await self.members.set_locale(inv.member_id, locale)
        # Answer in the language just chosen: that is the proof it worked.
        return Reply.of(
            OutMessage.of(t_("Language set to {language}.", language=LOCALE_NAMES[locale]), ephemeral=True),
            locale=locale,
        )

    async def press_language(self, inv: Invocation, rest: str) -> Reply:
        return await self.set_language(inv, rest)

    def _language_menu(self, current: str) -> OutMessage:
        buttons = tuple(
            Button(
                t_("{language}", language=LOCALE_NAMES[loc]),
                f"lang:{loc}",
                ButtonStyle.PRIMARY if loc == current else ButtonStyle.SECONDARY,
            )
            for loc in LOCALES
        )
        return OutMessage.of(
            t_("Your language is {language}. Pick another:", language=LOCALE_NAMES[current]),
            buttons=(buttons,),
            ephemeral=True,
        )

    # -- /timezone ---------------------------------------------------------------------------------
    async def timezone(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        """A member's own zone: event times are shown in it beside the community's (Telegram, console)."""
        zone = args.get("timezone")
        if zone is None:
            current = (await self.members.settings(inv.member_id)).timezone
            text = (
                t_("Your time zone is {timezone}. Change it with /timezone Europe/Helsinki.", timezone=current)
                if current
                else t_(
                    "You have not set a time zone; times are shown in the community's ({timezone}). "
                    "Set yours with /timezone Europe/Helsinki.",
                    timezone=inv.timezone,
                )
            )
            return Reply.of(OutMessage.of(text, ephemeral=True))
        await self.members.set_timezone(inv.member_id, zone)
        return Reply.of(OutMessage.of(t_("Your time zone is now {timezone}.", timezone=zone), ephemeral=True))

    # -- /link --------------------------------------------------------------------------------
    async def link(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        code = args.get("code")
        if not code:
            issued = await self.codes.issue("member", inv.member_id, inv.platform.value)
            return Reply.of(
                OutMessage.of(
                    t_(
                        "Your link code is **{code}**. Within 15 minutes, send /link {code} to me on your other "
                        "platform (Discord or Telegram) and both accounts will count as one member.",
                        code=issued,
                    ),
                    ephemeral=True,
                    private=True,
                )
            )
        unusable = t_("That code is unknown, used or expired. Send /link without a code to get a new one.")
        owner_id, issued_on = await self.codes.redeem("member", code, unusable)
        if owner_id == inv.member_id:
            raise BadArgument(t_("These accounts are already linked."))
        if issued_on == inv.platform.value:
            raise BadArgument(t_("Use the code on your other platform, not where you got it."))
        # Every feature's rows move in one transaction (the member-data contract): nothing lost, nothing twice.
        await self.member_data.merge(keep_id=owner_id, drop_id=inv.member_id)
        await self.hub.deliver(MembersMerged(keep_id=owner_id, drop_id=inv.member_id))
        return Reply.of(OutMessage.of(t_("Linked. Your accounts now count as one member."), ephemeral=True))
