"""Activity: joins and leaves, raw metadata rows (never content) and their day/week rollups."""

from __future__ import annotations

import sqlalchemy as sa

from storage.tables.base import Stamp, metadata

membership_events = sa.Table(
    "membership_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
    sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    sa.Column("platform", sa.String(16), nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),  # join | leave
    sa.Column("at", Stamp, nullable=False),
    sa.Index("ix_membership_events_community_id_at", "community_id", "at"),
)

# Raw activity: metadata only, never content. Purged after the retention window; rollups stay.
activity_events = sa.Table(
    "activity_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("community_id", sa.Integer, nullable=False),
    sa.Column("member_id", sa.Integer, nullable=False),
    sa.Column("platform", sa.String(16), nullable=False),
    sa.Column("channel_id", sa.String(32), nullable=False),
    sa.Column("kind", sa.String(12), nullable=False),  # message | reaction
    sa.Column("at", Stamp, nullable=False),
    sa.Column("reply_to_member_id", sa.Integer),
    sa.Column("mentioned", sa.Text),  # JSON list of member ids, or NULL
    sa.Column("mention_count", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Column("is_question", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("length_bucket", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Index("ix_activity_events_community_id_at", "community_id", "at"),
)


def _rollup(name: str, period_col: str) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column("community_id", sa.Integer, primary_key=True),
        sa.Column("member_id", sa.Integer, primary_key=True),
        sa.Column(period_col, sa.Date, primary_key=True),
        sa.Column("platform", sa.String(16), primary_key=True),
        sa.Column("messages", sa.Integer, nullable=False, server_default="0"),
        sa.Column("replies", sa.Integer, nullable=False, server_default="0"),
        sa.Column("questions", sa.Integer, nullable=False, server_default="0"),
        sa.Column("mentions", sa.Integer, nullable=False, server_default="0"),
        sa.Column("reactions", sa.Integer, nullable=False, server_default="0"),
        sa.Column("replies_received", sa.Integer, nullable=False, server_default="0"),
        # No extra index: the primary key leads with community_id, and every write is an upsert on it.
    )


activity_daily = _rollup("activity_daily", "day")
activity_weekly = _rollup("activity_weekly", "week")  # week = Monday of the ISO week
