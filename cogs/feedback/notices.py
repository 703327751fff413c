"""Private notices that close the loop: a status change to the author, followers and upvoters; a merge to
the merged item's author. Each goes through the outbox (sent once, in the recipient's language): the rows
are committed before the manager is answered, and delivered in the background, so a popular item with
hundreds of upvoters does not hold the manager's command up (the outbox's periodic pass is the safety net).

When a platform refuses a DM, the notice is posted with a mention where the item was submitted (or in the
feedback channel) — except to an anonymous item's author: a public mention would say who wrote it, so that
notice is dropped and logged. The submit confirmation tells anonymous authors to keep a private chat open."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from bot.core.i18n import UserRef, t_
from bot.core.outbound import MentionPolicy, OutMessage
from bot.core.targets import Target
from cogs.community.ports import CommunityRepo
from cogs.feedback.models import Item
from cogs.feedback.ports import FeedbackRepo
from cogs.outbox.models import OutboxItem, OutboxKey
from cogs.outbox.service import Outbox

log = logging.getLogger(__name__)
FEATURE = "feedback"
Spawn = Callable[[Coroutine[Any, Any, Any]], object]


class Notices:
    def __init__(self, repo: FeedbackRepo, communities: CommunityRepo, outbox: Outbox, spawn: Spawn) -> None:
        self.repo = repo
        self.communities = communities
        self.outbox = outbox
        self.spawn = spawn
        outbox.when_refused(FEATURE, self._dm_refused)

    async def tell(self, item: Item, part: str, member_ids: list[int], message: OutMessage, now: datetime) -> int:
        """Queue one private copy per member, in each one's language; returns how many were queued."""
        community = await self.communities.get(item.community_id)
        fallback_locale = community.locale if community else "en"
        copies: list[tuple[OutboxKey, Target, OutMessage, str, datetime]] = [
            (
                OutboxKey(FEATURE, str(item.id), part, r.member_id),
                Target.direct(r.platform, r.user_id),
                message,
                r.locale or fallback_locale,
                now,
            )
            for r in await self.repo.recipients(member_ids, item.origin.platform.value)
        ]
        if copies:
            await self.outbox.enqueue_many(copies)
            self.spawn(self.outbox.deliver_due())
        return len(copies)

    async def _dm_refused(self, sent: OutboxItem) -> None:
        key = sent.key
        if key.member_id is None or key.fallback or not sent.target.dm or not key.subject.isdigit():
            return
        item = await self.repo.get(int(key.subject))
        if item is None:
            return
        if item.anonymous and key.member_id == item.author_id:
            log.info("feedback #%s: the anonymous author's DM was refused; no public fallback", item.number)
            return
        where = item.origin if not item.origin.dm else await self.repo.channel(item.community_id)
        if where is None or where.platform != sent.target.platform:
            return
        found = await self.repo.recipients([key.member_id], sent.target.platform.value)
        name = (found[0].username if found else None) or f"#{key.member_id}"
        message = OutMessage(
            (t_("{member}, a message for you:", member=UserRef(sent.target.chat_id, name)), *sent.message.lines),
            mentions=MentionPolicy.USERS,
            mention_ids=(sent.target.chat_id,),
        )
        await self.outbox.enqueue(key.as_fallback(), where, message, sent.locale, sent.due_at)
