"""Activity from Discord: messages (metadata only), reactions, joins and leaves → ingestion.

Content is read in memory for the question flag and the length bucket and then dropped. Without the
message-content intent Discord blanks the content: messages still count, as non-questions of
length bucket 0. Without the members intent there are no joins or leaves."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

import discord

from bot.core.hub import EventHub, MembershipSeen, MessageSeen, ReactionSeen
from cogs.analytics.text_signals import is_question, length_bucket

if TYPE_CHECKING:
    from bot.discord.host import DiscordHost

log = logging.getLogger(__name__)
PLATFORM = "discord"
_COUNTED = (discord.MessageType.default, discord.MessageType.reply)  # not joins, pins, boosts, …


class ActivityRecorder:
    def __init__(self, runtime: DiscordHost) -> None:
        self.runtime = runtime
        self._pending: set[asyncio.Task[None]] = set()

    @property
    def hub(self) -> EventHub:
        return self.runtime.deps.hub

    def _bot_id(self) -> int | None:
        user = self.runtime.client.user
        return user.id if user else None

    # -- messages -------------------------------------------------------------------------------
    def on_message(self, message: discord.Message) -> None:
        if message.guild is None or message.author.bot or message.webhook_id is not None:
            return
        if message.type not in _COUNTED:
            return
        author_id = message.author.id
        reply_to = self._reply_author(message)
        typed = set(message.raw_mentions)  # from the content: a reply's automatic ping is not a mention
        mentioned = [
            str(u.id) for u in message.mentions
            if not u.bot and u.id != author_id and (str(u.id) != reply_to or u.id in typed)
        ]  # fmt: skip
        text = message.content or ""
        self.hub.publish(
            MessageSeen(
                platform=PLATFORM,
                scope_id=str(message.guild.id),
                scope_title=message.guild.name,
                channel_id=str(message.channel.id),  # a thread counts as its own channel
                user_id=str(author_id),
                display_name=message.author.display_name,
                at=message.created_at,
                reply_to_user_id=reply_to,
                mentioned_user_ids=tuple(dict.fromkeys(mentioned)),
                is_question=is_question(text),
                length_bucket=length_bucket(text),
                message_id=str(message.id),
                text=text,
                username=message.author.name,
            )
        )

    @staticmethod
    def _reply_author(message: discord.Message) -> str | None:
        ref = message.reference
        if message.type is not discord.MessageType.reply or ref is None:
            return None
        replied = ref.resolved if isinstance(ref.resolved, discord.Message) else ref.cached_message
        if replied is None or replied.author.bot or replied.author.id == message.author.id:
            return None
        return str(replied.author.id)

    # -- reactions ------------------------------------------------------------------------------
    def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        if payload.guild_id is None or payload.user_id == self._bot_id():
            return
        if payload.member is not None and payload.member.bot:
            return
        guild = self.runtime.client.get_guild(payload.guild_id)
        self.hub.publish(
            ReactionSeen(
                platform=PLATFORM,
                scope_id=str(payload.guild_id),
                scope_title=guild.name if guild else str(payload.guild_id),
                channel_id=str(payload.channel_id),
                user_id=str(payload.user_id),
                display_name=payload.member.display_name if payload.member else None,
                at=self.runtime.deps.clock.now(),
                author_user_id=self._message_author(payload),
            )
        )

    def _message_author(self, payload: discord.RawReactionActionEvent) -> str | None:
        cached = discord.utils.get(self.runtime.client.cached_messages, id=payload.message_id)
        if cached is not None:
            author: int | None = None if cached.author.bot else cached.author.id
        else:
            author = payload.message_author_id
        if author is None or author in (payload.user_id, self._bot_id()):
            return None
        return str(author)

    # -- joins and leaves -----------------------------------------------------------------------
    def on_member_join(self, member: discord.Member) -> None:
        if member.bot:
            return
        at = member.joined_at or self.runtime.deps.clock.now()
        seen = MembershipSeen(PLATFORM, str(member.guild.id), member.guild.name, str(member.id),
                              member.display_name, at, joined=True)  # fmt: skip
        self._spawn(self.hub.deliver(seen))

    def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        if payload.user.bot:
            return
        guild = self.runtime.client.get_guild(payload.guild_id)
        seen = MembershipSeen(PLATFORM, str(payload.guild_id), guild.name if guild else str(payload.guild_id),
                              str(payload.user.id), payload.user.display_name, self.runtime.deps.clock.now(),
                              joined=False)  # fmt: skip
        self._spawn(self.hub.deliver(seen))

    # -- bookkeeping ----------------------------------------------------------------------------
    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._pending.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._pending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("Discord: recording a join/leave failed", exc_info=task.exception())

    async def drain(self) -> None:
        """Wait for join/leave writes in flight (on stop, before the database closes; and in tests)."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)
