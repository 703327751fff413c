"""Private notices that close the loop: a status change to the author, followers and upvoters; a merge to
the merged item's author. Each goes through the outbox (sent once, in the recipient's language).

When a platform refuses a DM, the notice is posted with a mention where the item was submitted (or in the
feedback channel) — except to an anonymous item's author: a public mention would say who wrote it, so that
notice is dropped and logged. The submit confirmation tells anonymous authors to keep a private chat open."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.core.i18n import UserRef, t_
from bot.core.outbound import MentionPolicy, OutMessage
from bot.core.targets import Target
from cogs.community.ports import CommunityRepo
from cogs.feedback.models import Item
from cogs.feedback.ports import FeedbackRepo
from cogs.members.ports import MemberRepo
from cogs.outbox.models import OutboxItem, OutboxKey
from cogs.outbox.service import Outbox

log = logging.getLogger(__name__)
FEATURE = "feedback"


class Notices:
    def __init__(self, repo: FeedbackRepo, members: MemberRepo, communities: CommunityRepo, outbox: Outbox) -> None:
        self.repo = repo
        self.members = members
        self.communities = communities
        self.outbox = outbox
        outbox.when_refused(FEATURE, self._dm_refused)

    async def tell(self, item: Item, part: str, member_ids: list[int], message: OutMessage, now: datetime) -> int:
        """Queue one private copy per member (in each one's language) and deliver; returns how many were queued."""
        community = await self.communities.get(item.community_id)
        fallback_locale = community.locale if community else "en"
        copies: list[tuple[OutboxKey, Target, OutMessage, str, datetime]] = []
        for member_id in member_ids:
            target = await self.dm_target(member_id, item.origin.platform.value)
            if target is None:
                continue
            settings = await self.members.settings(member_id)
            locale = settings.effective_locale or fallback_locale
            copies.append((OutboxKey(FEATURE, str(item.id), part, member_id), target, message, locale, now))
        if copies:
            await self.outbox.enqueue_many(copies)
            await self.outbox.deliver_due()
        return len(copies)

    async def dm_target(self, member_id: int, platform: str) -> Target | None:
        identities = await self.members.identities(member_id)
        preferred = [i for i in identities if i.platform == platform] or identities
        if not preferred:
            return None
        return Target.direct(preferred[0].platform, preferred[0].user_id)

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
        identities = await self.members.identities(key.member_id)
        name = next((i.username for i in identities if i.username), None) or f"#{key.member_id}"
        who = UserRef(sent.target.chat_id, name)
        message = OutMessage(
            (t_("{member}, a message for you:", member=who), *sent.message.lines),
            mentions=MentionPolicy.USERS,
            mention_ids=(sent.target.chat_id,),
        )
        await self.outbox.enqueue(key.as_fallback(), where, message, sent.locale, sent.due_at)
