"""Polls: create (native where the platform can, buttons where it cannot keep voters hidden), vote, close on
time or by command, results with a chart, CSV export.

Votes come from three places: our buttons (`press`), native votes the platform glue publishes
(`NativeVoteSeen`: Telegram poll_answer, Discord vote add/remove) and native counts (`NativeCountsSeen`:
Telegram `poll` updates, the only news of anonymous votes). Closing stops the native poll and keeps the
platform's final counts; the results go out through the outbox (once), with a bar chart."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.core.capabilities import Capabilities
from bot.core.clock import Clock
from bot.core.commands import Invocation, Reply
from bot.core.errors import BadArgument, NotFound, PermissionDenied, PlatformLimitation
from bot.core.hub import EventHub, MemberActed
from bot.core.i18n import Text, t_
from bot.core.outbound import Attachment, Messenger, OutMessage
from bot.core.permissions import Role
from cogs.community.directory import Directory
from cogs.outbox.models import OutboxKey
from cogs.outbox.service import Outbox
from cogs.polls import chart, export, limits, render
from cogs.polls.models import (
    NativeCountsSeen,
    NativeVoteSeen,
    NewPoll,
    Poll,
    PollMode,
    Tally,
)
from cogs.polls.ports import NativePolls, PollRepo, Timer
from cogs.polls.timing import CloseTimer

log = logging.getLogger(__name__)

FEATURE = "poll"


class PlatformAbsent(RuntimeError):
    """The poll's platform is not running in this process (its native poll cannot be stopped now)."""


def tally_of(poll: Poll, votes: dict[int, tuple[int, ...]]) -> Tally:
    """The counts to show: final once closed; for native polls the platform's latest; else our votes."""
    if poll.final_counts is not None:
        return Tally(poll.final_counts, poll.voters or 0)
    ours = [0] * len(poll.answers)
    for positions in votes.values():
        for p in positions:
            if 0 <= p < len(ours):
                ours[p] += 1
    if poll.mode is PollMode.NATIVE and poll.platform_counts is not None:
        return Tally(poll.platform_counts, max(poll.voters or 0, len(votes)))
    return Tally(tuple(ours), len([v for v in votes.values() if v]))


