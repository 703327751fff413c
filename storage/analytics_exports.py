"""Managers' CSV exports of the analytics and digest tables (`/export`, `hearth export`): the week tables the digest
reads, questions, staff and risk alerts. Members appear by pseudonymous id (names are in members.csv); a member who
opted out of analytics appears with an empty id: their counts stay, anonymously, as in every per-member list."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.exports import pseudonym, stream
from storage.tables import (
    activity_channel_weekly,
    activity_community_weekly,
    activity_member_weekly,
    activity_newcomer_ties,
    activity_questions,
    activity_ties_weekly,
    community_staff,
    member_settings,
    risk_alerts,
)


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _opted_out(column: sa.ColumnElement[int]) -> sa.ColumnElement[bool]:
    s = member_settings.c
    return sa.exists().where(s.member_id == column, s.analytics_opt_out == sa.true())


class TableExport:
    """One table as a CSV: the community's rows, member id columns as pseudonyms, times as ISO."""

    def __init__(
        self,
        engine: AsyncEngine,
        name: str,
        table: sa.Table,
        columns: Sequence[str],
        order_by: Sequence[str],
        member_columns: Sequence[str] = (),
    ) -> None:
        self.engine = engine
        self.name = name
        self.table = table
        self.columns = tuple(columns)
        self.order_by = tuple(order_by)
        self.member_columns = tuple(member_columns)

    @property
    def header(self) -> Sequence[str]:
        return tuple(c.removesuffix("_id") if c in self.member_columns else c for c in self.columns)

    async def rows(self, community_id: int, with_names: bool) -> AsyncIterator[Sequence[Sequence[Any]]]:
        c = self.table.c
        hidden = [_opted_out(c[m]).label(f"hide_{m}") for m in self.member_columns]
        query = (
            sa.select(*(c[n] for n in self.columns), *hidden)
            .where(c.community_id == community_id)
            .order_by(*(c[n] for n in self.order_by))
        )
        width = len(self.columns)
        flags = {self.columns.index(m): width + k for k, m in enumerate(self.member_columns)}

        def cell(row: Sequence[Any], i: int) -> Any:
            if i in flags:
                return "" if row[flags[i]] else pseudonym(row[i])
            return _iso(row[i])

        async for chunk in stream(self.engine, query):
            yield [tuple(cell(row, i) for i in range(width)) for row in chunk]


def analytics_exports(engine: AsyncEngine) -> list[TableExport]:
    counters = ("messages", "replies", "questions", "reactions", "actions")
    return [
        TableExport(
            engine,
            "weekly_totals",
            activity_community_weekly,
            ("week", "platform", "active_members", "active_days", *counters, "reciprocated", "member_replies"),
            ("week", "platform"),
        ),
        TableExport(
            engine,
            "member_weeks",
            activity_member_weekly,
            (
                "week",
                "member_id",
                "active_days",
                "last_day",
                *counters,
                "people_replied",
                "reactions_received",
                "answers",
                "newcomers_helped",
            ),  # fmt: skip
            ("week", "member_id"),
            ("member_id",),
        ),
        TableExport(
            engine,
            "channel_weeks",
            activity_channel_weekly,
            ("week", "platform", "channel_id", "messages", "questions", "replies", "reactions"),
            ("week", "platform", "channel_id"),
        ),
        TableExport(
            engine,
            "reply_ties",
            activity_ties_weekly,
            (
                "week",
                "low_member_id",
                "high_member_id",
                "replies_up",
                "replies_down",
                "reactions_up",
                "reactions_down",
                "first_up_at",
                "first_down_at",
            ),  # fmt: skip
            ("week", "low_member_id", "high_member_id"),
            ("low_member_id", "high_member_id"),
        ),
        TableExport(
            engine,
            "newcomer_ties",
            activity_newcomer_ties,
            ("member_id", "other_member_id", "first_out_at", "first_in_at"),
            ("member_id", "other_member_id"),
            ("member_id", "other_member_id"),
        ),
        TableExport(
            engine,
            "questions",
            activity_questions,
            ("at", "platform", "channel_id", "member_id", "replied_at", "replier_member_id", "response_seconds"),
            ("at",),
            ("member_id", "replier_member_id"),
        ),
        TableExport(
            engine,
            "staff",
            community_staff,
            ("member_id", "role", "first_seen_at", "last_seen_at"),
            ("member_id",),
            ("member_id",),
        ),
        TableExport(
            engine,
            "risk_alerts",
            risk_alerts,
            ("hour", "kind", "count", "baseline", "score", "created_at"),
            ("hour", "kind"),
        ),
    ]
