"""The feedback channel: each new item is posted there with its upvote button, and every post is edited
when its votes, status or reply change. A post that cannot be sent or edited never fails the action that
caused it (the item is already saved): it is logged."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.core.outbound import Messenger
from bot.core.targets import Target
from cogs.community.ports import CommunityRepo
from cogs.feedback import render
from cogs.feedback.models import Item
from cogs.feedback.ports import FeedbackRepo

log = logging.getLogger(__name__)


class Posts:
    def __init__(
        self, repo: FeedbackRepo, communities: CommunityRepo, messengers: Callable[[str], Messenger | None]
    ) -> None:
        self.repo = repo
        self.communities = communities
        self.messengers = messengers

    async def publish(self, item: Item) -> Target | None:
        """Post a new item in the community's feedback channel; the channel, or None when not posted."""
        channel = await self.repo.channel(item.community_id)
        if channel is None:
            return None
        messenger = self.messengers(channel.platform.value)
        if messenger is None:
            return None
        try:
            message_id = await messenger.send(channel, render.post(item, ""), await self._locale(item))
        except Exception:
            log.warning("feedback #%s could not be posted in %s", item.number, channel, exc_info=True)
            return None
        if message_id is not None:
            await self.repo.add_post(item.id, channel, message_id)
        return channel

    async def refresh(self, item_id: int) -> None:
        posts = await self.repo.posts(item_id)
        if not posts:
            return
        item = await self.repo.get(item_id)
        if item is None:
            return
        replies = [c.reply for c in await self.repo.history(item_id) if c.reply]
        message = render.post(item, replies[-1] if replies else "")
        locale = await self._locale(item)
        for posted in posts:
            messenger = self.messengers(posted.target.platform.value)
            if messenger is None:
                continue
            try:
                await messenger.edit(posted.target, posted.message_id, message, locale)
            except Exception:  # a deleted post must not fail the vote that triggered the refresh
                log.warning("could not update the post of feedback #%s", item.number, exc_info=True)

    async def _locale(self, item: Item) -> str:
        community = await self.communities.get(item.community_id)
        return community.locale if community else "en"
