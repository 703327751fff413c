"""Telegram glue for moderation: restrictChatMember (mute), banChatMember / unbanChatMember (ban, kick = ban
then unban), deleteMessages (purge, automod), getChatMember (who is an administrator, what the bot may do).
The rules are in cogs/moderation; usernames arrive with every message through the hub."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from telegram import (
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberOwner,
    ChatMemberRestricted,
    ChatPermissions,
)
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.core.permissions import PlatformFacts
from cogs.moderation.models import ActionFailed, BotPermission, TargetFacts
from cogs.moderation.ports import ModerationActions

if TYPE_CHECKING:
    from bot.telegram.host import TelegramHost

T = TypeVar("T")

LONGEST = timedelta(days=366)  # longer restrictions and bans count as forever on Telegram
CHUNK = 100  # deleteMessages takes 1–100 ids
_RIGHTS = ("not enough rights", "chat_admin_required", "need administrator rights", "have no rights")
_GONE = ("user not found", "participant_id_invalid", "message to delete not found", "user_not_participant")


class TelegramModeration:
    max_mute: timedelta | None = LONGEST
    max_temporary: timedelta | None = LONGEST
    admins_protected = True  # Telegram refuses to restrict administrators; the spec says never to try

    def __init__(self, host: TelegramHost) -> None:
        self.host = host

    async def _call(self, work: Awaitable[T], needs: BotPermission) -> T:
        try:
            return await work
        except (BadRequest, Forbidden) as exc:
            text = exc.message.lower()
            if any(r in text for r in _RIGHTS) or "can't be deleted" in text:
                raise ActionFailed(exc.message, needs) from exc
            raise ActionFailed(exc.message, gone=any(g in text for g in _GONE)) from exc
        except TelegramError as exc:
            raise ActionFailed(str(exc)) from exc

    # -- facts -----------------------------------------------------------------------------------------
    async def bot_permissions(self, scope_id: str, channel_id: str | None = None) -> frozenset[BotPermission]:
        bot = self.host.bot
        try:
            me = await bot.get_chat_member(int(scope_id), bot.id)
        except TelegramError:
            return frozenset()
        if isinstance(me, ChatMemberOwner):
            return frozenset({BotPermission.RESTRICT_MEMBERS, BotPermission.DELETE_MESSAGES})
        if isinstance(me, ChatMemberAdministrator):
            rights = {BotPermission.RESTRICT_MEMBERS: me.can_restrict_members,
                      BotPermission.DELETE_MESSAGES: me.can_delete_messages}  # fmt: skip
            return frozenset(p for p, yes in rights.items() if yes)
        return frozenset()

    async def target(self, scope_id: str, actor_user_id: str | None, user_id: str) -> TargetFacts:
        if not user_id.lstrip("-").isdigit():
            return TargetFacts(known=False, present=False)
        try:
            member = await self.host.bot.get_chat_member(int(scope_id), int(user_id))
        except BadRequest:
            return TargetFacts(known=False, present=False)
        user = member.user
        present = not isinstance(member, ChatMemberLeft | ChatMemberBanned)
        if isinstance(member, ChatMemberRestricted):
            present = member.is_member
        return TargetFacts(
            known=True,
            present=present,
            is_self=user.id == self.host.bot.id,
            is_bot=user.is_bot,
            is_owner=isinstance(member, ChatMemberOwner),
            is_admin=isinstance(member, ChatMemberOwner | ChatMemberAdministrator),
            name=user.full_name,
        )

    async def staff_facts(self, scope_id: str, user_id: str) -> PlatformFacts:
        return await self.host.facts.facts(int(scope_id), int(user_id), False)

    def account_created(self, user_id: str) -> datetime | None:
        return None  # Telegram does not tell

    def message_link(self, scope_id: str, channel_id: str, message_id: str) -> str | None:
        if scope_id.startswith("-100"):  # supergroups: a link that works for members
            return f"https://t.me/c/{scope_id[4:]}/{message_id}"
        return None

    # -- actions ---------------------------------------------------------------------------------------
    async def mute(self, scope_id: str, user_id: str, until: datetime, reason: str) -> None:
        work = self.host.bot.restrict_chat_member(
            int(scope_id), int(user_id), ChatPermissions.no_permissions(), until_date=until,
            use_independent_chat_permissions=True,
        )  # fmt: skip
        await self._call(work, BotPermission.RESTRICT_MEMBERS)

    async def unmute(self, scope_id: str, user_id: str, reason: str) -> None:
        """Back to the group's default permissions (not "everything allowed", which may be more)."""
        bot = self.host.bot
        chat = await self._call(bot.get_chat(int(scope_id)), BotPermission.RESTRICT_MEMBERS)
        permissions = chat.permissions or ChatPermissions.all_permissions()
        work = bot.restrict_chat_member(int(scope_id), int(user_id), permissions, use_independent_chat_permissions=True)
        await self._call(work, BotPermission.RESTRICT_MEMBERS)

    async def kick(self, scope_id: str, user_id: str, reason: str) -> None:
        bot = self.host.bot
        await self._call(bot.ban_chat_member(int(scope_id), int(user_id)), BotPermission.RESTRICT_MEMBERS)
        # Lifting the ban at once makes it a kick: they may join again.
        work = bot.unban_chat_member(int(scope_id), int(user_id), only_if_banned=True)
        await self._call(work, BotPermission.RESTRICT_MEMBERS)

    async def ban(self, scope_id: str, user_id: str, until: datetime | None, reason: str, delete_days: int) -> None:
        work = self.host.bot.ban_chat_member(
            int(scope_id), int(user_id), until_date=until, revoke_messages=delete_days > 0 or None
        )
        await self._call(work, BotPermission.RESTRICT_MEMBERS)

    async def unban(self, scope_id: str, user_id: str, reason: str) -> None:
        work = self.host.bot.unban_chat_member(int(scope_id), int(user_id), only_if_banned=True)
        await self._call(work, BotPermission.RESTRICT_MEMBERS)

    async def delete_message(self, scope_id: str, channel_id: str, message_id: str) -> None:
        try:
            await self._call(
                self.host.bot.delete_message(int(scope_id), int(message_id)), BotPermission.DELETE_MESSAGES
            )
        except ActionFailed as exc:
            if not exc.gone:
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
        """Message ids in a group count up, so "from there to now" is a range; deleteMessages skips ids that
        are gone. Without the command's own id there is no "now" to count back from."""
        if up_to_message_id is None or not up_to_message_id.isdigit():
            raise ActionFailed("no message to count from")
        last = int(up_to_message_id)
        first = int(from_message_id) if from_message_id else last - (count or 1)
        ids = list(range(max(first, 1), last + 1))
        for start in range(0, len(ids), CHUNK):
            work = self.host.bot.delete_messages(int(scope_id), ids[start : start + CHUNK])
            await self._call(work, BotPermission.DELETE_MESSAGES)
        return len(ids) - 1  # the /purge command itself goes too, uncounted

    async def lockdown(self, scope_id: str, on: bool, slowmode_seconds: int, saved: dict[str, Any]) -> dict[str, Any]:
        return {}  # the Bot API has no slow mode: new members are held one by one instead


def setup(host: TelegramHost) -> list[object]:
    actions: ModerationActions = TelegramModeration(host)
    host.deps.capabilities.provide("telegram", ModerationActions, actions)  # type: ignore[type-abstract]
    return []
