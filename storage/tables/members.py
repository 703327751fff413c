"""Members, their platform identities, settings and memberships; one-time link codes."""

from __future__ import annotations

import sqlalchemy as sa

from storage.tables.base import Stamp, metadata

members = sa.Table(
    "members",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("display_name", sa.String(200)),
    sa.Column("created_at", Stamp, nullable=False),
    # "platform:user_id" that created the member: maps batch-inserted ids back to identities.
    sa.Column("origin", sa.String(64), unique=True),
)

member_identities = sa.Table(
    "member_identities",
    metadata,
    sa.Column("platform", sa.String(16), primary_key=True),
    sa.Column("user_id", sa.String(32), primary_key=True),
    sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    sa.Column("username", sa.String(100)),
    sa.Index("ix_member_identities_member_id", "member_id"),
)

member_settings = sa.Table(
    "member_settings",
    metadata,
    sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("locale", sa.String(8)),  # chosen with /language
    sa.Column("seen_locale", sa.String(8)),  # the platform client's language, last seen
    sa.Column("timezone", sa.String(64)),
    sa.Column("analytics_opt_out", sa.Boolean, nullable=False, server_default=sa.false()),
    # Which community the member's private chat with the bot is about, when they belong to several.
    sa.Column("private_community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="SET NULL")),
)

# Which members belong to which community, and since when.
community_members = sa.Table(
    "community_members",
    metadata,
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("first_seen_at", Stamp, nullable=False),
    sa.Column("joined_at", Stamp),
    sa.Column("left_at", Stamp),
)

# One-time codes for /link (member accounts) and /setup link (communities).
link_codes = sa.Table(
    "link_codes",
    metadata,
    sa.Column("code", sa.String(16), primary_key=True),
    sa.Column("kind", sa.String(12), nullable=False),  # member | community
    sa.Column("owner_id", sa.Integer, nullable=False),  # member id or community id
    sa.Column("platform", sa.String(16), nullable=False),  # where it was issued
    sa.Column("expires_at", Stamp, nullable=False),
    sa.Column("used_at", Stamp),
)
