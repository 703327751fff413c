"""The weekly digest and urgent alerts for managers: schedule, subscribers, sent weeks, watch-list terms, and the
hourly counts risk alerts compare against."""

from __future__ import annotations

import sqlalchemy as sa

from storage.tables.base import Stamp, metadata

# When a community's digest goes out (community time zone) and whether the manager channel gets it too.
digest_settings = sa.Table(
    "digest_settings",
    metadata,
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("weekday", sa.SmallInteger, nullable=False, server_default="0"),  # 0 = Monday
    sa.Column("hour", sa.SmallInteger, nullable=False, server_default="9"),
    sa.Column("to_channel", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("updated_at", Stamp, nullable=False),
)

# Managers who get the digest (and alerts) by private message, on the platform they subscribed on.
digest_subscriptions = sa.Table(
    "digest_subscriptions",
    metadata,
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("platform", sa.String(16), nullable=False),
    sa.Column("user_id", sa.String(32), nullable=False),
    sa.Column("created_at", Stamp, nullable=False),
)

# Weeks whose digest was composed and handed to the outbox (each recipient's send is once there).
digest_runs = sa.Table(
    "digest_runs",
    metadata,
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("week", sa.Date, primary_key=True),  # the Monday (community time zone) the digest's week began
    sa.Column("composed_at", Stamp, nullable=False),
    sa.Column("recipients", sa.Integer, nullable=False),
)

# Watch-list terms (any language) matched in memory on new messages; the text itself is never stored.
digest_watch_terms = sa.Table(
    "digest_watch_terms",
    metadata,
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("term", sa.String(64), primary_key=True),
    sa.Column("created_at", Stamp, nullable=False),
)

# Risk signals per community, kind and clock hour: the baseline an alert compares with.
risk_hourly = sa.Table(
    "risk_hourly",
    metadata,
    sa.Column("community_id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(24), primary_key=True),  # leave | report | automod | negative_feedback | watch_term
    sa.Column("hour", Stamp, primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
)

# Alerts sent: one per burst (a kind's first elevated hour), with what spiked and examples to look at.
risk_alerts = sa.Table(
    "risk_alerts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("hour", Stamp, nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("baseline", sa.Float, nullable=False),  # the usual count for this hour of the week (median)
    sa.Column("score", sa.Float, nullable=False),  # robust z-score
    sa.Column("examples", sa.Text, nullable=False, server_default="[]"),  # JSON: message references, no text
    sa.Column("created_at", Stamp, nullable=False),
    sa.UniqueConstraint("community_id", "kind", "hour"),
    sa.Index("ix_risk_alerts_community_id_created_at", "community_id", "created_at"),
)
