"""A small scripted community for the metrics tests: events at exact times through the real ingestion path."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from bot.app import Services
from bot.core.hub import MembershipSeen, MessageSeen, ReactionSeen
from cogs.analytics.metrics.models import Period, WeekMetrics
from tests.conftest import START

WEEK = date(2026, 2, 23)  # the last complete week at START (Monday 2026-03-02 12:00 UTC)


def day(offset: int, hour: int = 10, minute: int = 0) -> datetime:
    """A time `offset` days after the Monday of WEEK (negative: the weeks before), UTC."""
    return datetime.combine(WEEK + timedelta(days=offset), time(hour, minute), UTC)


class Script:
    def __init__(self, services: Services, platform: str = "telegram", scope: str = "-1001", title: str = "Group"):
        self.services = services
        self.platform = platform
        self.scope = scope
        self.title = title

    def msg(
        self,
        uid: str,
        at: datetime,
        channel: str = "c1",
        reply_to: str | None = None,
        question: bool = False,
        message_id: str | None = None,
        platform: str | None = None,
        scope: str | None = None,
        text: str = "",
    ) -> None:
        self.services.hub.publish(  # as the adapters do: analytics and risk alerts both hear it
            MessageSeen(
                platform or self.platform,
                scope or self.scope,
                self.title,
                channel,
                uid,
                f"User {uid}",
                at,
                reply_to_user_id=reply_to,
                is_question=question,
                length_bucket=2,
                message_id=message_id,
                text=text,
            )
        )

    def react(self, uid: str, at: datetime, author: str, channel: str = "c1") -> None:
        self.services.hub.publish(
            ReactionSeen(self.platform, self.scope, self.title, channel, uid, f"User {uid}", at, author_user_id=author)
        )

    async def join(self, uid: str, at: datetime, joined: bool = True) -> None:
        event = MembershipSeen(self.platform, self.scope, self.title, uid, f"User {uid}", at, joined)
        await self.services.ingest.membership(event)

    async def leave(self, uid: str, at: datetime) -> None:
        await self.join(uid, at, joined=False)

    async def flush(self) -> None:
        await self.services.hub.drain()
        await self.services.ingest.flush()
        await self.services.hub.drain()

    async def member(self, uid: str, platform: str | None = None) -> int:
        return await self.services.directory.member_id(platform or self.platform, uid, None, START)

    async def community_id(self) -> int:
        found = await self.services.directory.communities.find_by_scope(self.platform, self.scope)
        assert found is not None
        return found.id

    async def metrics(self, week: date = WEEK, timezone: str = "UTC", now: datetime = START) -> WeekMetrics:
        await self.flush()
        community = await self.community_id()
        return await self.services.digest.metrics.week(community, Period.of(week, timezone), now)
