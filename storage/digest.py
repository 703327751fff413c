"""DigestRepo and RiskRepo on SQLAlchemy Core, and the digest's member-data part (subscriptions)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from cogs.digest.models import DigestSettings, RiskAlert, RiskExample, Subscription
from storage.db import insert_for, upsert
from storage.member_data import rows_json
from storage.tables import (
    communities,
    digest_runs,
    digest_settings,
    digest_subscriptions,
    digest_watch_terms,
    risk_alerts,
    risk_hourly,
)

_sub = digest_subscriptions.c


class SqlDigestRepo:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def settings(self, community_id: int) -> DigestSettings:
        c = digest_settings.c
        async with self.engine.connect() as conn:
            row = (await conn.execute(sa.select(digest_settings).where(c.community_id == community_id))).first()
        if row is None:
            return DigestSettings(community_id)
        return DigestSettings(community_id, int(row.weekday), int(row.hour), bool(row.to_channel))

    async def save_settings(self, settings: DigestSettings, now: datetime) -> None:
        values = {
            "community_id": settings.community_id,
            "weekday": settings.weekday,
            "hour": settings.hour,
            "to_channel": settings.to_channel,
            "updated_at": now,
        }
        async with self.engine.begin() as conn:
            stmt = insert_for(conn.dialect.name)(digest_settings).values(**values)
            await conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["community_id"],
                    set_={k: stmt.excluded[k] for k in ("weekday", "hour", "to_channel", "updated_at")},
                )
            )

    async def subscribe(self, subscription: Subscription, now: datetime) -> bool:
        where = (_sub.community_id == subscription.community_id) & (_sub.member_id == subscription.member_id)
        async with self.engine.begin() as conn:
            found = (await conn.execute(sa.select(_sub.platform).where(where))).first()
            if found is not None:
                await conn.execute(
                    sa.update(digest_subscriptions)
                    .where(where)
                    .values(platform=subscription.platform, user_id=subscription.user_id)
                )
                return False
            await conn.execute(
                sa.insert(digest_subscriptions).values(
                    community_id=subscription.community_id,
                    member_id=subscription.member_id,
                    platform=subscription.platform,
                    user_id=subscription.user_id,
                    created_at=now,
                )
            )
            return True

    async def unsubscribe(self, community_id: int, member_id: int) -> bool:
        async with self.engine.begin() as conn:
            result = await conn.execute(
                sa.delete(digest_subscriptions).where(_sub.community_id == community_id, _sub.member_id == member_id)
            )
        return bool(result.rowcount)

    async def subscriptions(self, community_id: int) -> list[Subscription]:
        query = sa.select(_sub.community_id, _sub.member_id, _sub.platform, _sub.user_id).where(
            _sub.community_id == community_id
        )
        async with self.engine.connect() as conn:
            return [Subscription(*r) for r in await conn.execute(query.order_by(_sub.member_id))]

    async def community_ids(self) -> list[int]:
        query = sa.union(
            sa.select(_sub.community_id), sa.select(communities.c.id).where(communities.c.manager_channel.is_not(None))
        )
        async with self.engine.connect() as conn:
            return sorted(int(c) for c in (await conn.execute(query)).scalars())

    async def ran(self, community_id: int, week: date) -> bool:
        r = digest_runs.c
        async with self.engine.connect() as conn:
            found = (
                await conn.execute(sa.select(r.week).where(r.community_id == community_id, r.week == week))
            ).first()
        return found is not None

    async def record_run(self, community_id: int, week: date, recipients: int, now: datetime) -> None:
        row = {"community_id": community_id, "week": week, "composed_at": now, "recipients": recipients}
        async with self.engine.begin() as conn:
            await conn.execute(upsert(conn.dialect.name, digest_runs, [row], ["community_id", "week"]), row)

    async def watch_terms(self, community_id: int) -> list[str]:
        w = digest_watch_terms.c
        async with self.engine.connect() as conn:
            rows = await conn.execute(sa.select(w.term).where(w.community_id == community_id).order_by(w.term))
            return list(rows.scalars())

    async def all_watch_terms(self) -> dict[int, list[str]]:
        w = digest_watch_terms.c
        out: dict[int, list[str]] = {}
        async with self.engine.connect() as conn:
            for community_id, term in await conn.execute(sa.select(w.community_id, w.term).order_by(w.term)):
                out.setdefault(int(community_id), []).append(term)
        return out

    async def add_watch_term(self, community_id: int, term: str, now: datetime) -> bool:
        row = {"community_id": community_id, "term": term, "created_at": now}
        async with self.engine.begin() as conn:
            result = await conn.execute(
                upsert(conn.dialect.name, digest_watch_terms, [row], ["community_id", "term"]), row
            )
        return bool(result.rowcount)

    async def remove_watch_term(self, community_id: int, term: str) -> bool:
        w = digest_watch_terms.c
        async with self.engine.begin() as conn:
            result = await conn.execute(
                sa.delete(digest_watch_terms).where(w.community_id == community_id, w.term == term)
            )
        return bool(result.rowcount)


def _alert(row: Any) -> RiskAlert:
    examples = tuple(RiskExample(*e) for e in json.loads(row.examples or "[]"))
    return RiskAlert(
        row.id, row.community_id, row.kind, row.hour, row.count, row.baseline, row.score, examples, row.created_at
    )


class SqlRiskRepo:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def add_counts(self, counts: Sequence[tuple[int, str, datetime, int]]) -> None:
        rows = [{"community_id": c, "kind": k, "hour": h, "count": n} for c, k, h, n in counts]
        if not rows:
            return
        async with self.engine.begin() as conn:
            keys = ["community_id", "kind", "hour"]
            await conn.execute(upsert(conn.dialect.name, risk_hourly, rows, keys, ["count"]), rows)

    async def history(self, community_id: int, kind: str, hours: Sequence[datetime]) -> dict[datetime, int]:
        h = risk_hourly.c
        query = sa.select(h.hour, h.count).where(
            h.community_id == community_id, h.kind == kind, h.hour.in_(list(hours))
        )
        async with self.engine.connect() as conn:
            return {hour: int(n) for hour, n in await conn.execute(query)}

    async def record_alert(
        self,
        community_id: int,
        kind: str,
        hour: datetime,
        count: int,
        baseline: float,
        score: float,
        examples: Sequence[RiskExample],
        now: datetime,
    ) -> RiskAlert | None:
        values = {
            "community_id": community_id,
            "kind": kind,
            "hour": hour,
            "count": count,
            "baseline": baseline,
            "score": score,
            "examples": json.dumps([[e.platform, e.scope_id, e.channel_id, e.message_id] for e in examples]),
            "created_at": now,
        }
        try:
            async with self.engine.begin() as conn:
                new_id = (
                    await conn.execute(sa.insert(risk_alerts).values(**values).returning(risk_alerts.c.id))
                ).scalar_one()
        except IntegrityError:
            return None
        return RiskAlert(new_id, community_id, kind, hour, count, baseline, score, tuple(examples), now)

    async def last_alert(self, community_id: int, kind: str) -> RiskAlert | None:
        a = risk_alerts.c
        query = (
            sa.select(risk_alerts)
            .where(a.community_id == community_id, a.kind == kind)
            .order_by(a.hour.desc())
            .limit(1)
        )
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return _alert(row) if row else None

    async def alerts(self, community_id: int, start: datetime, end: datetime) -> list[RiskAlert]:
        a = risk_alerts.c
        query = (
            sa.select(risk_alerts)
            .where(a.community_id == community_id, a.created_at >= start, a.created_at < end)
            .order_by(a.created_at)
        )
        async with self.engine.connect() as conn:
            return [_alert(r) for r in await conn.execute(query)]

    async def purge_before(self, cutoff: datetime) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(sa.delete(risk_hourly).where(risk_hourly.c.hour < cutoff))


class DigestData:
    """Member-data part for the digest: managers' subscriptions (a member's own choice, so merged and erased like
    settings)."""

    feature = "digest"
    columns = ("digest_subscriptions.member_id",)

    async def merge(self, tx: AsyncConnection, keep_id: int, drop_id: int) -> None:
        mine = sa.select(_sub.community_id).where(_sub.member_id == keep_id).scalar_subquery()
        await tx.execute(sa.delete(digest_subscriptions).where(_sub.member_id == drop_id, _sub.community_id.in_(mine)))
        await tx.execute(sa.update(digest_subscriptions).where(_sub.member_id == drop_id).values(member_id=keep_id))

    async def export(self, tx: AsyncConnection, member_id: int) -> dict[str, Any]:
        rows = (
            await tx.execute(
                sa.select(_sub.community_id, _sub.platform, _sub.created_at).where(_sub.member_id == member_id)
            )
        ).all()
        return {"digest_subscriptions": rows_json(rows)}

    async def erase(self, tx: AsyncConnection, member_id: int, anonymous_id: int) -> None:
        await tx.execute(sa.delete(digest_subscriptions).where(_sub.member_id == member_id))
