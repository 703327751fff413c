"""MemberRepo and LinkCodeRepo on SQLAlchemy Core. Batched: ingestion resolves thousands of ids per flush."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from cogs.members.models import Identity, MemberSettings
from storage.db import upsert
from storage.member_data import reassign, rows_json
from storage.tables.members import community_members, link_codes, member_identities, member_settings, members

CHUNK = 500


async def _lookup(conn: AsyncConnection, keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = {}
    by_platform: dict[str, list[str]] = {}
    for platform, user_id in keys:
        by_platform.setdefault(platform, []).append(user_id)
    for platform, ids in by_platform.items():
        for i in range(0, len(ids), CHUNK):
            rows = await conn.execute(
                sa.select(member_identities.c.user_id, member_identities.c.member_id).where(
                    member_identities.c.platform == platform, member_identities.c.user_id.in_(ids[i : i + CHUNK])
                )
            )
            for user_id, member_id in rows:
                found[(platform, user_id)] = member_id
    return found


class SqlMemberRepo:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def ensure_members(
        self, identities: Iterable[tuple[str, str, str | None]], now: datetime
    ) -> dict[tuple[str, str], int]:
        names: dict[tuple[str, str], str | None] = {}
        for platform, user_id, name in identities:
            if names.get((platform, user_id)) is None:
                names[(platform, user_id)] = name
        if not names:
            return {}
        async with self.engine.begin() as conn:
            found = await _lookup(conn, list(names))
            missing = [key for key in names if key not in found]
            if missing:
                origin = {f"{p}:{u}": (p, u) for p, u in missing}
                rows = [
                    {"display_name": (names[k] or "")[:200] or None, "created_at": now, "origin": o}
                    for o, k in origin.items()
                ]
                created = await conn.execute(
                    upsert(conn.dialect.name, members, rows, ["origin"]).returning(members.c.id, members.c.origin),
                    rows,
                )
                idents = [{"platform": origin[o][0], "user_id": origin[o][1], "member_id": m} for m, o in created]
                if idents:
                    mi = member_identities.c
                    stmt = upsert(conn.dialect.name, member_identities, idents, ["platform", "user_id"])
                    inserted = await conn.execute(stmt.returning(mi.platform, mi.user_id, mi.member_id), idents)
                    found.update({(p, u): m for p, u, m in inserted})
                # Only what another writer created meanwhile is looked up again (usually nothing): on a young
                # PostgreSQL table without statistics a large IN lookup costs ~0.2 s.
                still = [key for key in missing if key not in found]
                if still:
                    found.update(await _lookup(conn, still))
        return found

    async def ensure_community_members(self, pairs: Iterable[tuple[int, int]], now: datetime) -> None:
        rows = [{"community_id": c, "member_id": m, "first_seen_at": now} for c, m in set(pairs)]
        if not rows:
            return
        async with self.engine.begin() as conn:
            await conn.execute(upsert(conn.dialect.name, community_members, rows, ["community_id", "member_id"]), rows)

    async def identities(self, member_id: int) -> list[Identity]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(sa.select(member_identities).where(member_identities.c.member_id == member_id))
            return [Identity(r.platform, r.user_id, r.member_id, r.username) for r in rows]

    async def settings(self, member_id: int) -> MemberSettings:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(sa.select(member_settings).where(member_settings.c.member_id == member_id))
            ).first()
        if row is None:
            return MemberSettings(member_id)
        return MemberSettings(
            member_id, row.locale, row.timezone, bool(row.analytics_opt_out), row.seen_locale, row.private_community_id
        )

    async def set_locale(self, member_id: int, locale: str | None) -> None:
        await self._set(member_id, locale=locale)

    async def set_timezone(self, member_id: int, timezone: str | None) -> None:
        await self._set(member_id, timezone=timezone)

    async def set_seen_locale(self, member_id: int, locale: str) -> None:
        await self._set(member_id, seen_locale=locale)

    async def set_analytics_opt_out(self, member_id: int, opted_out: bool) -> None:
        await self._set(member_id, analytics_opt_out=opted_out)

    async def set_private_community(self, member_id: int, community_id: int | None) -> None:
        await self._set(member_id, private_community_id=community_id)

    async def communities_of(self, member_id: int) -> list[int]:
        c = community_members.c
        query = (
            sa.select(c.community_id)
            .where(c.member_id == member_id, c.left_at.is_(None))
            .order_by(c.first_seen_at, c.community_id)
        )
        async with self.engine.connect() as conn:
            return list((await conn.execute(query)).scalars())

    async def set_usernames(self, platform: str, usernames: dict[str, str | None]) -> None:
        if not usernames:
            return
        i = member_identities.c
        async with self.engine.begin() as conn:
            others = i.user_id.not_in(list(usernames))
            for taken in {n.lower() for n in usernames.values() if n}:  # a username belongs to one account
                await conn.execute(
                    sa.update(member_identities)
                    .where(i.platform == platform, sa.func.lower(i.username) == taken, others)
                    .values(username=None)
                )
            for user_id, name in usernames.items():
                await conn.execute(
                    sa.update(member_identities)
                    .where(i.platform == platform, i.user_id == user_id)
                    .values(username=name[:100] if name else None)
                )

    async def find_username(self, platform: str, username: str) -> Identity | None:
        i = member_identities.c
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    sa.select(member_identities)
                    .where(i.platform == platform, sa.func.lower(i.username) == username.lower().lstrip("@"))
                    .limit(1)
                )
            ).first()
        return Identity(row.platform, row.user_id, row.member_id, row.username) if row else None

    async def _set(self, member_id: int, **values: str | int | bool | None) -> None:
        row = {"member_id": member_id, **values}
        async with self.engine.begin() as conn:
            stmt = upsert(conn.dialect.name, member_settings, [row], ["member_id"], replace=list(values))
            await conn.execute(stmt, row)


class MembersData:
    """Member-data part for identities, settings, memberships and member link codes; deletes the dropped
    or erased member row, so it runs after every other part."""

    feature = "members"
    columns = (
        "member_identities.member_id",
        "member_settings.member_id",
        "community_members.member_id",
        "link_codes.owner_id",
    )

    async def merge(self, tx: AsyncConnection, keep_id: int, drop_id: int) -> None:
        await reassign(tx, member_identities.c.member_id, keep_id, drop_id)
        await self._move_memberships(tx, keep_id, drop_id)
        keep_settings = (
            await tx.execute(sa.select(member_settings).where(member_settings.c.member_id == keep_id))
        ).first()
        if keep_settings is None:
            await reassign(tx, member_settings.c.member_id, keep_id, drop_id)
        else:  # keep_id's choices win; what it never chose comes from the other account
            drop_settings = (
                await tx.execute(sa.select(member_settings).where(member_settings.c.member_id == drop_id))
            ).first()
            if drop_settings is not None:
                fill = {
                    c: getattr(drop_settings, c)
                    for c in ("locale", "timezone", "seen_locale", "private_community_id")
                    if getattr(keep_settings, c) is None and getattr(drop_settings, c) is not None
                }
                if drop_settings.analytics_opt_out:  # an opt-out on either account holds for the person
                    fill["analytics_opt_out"] = True
                if fill:
                    await tx.execute(
                        sa.update(member_settings).where(member_settings.c.member_id == keep_id).values(**fill)
                    )
            await tx.execute(sa.delete(member_settings).where(member_settings.c.member_id == drop_id))
        await tx.execute(
            sa.update(link_codes)
            .where(link_codes.c.kind == "member", link_codes.c.owner_id == drop_id)
            .values(owner_id=keep_id)
        )
        await tx.execute(sa.delete(members).where(members.c.id == drop_id))

    async def _move_memberships(self, tx: AsyncConnection, keep_id: int, drop_id: int) -> None:
        """One membership per community: the earliest first-seen and join, the latest leave."""
        c = community_members.c
        dropped = (await tx.execute(sa.select(community_members).where(c.member_id == drop_id))).all()
        await tx.execute(sa.delete(community_members).where(c.member_id == drop_id))
        for r in dropped:
            mine = (
                await tx.execute(
                    sa.select(community_members).where(c.member_id == keep_id, c.community_id == r.community_id)
                )
            ).first()
            if mine is None:
                await tx.execute(
                    sa.insert(community_members).values(
                        community_id=r.community_id,
                        member_id=keep_id,
                        first_seen_at=r.first_seen_at,
                        joined_at=r.joined_at,
                        left_at=r.left_at,
                    )
                )
                continue
            joined = [t for t in (mine.joined_at, r.joined_at) if t is not None]
            # Still present on either platform means present: a leave counts only if both accounts left.
            left = None if mine.left_at is None or r.left_at is None else max(mine.left_at, r.left_at)
            await tx.execute(
                sa.update(community_members)
                .where(c.member_id == keep_id, c.community_id == r.community_id)
                .values(
                    first_seen_at=min(mine.first_seen_at, r.first_seen_at),
                    joined_at=min(joined) if joined else None,
                    left_at=left,
                )
            )

    async def export(self, tx: AsyncConnection, member_id: int) -> dict[str, Any]:
        member = (await tx.execute(sa.select(members).where(members.c.id == member_id))).first()
        idents = (
            await tx.execute(sa.select(member_identities).where(member_identities.c.member_id == member_id))
        ).all()
        settings = (await tx.execute(sa.select(member_settings).where(member_settings.c.member_id == member_id))).all()
        memberships = (
            await tx.execute(sa.select(community_members).where(community_members.c.member_id == member_id))
        ).all()
        return {
            "member": rows_json([member], skip=("origin",)) if member else [],
            "identities": rows_json(idents, skip=("member_id",)),
            "settings": rows_json(settings, skip=("member_id",)),
            "memberships": rows_json(memberships, skip=("member_id",)),
        }

    async def erase(self, tx: AsyncConnection, member_id: int, anonymous_id: int) -> None:
        await tx.execute(sa.delete(member_identities).where(member_identities.c.member_id == member_id))
        await tx.execute(sa.delete(member_settings).where(member_settings.c.member_id == member_id))
        await self._move_memberships(tx, anonymous_id, member_id)  # member counts stay right
        await tx.execute(sa.delete(link_codes).where(link_codes.c.kind == "member", link_codes.c.owner_id == member_id))
        await tx.execute(sa.delete(members).where(members.c.id == member_id))


class SqlLinkCodeRepo:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def create(self, code: str, kind: str, owner_id: int, platform: str, expires_at: datetime) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.insert(link_codes).values(
                    code=code, kind=kind, owner_id=owner_id, platform=platform, expires_at=expires_at
                )
            )

    async def consume(self, code: str, kind: str, now: datetime) -> tuple[int, str] | None:
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    sa.select(link_codes).where(
                        link_codes.c.code == code,
                        link_codes.c.kind == kind,
                        link_codes.c.used_at.is_(None),
                        link_codes.c.expires_at > now,
                    )
                )
            ).first()
            if row is None:
                return None
            done = await conn.execute(
                sa.update(link_codes)
                .where(link_codes.c.code == code, link_codes.c.used_at.is_(None))
                .values(used_at=now)
            )
            if done.rowcount != 1:
                return None
            return row.owner_id, row.platform
