"""Onboarding's timed rows on SQLAlchemy Core: pending welcome posts, rules gates and nudges (part of
SqlOnboardingRepo, kept apart to keep each file readable)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.core.targets import Target
from cogs.onboarding.models import Gate, GateKind, GateStatus, NewGate, Nudge, NudgeStatus, PendingWelcome
from storage.db import upsert
from storage.tables.onboarding import onboarding_gates, onboarding_nudges, onboarding_welcomes

_g, _n, _w = onboarding_gates.c, onboarding_nudges.c, onboarding_welcomes.c


def _gate(r: Any) -> Gate:
    return Gate(
        id=r.id,
        community_id=r.community_id,
        member_id=r.member_id,
        platform=r.platform,
        scope_id=r.scope_id,
        user_id=r.user_id,
        name=r.name,
        kind=GateKind(r.kind),
        status=GateStatus(r.status),
        created_at=r.created_at,
        deadline=r.deadline,
        post=Target.from_json(r.post) if r.post else None,
        post_id=r.post_id,
        finished_at=r.finished_at,
    )


def _nudge(r: Any) -> Nudge:
    posted = None if r.posted_after is None else bool(r.posted_after)
    return Nudge(r.community_id, r.member_id, r.day, r.due_at, NudgeStatus(r.status), r.sent_at, posted)


def _welcome(r: Any) -> PendingWelcome:
    return PendingWelcome(r.id, r.community_id, r.member_id, r.platform, r.scope_id, r.user_id, r.name, r.post_due_at)


class TimedRows:
    engine: AsyncEngine

    # -- welcome posts ------------------------------------------------------------------------------
    async def add_welcome(
        self,
        community_id: int,
        member_id: int,
        platform: str,
        scope_id: str,
        user_id: str,
        name: str,
        due: datetime | None,
        now: datetime,
    ) -> PendingWelcome:
        async with self.engine.begin() as conn:
            new_id = (
                await conn.execute(
                    sa.insert(onboarding_welcomes)
                    .values(
                        community_id=community_id,
                        member_id=member_id,
                        platform=platform,
                        scope_id=scope_id,
                        user_id=user_id,
                        name=name[:200],
                        created_at=now,
                        post_due_at=due,
                    )  # fmt: skip
                    .returning(_w.id)
                )
            ).scalar_one()
        return PendingWelcome(new_id, community_id, member_id, platform, scope_id, user_id, name[:200], due)

    def _waiting(self) -> sa.ColumnElement[bool]:
        return _w.post_sent_at.is_(None) & _w.post_due_at.is_not(None)

    async def welcome_batch_due(self, platform: str, scope_id: str) -> datetime | None:
        query = sa.select(sa.func.min(_w.post_due_at)).where(
            _w.platform == platform, _w.scope_id == scope_id, self._waiting()
        )
        async with self.engine.connect() as conn:
            return await self._stamp(conn, query)

    @staticmethod
    async def _stamp(conn: AsyncConnection, query: sa.Select[Any]) -> datetime | None:
        value: datetime | None = (await conn.execute(query)).scalar()  # min/max keep the column's UTC type
        return value

    async def last_welcome_post(self, platform: str, scope_id: str) -> datetime | None:
        query = sa.select(sa.func.max(_w.post_sent_at)).where(_w.platform == platform, _w.scope_id == scope_id)
        async with self.engine.connect() as conn:
            return await self._stamp(conn, query)

    async def welcomes_due(self, now: datetime) -> list[PendingWelcome]:
        query = sa.select(onboarding_welcomes).where(self._waiting(), _w.post_due_at <= now).order_by(_w.id)
        async with self.engine.connect() as conn:
            return [_welcome(r) for r in await conn.execute(query)]

    async def mark_welcomes_posted(self, ids: Sequence[int], now: datetime) -> None:
        if ids:
            async with self.engine.begin() as conn:
                await conn.execute(sa.update(onboarding_welcomes).where(_w.id.in_(list(ids))).values(post_sent_at=now))

    async def latest_welcome(self, community_id: int, member_id: int, platform: str) -> PendingWelcome | None:
        query = (
            sa.select(onboarding_welcomes)
            .where(_w.community_id == community_id, _w.member_id == member_id, _w.platform == platform)
            .order_by(_w.id.desc())
            .limit(1)
        )
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return _welcome(row) if row else None

    async def next_welcome_due(self) -> datetime | None:
        async with self.engine.connect() as conn:
            return await self._stamp(conn, sa.select(sa.func.min(_w.post_due_at)).where(self._waiting()))

    # -- gates --------------------------------------------------------------------------------------
    async def create_gate(self, gate: NewGate, now: datetime) -> Gate:
        async with self.engine.begin() as conn:
            new_id = (
                await conn.execute(
                    sa.insert(onboarding_gates)
                    .values(
                        community_id=gate.community_id,
                        member_id=gate.member_id,
                        platform=gate.platform,
                        scope_id=gate.scope_id,
                        user_id=gate.user_id,
                        name=gate.name[:200],
                        kind=gate.kind.value,
                        status=GateStatus.PENDING.value,
                        created_at=now,
                        deadline=gate.deadline,
                    )  # fmt: skip
                    .returning(_g.id)
                )
            ).scalar_one()
        found = await self.gate(new_id)
        assert found is not None
        return found

    async def gate(self, gate_id: int) -> Gate | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(sa.select(onboarding_gates).where(_g.id == gate_id))).first()
        return _gate(row) if row else None

    async def set_gate_post(self, gate_id: int, target: Target, post_id: str | None) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.update(onboarding_gates).where(_g.id == gate_id).values(post=target.to_json(), post_id=post_id)
            )

    async def finish_gate(self, gate_id: int, status: GateStatus, now: datetime) -> bool:
        async with self.engine.begin() as conn:
            done = await conn.execute(
                sa.update(onboarding_gates)
                .where(_g.id == gate_id, _g.status == GateStatus.PENDING.value)
                .values(status=status.value, finished_at=now)
            )
            return done.rowcount == 1

    async def pending_gates(self, community_id: int, member_id: int) -> list[Gate]:
        return await self._gates(
            (_g.community_id == community_id) & (_g.member_id == member_id) & (_g.status == GateStatus.PENDING.value)
        )

    async def accepted_gate(self, community_id: int, member_id: int) -> Gate | None:
        found = await self._gates(
            (_g.community_id == community_id) & (_g.member_id == member_id) & (_g.status == GateStatus.ACCEPTED.value)
        )
        return found[-1] if found else None

    async def _gates(self, where: sa.ColumnElement[bool]) -> list[Gate]:
        async with self.engine.connect() as conn:
            return [_gate(r) for r in await conn.execute(sa.select(onboarding_gates).where(where).order_by(_g.id))]

    async def gates_due(self, now: datetime) -> list[Gate]:
        return await self._gates((_g.status == GateStatus.PENDING.value) & (_g.deadline <= now))

    async def next_gate_deadline(self) -> datetime | None:
        query = sa.select(sa.func.min(_g.deadline)).where(_g.status == GateStatus.PENDING.value)
        async with self.engine.connect() as conn:
            return await self._stamp(conn, query)

    # -- nudges -------------------------------------------------------------------------------------
    async def add_nudges(self, community_id: int, member_id: int, due: Sequence[tuple[int, datetime]]) -> None:
        rows = [{"community_id": community_id, "member_id": member_id, "day": d, "due_at": at} for d, at in due]
        if rows:
            async with self.engine.begin() as conn:
                stmt = upsert(conn.dialect.name, onboarding_nudges, rows, ["community_id", "member_id", "day"])
                await conn.execute(stmt, rows)

    async def nudges_due(self, now: datetime) -> list[Nudge]:
        query = sa.select(onboarding_nudges).where(_n.status == NudgeStatus.PENDING.value, _n.due_at <= now)
        async with self.engine.connect() as conn:
            return [_nudge(r) for r in await conn.execute(query.order_by(_n.due_at))]

    async def mark_nudge(self, nudge: Nudge, status: NudgeStatus, now: datetime) -> bool:
        values: dict[str, Any] = {"status": status.value}
        if status is NudgeStatus.SENT:
            values["sent_at"] = now
        async with self.engine.begin() as conn:
            done = await conn.execute(
                sa.update(onboarding_nudges)
                .where(
                    _n.community_id == nudge.community_id,
                    _n.member_id == nudge.member_id,
                    _n.day == nudge.day,
                    _n.status == NudgeStatus.PENDING.value,
                )  # fmt: skip
                .values(**values)
            )
            return done.rowcount == 1

    async def skip_pending_nudges(self, community_id: int, member_id: int, now: datetime) -> int:
        async with self.engine.begin() as conn:
            done = await conn.execute(
                sa.update(onboarding_nudges)
                .where(
                    _n.community_id == community_id, _n.member_id == member_id, _n.status == NudgeStatus.PENDING.value
                )  # fmt: skip
                .values(status=NudgeStatus.SKIPPED.value)
            )
            return int(done.rowcount or 0)

    async def nudges_awaiting_outcome(self, sent_before: datetime) -> list[Nudge]:
        query = sa.select(onboarding_nudges).where(
            _n.status == NudgeStatus.SENT.value, _n.posted_after.is_(None), _n.sent_at <= sent_before
        )
        async with self.engine.connect() as conn:
            return [_nudge(r) for r in await conn.execute(query)]

    async def set_nudge_outcome(self, nudge: Nudge, posted: bool) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.update(onboarding_nudges)
                .where(_n.community_id == nudge.community_id, _n.member_id == nudge.member_id, _n.day == nudge.day)
                .values(posted_after=posted)
            )

    async def next_nudge_work(self, window_days: int) -> datetime | None:
        async with self.engine.connect() as conn:
            due = await self._stamp(
                conn, sa.select(sa.func.min(_n.due_at)).where(_n.status == NudgeStatus.PENDING.value)
            )
            sent = await self._stamp(
                conn,
                sa.select(sa.func.min(_n.sent_at)).where(
                    _n.status == NudgeStatus.SENT.value, _n.posted_after.is_(None)
                ),
            )
        times = [t for t in (due, sent + timedelta(days=window_days) if sent else None) if t is not None]
        return min(times) if times else None

    async def nudges(self, community_id: int) -> list[Nudge]:
        query = sa.select(onboarding_nudges).where(_n.community_id == community_id).order_by(_n.member_id, _n.day)
        async with self.engine.connect() as conn:
            return [_nudge(r) for r in await conn.execute(query)]
