"""Feedback for managers: status changes with a reply that reaches the author, followers and every upvoter;
merging duplicates; themes; the "product proposals" export. The dispatcher checks the manager role before
any of this runs, so a member's attempt changes nothing and tells nobody."""

from __future__ import annotations

from datetime import datetime

from bot.core.errors import BadArgument
from bot.core.i18n import t_
from cogs.community.ports import CommunityRepo
from cogs.feedback import render
from cogs.feedback.export import proposals_csv
from cogs.feedback.models import REPLY_MAX, Item, MergeOutcome, Status, StatusOutcome, Theme
from cogs.feedback.notices import Notices
from cogs.feedback.ports import FeedbackRepo
from cogs.feedback.posts import Posts
from cogs.feedback.service import FeedbackService
from cogs.feedback.themes import Doc, themes


def themes_of(items: list[Item], top: int = 8) -> dict[str, list[Theme]]:
    return themes((Doc(i.number, i.language, _text(i)) for i in items), top)


def _text(item: Item) -> str:
    """Title and text, without the title twice where it was made from the text's first line."""
    if item.body.startswith(item.title.rstrip("…")):
        return item.body
    return f"{item.title}\n{item.body}"


class FeedbackAdmin:
    def __init__(
        self,
        repo: FeedbackRepo,
        service: FeedbackService,
        posts: Posts,
        notices: Notices,
        communities: CommunityRepo,
    ) -> None:
        self.repo = repo
        self.service = service
        self.posts = posts
        self.notices = notices
        self.communities = communities

    async def set_status(
        self, community_id: int, raw_number: object, status: Status, reply: str, actor_id: int, now: datetime
    ) -> StatusOutcome:
        item = await self.service.find(community_id, raw_number)
        reply = reply.strip()
        if status is Status.MERGED:
            raise BadArgument(t_("Set one of: new, review, planned, done, declined."))
        if len(reply) > REPLY_MAX:
            raise BadArgument(
                t_("The reply is {length} characters long; at most {limit} fit.", length=len(reply), limit=REPLY_MAX)
            )
        if item.status is Status.MERGED:
            raise BadArgument(
                t_(
                    "#{number} was merged into #{into}; change #{into} instead.",
                    number=item.number,
                    into=item.merged_into_number,
                )  # fmt: skip
            )
        if item.status is status and not reply:
            raise BadArgument(
                t_(
                    "#{number} is already {status}. Add a reply to tell its followers something new.",
                    number=item.number,
                    status=render.STATUS_LABELS[status],
                )
            )
        change = await self.repo.set_status(item.id, status, reply, actor_id, now)
        fresh = await self.repo.get(item.id) or item
        audience = [m for m in await self.repo.audience(item.id) if m != actor_id]
        told = await self.notices.tell(fresh, f"status:{change.id}", audience, render.status_notice(fresh, change), now)
        await self.posts.refresh(item.id)
        return StatusOutcome(fresh, change, told)

    async def merge(
        self, community_id: int, raw_source: object, raw_into: object, actor_id: int, now: datetime
    ) -> MergeOutcome:
        source = await self.service.find(community_id, raw_source)
        into = await self.service.find(community_id, raw_into)
        if source.id == into.id:
            raise BadArgument(t_("An item cannot be merged into itself: give two different numbers."))
        if source.status is Status.MERGED:
            raise BadArgument(
                t_("#{number} is already merged into #{into}.", number=source.number, into=source.merged_into_number)
            )
        if into.status is Status.MERGED:
            raise BadArgument(
                t_(
                    "#{into} was itself merged into #{target}: merge into #{target} instead.",
                    into=into.number,
                    target=into.merged_into_number,
                )
            )
        moved, already = await self.repo.merge(source.id, into.id, actor_id, now)
        merged = await self.repo.get(source.id) or source
        target = await self.repo.get(into.id) or into
        if source.author_id not in (actor_id, into.author_id):
            await self.notices.tell(merged, "merged", [source.author_id], render.merge_notice(merged, target), now)
        await self.posts.refresh(source.id)
        await self.posts.refresh(into.id)
        return MergeOutcome(merged, target, moved, already)

    async def themes(self, community_id: int) -> tuple[dict[str, list[Theme]], int]:
        items = await self.repo.open_texts(community_id)
        return themes_of(items), len(items)

    async def export(self, community_id: int) -> tuple[bytes, int]:
        community = await self.communities.get(community_id)
        rows = await self.repo.export_rows(community_id)
        return proposals_csv(rows, community.timezone if community else "UTC"), len(rows)
