"""OnboardingRepo on SQLAlchemy Core, and onboarding's part of the member-data contract."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.core.targets import Target
from cogs.onboarding.models import (
    Interest,
    Journey,
    OnboardingSettings,
    TemplateKind,
)
from storage.db import upsert
from storage.member_data import reassign, reassign_unique, rows_json
from storage.onboarding_timed import TimedRows
from storage.tables import activity_daily, activity_events, community_members, membership_events
from storage.tables.onboarding import (
    onboarding_gates,
    onboarding_interests,
    onboarding_journeys,
    onboarding_member_interests,
    onboarding_nudges,
    onboarding_settings,
    onboarding_templates,
    onboarding_welcomes,
)

CHUNK = 500
_j, _g, _n, _w = onboarding_journeys.c, onboarding_gates.c, onboarding_nudges.c, onboarding_welcomes.c
_i, _mi = onboarding_interests.c, onboarding_member_interests.c


def _settings(community_id: int, r: Any | None) -> OnboardingSettings:
    if r is None:
        return OnboardingSettings(community_id)
    return OnboardingSettings(
        community_id=community_id,
        rules=tuple(json.loads(r.rules or "[]")),
        gate_enabled=bool(r.gate_enabled),
        gate_minutes=r.gate_minutes,
        member_role=r.member_role,
        welcome_channel=Target.from_json(r.welcome_channel) if r.welcome_channel else None,
        welcome_post=bool(r.welcome_post),
        welcome_dm=bool(r.welcome_dm),
        nudges_enabled=bool(r.nudges_enabled),
        nudge_days=tuple(json.loads(r.nudge_days or "[]")),
    )


def _setting_columns(fields: dict[str, Any]) -> dict[str, Any]:
    known = set(OnboardingSettings.__dataclass_fields__) - {"community_id"}
    values: dict[str, Any] = {}
    for name, value in fields.items():
        if name not in known:
            raise ValueError(f"unknown onboarding setting {name}")
        if name in ("rules", "nudge_days"):
            values[name] = json.dumps(list(value), ensure_ascii=False)
        elif name == "welcome_channel":
            values[name] = value.to_json() if value is not None else None
        else:
            values[name] = value
    return values


def _journey(r: Any) -> Journey:
    return Journey(
        community_id=r.community_id,
        member_id=r.member_id,
        joined_at=r.joined_at,
        last_joined_at=r.last_joined_at,
        joins=r.joins,
        gated=bool(r.gated),
        rules_accepted_at=r.rules_accepted_at,
        first_message_at=r.first_message_at,
        first_reply_at=r.first_reply_at,
        week2_active_at=r.week2_active_at,
        regular_at=r.regular_at,
        left_at=r.left_at,
        nudges_opt_out=bool(r.nudges_opt_out),
        platform=r.platform,
        welcome_fallback_at=r.welcome_fallback_at,
    )


def _earliest(column: sa.Column[Any], param: str) -> sa.ColumnElement[Any]:
    """Keep the earlier of the stored time and the given one (NULL given: keep)."""
    given = sa.bindparam(param, type_=column.type)
    return sa.case(
        (given.is_(None), column),
        (column.is_(None) | (column > given), given),
        else_=column,
    )


class SqlOnboardingRepo(TimedRows):
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    # -- settings and templates ---------------------------------------------------------------------
    async def settings(self, community_id: int) -> OnboardingSettings:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    sa.select(onboarding_settings).where(onboarding_settings.c.community_id == community_id)
                )
            ).first()
        return _settings(community_id, row)

    async def update_settings(self, community_id: int, **fields: Any) -> OnboardingSettings:
        values = _setting_columns(fields)
        async with self.engine.begin() as conn:
            row = {"community_id": community_id}
            await conn.execute(upsert(conn.dialect.name, onboarding_settings, [row], ["community_id"]), row)
            if values:
                await conn.execute(
                    sa.update(onboarding_settings)
                    .where(onboarding_settings.c.community_id == community_id)
                    .values(**values)
                )
        return await self.settings(community_id)

    async def templates(self, community_id: int) -> dict[tuple[str, TemplateKind], str]:
        t = onboarding_templates.c
        async with self.engine.connect() as conn:
            rows = await conn.execute(sa.select(onboarding_templates).where(t.community_id == community_id))
            return {(r.locale, TemplateKind(r.kind)): r.text for r in rows}

    async def set_templates(self, community_id: int, locale: str, texts: dict[TemplateKind, str | None]) -> None:
        t = onboarding_templates.c
        async with self.engine.begin() as conn:
            for kind, text in texts.items():
                where = (t.community_id == community_id) & (t.locale == locale) & (t.kind == kind.value)
                await conn.execute(sa.delete(onboarding_templates).where(where))
                if text is not None:
                    await conn.execute(
                        sa.insert(onboarding_templates).values(
                            community_id=community_id, locale=locale, kind=kind.value, text=text
                        )
                    )

    # -- interests ----------------------------------------------------------------------------------
    async def interests(self, community_id: int) -> list[Interest]:
        async with self.engine.connect() as conn:
            return await self._interests(conn, community_id)

    @staticmethod
    async def _interests(conn: AsyncConnection, community_id: int) -> list[Interest]:
        rows = await conn.execute(
            sa.select(onboarding_interests).where(_i.community_id == community_id).order_by(_i.position, _i.id)
        )
        return [Interest(r.id, r.community_id, r.name, r.role_id) for r in rows]

    async def replace_interests(self, community_id: int, names: Sequence[str]) -> list[Interest]:
        async with self.engine.begin() as conn:
            existing = {i.name.casefold(): i for i in await self._interests(conn, community_id)}
            wanted = {n.casefold() for n in names}
            gone = [i.id for key, i in existing.items() if key not in wanted]
            if gone:
                await conn.execute(sa.delete(onboarding_member_interests).where(_mi.interest_id.in_(gone)))
                await conn.execute(sa.delete(onboarding_interests).where(_i.id.in_(gone)))
            for position, name in enumerate(names):
                found = existing.get(name.casefold())
                if found is None:
                    await conn.execute(
                        sa.insert(onboarding_interests).values(community_id=community_id, name=name, position=position)
                    )
                else:
                    await conn.execute(
                        sa.update(onboarding_interests).where(_i.id == found.id).values(name=name, position=position)
                    )
            return await self._interests(conn, community_id)

    async def put_interest(self, community_id: int, name: str, role_id: str | None) -> Interest:
        async with self.engine.begin() as conn:
            interests = await self._interests(conn, community_id)
            found = next((i for i in interests if i.name.casefold() == name.casefold()), None)
            if found is None:
                new_id = (
                    await conn.execute(
                        sa.insert(onboarding_interests)
                        .values(community_id=community_id, name=name, role_id=role_id, position=len(interests))
                        .returning(_i.id)
                    )
                ).scalar_one()
                return Interest(new_id, community_id, name, role_id)
            values: dict[str, Any] = {"name": name}
            if role_id is not None:
                values["role_id"] = role_id
            await conn.execute(sa.update(onboarding_interests).where(_i.id == found.id).values(**values))
            return Interest(found.id, community_id, name, role_id or found.role_id)

    async def remove_interest(self, community_id: int, interest_id: int) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(sa.delete(onboarding_member_interests).where(_mi.interest_id == interest_id))
            await conn.execute(
                sa.delete(onboarding_interests).where(_i.id == interest_id, _i.community_id == community_id)
            )

    async def member_interests(self, community_id: int, member_id: int) -> set[int]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(_mi.interest_id).where(_mi.community_id == community_id, _mi.member_id == member_id)
            )
            return {r.interest_id for r in rows}

    async def set_member_interests(self, community_id: int, member_id: int, interest_ids: Iterable[int]) -> None:
        rows = [{"interest_id": i, "member_id": member_id, "community_id": community_id} for i in set(interest_ids)]
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.delete(onboarding_member_interests).where(
                    _mi.community_id == community_id, _mi.member_id == member_id
                )
            )
            if rows:
                await conn.execute(sa.insert(onboarding_member_interests), rows)

    async def members_with_interest(self, interest_id: int) -> list[int]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(_mi.member_id).where(_mi.interest_id == interest_id).order_by(_mi.member_id)
            )
            return [r.member_id for r in rows]

    # -- journeys -----------------------------------------------------------------------------------
    async def journey(self, community_id: int, member_id: int) -> Journey | None:
        async with self.engine.connect() as conn:
            return await self._journey(conn, community_id, member_id)

    @staticmethod
    async def _journey(conn: AsyncConnection, community_id: int, member_id: int) -> Journey | None:
        row = (
            await conn.execute(
                sa.select(onboarding_journeys).where(_j.community_id == community_id, _j.member_id == member_id)
            )
        ).first()
        return _journey(row) if row else None

    async def record_join(
        self, community_id: int, member_id: int, platform: str, at: datetime, gated: bool
    ) -> tuple[Journey, bool]:
        async with self.engine.begin() as conn:
            found = await self._journey(conn, community_id, member_id)
            if found is None:
                await conn.execute(
                    sa.insert(onboarding_journeys).values(
                        community_id=community_id,
                        member_id=member_id,
                        platform=platform,
                        joined_at=at,
                        last_joined_at=at,
                        joins=1,
                        gated=gated,
                    )  # fmt: skip
                )
            else:
                await conn.execute(
                    sa.update(onboarding_journeys)
                    .where(_j.community_id == community_id, _j.member_id == member_id)
                    .values(last_joined_at=at, joins=_j.joins + 1, gated=sa.or_(_j.gated, sa.literal(gated)))
                )
            journey = await self._journey(conn, community_id, member_id)
        assert journey is not None
        return journey, found is None

    async def _set(self, community_id: int, member_id: int, only_if_empty: str | None = None, **values: Any) -> None:
        where = [_j.community_id == community_id, _j.member_id == member_id]
        if only_if_empty is not None:
            where.append(_j[only_if_empty].is_(None))
        async with self.engine.begin() as conn:
            await conn.execute(sa.update(onboarding_journeys).where(*where).values(**values))

    async def record_leave(self, community_id: int, member_id: int, at: datetime) -> None:
        await self._set(community_id, member_id, left_at=at)

    async def set_rules_accepted(self, community_id: int, member_id: int, at: datetime) -> None:
        await self._set(community_id, member_id, "rules_accepted_at", rules_accepted_at=at)

    async def set_opt_out(self, community_id: int, member_id: int, opted_out: bool) -> None:
        await self._set(community_id, member_id, nudges_opt_out=opted_out)

    async def set_welcome_fallback(self, community_id: int, member_id: int, at: datetime) -> None:
        await self._set(community_id, member_id, welcome_fallback_at=at)

    async def set_first_steps(self, steps: Sequence[tuple[int, int, datetime | None, datetime | None]]) -> None:
        if not steps:
            return
        stmt = (
            sa.update(onboarding_journeys)
            .where(_j.community_id == sa.bindparam("c"), _j.member_id == sa.bindparam("m"))
            .values(
                first_message_at=_earliest(_j.first_message_at, "fm"), first_reply_at=_earliest(_j.first_reply_at, "fr")
            )
        )
        params = [{"c": c, "m": m, "fm": fm, "fr": fr} for c, m, fm, fr in steps]
        async with self.engine.begin() as conn:
            await conn.execute(stmt, params)

    async def open_first_steps(
        self, since: datetime, member_id: int | None = None
    ) -> list[tuple[int, int, datetime, bool, bool]]:
        query = sa.select(_j.community_id, _j.member_id, _j.joined_at, _j.first_message_at, _j.first_reply_at).where(
            _j.joined_at >= since, _j.first_message_at.is_(None) | _j.first_reply_at.is_(None)
        )
        if member_id is not None:
            query = query.where(_j.member_id == member_id)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [(r[0], r[1], r[2], r[3] is not None, r[4] is not None) for r in rows]

    async def messages(self, since: datetime, community_ids: Sequence[int]) -> AsyncIterator[list[Any]]:
        a = activity_events.c
        for community_id in community_ids:
            query = (
                sa.select(a.community_id, a.member_id, a.reply_to_member_id, a.kind, a.at)
                .where(a.community_id == community_id, a.at >= since, a.kind == "message")
                .order_by(a.at)
            )
            async with self.engine.connect() as conn:
                result = await conn.stream(query)
                async for batch in result.partitions(CHUNK * 20):
                    yield list(batch)

    async def open_progress(
        self, since: datetime, community_id: int | None = None, batch: int = 2000
    ) -> AsyncIterator[list[tuple[int, int, datetime, bool, bool]]]:
        query = sa.select(
            _j.community_id, _j.member_id, _j.joined_at, _j.week2_active_at.is_not(None), _j.regular_at.is_not(None)
        ).where(_j.joined_at >= since, _j.week2_active_at.is_(None) | _j.regular_at.is_(None))
        if community_id is not None:
            query = query.where(_j.community_id == community_id)
        async with self.engine.connect() as conn:
            result = await conn.stream(query.order_by(_j.community_id, _j.member_id))
            async for rows in result.partitions(batch):
                yield [(r[0], r[1], r[2], bool(r[3]), bool(r[4])) for r in rows]

    async def active_days(self, community_id: int, member_ids: Sequence[int], since: date) -> dict[int, set[date]]:
        d = activity_daily.c
        out: dict[int, set[date]] = {}
        ids = sorted(set(member_ids))
        async with self.engine.connect() as conn:
            for i in range(0, len(ids), CHUNK):
                rows = await conn.execute(
                    sa.select(d.member_id, d.day)
                    .where(d.community_id == community_id, d.member_id.in_(ids[i : i + CHUNK]), d.day >= since)
                    .distinct()
                )
                for member_id, day in rows:
                    out.setdefault(member_id, set()).add(day)
        return out

    async def set_progress(self, rows: Sequence[tuple[int, int, datetime | None, datetime | None]]) -> None:
        if not rows:
            return
        stmt = (
            sa.update(onboarding_journeys)
            .where(_j.community_id == sa.bindparam("c"), _j.member_id == sa.bindparam("m"))
            .values(week2_active_at=_earliest(_j.week2_active_at, "w2"), regular_at=_earliest(_j.regular_at, "rg"))
        )
        async with self.engine.begin() as conn:
            await conn.execute(stmt, [{"c": c, "m": m, "w2": w2, "rg": rg} for c, m, w2, rg in rows])

    async def journeys(self, community_id: int, since: datetime) -> list[Journey]:
        query = sa.select(onboarding_journeys).where(_j.community_id == community_id, _j.joined_at >= since)
        async with self.engine.connect() as conn:
            return [_journey(r) for r in await conn.execute(query.order_by(_j.joined_at))]

    async def funnel_counts(self, community_id: int, bounds: Sequence[datetime]) -> list[tuple[Any, ...]]:
        flags = [c.is_not(None) for c in (_j.rules_accepted_at, _j.first_message_at, _j.first_reply_at,
                                          _j.week2_active_at, _j.regular_at)]  # fmt: skip
        week = sa.case(*((_j.joined_at < end, index) for index, end in enumerate(bounds[1:])), else_=-1).label("w")
        columns = [week, _j.gated, *flags]
        query = (
            sa.select(*columns, sa.func.count())
            .where(_j.community_id == community_id, _j.joined_at >= bounds[0], _j.joined_at < bounds[-1])
            .group_by(*columns)
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [(r[0], *(bool(v) for v in r[1:-1]), r[-1]) for r in rows]

    async def backfill_journeys(self) -> int:
        e = membership_events.c
        async with self.engine.begin() as conn:
            events = (
                await conn.execute(
                    sa.select(e.community_id, e.member_id, e.platform, e.kind, e.at).order_by(e.at, e.id)
                )
            ).all()
            have = {(r[0], r[1]) for r in await conn.execute(sa.select(_j.community_id, _j.member_id))}
            rows: dict[tuple[int, int], dict[str, Any]] = {}
            for cid, mid, platform, kind, at in events:
                key = (cid, mid)
                if key in have:
                    continue
                row = rows.get(key)
                if kind == "join":
                    if row is None:
                        rows[key] = {"community_id": cid, "member_id": mid, "platform": platform, "joined_at": at,
                                     "last_joined_at": at, "joins": 1, "gated": False, "left_at": None}  # fmt: skip
                    else:
                        row["last_joined_at"] = at
                        row["joins"] += 1
                elif row is not None:
                    row["left_at"] = at
            values = list(rows.values())
            for i in range(0, len(values), CHUNK):
                chunk = values[i : i + CHUNK]
                await conn.execute(upsert(conn.dialect.name, onboarding_journeys, chunk, ["community_id", "member_id"]),
                                   chunk)  # fmt: skip
        return len(values)

    async def present_members(self, community_id: int) -> int:
        m = community_members.c
        async with self.engine.connect() as conn:
            return int(
                (
                    await conn.execute(
                        sa.select(sa.func.count()).where(m.community_id == community_id, m.left_at.is_(None))
                    )
                ).scalar_one()
            )

    async def is_member(self, community_id: int, member_id: int) -> bool:
        m = community_members.c
        async with self.engine.connect() as conn:
            found = await conn.execute(
                sa.select(m.member_id).where(m.community_id == community_id, m.member_id == member_id)
            )
            return found.first() is not None


class OnboardingData:
    """Member-data part for onboarding: journeys, interests, gates, nudges and pending welcomes.

    Merging keeps one journey per community with the earliest time of each step; erasing moves journeys
    and nudges (counts for the funnel) to the anonymous member and deletes the rest."""

    feature = "onboarding"
    columns = (
        "onboarding_member_interests.member_id",
        "onboarding_journeys.member_id",
        "onboarding_gates.member_id",
        "onboarding_nudges.member_id",
        "onboarding_welcomes.member_id",
    )

    async def merge(self, tx: AsyncConnection, keep_id: int, drop_id: int) -> None:
        await reassign_unique(tx, _mi.member_id, keep_id, drop_id, key=[_mi.interest_id])
        await reassign_unique(tx, _n.member_id, keep_id, drop_id, key=[_n.community_id, _n.day])
        await reassign(tx, _g.member_id, keep_id, drop_id)
        await reassign(tx, _w.member_id, keep_id, drop_id)
        dropped = (await tx.execute(sa.select(onboarding_journeys).where(_j.member_id == drop_id))).all()
        for row in dropped:
            mine = (
                await tx.execute(
                    sa.select(onboarding_journeys).where(_j.member_id == keep_id, _j.community_id == row.community_id)
                )
            ).first()
            if mine is None:
                continue
            await tx.execute(
                sa.update(onboarding_journeys)
                .where(_j.member_id == keep_id, _j.community_id == row.community_id)
                .values(**_combined(mine, row))
            )
            await tx.execute(
                sa.delete(onboarding_journeys).where(_j.member_id == drop_id, _j.community_id == row.community_id)
            )
        await reassign(tx, _j.member_id, keep_id, drop_id)

    async def export(self, tx: AsyncConnection, member_id: int) -> dict[str, Any]:
        journeys = (await tx.execute(sa.select(onboarding_journeys).where(_j.member_id == member_id))).all()
        interests = (
            await tx.execute(
                sa.select(_i.community_id, _i.name)
                .join(onboarding_member_interests, _mi.interest_id == _i.id)
                .where(_mi.member_id == member_id)
            )
        ).all()
        gates = (
            await tx.execute(
                sa.select(_g.community_id, _g.kind, _g.status, _g.created_at, _g.finished_at).where(
                    _g.member_id == member_id
                )
            )
        ).all()
        nudges = (await tx.execute(sa.select(onboarding_nudges).where(_n.member_id == member_id))).all()
        return {
            "journey": rows_json(journeys, skip=("member_id",)),
            "interests": rows_json(interests),
            "rules_gates": rows_json(gates),
            "nudges": rows_json(nudges, skip=("member_id",)),
        }

    async def erase(self, tx: AsyncConnection, member_id: int, anonymous_id: int) -> None:
        await tx.execute(sa.delete(onboarding_member_interests).where(_mi.member_id == member_id))
        await tx.execute(sa.delete(onboarding_gates).where(_g.member_id == member_id))
        await tx.execute(sa.delete(onboarding_welcomes).where(_w.member_id == member_id))
        await reassign(tx, _n.member_id, anonymous_id, member_id)  # the funnel's and nudges' counts stay
        await tx.execute(
            sa.update(onboarding_journeys)
            .where(_j.member_id == member_id)
            .values(member_id=anonymous_id, nudges_opt_out=False, welcome_fallback_at=None)
        )


def _combined(mine: Any, theirs: Any) -> dict[str, Any]:
    """One journey from two accounts of one person: the earliest of each step, every join counted."""

    def earliest(name: str) -> Any:
        values = [v for v in (getattr(mine, name), getattr(theirs, name)) if v is not None]
        return min(values) if values else None

    left = None if mine.left_at is None or theirs.left_at is None else max(mine.left_at, theirs.left_at)
    out = {name: earliest(name) for name in ("joined_at", "rules_accepted_at", "first_message_at", "first_reply_at",
                                             "week2_active_at", "regular_at", "welcome_fallback_at")}  # fmt: skip
    out.update(
        last_joined_at=max(mine.last_joined_at, theirs.last_joined_at),
        joins=mine.joins + theirs.joins,
        left_at=left,
        gated=bool(mine.gated or theirs.gated),
        nudges_opt_out=bool(mine.nudges_opt_out or theirs.nudges_opt_out),
    )
    return out
