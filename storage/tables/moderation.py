"""Moderation: infractions (warnings, mutes, kicks, bans, notes), member reports, automod hits (which rule,
never the message), and each community's moderation settings."""

from __future__ import annotations

import sqlalchemy as sa

from storage.tables.base import Stamp, metadata

mod_infractions = sa.Table(
    "mod_infractions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
    sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    sa.Column("moderator_id", sa.Integer),  # None: the bot by itself (automod, the warning ladder)
    sa.Column("kind", sa.String(12), nullable=False),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", Stamp, nullable=False),
    sa.Column("until", Stamp),
    sa.Column("state", sa.String(12), nullable=False),
    sa.Column("source", sa.String(12), nullable=False, server_default="manual"),
    sa.Column("platform", sa.String(16), nullable=False),
    sa.Column("scope_id", sa.String(32), nullable=False),
    sa.Column("user_id", sa.String(32), nullable=False, server_default=""),  # to end a ban after the fact
    sa.Column("detail", sa.String(300), nullable=False, server_default=""),  # why it failed (a code)
    sa.Column("ended_at", Stamp),
    sa.Index("ix_mod_infractions_community_id_member_id", "community_id", "member_id"),
    sa.Index("ix_mod_infractions_state_until", "state", "until"),
    sa.Index("ix_mod_infractions_community_id_created_at", "community_id", "created_at"),
)

mod_reports = sa.Table(
    "mod_reports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
    sa.Column("reporter_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    sa.Column("target_member_id", sa.Integer),
    sa.Column("target_user_id", sa.String(32)),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    sa.Column("platform", sa.String(16), nullable=False),
    sa.Column("scope_id", sa.String(32), nullable=False),
    sa.Column("channel_id", sa.String(32), nullable=False),
    sa.Column("message_id", sa.String(32)),
    sa.Column("link", sa.String(300)),
    sa.Column("created_at", Stamp, nullable=False),
    sa.Column("status", sa.String(12), nullable=False, server_default="open"),
    sa.Column("moderator_id", sa.Integer),
    sa.Column("handled_at", Stamp),
    sa.Column("action", sa.String(12)),
    sa.Column("queue_target", sa.Text),  # Target JSON of the queue card
    sa.Column("queue_message_id", sa.String(32)),
    sa.Index("ix_mod_reports_community_id_status", "community_id", "status"),
    sa.Index("ix_mod_reports_community_id_created_at", "community_id", "created_at"),
)

mod_automod_hits = sa.Table(
    "mod_automod_hits",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
    sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    sa.Column("rule", sa.String(16), nullable=False),
    sa.Column("action", sa.String(12), nullable=False),
    sa.Column("platform", sa.String(16), nullable=False),
    sa.Column("at", Stamp, nullable=False),
    sa.Index("ix_mod_automod_hits_community_id_at", "community_id", "at"),
    sa.Index("ix_mod_automod_hits_member_id", "member_id"),
)

mod_settings = sa.Table(
    "mod_settings",
    metadata,
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("log_channel", sa.Text),  # Target JSON
    sa.Column("queue_channel", sa.Text),
    sa.Column("appeal", sa.Text, nullable=False, server_default=""),
    sa.Column("automod", sa.Text, nullable=False, server_default="{}"),  # JSON
    sa.Column("escalation", sa.Text, nullable=False, server_default="{}"),
    sa.Column("raid", sa.Text, nullable=False, server_default="{}"),
    sa.Column("lockdown_until", Stamp),
    sa.Column("lockdown_state", sa.Text, nullable=False, server_default="{}"),
    sa.Column("updated_at", Stamp, nullable=False),
)
