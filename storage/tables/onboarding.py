"""Onboarding: per-community settings and welcome templates, interests, the newcomer journey, rules gates,
nudges and pending welcome posts."""

from __future__ import annotations

import sqlalchemy as sa

from storage.tables.base import Stamp, metadata


def _community() -> sa.Column[int]:
    return sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False)


def _member() -> sa.Column[int]:
    return sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False)


onboarding_settings = sa.Table(
    "onboarding_settings",
    metadata,
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("rules", sa.Text, nullable=False, server_default="[]"),  # JSON list of strings
    sa.Column("gate_enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("gate_minutes", sa.Integer, nullable=False, server_default="10"),
    sa.Column("member_role", sa.String(32)),  # Discord role id
    sa.Column("welcome_channel", sa.Text),  # Target JSON
    sa.Column("welcome_post", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("welcome_dm", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("nudges_enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("nudge_days", sa.String(40), nullable=False, server_default="[3, 7]"),  # JSON list of ints
)

onboarding_templates = sa.Table(
    "onboarding_templates",
    metadata,
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("locale", sa.String(8), primary_key=True),
    sa.Column("kind", sa.String(8), primary_key=True),  # post | dm
    sa.Column("text", sa.Text, nullable=False),
)

onboarding_interests = sa.Table(
    "onboarding_interests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _community(),
    sa.Column("name", sa.String(60), nullable=False),
    sa.Column("role_id", sa.String(32)),  # Discord role members who pick it get
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    sa.Index("ix_onboarding_interests_community_id", "community_id"),
)

onboarding_member_interests = sa.Table(
    "onboarding_member_interests",
    metadata,
    sa.Column(
        "interest_id", sa.Integer, sa.ForeignKey("onboarding_interests.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("community_id", sa.Integer, nullable=False),
    sa.Index("ix_onboarding_member_interests_member_id", "member_id"),
)

# One row per member and community: kept across leaves and rejoins (a rejoin is not a second newcomer).
onboarding_journeys = sa.Table(
    "onboarding_journeys",
    metadata,
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("platform", sa.String(16), nullable=False, server_default=""),
    sa.Column("joined_at", Stamp, nullable=False),
    sa.Column("last_joined_at", Stamp, nullable=False),
    sa.Column("joins", sa.Integer, nullable=False, server_default="1"),
    sa.Column("left_at", Stamp),
    sa.Column("gated", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("rules_accepted_at", Stamp),
    sa.Column("first_message_at", Stamp),
    sa.Column("first_reply_at", Stamp),
    sa.Column("week2_active_at", Stamp),
    sa.Column("regular_at", Stamp),
    sa.Column("nudges_opt_out", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("welcome_fallback_at", Stamp),  # the welcome DM was refused and posted in the chat instead
    sa.Index("ix_onboarding_journeys_community_id_joined_at", "community_id", "joined_at"),
)

onboarding_gates = sa.Table(
    "onboarding_gates",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _community(),
    _member(),
    sa.Column("platform", sa.String(16), nullable=False),
    sa.Column("scope_id", sa.String(32), nullable=False),
    sa.Column("user_id", sa.String(32), nullable=False),
    sa.Column("name", sa.String(200), nullable=False, server_default=""),
    sa.Column("kind", sa.String(12), nullable=False),  # restrict | request | role
    sa.Column("status", sa.String(12), nullable=False, server_default="pending"),
    sa.Column("created_at", Stamp, nullable=False),
    sa.Column("deadline", Stamp),
    sa.Column("post", sa.Text),  # Target JSON of the message with the accept button
    sa.Column("post_id", sa.String(32)),
    sa.Column("finished_at", Stamp),
    sa.Index("ix_onboarding_gates_status_deadline", "status", "deadline"),
    sa.Index("ix_onboarding_gates_community_id_member_id", "community_id", "member_id"),
)

onboarding_nudges = sa.Table(
    "onboarding_nudges",
    metadata,
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("day", sa.Integer, primary_key=True),
    sa.Column("due_at", Stamp, nullable=False),
    sa.Column("status", sa.String(12), nullable=False, server_default="pending"),
    sa.Column("sent_at", Stamp),
    sa.Column("posted_after", sa.Boolean),  # posted within 3 days after the nudge (NULL: not known yet)
    sa.Index("ix_onboarding_nudges_status_due_at", "status", "due_at"),
)

onboarding_welcomes = sa.Table(
    "onboarding_welcomes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _community(),
    _member(),
    sa.Column("platform", sa.String(16), nullable=False),
    sa.Column("scope_id", sa.String(32), nullable=False),
    sa.Column("user_id", sa.String(32), nullable=False),
    sa.Column("name", sa.String(200), nullable=False, server_default=""),
    sa.Column("created_at", Stamp, nullable=False),
    sa.Column("post_due_at", Stamp),  # NULL: no post (switched off, or nowhere to post)
    sa.Column("post_sent_at", Stamp),
    sa.Index("ix_onboarding_welcomes_platform_scope_id", "platform", "scope_id"),
    sa.Index("ix_onboarding_welcomes_post_due_at", "post_due_at"),
)
