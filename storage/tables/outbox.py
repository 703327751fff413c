"""The outbox: sends that must happen exactly once."""

from __future__ import annotations

import sqlalchemy as sa

from storage.tables.base import Stamp, metadata

# Sends that must happen exactly once: a unique key, marked sent after the platform accepted it.
outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key", sa.String(200), nullable=False, unique=True),  # OutboxKey.text
    # The key's fields (cogs/outbox/models.py OutboxKey), so hooks never parse the key string.
    sa.Column("feature", sa.String(32), nullable=False, server_default=""),
    sa.Column("subject", sa.String(64), nullable=False, server_default=""),
    sa.Column("part", sa.String(64), nullable=False, server_default=""),
    sa.Column("member_id", sa.Integer),
    sa.Column("fallback", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("target", sa.Text, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),  # OutMessage JSON
    sa.Column("locale", sa.String(8), nullable=False),
    sa.Column("due_at", Stamp, nullable=False),
    sa.Column("status", sa.String(12), nullable=False, server_default="pending"),  # pending|sent|failed|missed
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("late", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("sent_at", Stamp),
    sa.Column("error", sa.Text),
    sa.Column("created_at", Stamp, nullable=False),
    sa.Index("ix_outbox_status_due_at", "status", "due_at"),
    sa.Index("ix_outbox_member_id", "member_id"),
)

# Per-platform cursors (e.g. last processed Telegram update_id) so redelivered updates are ignored.
cursors = sa.Table(
    "cursors",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)
