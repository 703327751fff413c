"""OutboxRepo on SQLAlchemy Core."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.core.outbound import OutMessage
from bot.core.serialize import message_from_json, message_to_json
from bot.core.targets import Target
from cogs.outbox.models import OutboxItem, OutboxKey, OutboxStatus
from storage.db import upsert
from storage.member_data import reassign, rows_json
from storage.tables.members import member_identities
from storage.tables.outbox import outbox


def _item(r: Any) -> OutboxItem:
    return OutboxItem(
        r.id,
        OutboxKey(r.feature, r.subject, r.part, r.member_id, bool(r.fallback)),
        Target.from_json(r.target),
        message_from_json(r.payload),
        r.locale,
        r.due_at,
        OutboxStatus(r.status),
        r.attempts,
    )


def _key_columns(key: OutboxKey) -> dict[str, Any]:
    return {
        "key": key.text,
        "feature": key.feature,
        "subject": key.subject,
        "part": key.part,
        "member_id": key.member_id,
        "fallback": key.fallback,
    }


class SqlOutboxRepo:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def enqueue(
        self, key: OutboxKey, target: Target, message: OutMessage, locale: str, due_at: datetime, now: datetime
    ) -> bool:
        row = {
            **_key_columns(key),
            "target": target.to_json(),
            "payload": message_to_json(message),
            "locale": locale,
            "due_at": due_at,
            "created_at": now,
        }
        async with self.engine.begin() as conn:
            result = await conn.execute(upsert(conn.dialect.name, outbox, [row], ["key"]), row)
            return bool(result.rowcount)

    async def enqueue_many(
        self, items: list[tuple[OutboxKey, Target, OutMessage, str, datetime]], now: datetime
    ) -> int:
        rows = [
            {
                **_key_columns(key),
                "target": target.to_json(),
                "payload": message_to_json(message),
                "locale": locale,
                "due_at": due_at,
                "created_at": now,
            }
            for key, target, message, locale, due_at in items
        ]
        if not rows:
            return 0
        async with self.engine.begin() as conn:
            # Counted from RETURNING: executemany's rowcount is the sum on SQLite but -1 on asyncpg.
            created = await conn.execute(upsert(conn.dialect.name, outbox, rows, ["key"]).returning(outbox.c.id), rows)
            return len(created.all())

    async def due(self, now: datetime, limit: int = 500) -> list[OutboxItem]:
        query = (
            sa.select(outbox)
            .where(outbox.c.status == OutboxStatus.PENDING.value, outbox.c.due_at <= now)
            .order_by(outbox.c.due_at, outbox.c.id)
            .limit(limit)
        )
        async with self.engine.connect() as conn:
            return [_item(r) for r in await conn.execute(query)]

    async def mark(
        self, item_id: int, status: OutboxStatus, now: datetime, *, late: bool = False, error: str | None = None
    ) -> None:
        values: dict[str, Any] = {"status": status.value, "attempts": outbox.c.attempts + 1, "late": late}
        if status is OutboxStatus.SENT:
            values["sent_at"] = now
        if error is not None:
            values["error"] = error
        async with self.engine.begin() as conn:
            await conn.execute(sa.update(outbox).where(outbox.c.id == item_id).values(**values))

    async def get(self, key: OutboxKey) -> OutboxItem | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(sa.select(outbox).where(outbox.c.key == key.text))).first()
        return _item(row) if row else None


class OutboxData:
    """Member-data part for the outbox: sends addressed to a member (their text names them), and sends to others
    that name them by their platform id (a welcome post in the group, a moderation-log entry)."""

    feature = "outbox"
    columns = ("outbox.member_id",)

    async def merge(self, tx: AsyncConnection, keep_id: int, drop_id: int) -> None:
        # Pending sends still go to the account they were addressed to; the row now names the kept member.
        await reassign(tx, outbox.c.member_id, keep_id, drop_id)

    async def export(self, tx: AsyncConnection, member_id: int) -> dict[str, Any]:
        o = outbox.c
        columns = (o.feature, o.part, o.status, o.due_at, o.sent_at)
        rows = (await tx.execute(sa.select(*columns).where(o.member_id == member_id))).all()
        naming = await _naming(tx, member_id)
        about = (await tx.execute(sa.select(*columns).where(o.id.in_(naming)).order_by(o.id))).all() if naming else []
        return {"messages_to_you": rows_json(rows), "posts_naming_you": rows_json(about)}

    async def erase(self, tx: AsyncConnection, member_id: int, anonymous_id: int) -> None:
        # A post that names them goes too, sent or not: its text is theirs (their name, a moderator's reason).
        naming = await _naming(tx, member_id)
        if naming:
            await tx.execute(sa.delete(outbox).where(outbox.c.id.in_(naming)))
        await tx.execute(sa.delete(outbox).where(outbox.c.member_id == member_id))


async def _naming(tx: AsyncConnection, member_id: int) -> list[int]:
    """Ids of sends addressed to someone else (or to a chat) whose message mentions one of the member's platform
    accounts. A text search narrows the rows; the message itself decides (a user id is per platform)."""
    found: list[int] = []
    o, i = outbox.c, member_identities.c
    accounts = (await tx.execute(sa.select(i.platform, i.user_id).where(i.member_id == member_id))).all()
    for platform, user_id in accounts:
        quoted = json.dumps(str(user_id))
        candidates = await tx.execute(
            sa.select(o.id, o.target, o.payload).where(
                sa.or_(o.member_id.is_(None), o.member_id != member_id), o.payload.contains(quoted, autoescape=True)
            )
        )
        for row_id, target, payload in candidates:
            if Target.from_json(target).platform.value == platform and _mentions(json.loads(payload), str(user_id)):
                found.append(int(row_id))
    return found


def _mentions(payload: Any, user_id: str) -> bool:
    """A serialised OutMessage (bot/core/serialize.py) naming `user_id`: a `$user` reference or a mention."""
    if isinstance(payload, dict):
        ref = payload.get("$user")
        if isinstance(ref, list) and ref and ref[0] == user_id:
            return True
        if user_id in (payload.get("mention_ids") or ()):
            return True
        return any(_mentions(v, user_id) for v in payload.values())
    if isinstance(payload, list):
        return any(_mentions(v, user_id) for v in payload)
    return False
