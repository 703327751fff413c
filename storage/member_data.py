"""The member-data contract run across every feature in one transaction (`/link`, `/privacy`), and the
few moves its parts share (DESIGN.md §1: every member column belongs to one feature's part)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.core.clock import Clock
from cogs.members.ports import MemberDataPart
from storage.db import upsert
from storage.tables.members import member_settings, members


class SqlMemberData:
    """Runs every registered part; the members part (identities, the member row) always runs last
    because it deletes the member that the other parts' rows point at."""

    def __init__(self, engine: AsyncEngine, clock: Clock, core: MemberDataPart) -> None:
        self.engine = engine
        self.clock = clock
        self.core = core
        self.parts: list[MemberDataPart] = []

    def register(self, part: MemberDataPart) -> None:
        if any(p.feature == part.feature for p in [*self.parts, self.core]):
            raise ValueError(f"member data for {part.feature} registered twice")
        self.parts.append(part)

    @property
    def all_parts(self) -> list[MemberDataPart]:
        return [*self.parts, self.core]

    def claimed(self) -> set[str]:
        return {column for part in self.all_parts for column in part.columns}

    async def merge(self, keep_id: int, drop_id: int) -> None:
        if keep_id == drop_id:
            return
        async with self.engine.begin() as tx:
            for part in self.all_parts:
                await part.merge(tx, keep_id, drop_id)

    async def export(self, member_id: int) -> dict[str, dict[str, Any]]:
        async with self.engine.connect() as tx:
            return {part.feature: await part.export(tx, member_id) for part in self.all_parts}

    async def erase(self, member_id: int) -> None:
        async with self.engine.begin() as tx:
            anonymous = await new_anonymous_member(tx, self.clock.now())
            for part in self.all_parts:
                await part.erase(tx, member_id, anonymous)


async def new_anonymous_member(tx: AsyncConnection, now: datetime) -> int:
    """A member with no identity and no name: where an erased member's counts go. It is out of per-member
    analytics, so its counts stay in every total while no list (drifting members, advocates, newcomers) shows it
    as "#<id>" — the erased person by another name."""
    result = await tx.execute(sa.insert(members).values(display_name=None, created_at=now, origin=None))
    assert result.inserted_primary_key is not None
    anonymous = int(result.inserted_primary_key[0])
    await tx.execute(sa.insert(member_settings).values(member_id=anonymous, analytics_opt_out=True))
    return anonymous


# -- moves the parts share -----------------------------------------------------------------------


async def reassign(tx: AsyncConnection, column: sa.Column[Any], keep_id: int, drop_id: int) -> None:
    """Point every row of `column == drop_id` at keep_id (no uniqueness involved)."""
    await tx.execute(sa.update(column.table).where(column == drop_id).values({column.name: keep_id}))


async def reassign_unique(
    tx: AsyncConnection,
    column: sa.Column[Any],
    keep_id: int,
    drop_id: int,
    key: Sequence[sa.Column[Any]],
    newer: sa.Column[Any] | None = None,
) -> None:
    """Like `reassign` for tables unique on (key…, column): where both members have a row for the same
    key, one survives — the newer by `newer` (the member's latest answer), else keep_id's."""
    table = column.table
    mine = table.alias("mine")
    theirs = table.alias("theirs")
    same_key = sa.and_(*(mine.c[k.name] == theirs.c[k.name] for k in key))
    if newer is not None:
        # keep_id's rows that are older than drop_id's answer for the same key give way…
        older_keep = sa.select(*(mine.c[k.name] for k in key)).where(
            mine.c[column.name] == keep_id,
            sa.exists().where(same_key, theirs.c[column.name] == drop_id, theirs.c[newer.name] > mine.c[newer.name]),
        )
        for row in (await tx.execute(older_keep)).all():
            await tx.execute(
                sa.delete(table).where(column == keep_id, *(k == v for k, v in zip(key, row, strict=True)))
            )
    # …and drop_id's rows that still collide with one of keep_id's are the duplicates.
    colliding = sa.select(*(theirs.c[k.name] for k in key)).where(
        theirs.c[column.name] == drop_id, sa.exists().where(same_key, mine.c[column.name] == keep_id)
    )
    for row in (await tx.execute(colliding)).all():
        await tx.execute(sa.delete(table).where(column == drop_id, *(k == v for k, v in zip(key, row, strict=True))))
    await reassign(tx, column, keep_id, drop_id)


async def sum_into(
    tx: AsyncConnection,
    column: sa.Column[Any],
    keep_id: int,
    drop_id: int,
    keys: Sequence[str],
    counters: Sequence[str],
) -> None:
    """Counter rows (rollups) keyed by (keys…, member): drop_id's counts are added to keep_id's rows for
    the same key, then drop_id's rows go. Nothing is counted twice, nothing is lost."""
    table = column.table
    others = [table.c[k] for k in keys if k != column.name]
    select = sa.select(*others, sa.literal(keep_id).label(column.name), *(table.c[c] for c in counters)).where(
        column == drop_id
    )
    names = [*(c.name for c in others), column.name, *counters]
    await tx.execute(upsert(tx.dialect.name, table, [], keys, counters, from_select=(names, select)))
    await tx.execute(sa.delete(table).where(column == drop_id))


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def rows_json(rows: Sequence[Any], skip: Sequence[str] = ()) -> list[dict[str, Any]]:
    return [{k: jsonable(v) for k, v in row._mapping.items() if k not in skip} for row in rows]
