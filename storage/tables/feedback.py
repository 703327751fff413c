"""Feedback items (numbered per community), votes, followers, status history, channel posts, drafts waiting
for a category, and where a community wants its feedback posted."""

from __future__ import annotations

import sqlalchemy as sa

from storage.tables.base import Stamp, metadata

feedback_items = sa.Table(
    "feedback_items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
    sa.Column("number", sa.Integer, nullable=False),  # #1, #2, … per community
    sa.Column("author_id", sa.Integer, sa.ForeignKey("members.id"), nullable=False),
    sa.Column("anonymous", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("category", sa.String(12), nullable=False),
    sa.Column("title", sa.String(100), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("status", sa.String(12), nullable=False, server_default="new"),
    sa.Column("merged_into", sa.Integer, sa.ForeignKey("feedback_items.id")),
    sa.Column("origin", sa.Text, nullable=False),  # Target JSON: where it was submitted
    sa.Column("created_at", Stamp, nullable=False),
    sa.Column("updated_at", Stamp, nullable=False),  # the last status change, merge or edit
    sa.UniqueConstraint("community_id", "number"),
    sa.Index("ix_feedback_items_community_id_status", "community_id", "status"),
    sa.Index("ix_feedback_items_author_id", "author_id"),
)

feedback_votes = sa.Table(
    "feedback_votes",
    metadata,
    sa.Column("item_id", sa.Integer, sa.ForeignKey("feedback_items.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("voted_at", Stamp, nullable=False),
    sa.Index("ix_feedback_votes_member_id", "member_id"),
)

# Members told about an item's progress besides its author and voters: authors of items merged into it.
feedback_followers = sa.Table(
    "feedback_followers",
    metadata,
    sa.Column("item_id", sa.Integer, sa.ForeignKey("feedback_items.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("since", Stamp, nullable=False),
    sa.Index("ix_feedback_followers_member_id", "member_id"),
)

feedback_status_log = sa.Table(
    "feedback_status_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("item_id", sa.Integer, sa.ForeignKey("feedback_items.id", ondelete="CASCADE"), nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("previous", sa.String(12), nullable=False),
    sa.Column("reply", sa.Text, nullable=False, server_default=""),
    sa.Column("actor_id", sa.Integer, sa.ForeignKey("members.id")),  # the manager who changed it
    sa.Column("at", Stamp, nullable=False),
    sa.Index("ix_feedback_status_log_item_id", "item_id"),
    sa.Index("ix_feedback_status_log_at", "at"),
    sa.Index("ix_feedback_status_log_actor_id", "actor_id"),
)

feedback_posts = sa.Table(
    "feedback_posts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("item_id", sa.Integer, sa.ForeignKey("feedback_items.id", ondelete="CASCADE"), nullable=False),
    sa.Column("target", sa.Text, nullable=False),
    sa.Column("message_id", sa.String(32), nullable=False),
    sa.Index("ix_feedback_posts_item_id", "item_id"),
)

# Telegram and the console: the text arrives first, the category with a button press after it.
feedback_drafts = sa.Table(
    "feedback_drafts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
    sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    sa.Column("title", sa.String(100), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("anonymous", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("origin", sa.Text, nullable=False),
    sa.Column("created_at", Stamp, nullable=False),
    sa.Index("ix_feedback_drafts_member_id", "member_id"),
    sa.Index("ix_feedback_drafts_created_at", "created_at"),
)

feedback_settings = sa.Table(
    "feedback_settings",
    metadata,
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("channel", sa.Text),  # Target JSON where each new item is posted; NULL = not posted
)
