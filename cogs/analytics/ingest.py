"""Activity ingestion: adapters report events synchronously (a list append); `flush` resolves ids in
batch and writes raw rows plus day/week rollups in one transaction. Flushed on a timer, when the
buffer is full, and on shutdown."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import date, datetime

from bot.core.clock import Clock
from bot.core.hub import (
    ActivityWritten,
    EventHub,
    MemberActed,
    MemberJoined,
    MemberLeft,
    MembershipSeen,
    MessageSeen,
    ReactionSeen,
    StaffSeen,
)
from bot.core.permissions import Role
from cogs.analytics.models import ActivityKind, RawRow
from cogs.analytics.ports import ActivityRepo
from cogs.community.directory import Directory

log = logging.getLogger(__name__)
MESSAGE, REACTION = ActivityKind.MESSAGE.value, ActivityKind.REACTION.value


class ActivityIngest:
    def __init__(
        self,
        directory: Directory,
        repo: ActivityRepo,
        clock: Clock,
        hub: EventHub,
        max_rows: int = 5000,
        on_full: Callable[[], None] | None = None,
    ) -> None:
        self.directory = directory
        self.hub = hub
        self.repo = repo
        self.clock = clock
        self.max_rows = max_rows
        self._buffer: list[MessageSeen | ReactionSeen] = []
        self._resolved: list[RawRow] = []
        self._prepare_lock = asyncio.Lock()
        self._write_lock = asyncio.Lock()
        self.on_full = on_full
        self._flush_requested = False  # one flush request per full buffer, not one per message
        self.flushed_total = 0
        self._staff_seen: dict[tuple[int, int], tuple[int, date]] = {}  # (community, member) → (role, day written)
        self._staff_pending: dict[tuple[int, int], tuple[Role, datetime]] = {}

    def subscribe(self) -> None:
        """Analytics hears everything: platform activity, joins and leaves, and features' actions."""
        self.hub.subscribe(MessageSeen, self._add)
        self.hub.subscribe(ReactionSeen, self._add)
        self.hub.subscribe(MembershipSeen, self.membership)
        self.hub.subscribe(MemberActed, self.acted)
        self.hub.subscribe(StaffSeen, self.staff)

    # -- called by adapters, must be cheap -------------------------------------------------
    def message(self, event: MessageSeen) -> None:
        self._add(event)

    def reaction(self, event: ReactionSeen) -> None:
        self._add(event)

    def _add(self, event: MessageSeen | ReactionSeen) -> None:
        self._buffer.append(event)
        if len(self._buffer) >= self.max_rows and self.on_full is not None and not self._flush_requested:
            self._flush_requested = True
            self.on_full()

    def acted(self, event: MemberActed) -> None:
        """A feature's action (RSVP, vote, …) is activity, already resolved to ids: it rides along with the
        next flush."""
        self._resolved.append(
            (event.community_id, event.member_id, event.platform, event.channel_id, event.kind, event.at)
            + (None, None, 0, False, 0, None)
        )

    def staff(self, event: StaffSeen) -> None:
        """Remember who acts as staff (for member-to-member numbers), written with the next flush: when new, when
        the role changes, and at most once a day otherwise — staff use commands often, and a command never waits
        for this write."""
        key = (event.community_id, event.member_id)
        day = event.at.date()
        if self._staff_seen.get(key) == (int(event.role), day):
            return
        self._staff_seen[key] = (int(event.role), day)
        self._staff_pending[key] = (event.role, event.at)

    async def _write_staff(self) -> None:
        pending, self._staff_pending = self._staff_pending, {}
        try:
            for (community_id, member_id), (role, at) in pending.items():
                await self.repo.record_staff(community_id, member_id, role, at)
        except Exception:
            self._staff_pending.update(pending)
            raise

    @property
    def pending(self) -> int:
        return len(self._buffer)

    async def membership(self, event: MembershipSeen) -> None:
        """Joins and leaves are rare and matter for growth numbers: written at once."""
        now = self.clock.now()
        community = await self.directory.community(event.platform, event.scope_id, event.scope_title, now)
        member_id = await self.directory.member_id(event.platform, event.user_id, event.display_name, now)
        await self.directory.ensure_memberships([(community.id, member_id)], now)
        rejoined = await self.repo.record_membership(community.id, member_id, event.platform, event.joined, event.at)
        if event.joined:
            await self.hub.deliver(
                MemberJoined(
                    community.id,
                    member_id,
                    event.platform,
                    event.scope_id,
                    event.user_id,
                    event.display_name,
                    event.at,
                    rejoined,
                    event.locale,
                )
            )
        else:
            await self.hub.deliver(
                MemberLeft(community.id, member_id, event.platform, event.scope_id, event.user_id, event.at)
            )

    async def _member_ids(self, batch: list[MessageSeen | ReactionSeen], now: datetime) -> dict[tuple[str, str], int]:
        """Every platform user the batch names → member id; only unseen ones cost a query. In steady state
        every one is known: set comprehensions and one set difference, no per-event branching."""
        known = self.directory.known_members
        authors = {(e.platform, e.user_id) for e in batch}
        others = {(e.platform, e.reply_to_user_id) for e in batch if type(e) is MessageSeen and e.reply_to_user_id}
        for e in batch:
            if type(e) is MessageSeen:
                if e.mentioned_user_ids:
                    others.update((e.platform, uid) for uid in e.mentioned_user_ids)
            elif e.author_user_id:  # type: ignore[union-attr]
                others.add((e.platform, e.author_user_id))  # type: ignore[union-attr]
        missing = (authors | others) - known.keys()
        if missing:
            names = {
                (e.platform, e.user_id): e.display_name
                for e in batch
                if e.display_name and (e.platform, e.user_id) in missing
            }
            await self.directory.member_ids([(p, u, names.get((p, u))) for p, u in missing], now)
        return known

    # -- flushing --------------------------------------------------------------------------
    async def flush(self) -> int:
        """Write everything buffered so far. Preparing a batch (CPU, this thread) overlaps with the
        previous batch's write (SQLite, the driver's thread): that overlap is what reaches 50k events/s."""
        async with self._prepare_lock:
            batch, self._buffer = self._buffer, []
            resolved, self._resolved = self._resolved, []
            self._flush_requested = False
            await self._write_staff()
            if not batch and not resolved:
                return 0
            try:
                prepared = await self._prepare(batch) if batch else []
            except Exception:
                self._buffer[:0] = batch  # keep the events for the next flush rather than lose them
                self._resolved[:0] = resolved
                raise
        async with self._write_lock:
            try:
                await self.repo.write_batch(prepared + resolved)
            except Exception:
                self._buffer[:0] = batch
                self._resolved[:0] = resolved
                raise
        self.flushed_total += len(batch) + len(resolved)
        written = prepared + resolved
        if written and self.hub.subscribers(ActivityWritten):
            self.hub.publish(ActivityWritten(tuple(written)))
        return len(written)

    async def _prepare(self, batch: list[MessageSeen | ReactionSeen]) -> list[RawRow]:
        now = self.clock.now()
        scopes = {(e.platform, e.scope_id): e.scope_title for e in batch}
        community_ids = await self.directory.community_ids([(p, s, t) for (p, s), t in scopes.items()], now)
        member_ids = await self._member_ids(batch, now)

        rows: list[RawRow] = []  # plain tuples, not ActivityRows: see RawRow
        append = rows.append
        memberships: set[tuple[int, int]] = set()
        add_membership = memberships.add
        # The hot loop (≥ 50k events/s): resolve ids, build tuples; rollups are summed by the database.
        for e in batch:
            platform = e.platform
            cid = community_ids[(platform, e.scope_id)]
            mid = member_ids[(platform, e.user_id)]
            add_membership((cid, mid))
            if type(e) is MessageSeen:
                reply_to = e.reply_to_user_id
                mentions = e.mentioned_user_ids
                append(
                    (
                        cid,
                        mid,
                        platform,
                        e.channel_id,
                        MESSAGE,
                        e.at,
                        member_ids[(platform, reply_to)] if reply_to else None,
                        json.dumps([member_ids[(platform, u)] for u in mentions]) if mentions else None,
                        len(mentions),
                        e.is_question,
                        e.length_bucket,
                        e.message_id if e.is_question else None,  # the digest links to unanswered questions
                    )
                )
            else:
                author = member_ids[(platform, e.author_user_id)] if e.author_user_id else None  # type: ignore[union-attr]
                append((cid, mid, platform, e.channel_id, REACTION, e.at, author, None, 0, False, 0, None))
        await self.directory.ensure_memberships(memberships, now)
        return rows
