"""Telegram glue for onboarding: the rules gate's platform actions (restrict, lift, remove, approve or
decline a join request) as the `GroupGate` capability, the group's head count, and join requests
(`chat_join_request`) published on the hub. No rules here: the feature decides."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import ChatMemberAdministrator, ChatMemberOwner, ChatPermissions, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ChatJoinRequestHandler, ContextTypes

from cogs.onboarding.models import JoinRequested
from cogs.onboarding.ports import AccessProblem, AccessRefused, GroupGate, Headcount

if TYPE_CHECKING:
    from telegram import Bot

    from bot.telegram.host import TelegramHost

PLATFORM = "telegram"


def _refused(exc: TelegramError) -> AccessRefused:
    text = getattr(exc, "message", str(exc)).lower()
    if "hide_requester_missing" in text or "user_already_participant" in text or "request" in text:
        return AccessRefused(AccessProblem.REQUEST_GONE, text)
    if isinstance(exc, Forbidden) or "not enough rights" in text or "administrator" in text:
        return AccessRefused(AccessProblem.CANNOT_RESTRICT, text)
    return AccessRefused(AccessProblem.UNKNOWN, text)


class TelegramGroupGate:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def problem(self, chat_id: str, *, requests: bool = False) -> AccessProblem | None:
        try:
            me = await self.bot.get_chat_member(int(chat_id), self.bot.id)
        except TelegramError:
            return AccessProblem.NOT_ADMIN
        if isinstance(me, ChatMemberOwner):
            return None
        if not isinstance(me, ChatMemberAdministrator):
            return AccessProblem.NOT_ADMIN
        if not me.can_restrict_members:
            return AccessProblem.CANNOT_RESTRICT
        if requests and not me.can_invite_users:
            return AccessProblem.CANNOT_INVITE
        return None

    async def restrict(self, chat_id: str, user_id: str) -> None:
        try:
            await self.bot.restrict_chat_member(int(chat_id), int(user_id), ChatPermissions.no_permissions())
        except (BadRequest, Forbidden) as exc:
            raise _refused(exc) from exc

    async def unrestrict(self, chat_id: str, user_id: str) -> None:
        try:  # the Bot API: every permission True lifts the restriction
            await self.bot.restrict_chat_member(int(chat_id), int(user_id), ChatPermissions.all_permissions())
        except (BadRequest, Forbidden) as exc:
            raise _refused(exc) from exc

    async def remove(self, chat_id: str, user_id: str) -> None:
        """A kick, not a ban: banned, then unbanned at once so they may join again."""
        try:
            await self.bot.ban_chat_member(int(chat_id), int(user_id))
            await self.bot.unban_chat_member(int(chat_id), int(user_id), only_if_banned=True)
        except (BadRequest, Forbidden) as exc:
            raise _refused(exc) from exc

    async def approve(self, chat_id: str, user_id: str) -> None:
        try:
            await self.bot.approve_chat_join_request(int(chat_id), int(user_id))
        except (BadRequest, Forbidden) as exc:
            raise _refused(exc) from exc

    async def decline(self, chat_id: str, user_id: str) -> None:
        try:
            await self.bot.decline_chat_join_request(int(chat_id), int(user_id))
        except (BadRequest, Forbidden) as exc:
            raise _refused(exc) from exc


class TelegramHeadcount:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def member_count(self, scope_id: str) -> int | None:
        try:
            return await self.bot.get_chat_member_count(int(scope_id))
        except TelegramError:
            return None


def setup(host: TelegramHost) -> list[object]:
    capabilities = host.deps.capabilities
    gate: GroupGate = TelegramGroupGate(host.bot)
    count: Headcount = TelegramHeadcount(host.bot)
    capabilities.provide(PLATFORM, GroupGate, gate)
    capabilities.provide(PLATFORM, Headcount, count)

    async def on_request(update: Update, _ctx: ContextTypes.DEFAULT_TYPE) -> None:
        request = update.chat_join_request
        if request is None or request.from_user.is_bot:
            return
        user, chat = request.from_user, request.chat
        await host.deps.hub.deliver(
            JoinRequested(
                PLATFORM,
                str(chat.id),
                chat.title or str(chat.id),
                str(user.id),
                user.full_name,
                request.date,
                user.language_code,
            )  # fmt: skip
        )
        await host.mark_done(update.update_id, durable=True)

    return [ChatJoinRequestHandler(on_request)]
