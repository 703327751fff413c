"""Communities and the Discord guilds / Telegram chats that belong to them."""

from __future__ import annotations

import sqlalchemy as sa

from storage.tables.base import Stamp, metadata

communities = sa.Table(
    "communities",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("locale", sa.String(8), nullable=False),
    sa.Column("manager_channel", sa.Text),  # Target JSON
    sa.Column("moderator_roles", sa.Text, nullable=False, server_default="[]"),  # JSON list of role ids
    sa.Column("manager_roles", sa.Text, nullable=False, server_default="[]"),
    sa.Column("organizer_roles", sa.Text, nullable=False, server_default="[]"),
    sa.Column("created_at", Stamp, nullable=False),
)

# A Discord guild or Telegram chat belonging to a community.
community_links = sa.Table(
    "community_links",
    metadata,
    sa.Column("platform", sa.String(16), primary_key=True),
    sa.Column("scope_id", sa.String(32), primary_key=True),
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
    sa.Column("title", sa.String(200), nullable=False, server_default=""),
    sa.Column("linked_at", Stamp, nullable=False),
    sa.Index("ix_community_links_community_id", "community_id"),
)
