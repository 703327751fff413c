"""Named integer cursors (e.g. the last processed Telegram update_id)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import upsert
from storage.tables.outbox import cursors


class SqlCursorRepo:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def get(self, name: str) -> int | None:
        async with self.engine.connect() as conn:
            return (await conn.execute(sa.select(cursors.c.value).where(cursors.c.name == name))).scalar()

    async def set(self, name: str, value: int) -> None:
        row = {"name": name, "value": value}
        async with self.engine.begin() as conn:
            await conn.execute(upsert(conn.dialect.name, cursors, [row], ["name"], replace=["value"]), row)
