"""Telegram glue for polls: native polls (sendPoll, stopPoll) as the `NativePolls` capability; `poll_answer`
updates (named polls: who chose what) and `poll` updates (new counts: the only news of anonymous votes)
published on the hub.

Hearth closes polls itself, on time through its scheduler (the database row is the truth), so no
`open_period`/`close_date` is sent: Telegram closing the poll on its own would race the results."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram import InputPollOption, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, ContextTypes, PollAnswerHandler, PollHandler

from bot.core.outbound import OutMessage
from bot.core.targets import Target
from cogs.polls.models import NativeCountsSeen, NativePollRef, NativeVoteSeen, Poll, Tally
from cogs.polls.ports import NativePolls

if TYPE_CHECKING:
    from bot.telegram.host import TelegramHost

log = logging.getLogger(__name__)
DESCRIPTION_MAX = 1024
GONE = ("poll has already been closed", "message with poll to stop not found", "message to stop not found")


class TelegramPolls:
    hides_voters = True

    def __init__(self, host: TelegramHost) -> None:
        self.host = host

    async def send_poll(self, target: Target, poll: Poll, note: OutMessage, locale: str) -> NativePollRef:
        description = note.render_text(locale, str, str)[:DESCRIPTION_MAX]
        sent = await self.host.bot.send_poll(
            int(target.chat_id),
            poll.question,
            [InputPollOption(answer) for answer in poll.answers],
            is_anonymous=poll.anonymous,
            allows_multiple_answers=poll.multiple,
            message_thread_id=int(target.thread_id) if target.thread_id else None,
            description=description or None,
        )
        assert sent.poll is not None
        return NativePollRef(str(sent.message_id), sent.poll.id)

    async def stop_poll(self, poll: Poll) -> Tally | None:
        if poll.message_id is None:
            return None
        try:
            stopped = await self.host.bot.stop_poll(int(poll.channel.chat_id), int(poll.message_id))
        except BadRequest as exc:
            if any(reason in exc.message.lower() for reason in GONE):
                return None  # closed or deleted already: the last counts Telegram sent stand
            raise
        return Tally(tuple(o.voter_count for o in stopped.options), stopped.total_voter_count)


def setup(host: TelegramHost) -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
    host.deps.capabilities.provide("telegram", NativePolls, TelegramPolls(host))  # type: ignore[type-abstract]

    async def on_answer(update: Update, _ctx: ContextTypes.DEFAULT_TYPE) -> None:
        answer = update.poll_answer
        if answer is None or answer.user is None or answer.user.is_bot:
            return  # voter_chat: an anonymous admin voting as the chat, not a member
        seen = NativeVoteSeen(
            platform="telegram",
            native_id=answer.poll_id,
            user_id=str(answer.user.id),
            display_name=answer.user.full_name,
            options=tuple(answer.option_ids),
            at=host.deps.clock.now(),
        )
        await host.deps.hub.deliver(seen)
        await host.mark_done(update.update_id, durable=True)

    async def on_counts(update: Update, _ctx: ContextTypes.DEFAULT_TYPE) -> None:
        poll = update.poll
        if poll is None:
            return
        seen = NativeCountsSeen(
            platform="telegram",
            native_id=poll.id,
            counts=tuple(o.voter_count for o in poll.options),
            voters=poll.total_voter_count,
            closed=poll.is_closed,
            at=host.deps.clock.now(),
        )
        await host.deps.hub.deliver(seen)
        await host.mark_done(update.update_id, durable=True)

    return [PollAnswerHandler(on_answer), PollHandler(on_counts)]
