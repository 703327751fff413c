"""Activity from Telegram: messages (metadata only), reactions, joins and leaves → ingestion."""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING

from telegram import Chat, ChatMember, ChatMemberUpdated, Message, Update, User
from telegram.constants import ChatType, MessageEntityType
from telegram.ext import ChatMemberHandler, ContextTypes, MessageHandler, MessageReactionHandler, filters

from bot.core.hub import MembershipSeen, MessageSeen, ReactionSeen
from cogs.analytics.text_signals import is_question, length_bucket

if TYPE_CHECKING:
    from bot.telegram.host import TelegramHost

GROUPS = (ChatType.GROUP, ChatType.SUPERGROUP)
_PRESENT = {ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER}


def _reply_user(message: Message) -> str | None:
    replied = message.reply_to_message
    # In forum topics every message "replies" to the topic's first service message: not a real reply.
    if replied is None or replied.forum_topic_created is not None or replied.from_user is None:
        return None
    if replied.from_user.is_bot:
        return None
    return str(replied.from_user.id)


def _mentioned(message: Message) -> tuple[str, ...]:
    ids = [str(e.user.id) for e in (message.entities or ()) if e.type == MessageEntityType.TEXT_MENTION and e.user]
    return tuple(dict.fromkeys(ids))


def _is_member(status: ChatMemberUpdated, new: bool) -> bool:
    member = status.new_chat_member if new else status.old_chat_member
    if member.status in _PRESENT:
        return True
    return member.status == ChatMember.RESTRICTED and bool(getattr(member, "is_member", False))


class _RecentJoins:
    """Joins can arrive twice (chat_member update and a service message): count each once."""

    def __init__(self) -> None:
        self._seen: dict[tuple[int, int, bool], float] = {}

    def first(self, chat_id: int, user_id: int, joined: bool) -> bool:
        now = time.monotonic()
        if len(self._seen) > 5000:
            self._seen = {k: v for k, v in self._seen.items() if now - v < 300}
        key = (chat_id, user_id, joined)
        if key in self._seen and now - self._seen[key] < 300:
            return False
        self._seen[key] = now
        return True


def make_handlers(runtime: TelegramHost) -> list[object]:
    recent = _RecentJoins()

    async def on_message(update: Update, _ctx: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message is None or message.from_user is None or message.from_user.is_bot:
            return
        if message.chat.type not in GROUPS:
            return
        text = message.text or message.caption or ""
        runtime.deps.hub.publish(
            MessageSeen(
                platform="telegram",
                scope_id=str(message.chat.id),
                scope_title=message.chat.title or str(message.chat.id),
                channel_id=str(message.message_thread_id if message.is_topic_message else message.chat.id),
                user_id=str(message.from_user.id),
                display_name=message.from_user.full_name,
                at=message.date,
                reply_to_user_id=_reply_user(message),
                mentioned_user_ids=_mentioned(message),
                is_question=is_question(text),
                length_bucket=length_bucket(text),
                message_id=str(message.message_id),
                text=text,
                username=message.from_user.username,
            )
        )
        runtime.note_update(update.update_id)

    async def on_reaction(update: Update, _ctx: ContextTypes.DEFAULT_TYPE) -> None:
        reaction = update.message_reaction
        if reaction is None or reaction.user is None or reaction.user.is_bot or not reaction.new_reaction:
            return
        runtime.deps.hub.publish(
            ReactionSeen(
                "telegram",
                str(reaction.chat.id),
                reaction.chat.title or str(reaction.chat.id),
                str(reaction.chat.id),
                str(reaction.user.id),
                reaction.user.full_name,
                reaction.date,
            )
        )
        runtime.note_update(update.update_id)

    async def record(chat: Chat, user: User, at: datetime, joined: bool) -> None:
        if recent.first(chat.id, user.id, joined):
            title = chat.title or str(chat.id)
            await runtime.deps.hub.deliver(
                MembershipSeen(
                    "telegram",
                    str(chat.id),
                    title,
                    str(user.id),
                    user.full_name,
                    at,
                    joined=joined,
                    locale=user.language_code,
                )  # fmt: skip
            )

    async def on_chat_member(update: Update, _ctx: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.chat_member
        if change is None or change.new_chat_member.user.is_bot:
            return
        was, now = _is_member(change, new=False), _is_member(change, new=True)
        user = change.new_chat_member.user
        runtime.facts.forget(change.chat.id, user.id)  # promotions/demotions change roles
        if was != now:
            await record(change.chat, user, change.date, joined=now)
        await runtime.mark_done(update.update_id, durable=True)

    async def on_service(update: Update, _ctx: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message is None:
            return
        joined = [u for u in (message.new_chat_members or ()) if not u.is_bot]
        left = [message.left_chat_member] if message.left_chat_member and not message.left_chat_member.is_bot else []
        for user, is_join in [(u, True) for u in joined] + [(u, False) for u in left]:
            await record(message.chat, user, message.date, joined=is_join)
        await runtime.mark_done(update.update_id, durable=True)

    return [
        ChatMemberHandler(on_chat_member, ChatMemberHandler.CHAT_MEMBER),
        MessageHandler(filters.StatusUpdate.NEW_CHAT_MEMBERS | filters.StatusUpdate.LEFT_CHAT_MEMBER, on_service),
        MessageHandler(filters.UpdateType.MESSAGE & ~filters.COMMAND & ~filters.StatusUpdate.ALL, on_message),
        MessageReactionHandler(on_reaction),
    ]