class PollService:
    def __init__(
        self,
        repo: PollRepo,
        directory: Directory,
        capabilities: Capabilities,
        messengers: Callable[[str], Messenger | None],
        outbox: Outbox,
        timer: Timer,
        clock: Clock,
        hub: EventHub,
    ) -> None:
        self.repo = repo
        self.directory = directory
        self.capabilities = capabilities
        self.messengers = messengers
        self.outbox = outbox
        self.clock = clock
        self.hub = hub
        self.closer = CloseTimer("polls:tick", timer, clock, repo.next_close, self._close_due)
        self._locks: dict[int, asyncio.Lock] = {}
        self._native_votes = asyncio.Lock()  # taken before any await: votes apply in the order they came
        self._refreshing: dict[int, asyncio.Task[None]] = {}
        self._dirty: set[int] = set()

    # -- create --------------------------------------------------------------------------------------------
    async def create(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        """Discord: /poll create question: answers: [multiple] [anonymous] [duration]."""
        typed = limits.read_answers(args["answers"], with_options=False)
        typed = replace(
            typed,
            multiple=bool(args.get("multiple")),
            anonymous=bool(args.get("anonymous")),
            when=(args.get("duration") or "").strip() or None,
        )
        return await self._create(inv, args["question"], typed)

    async def create_typed(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        """Telegram and the console: /poll Question | A | B | C [| +multiple +anonymous +2h]."""
        return await self._create(inv, args["question"], limits.read_answers(args["answers"], with_options=True))

    async def _create(self, inv: Invocation, question: str, typed: limits.Typed) -> Reply:
        assert inv.community_id is not None
        platform = inv.platform.value
        rules = limits.limits_for(platform)
        draft = limits.draft(question, typed, limits=rules, now=inv.now, locale=inv.locale, timezone=inv.timezone)
        native = self.capabilities.get(platform, NativePolls)  # type: ignore[type-abstract]
        # Native where the platform can keep the promise made (anonymous: voters hidden); our buttons otherwise.
        can_native = native is not None and (not draft.anonymous or native.hides_voters)
        mode = PollMode.NATIVE if can_native else PollMode.BUTTONS
        if mode is PollMode.NATIVE and draft.closes_at is None and rules.native_default is not None:
            draft = replace(draft, closes_at=inv.now + rules.native_default)  # the platform closes it anyway
        poll = await self.repo.create(
            NewPoll(inv.community_id, inv.member_id, draft, mode, inv.place.channel, inv.locale, inv.timezone), inv.now
        )
        try:
            message_id, native_id = await self._post(poll, native if mode is PollMode.NATIVE else None)
        except Exception as exc:
            # Nothing half-written: a poll nobody can see is no poll.
            await self.repo.delete(poll.id)
            log.warning("poll %s removed: it could not be posted (%s)", poll.id, exc)
            raise PlatformLimitation(
                t_(
                    "I can't post a poll in this channel, so none was created. Give me permission to send messages "
                    "and polls here, or create it in another channel."
                )
            ) from exc
        await self.repo.set_post(poll.id, message_id, native_id)
        await self.closer.arm()
        lines = [t_("Poll #{id} created: {question}", id=poll.id, question=poll.question)]
        lines.append(render.closes(draft.closes_at, inv.timezone))
        if draft.anonymous and mode is PollMode.BUTTONS:
            lines.append(t_("It is anonymous: members vote with buttons and nobody can see who voted."))
        return Reply.of(OutMessage(tuple(lines), ephemeral=True))

    async def _post(self, poll: Poll, native: NativePolls | None) -> tuple[str, str | None]:
        if native is not None:
            ref = await native.send_poll(poll.channel, poll, render.native_note(poll), poll.locale)
            return ref.message_id, ref.native_id
        messenger = self.messengers(poll.platform)
        if messenger is None:
            raise RuntimeError(f"no messenger for {poll.platform}")
        post = render.button_post(poll, Tally((0,) * len(poll.answers), 0))
        message_id = await messenger.send(poll.channel, post, poll.locale)
        if message_id is None:
            raise RuntimeError("the post was not sent")
        return message_id, None

    # -- votes ---------------------------------------------------------------------------------------------
    async def press(self, inv: Invocation, rest: str) -> Reply:
        verb, _, tail = rest.partition(":")
        poll_id, _, position = tail.partition(":")
        if verb != "v" or not poll_id.isdigit() or not position.isdigit():
            raise BadArgument(t_("This button no longer works. Run the command again."))
        poll = await self._poll_here(poll_id, inv)
        index = int(position)
        if poll.mode is not PollMode.BUTTONS or not 0 <= index < len(poll.answers):
            raise BadArgument(t_("This button no longer works. Run the command again."))
        if not poll.is_open:
            raise BadArgument(t_("Poll #{id} is closed.", id=poll.id))
        async with self._lock(poll.id):
            mine = (await self.repo.votes(poll.id)).get(inv.member_id, ())
            if index in mine:
                wanted = tuple(p for p in mine if p != index)
            else:
                wanted = (*mine, index) if poll.multiple else (index,)
            if not await self.repo.set_votes(poll.id, inv.member_id, wanted, inv.now):
                raise BadArgument(t_("Poll #{id} is closed.", id=poll.id))
        if index in wanted:
            self._acted(poll, inv.member_id, inv.now)
        self.refresh_soon(poll.id)
        if not wanted:
            return Reply.of(OutMessage.of(t_("Your vote on poll #{id} was taken back.", id=poll.id), ephemeral=True))
        chosen = tuple(t_("“{answer}”", answer=poll.answers[p]) for p in sorted(wanted))
        return Reply.of(
            OutMessage.of(
                t_("Your vote on poll #{id}: {answers}. Press an answer again to take it back.", id=poll.id,
                   answers=chosen),
                ephemeral=True,
            )
        )  # fmt: skip

    async def on_native_vote(self, seen: NativeVoteSeen) -> None:
        # A changed vote on Discord is a remove and an add: applied out of order they would leave both.
        async with self._native_votes:
            await self._native_vote(seen)

    async def _native_vote(self, seen: NativeVoteSeen) -> None:
        poll = await self.repo.by_native(seen.platform, seen.native_id)
        if poll is None or not poll.is_open:
            return
        positions = tuple(p for p in seen.options if 0 <= p < len(poll.answers))
        member = await self.directory.member_id(seen.platform, seen.user_id, seen.display_name, seen.at)
        await self.directory.ensure_memberships([(poll.community_id, member)], seen.at)
        if seen.replace:
            done = await self.repo.set_votes(poll.id, member, positions, seen.at)
        elif not positions:
            return
        elif seen.removed:
            done = await self.repo.remove_vote(poll.id, member, positions[0])
        else:
            done = await self.repo.add_vote(poll.id, member, positions[0], seen.at)
        if done and positions and not seen.removed:
            self._acted(poll, member, seen.at)

    async def on_native_counts(self, seen: NativeCountsSeen) -> None:
        poll = await self.repo.by_native(seen.platform, seen.native_id)
        if poll is None or not poll.is_open or len(seen.counts) != len(poll.answers):
            return
        await self.repo.set_platform_counts(poll.id, seen.counts, seen.voters)

    def _acted(self, poll: Poll, member_id: int, at: datetime) -> None:
        channel = poll.channel
        self.hub.publish(MemberActed(poll.community_id, member_id, channel.platform.value, channel.chat_id, "vote", at))

    async def tally(self, poll: Poll) -> Tally:
        return tally_of(poll, await self.repo.votes(poll.id))

    # -- live counts on button posts -----------------------------------------------------------------------
    def refresh_soon(self, poll_id: int) -> None:
        """Update the post's counts in the background; clicks during an update share the next one, so a busy
        poll edits its post as fast as the platform allows and never queues an edit per click."""
        if poll_id in self._refreshing:
            self._dirty.add(poll_id)
            return
        self._refreshing[poll_id] = asyncio.ensure_future(self._refresh_loop(poll_id))

    async def _refresh_loop(self, poll_id: int) -> None:
        try:
            while True:
                self._dirty.discard(poll_id)
                await self.refresh_post(poll_id)
                if poll_id not in self._dirty:
                    return
        finally:
            self._refreshing.pop(poll_id, None)

    async def refresh_post(self, poll_id: int) -> None:
        poll = await self.repo.get(poll_id)
        if poll is None or poll.mode is not PollMode.BUTTONS or poll.message_id is None:
            return
        messenger = self.messengers(poll.platform)
        if messenger is None:
            return
        try:
            await messenger.edit(poll.channel, poll.message_id, render.button_post(poll, await self.tally(poll)),
                                 poll.locale)  # fmt: skip
        except Exception:  # a deleted post must not fail a vote
            log.warning("could not update the post of poll %s", poll_id, exc_info=True)

    async def drain(self) -> None:
        """Finish post updates and a close in progress (shutdown, tests)."""
        while self._refreshing:
            await asyncio.gather(*list(self._refreshing.values()), return_exceptions=True)
        await self.closer.drain()

    # -- close ---------------------------------------------------------------------------------------------
    async def close_command(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        """Discord: /poll close poll:<number>."""
        return await self.close_by(inv, await self._poll_here(args["poll"], inv))

    async def close_by(self, inv: Invocation, poll: Poll) -> Reply:
        if not poll.is_open:
            raise BadArgument(t_("Poll #{id} is already closed.", id=poll.id))
        if inv.member_id != poll.creator_id and inv.role < Role.MODERATOR:
            raise PermissionDenied(
                t_("Only the creator of poll #{id}, moderators and managers can close it.", id=poll.id)
            )
        try:
            closed = await self.close(poll.id)
        except Exception as exc:
            log.warning("closing poll %s failed", poll.id, exc_info=True)
            raise PlatformLimitation(
                t_("I could not stop poll #{id} on the platform just now. Please try again in a moment.", id=poll.id)
            ) from exc
        if not closed:
            raise BadArgument(t_("Poll #{id} is already closed.", id=poll.id))
        return Reply.of(
            OutMessage.of(t_("Poll #{id} is closed; the results are posted in its chat.", id=poll.id), ephemeral=True)
        )

    async def close(self, poll_id: int) -> bool:
        """Stop the native poll, store the final counts, announce the results. Once: False if already closed.
        Raises when the platform could not be asked (nothing is stored then; try again later)."""
        async with self._lock(poll_id):
            poll = await self.repo.get(poll_id)
            if poll is None or not poll.is_open:
                return False
            final = await self._final_tally(poll)
            if not await self.repo.close(poll.id, final, self.clock.now()):
                return False
        await self.announce(poll_id)
        return True  # the trigger may point at this poll's time still: it then finds nothing due and re-arms

    async def _final_tally(self, poll: Poll) -> Tally:
        votes = await self.repo.votes(poll.id)
        ours = tally_of(poll, votes)
        if poll.mode is not PollMode.NATIVE:
            return ours
        native = self.capabilities.get(poll.platform, NativePolls)  # type: ignore[type-abstract]
        if native is None:
            raise PlatformAbsent(f"{poll.platform} is not running: poll {poll.id} cannot be stopped now")
        stopped = await native.stop_poll(poll)  # raises on an outage: the close is retried
        if stopped is None or len(stopped.counts) != len(poll.answers):
            return ours  # already stopped or deleted on the platform: the last counts it reported
        voters = max(stopped.voters, len([v for v in votes.values() if v]))
        return Tally(stopped.counts, voters)

    async def _close_due(self, now: datetime) -> bool:
        ok = True
        for poll in await self.repo.due(now):
            try:
                await self.close(poll.id)
            except PlatformAbsent as absent:
                log.warning("poll %s stays open until %s; trying again in a minute", poll.id, absent)
                ok = False
            except Exception:
                log.exception("poll %s: closing on time failed; trying again shortly", poll.id)
                ok = False
        for poll in await self.repo.unannounced():
            await self.announce(poll.id)
        return ok

    async def rehydrate(self) -> None:
        """At start-up: overdue closes happen now (once), results not yet announced go out, the rest is armed."""
        await self.closer.tick()

    async def announce(self, poll_id: int) -> None:
        poll = await self.repo.get(poll_id)
        if poll is None or poll.is_open or poll.results_queued:
            return
        tally = await self.tally(poll)
        message = OutMessage(tuple(render.results(poll, tally)), attachments=await self._chart(poll, tally))
        await self.outbox.enqueue(OutboxKey(FEATURE, str(poll.id), "results"), poll.channel, message, poll.locale,
                                  self.clock.now())  # fmt: skip
        await self.repo.mark_announced(poll.id)
        await self.refresh_post(poll.id)  # the button post shows the final counts, without buttons
        await self.outbox.deliver_due()

    async def _chart(self, poll: Poll, tally: Tally) -> tuple[Attachment, ...]:
        shares = tally.shares(poll.multiple)
        labels = [t_("{count} ({share})", count=c, share=render.percent(s)).render(poll.locale)
                  for c, s in zip(tally.counts, shares, strict=True)]  # fmt: skip
        footer = render.chart_footer(poll, tally).render(poll.locale)
        try:
            png = await asyncio.to_thread(
                chart.bar_chart, poll.question, poll.answers, shares, tally.leaders, labels, footer
            )
        except Exception:  # the results matter more than the picture
            log.exception("poll %s: the chart could not be drawn; results go out without it", poll.id)
            return ()
        return (Attachment(f"poll-{poll.id}.png", png, is_image=True),)

    # -- finding polls -------------------------------------------------------------------------------------
    async def _poll_here(self, raw: Any, inv: Invocation) -> Poll:
        text = str(raw or "").strip().lstrip("#")
        poll = await self.repo.get(int(text)) if text.isdigit() else None
        if poll is None or poll.community_id != inv.community_id:
            raise NotFound(t_("There is no poll #{id} here.", id=text or "?"))
        return poll

    async def replied(self, inv: Invocation) -> Poll | None:
        """The poll whose post the command replied to (Telegram)."""
        if inv.place.reply_to is None:
            return None
        channel = inv.place.channel
        poll = await self.repo.by_message(inv.platform.value, channel.chat_id, inv.place.reply_to)
        return poll if poll is not None and poll.community_id == inv.community_id else None

    async def find(self, inv: Invocation, raw: Any) -> Poll:
        """A poll by number, or the one replied to."""
        if str(raw or "").strip():
            return await self._poll_here(raw, inv)
        poll = await self.replied(inv)
        if poll is None:
            raise BadArgument(t_("Reply to the poll with this command, or give its number, for example 3."))
        return poll

    async def suggest_closable(self, inv: Invocation, typed: str) -> list[tuple[str, Text]]:
        if inv.community_id is None:
            return []
        polls = await self.repo.open_polls(inv.community_id)
        if inv.role < Role.MODERATOR:
            polls = [p for p in polls if p.creator_id == inv.member_id]
        return _matching(polls, typed)

    async def suggest_recent(self, inv: Invocation, typed: str) -> list[tuple[str, Text]]:
        return _matching(await self.repo.recent(inv.community_id), typed) if inv.community_id is not None else []

    # -- export --------------------------------------------------------------------------------------------
    async def export(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        poll = await self.find(inv, args.get("poll"))
        files = await self.export_files(poll)
        return Reply.of(
            OutMessage(
                (t_("Poll #{id} as CSV: the results, and who voted for what where the poll was named.", id=poll.id),),
                attachments=tuple(Attachment(name, data) for name, data in files),
                ephemeral=True,
                private=True,
            )
        )

    async def export_files(self, poll: Poll) -> list[tuple[str, bytes]]:
        """CSV files for a poll: results; and the named votes unless it was anonymous."""
        files = [(f"poll-{poll.id}-results.csv", export.poll_results(poll, await self.tally(poll)))]
        if not poll.anonymous:
            files.append((f"poll-{poll.id}-votes.csv", export.poll_votes(poll, await self.repo.named_votes(poll.id))))
        return files

    def _lock(self, poll_id: int) -> asyncio.Lock:
        if len(self._locks) > 1000:
            self._locks = {k: v for k, v in self._locks.items() if v.locked()}
        return self._locks.setdefault(poll_id, asyncio.Lock())


def _matching(polls: list[Poll], typed: str) -> list[tuple[str, Text]]:
    needle = typed.strip().lstrip("#").casefold()
    found = [p for p in polls if not needle or needle in str(p.id) or needle in p.question.casefold()]
    return [(str(p.id), t_("#{id} {question}", id=p.id, question=p.question[:90])) for p in found[:25]]
