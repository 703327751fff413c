"""CommunityRepo on SQLAlchemy Core."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.targets import Target
from cogs.community.models import Community, CommunityLink
from storage.tables.community import communities, community_links


def _community(row: Any) -> Community:
    return Community(
        id=row.id,
        name=row.name,
        timezone=row.timezone,
        locale=row.locale,
        manager_channel=Target.from_json(row.manager_channel) if row.manager_channel else None,
        moderator_roles=tuple(json.loads(row.moderator_roles or "[]")),
        manager_roles=tuple(json.loads(row.manager_roles or "[]")),
        organizer_roles=tuple(json.loads(row.organizer_roles or "[]")),
        created_at=row.created_at,
    )


class SqlCommunityRepo:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def find_by_scope(self, platform: str, scope_id: str) -> Community | None:
        query = (
            sa.select(communities)
            .join(community_links, community_links.c.community_id == communities.c.id)
            .where(community_links.c.platform == platform, community_links.c.scope_id == scope_id)
        )
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return _community(row) if row else None

    async def create_for_scope(
        self, platform: str, scope_id: str, title: str, timezone: str, locale: str, now: datetime
    ) -> Community:
        try:
            async with self.engine.begin() as conn:
                new_id = (
                    await conn.execute(
                        sa.insert(communities)
                        .values(name=title[:200] or scope_id, timezone=timezone, locale=locale, created_at=now)
                        .returning(communities.c.id)
                    )
                ).scalar_one()
                await conn.execute(
                    sa.insert(community_links).values(
                        platform=platform, scope_id=scope_id, community_id=new_id, title=title[:200], linked_at=now
                    )
                )
        except IntegrityError:
            pass  # another task linked this scope first; theirs wins
        found = await self.find_by_scope(platform, scope_id)
        assert found is not None
        return found

    async def get(self, community_id: int) -> Community | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(sa.select(communities).where(communities.c.id == community_id))).first()
        return _community(row) if row else None

    async def links(self, community_id: int) -> list[CommunityLink]:
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    sa.select(community_links)
                    .where(community_links.c.community_id == community_id)
                    .order_by(community_links.c.platform, community_links.c.scope_id)
                )
            ).all()
        return [CommunityLink(r.platform, r.scope_id, r.community_id, r.title) for r in rows]

    async def update(
        self,
        community_id: int,
        *,
        timezone: str | None = None,
        locale: str | None = None,
        manager_channel: Target | None = None,
        moderator_roles: tuple[str, ...] | None = None,
        manager_roles: tuple[str, ...] | None = None,
        organizer_roles: tuple[str, ...] | None = None,
    ) -> Community:
        values: dict[str, Any] = {}
        if timezone is not None:
            values["timezone"] = timezone
        if locale is not None:
            values["locale"] = locale
        if manager_channel is not None:
            values["manager_channel"] = manager_channel.to_json()
        if moderator_roles is not None:
            values["moderator_roles"] = json.dumps(list(moderator_roles))
        if manager_roles is not None:
            values["manager_roles"] = json.dumps(list(manager_roles))
        if organizer_roles is not None:
            values["organizer_roles"] = json.dumps(list(organizer_roles))
        if values:
            async with self.engine.begin() as conn:
                await conn.execute(sa.update(communities).where(communities.c.id == community_id).values(**values))
        found = await self.get(community_id)
        assert found is not None
        return found

    async def relink_scope(self, platform: str, scope_id: str, title: str, community_id: int, now: datetime) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.delete(community_links).where(
                    community_links.c.platform == platform, community_links.c.scope_id == scope_id
                )
            )
            await conn.execute(
                sa.insert(community_links).values(
                    platform=platform, scope_id=scope_id, community_id=community_id, title=title[:200], linked_at=now
                )
            )
