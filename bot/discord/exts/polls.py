"""Discord glue for polls: native polls (send, end) as the `NativePolls` capability, and native votes
(MESSAGE_POLL_VOTE_ADD/REMOVE → discord.py's raw_poll_vote_add/remove) published on the hub.

Discord shows every native poll's voters, so the feature runs anonymous polls with buttons instead (it asks
`hides_voters`). A native poll's duration is whole hours (1–768); Hearth ends it at its exact close time."""

from __future__ import annotations

import logging
import math
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import discord

from bot.core.outbound import DeliveryRefused, OutMessage
from bot.core.targets import Target
from bot.discord.render import to_markdown
from cogs.polls.models import NativePollRef, NativeVoteSeen, Poll, Tally
from cogs.polls.ports import NativePolls

if TYPE_CHECKING:
    from bot.discord.host import DiscordHost

log = logging.getLogger(__name__)
MAX_HOURS = 768  # 32 days


class DiscordPolls:
    hides_voters = False

    def __init__(self, host: DiscordHost) -> None:
        self.host = host

    async def _channel(self, target: Target) -> Any:
        client = self.host.client
        channel_id = int(target.thread_id or target.chat_id)
        return client.get_channel(channel_id) or await client.fetch_channel(channel_id)

    async def send_poll(self, target: Target, poll: Poll, note: OutMessage, locale: str) -> NativePollRef:
        now = self.host.deps.clock.now()
        left = (poll.closes_at - now) if poll.closes_at else timedelta(hours=24)
        hours = min(MAX_HOURS, max(1, math.ceil(left.total_seconds() / 3600)))
        native = discord.Poll(question=poll.question, duration=timedelta(hours=hours), multiple=poll.multiple)
        for answer in poll.answers:
            native.add_answer(text=answer)
        try:
            channel = await self._channel(target)
            sent = await channel.send(
                content=to_markdown(note, locale), poll=native, allowed_mentions=discord.AllowedMentions.none()
            )
        except (discord.Forbidden, discord.NotFound) as exc:
            raise DeliveryRefused(f"discord refused the poll ({exc.code}): {exc.text}") from exc
        return NativePollRef(str(sent.id), str(sent.id))

    async def stop_poll(self, poll: Poll) -> Tally | None:
        if poll.message_id is None:
            return None
        channel = await self._channel(poll.channel)
        try:
            message = await channel.get_partial_message(int(poll.message_id)).end_poll()
        except discord.NotFound:
            return None  # deleted: nothing to stop, nothing to read
        except discord.HTTPException as exc:
            if exc.status != 400:
                raise
            # Already ended (its Discord duration ran out first): read the final counts instead.
            try:
                message = await channel.fetch_message(int(poll.message_id))
            except discord.NotFound:
                return None
        if message.poll is None:
            return None
        counts = tuple(answer.vote_count for answer in message.poll.answers)
        # Discord gives counts per answer, not voters: exact for single choice, a lower bound otherwise.
        return Tally(counts, sum(counts) if not poll.multiple else max(counts, default=0))


def setup(host: DiscordHost, tree: discord.app_commands.CommandTree[Any]) -> None:
    host.deps.capabilities.provide("discord", NativePolls, DiscordPolls(host))  # type: ignore[type-abstract]

    async def voted(payload: discord.RawPollVoteActionEvent, removed: bool) -> None:
        client_user = host.client.user
        if client_user is not None and payload.user_id == client_user.id:
            return
        seen = NativeVoteSeen(
            platform="discord",
            native_id=str(payload.message_id),
            user_id=str(payload.user_id),
            display_name=None,
            options=(payload.answer_id - 1,),  # Discord numbers answers from 1
            at=host.deps.clock.now(),
            replace=False,
            removed=removed,
        )
        await host.deps.hub.deliver(seen)

    async def added(payload: discord.RawPollVoteActionEvent) -> None:
        await voted(payload, removed=False)

    async def removed(payload: discord.RawPollVoteActionEvent) -> None:
        await voted(payload, removed=True)

    host.listen("raw_poll_vote_add", added)
    host.listen("raw_poll_vote_remove", removed)
