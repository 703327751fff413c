"""Activity ingestion: adapters report events synchronously (a list append); `flush` resolves ids in
batch and writes raw rows plus day/week rollups in one transaction. Flushed on a timer, when the
buffer is full, and on shutdown."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date, timedelta

from bot.core.clock import Clock
from cogs.analytics.models import (
    ActivityKind,
    ActivityRow,
    MembershipSeen,
    MessageSeen,
    ReactionSeen,
    RollupDelta,
    RollupKey,
)
from cogs.analytics.ports import ActivityRepo
from cogs.community.directory import Directory

log = logging.getLogger(__name__)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


class ActivityIngest:
    def __init__(
        self,
        directory: Directory,
        repo: ActivityRepo,
        clock: Clock,
        max_rows: int = 5000,
        on_full: Callable[[], None] | None = None,
    ) -> None:
        self.directory = directory
        self.repo = repo
        self.clock = clock
        self.max_rows = max_rows
        self._buffer: list[MessageSeen | ReactionSeen] = []
        self._lock = asyncio.Lock()
        self.on_full = on_full
        self.flushed_total = 0

    # -- called by adapters, must be cheap -------------------------------------------------
    def message(self, event: MessageSeen) -> None:
        self._add(event)

    def reaction(self, event: ReactionSeen) -> None:
        self._add(event)

    def _add(self, event: MessageSeen | ReactionSeen) -> None:
        self._buffer.append(event)
        if len(self._buffer) >= self.max_rows and self.on_full is not None:
            self.on_full()

    @property
    def pending(self) -> int:
        return len(self._buffer)

    async def membership(self, event: MembershipSeen) -> None:
        """Joins and leaves are rare and matter for growth numbers: written at once."""
        now = self.clock.now()
        community = await self.directory.community(event.platform, event.scope_id, event.scope_title, now)
        member_id = await self.directory.member_id(event.platform, event.user_id, event.display_name, now)
        await self.directory.ensure_memberships([(community.id, member_id)], now)
        await self.repo.record_membership(community.id, member_id, event.platform, event.joined, event.at)

    # -- flushing --------------------------------------------------------------------------
    async def flush(self) -> int:
        async with self._lock:
            batch, self._buffer = self._buffer, []
            if not batch:
                return 0
            try:
                await self._write(batch)
            except Exception:
                # Keep the events for the next flush rather than lose them; the caller logs.
                self._buffer[:0] = batch
                raise
            self.flushed_total += len(batch)
            return len(batch)

    async def _write(self, batch: list[MessageSeen | ReactionSeen]) -> None:
        now = self.clock.now()
        scopes = {(e.platform, e.scope_id): e.scope_title for e in batch}
        community_ids = await self.directory.community_ids([(p, s, t) for (p, s), t in scopes.items()], now)
        identities: dict[tuple[str, str], str | None] = {}
        for e in batch:
            identities[(e.platform, e.user_id)] = e.display_name or identities.get((e.platform, e.user_id))
            if isinstance(e, MessageSeen):
                if e.reply_to_user_id:
                    identities.setdefault((e.platform, e.reply_to_user_id), None)
                for uid in e.mentioned_user_ids:
                    identities.setdefault((e.platform, uid), None)
            elif e.author_user_id:
                identities.setdefault((e.platform, e.author_user_id), None)
        member_ids = await self.directory.member_ids([(p, u, n) for (p, u), n in identities.items()], now)

        rows: list[ActivityRow] = []
        daily: dict[RollupKey, RollupDelta] = {}
        weekly: dict[RollupKey, RollupDelta] = {}
        memberships: set[tuple[int, int]] = set()

        def bump(cid: int, mid: int, day: date, platform: str, **counts: int) -> None:
            for table, period in ((daily, day), (weekly, week_start(day))):
                delta = table.get((cid, mid, period, platform))
                if delta is None:
                    delta = table[(cid, mid, period, platform)] = RollupDelta()
                for name, n in counts.items():
                    setattr(delta, name, getattr(delta, name) + n)

        for e in batch:
            cid = community_ids[(e.platform, e.scope_id)]
            mid = member_ids[(e.platform, e.user_id)]
            memberships.add((cid, mid))
            day = e.at.date()
            if isinstance(e, MessageSeen):
                reply_mid = member_ids[(e.platform, e.reply_to_user_id)] if e.reply_to_user_id else None
                mentioned = tuple(member_ids[(e.platform, u)] for u in e.mentioned_user_ids)
                rows.append(
                    ActivityRow(cid, mid, e.platform, e.channel_id, ActivityKind.MESSAGE, e.at, reply_mid,
                                mentioned, e.is_question, e.length_bucket)  # fmt: skip
                )
                is_reply = reply_mid is not None and reply_mid != mid
                bump(cid, mid, day, e.platform, messages=1, replies=int(is_reply), questions=int(e.is_question),
                     mentions=len(mentioned))  # fmt: skip
                if is_reply and reply_mid is not None:
                    memberships.add((cid, reply_mid))
                    bump(cid, reply_mid, day, e.platform, replies_received=1)
            else:
                author = member_ids[(e.platform, e.author_user_id)] if e.author_user_id else None
                rows.append(
                    ActivityRow(cid, mid, e.platform, e.channel_id, ActivityKind.REACTION, e.at, author, (), False, 0)
                )
                bump(cid, mid, day, e.platform, reactions=1)
        await self.directory.ensure_memberships(memberships, now)
        await self.repo.write_batch(rows, daily, weekly)
