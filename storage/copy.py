"""`hearth migrate --copy-from`: copy a whole Hearth database (typically the SQLite file) into an empty one
(typically PostgreSQL). Both are first brought to the newest migration, so they have the same tables; rows
are copied table by table in foreign-key order inside one transaction on the target, every table's row count
is compared before that transaction commits, and id sequences are moved past the copied ids. A failure at
any point leaves the target as empty as it was."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.db import insert_rows, migrate, reset_sequences, snapshot, where
from storage.tables import metadata

CHUNK = 5000

# (table, rows copied so far, rows in the table): called at the start of each table and after each chunk.
Progress = Callable[[str, int, int], None]


class CopyRefused(Exception):
    """The copy cannot start or did not add up; the target is unchanged. One line for the user."""


@dataclass(frozen=True)
class TableCount:
    table: str
    source: int
    target: int


@dataclass(frozen=True)
class CopyReport:
    tables: list[TableCount]
    sequences_reset: list[str]

    @property
    def rows(self) -> int:
        return sum(t.target for t in self.tables)


async def _counts(conn: AsyncConnection, tables: list[sa.Table]) -> dict[str, int]:
    return {t.name: int((await conn.execute(sa.select(sa.func.count()).select_from(t))).scalar_one()) for t in tables}


async def copy_database(source: AsyncEngine, target: AsyncEngine, progress: Progress | None = None) -> CopyReport:
    if source.url == target.url:
        raise CopyRefused("the source and the target are the same database")
    await migrate(source)
    await migrate(target)
    tables = list(metadata.sorted_tables)  # parents before children
    async with target.connect() as conn:
        filled = {name: n for name, n in (await _counts(conn, tables)).items() if n}
    if filled:
        some = ", ".join(f"{name}: {n:,} rows" for name, n in list(filled.items())[:3])
        raise CopyRefused(f"the target database {where(target)} is not empty ({some}): copy only into an empty one")

    async with snapshot(source) as src, target.begin() as dst:
        expected = await _counts(src, tables)
        for table in tables:
            total, done = expected[table.name], 0
            if progress:
                progress(table.name, 0, total)
            columns = [c.name for c in table.columns]
            order = list(table.primary_key.columns) or list(table.columns)
            result = await src.stream(sa.select(table).order_by(*order))
            async for chunk in result.partitions(CHUNK):
                await insert_rows(dst, table, columns, [tuple(row) for row in chunk])
                done += len(chunk)
                if progress:
                    progress(table.name, done, total)
        copied = await _counts(dst, tables)
        wrong = [name for name in expected if copied[name] != expected[name]]
        if wrong:  # leaving the block with an exception rolls the whole copy back
            name = wrong[0]
            raise CopyRefused(f"row counts differ after copying ({name}: {expected[name]:,} → {copied[name]:,})")
        sequences = await reset_sequences(dst, tables)
    return CopyReport([TableCount(t.name, expected[t.name], copied[t.name]) for t in tables], sequences)
