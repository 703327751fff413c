"""ModerationRepo and ModerationReader on SQLAlchemy Core, and the member-data part for moderation."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.core.targets import Target
from cogs.moderation.models import (
    AutomodAction,
    AutomodConfig,
    EscalationConfig,
    Infraction,
    InfractionKind,
    InfractionState,
    ModerationSummary,
    ModSettings,
    NewInfraction,
    NewReport,
    RaidConfig,
    Report,
    ReportStatus,
    RiskDay,
    Rule,
    RuleSetting,
    Source,
)
from storage.member_data import reassign, rows_json
from storage.tables.moderation import mod_automod_hits, mod_infractions, mod_reports, mod_settings

ENDING = (InfractionKind.MUTE.value, InfractionKind.BAN.value)


def _infraction(r: Any) -> Infraction:
    return Infraction(
        id=r.id,
        community_id=r.community_id,
        member_id=r.member_id,
        moderator_id=r.moderator_id,
        kind=InfractionKind(r.kind),
        reason=r.reason,
        created_at=r.created_at,
        until=r.until,
        state=InfractionState(r.state),
        source=Source(r.source),
        platform=r.platform,
        scope_id=r.scope_id,
        user_id=r.user_id,
        detail=r.detail,
        ended_at=r.ended_at,
    )


def _report(r: Any) -> Report:
    return Report(
        id=r.id,
        community_id=r.community_id,
        reporter_id=r.reporter_id,
        target_member_id=r.target_member_id,
        target_user_id=r.target_user_id,
        reason=r.reason,
        platform=r.platform,
        scope_id=r.scope_id,
        channel_id=r.channel_id,
        message_id=r.message_id,
        link=r.link,
        created_at=r.created_at,
        status=ReportStatus(r.status),
        moderator_id=r.moderator_id,
        handled_at=r.handled_at,
        action=r.action,
        queue_target=Target.from_json(r.queue_target) if r.queue_target else None,
        queue_message_id=r.queue_message_id,
    )


# -- settings as JSON (unknown or missing keys fall back to defaults, so old rows keep working) ---------


def _automod_json(config: AutomodConfig) -> str:
    return json.dumps(
        {
            "enabled": config.enabled,
            "rules": {rule.value: [s.enabled, s.action.value, s.limit, s.seconds] for rule, s in config.rules.items()},
            "words": list(config.words),
            "allow": list(config.allow_domains),
            "deny": list(config.deny_domains),
            "mute_minutes": config.mute_minutes,
        },
        ensure_ascii=False,
    )


def _automod(text: str) -> AutomodConfig:
    data = json.loads(text or "{}")
    config = AutomodConfig()
    rules = dict(config.rules)
    for name, (enabled, action, limit, seconds) in (data.get("rules") or {}).items():
        if name in {r.value for r in Rule} and action in {a.value for a in AutomodAction}:
            rules[Rule(name)] = RuleSetting(bool(enabled), AutomodAction(action), int(limit), int(seconds))
    return AutomodConfig(
        enabled=bool(data.get("enabled", True)),
        rules=rules,
        words=tuple(data.get("words") or ()),
        allow_domains=tuple(data.get("allow") or ()),
        deny_domains=tuple(data.get("deny") or ()),
        mute_minutes=int(data.get("mute_minutes") or config.mute_minutes),
    )


def _escalation(text: str) -> EscalationConfig:
    data = json.loads(text or "{}")
    default = EscalationConfig()
    return EscalationConfig(
        warnings=int(data.get("warnings", default.warnings)),
        days=int(data.get("days", default.days)),
        action=InfractionKind(data.get("action", default.action.value)),
        minutes=data.get("minutes", default.minutes),
    )


def _raid(text: str) -> RaidConfig:
    data = json.loads(text or "{}")
    default = RaidConfig()
    return RaidConfig(
        enabled=bool(data.get("enabled", default.enabled)),
        joins=int(data.get("joins", default.joins)),
        seconds=int(data.get("seconds", default.seconds)),
        lockdown_minutes=int(data.get("lockdown_minutes", default.lockdown_minutes)),
        slowmode_seconds=int(data.get("slowmode_seconds", default.slowmode_seconds)),
    )


def _settings(r: Any) -> ModSettings:
    return ModSettings(
        community_id=r.community_id,
        log_channel=Target.from_json(r.log_channel) if r.log_channel else None,
        queue_channel=Target.from_json(r.queue_channel) if r.queue_channel else None,
        appeal=r.appeal,
        automod=_automod(r.automod),
        escalation=_escalation(r.escalation),
        raid=_raid(r.raid),
        lockdown_until=r.lockdown_until,
        lockdown_state=json.loads(r.lockdown_state or "{}"),
    )


class SqlModerationRepo:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    # -- settings --------------------------------------------------------------------------------------
    async def settings(self, community_id: int) -> ModSettings:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(sa.select(mod_settings).where(mod_settings.c.community_id == community_id))
            ).first()
        return _settings(row) if row else ModSettings(community_id)

    async def save_settings(self, settings: ModSettings, now: datetime) -> None:
        values = {
            "log_channel": settings.log_channel.to_json() if settings.log_channel else None,
            "queue_channel": settings.queue_channel.to_json() if settings.queue_channel else None,
            "appeal": settings.appeal,
            "automod": _automod_json(settings.automod),
            "escalation": json.dumps(
                {
                    "warnings": settings.escalation.warnings,
                    "days": settings.escalation.days,
                    "action": settings.escalation.action.value,
                    "minutes": settings.escalation.minutes,
                }
            ),
            "raid": json.dumps(
                {
                    "enabled": settings.raid.enabled,
                    "joins": settings.raid.joins,
                    "seconds": settings.raid.seconds,
                    "lockdown_minutes": settings.raid.lockdown_minutes,
                    "slowmode_seconds": settings.raid.slowmode_seconds,
                }
            ),
            "lockdown_until": settings.lockdown_until,
            "lockdown_state": json.dumps(settings.lockdown_state),
            "updated_at": now,
        }
        async with self.engine.begin() as conn:
            done = await conn.execute(
                sa.update(mod_settings).where(mod_settings.c.community_id == settings.community_id).values(**values)
            )
            if done.rowcount == 0:
                await conn.execute(sa.insert(mod_settings).values(community_id=settings.community_id, **values))

    async def lockdowns_until(self) -> list[ModSettings]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(sa.select(mod_settings).where(mod_settings.c.lockdown_until.is_not(None)))
            return [_settings(r) for r in rows]

    # -- infractions -----------------------------------------------------------------------------------
    async def add(self, new: NewInfraction) -> Infraction:
        values = {
            "community_id": new.community_id,
            "member_id": new.member_id,
            "moderator_id": new.moderator_id,
            "kind": new.kind.value,
            "reason": new.reason,
            "created_at": new.created_at,
            "until": new.until,
            "state": new.state.value,
            "source": new.source.value,
            "platform": new.platform,
            "scope_id": new.scope_id,
            "user_id": new.user_id,
        }
        async with self.engine.begin() as conn:
            row = (await conn.execute(sa.insert(mod_infractions).values(**values).returning(mod_infractions))).one()
        return _infraction(row)

    async def get(self, infraction_id: int) -> Infraction | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(sa.select(mod_infractions).where(mod_infractions.c.id == infraction_id))).first()
        return _infraction(row) if row else None

    async def set_state(
        self, infraction_id: int, state: InfractionState, now: datetime, detail: str = ""
    ) -> Infraction:
        values: dict[str, Any] = {"state": state.value}
        if detail:
            values["detail"] = detail[:300]
        if state in (InfractionState.EXPIRED, InfractionState.LIFTED):
            values["ended_at"] = now
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    sa.update(mod_infractions)
                    .where(mod_infractions.c.id == infraction_id)
                    .values(**values)
                    .returning(mod_infractions)
                )
            ).one()
        return _infraction(row)

    async def history(self, community_id: int, member_id: int, offset: int, limit: int) -> tuple[list[Infraction], int]:
        i = mod_infractions.c
        where = (i.community_id == community_id) & (i.member_id == member_id)
        async with self.engine.connect() as conn:
            total = (await conn.execute(sa.select(sa.func.count()).select_from(mod_infractions).where(where))).scalar()
            rows = await conn.execute(
                sa.select(mod_infractions).where(where).order_by(i.created_at.desc(), i.id.desc())
                .offset(offset).limit(limit)
            )  # fmt: skip
            return [_infraction(r) for r in rows], int(total or 0)

    async def warnings_since(self, community_id: int, member_id: int, since: datetime) -> int:
        i = mod_infractions.c
        mine = (i.community_id == community_id) & (i.member_id == member_id)
        last_step = (
            sa.select(sa.func.max(i.created_at))
            .where(mine, i.source == Source.ESCALATION.value, i.state != InfractionState.FAILED.value)
            .scalar_subquery()
        )
        query = (
            sa.select(sa.func.count())
            .select_from(mod_infractions)
            .where(
                mine,
                i.kind == InfractionKind.WARN.value,
                i.state == InfractionState.ACTIVE.value,
                i.created_at >= since,
                sa.or_(last_step.is_(None), i.created_at > last_step),
            )
        )
        async with self.engine.connect() as conn:
            return int((await conn.execute(query)).scalar() or 0)

    async def active(self, community_id: int, member_id: int, kind: InfractionKind) -> list[Infraction]:
        i = mod_infractions.c
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(mod_infractions).where(
                    i.community_id == community_id,
                    i.member_id == member_id,
                    i.kind == kind.value,
                    i.state == InfractionState.ACTIVE.value,
                )
            )
            return [_infraction(r) for r in rows]

    async def due(self, now: datetime, limit: int = 200) -> list[Infraction]:
        i = mod_infractions.c
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(mod_infractions)
                .where(
                    i.state == InfractionState.ACTIVE.value, i.kind.in_(ENDING), i.until.is_not(None), i.until <= now
                )  # fmt: skip
                .order_by(i.until)
                .limit(limit)
            )
            return [_infraction(r) for r in rows]

    async def next_due(self) -> datetime | None:
        i = mod_infractions.c
        async with self.engine.connect() as conn:
            return (
                await conn.execute(
                    sa.select(sa.func.min(i.until)).where(
                        i.state == InfractionState.ACTIVE.value, i.kind.in_(ENDING), i.until.is_not(None)
                    )
                )
            ).scalar()

    # -- automod hits ----------------------------------------------------------------------------------
    async def add_hits(self, rows: Sequence[tuple[int, int, str, str, str, datetime]]) -> None:
        if not rows:
            return
        names = ("community_id", "member_id", "rule", "action", "platform", "at")
        async with self.engine.begin() as conn:
            await conn.execute(sa.insert(mod_automod_hits), [dict(zip(names, row, strict=True)) for row in rows])

    # -- reports ---------------------------------------------------------------------------------------
    async def add_report(self, new: NewReport) -> Report:
        values = {
            "community_id": new.community_id,
            "reporter_id": new.reporter_id,
            "target_member_id": new.target_member_id,
            "target_user_id": new.target_user_id,
            "reason": new.reason,
            "platform": new.platform,
            "scope_id": new.scope_id,
            "channel_id": new.channel_id,
            "message_id": new.message_id,
            "link": new.link[:300] if new.link else None,
            "created_at": new.created_at,
        }
        async with self.engine.begin() as conn:
            row = (await conn.execute(sa.insert(mod_reports).values(**values).returning(mod_reports))).one()
        return _report(row)

    async def get_report(self, report_id: int) -> Report | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(sa.select(mod_reports).where(mod_reports.c.id == report_id))).first()
        return _report(row) if row else None

    async def find_report(self, community_id: int, reporter_id: int, message_id: str) -> Report | None:
        r = mod_reports.c
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    sa.select(mod_reports).where(
                        r.community_id == community_id, r.reporter_id == reporter_id, r.message_id == message_id
                    )
                )
            ).first()
        return _report(row) if row else None

    async def set_report_queue(self, report_id: int, target: Target, message_id: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.update(mod_reports)
                .where(mod_reports.c.id == report_id)
                .values(queue_target=target.to_json(), queue_message_id=message_id)
            )

    async def close_report(
        self, report_id: int, status: ReportStatus, moderator_id: int, action: str, now: datetime
    ) -> bool:
        r = mod_reports.c
        async with self.engine.begin() as conn:
            done = await conn.execute(
                sa.update(mod_reports)
                .where(r.id == report_id, r.status == ReportStatus.OPEN.value)
                .values(status=status.value, moderator_id=moderator_id, action=action, handled_at=now)
            )
            return done.rowcount == 1

    async def open_reports(self, community_id: int, limit: int = 10) -> list[Report]:
        r = mod_reports.c
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(mod_reports)
                .where(r.community_id == community_id, r.status == ReportStatus.OPEN.value)
                .order_by(r.created_at, r.id)
                .limit(limit)
            )
            return [_report(x) for x in rows]

    # -- the digest's read port ------------------------------------------------------------------------
    async def summary(self, community_id: int, start: datetime, end: datetime) -> ModerationSummary:
        i, r, h = mod_infractions.c, mod_reports.c, mod_automod_hits.c
        async with self.engine.connect() as conn:
            # Grouped by the plain columns: PostgreSQL cannot match `state = $1` in the select list with
            # `state = $5` in GROUP BY (two parameters), SQLite did not mind.
            kinds = await conn.execute(
                sa.select(i.kind, i.state, sa.func.count())
                .where(i.community_id == community_id, i.created_at >= start, i.created_at < end)
                .group_by(i.kind, i.state)
            )
            actions: dict[str, int] = {}
            failed = 0
            for kind, state, count in kinds:
                if state == InfractionState.FAILED.value:
                    failed += count
                elif kind != InfractionKind.NOTE.value:
                    actions[kind] = actions.get(kind, 0) + count
            filed = (
                await conn.execute(
                    sa.select(sa.func.count()).where(
                        r.community_id == community_id, r.created_at >= start, r.created_at < end
                    )
                )
            ).scalar()
            still_open = (
                await conn.execute(
                    sa.select(sa.func.count()).where(
                        r.community_id == community_id, r.status == ReportStatus.OPEN.value, r.created_at < end
                    )
                )
            ).scalar()
            handled = (
                await conn.execute(
                    sa.select(sa.func.count()).where(
                        r.community_id == community_id, r.handled_at >= start, r.handled_at < end
                    )
                )
            ).scalar()
            hits = await conn.execute(
                sa.select(h.rule, sa.func.count())
                .where(h.community_id == community_id, h.at >= start, h.at < end)
                .group_by(h.rule)
            )
            by_rule = {rule: int(count) for rule, count in hits}
        return ModerationSummary(community_id, start, end, actions, failed, int(filed or 0), int(still_open or 0),
                                 int(handled or 0), by_rule, 0)  # fmt: skip

    async def risk_days(self, community_id: int, start: datetime, end: datetime) -> list[RiskDay]:
        r, h = mod_reports.c, mod_automod_hits.c
        async with self.engine.connect() as conn:
            reports = [row[0] for row in await conn.execute(
                sa.select(r.created_at).where(r.community_id == community_id, r.created_at >= start, r.created_at < end)
            )]  # fmt: skip
            hits = [row[0] for row in await conn.execute(
                sa.select(h.at).where(h.community_id == community_id, h.at >= start, h.at < end)
            )]  # fmt: skip
        days: dict[Any, list[int]] = {}
        day, last = start.date(), (end - timedelta(microseconds=1)).date()
        while day <= last:
            days[day] = [0, 0]
            day += timedelta(days=1)
        for at in reports:
            days.setdefault(at.date(), [0, 0])[0] += 1
        for at in hits:
            days.setdefault(at.date(), [0, 0])[1] += 1
        return [RiskDay(d, counts[0], counts[1]) for d, counts in sorted(days.items())]


class ModerationData:
    """Member-data part for moderation: infractions about a member and by them, reports, automod hits."""

    feature = "moderation"
    columns = (
        "mod_infractions.member_id",
        "mod_infractions.moderator_id",
        "mod_reports.reporter_id",
        "mod_reports.target_member_id",
        "mod_reports.moderator_id",
        "mod_automod_hits.member_id",
    )

    async def merge(self, tx: AsyncConnection, keep_id: int, drop_id: int) -> None:
        # A person's history is one history: both accounts' warnings count towards the ladder.
        for column in (
            mod_infractions.c.member_id,
            mod_infractions.c.moderator_id,
            mod_reports.c.reporter_id,
            mod_reports.c.target_member_id,
            mod_reports.c.moderator_id,
            mod_automod_hits.c.member_id,
        ):
            await reassign(tx, column, keep_id, drop_id)

    async def export(self, tx: AsyncConnection, member_id: int) -> dict[str, Any]:
        i, r, h = mod_infractions.c, mod_reports.c, mod_automod_hits.c
        about = (
            await tx.execute(
                sa.select(i.id, i.kind, i.reason, i.created_at, i.until, i.state, i.source)
                .where(i.member_id == member_id)
                .order_by(i.created_at)
            )
        ).all()
        filed = (
            await tx.execute(
                sa.select(r.id, r.reason, r.created_at, r.status)
                .where(r.reporter_id == member_id)
                .order_by(r.created_at)
            )
        ).all()
        against = (
            await tx.execute(
                sa.select(r.id, r.reason, r.created_at, r.status)
                .where(r.target_member_id == member_id)
                .order_by(r.created_at)
            )
        ).all()
        hits = (
            await tx.execute(sa.select(h.rule, h.action, h.at).where(h.member_id == member_id).order_by(h.at))
        ).all()
        taken = (
            await tx.execute(sa.select(sa.func.count()).select_from(mod_infractions).where(i.moderator_id == member_id))
        ).scalar()
        return {
            "infractions": rows_json(about),  # the moderator's identity is not theirs to export
            "reports_filed": rows_json(filed),
            "reports_about_you": rows_json(against),  # who reported them is left out
            "automod_hits": rows_json(hits),
            "moderation_actions_taken": int(taken or 0),
        }

    async def erase(self, tx: AsyncConnection, member_id: int, anonymous_id: int) -> None:
        i, r = mod_infractions.c, mod_reports.c
        # Notes and free-text reasons about them go; the counts (for the digest) stay, anonymised. A mute or
        # ban still running keeps the platform id it needs to end on time.
        await tx.execute(
            sa.delete(mod_infractions).where(i.member_id == member_id, i.kind == InfractionKind.NOTE.value)
        )
        await tx.execute(
            sa.update(mod_infractions)
            .where(i.member_id == member_id, ~((i.state == InfractionState.ACTIVE.value) & i.kind.in_(ENDING)))
            .values(user_id="", reason="")
        )
        await tx.execute(
            sa.update(mod_infractions).where(i.member_id == member_id).values(member_id=anonymous_id, reason="")
        )
        await reassign(tx, i.moderator_id, anonymous_id, member_id)
        await tx.execute(sa.update(mod_reports).where(r.reporter_id == member_id).values(reporter_id=anonymous_id))
        # A report about them keeps no reason and no way back to them: the reported message's id and link lead to
        # their message (and name) on the platform.
        await tx.execute(
            sa.update(mod_reports)
            .where(r.target_member_id == member_id)
            .values(target_member_id=anonymous_id, target_user_id=None, reason="", message_id=None, link=None)
        )
        await reassign(tx, r.moderator_id, anonymous_id, member_id)
        await reassign(tx, mod_automod_hits.c.member_id, anonymous_id, member_id)
