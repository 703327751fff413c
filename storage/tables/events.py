"""Events, RSVPs, reminders and the posts that show them."""

from __future__ import annotations

import sqlalchemy as sa

from storage.tables.base import Stamp, metadata

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
    sa.Column("series_id", sa.Integer),
    sa.Column("title", sa.String(100), nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("location", sa.String(300), nullable=False, server_default=""),
    sa.Column("starts_at", Stamp, nullable=False),
    sa.Column("duration_minutes", sa.Integer, nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("capacity", sa.Integer),
    sa.Column("recurrence", sa.String(12), nullable=False, server_default="none"),
    sa.Column("interval", sa.Integer, nullable=False, server_default="1"),
    sa.Column("reminder_minutes", sa.Text, nullable=False, server_default="[1440, 60]"),  # JSON list
    sa.Column("interest", sa.String(64)),
    sa.Column("channel", sa.Text, nullable=False),  # Target JSON: where the post and channel reminders go
    sa.Column("organizer_id", sa.Integer, nullable=False),
    sa.Column("status", sa.String(12), nullable=False, server_default="scheduled"),
    sa.Column("sequence", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", Stamp, nullable=False),
    sa.Column("updated_at", Stamp, nullable=False),
    sa.Index("ix_events_community_id_starts_at", "community_id", "starts_at"),
    sa.Index("ix_events_series_id", "series_id"),
)

event_rsvps = sa.Table(
    "event_rsvps",
    metadata,
    sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("updated_at", Stamp, nullable=False),  # waiting-list order: first come, first promoted
    sa.Index("ix_event_rsvps_member_id", "member_id"),
)

event_reminders = sa.Table(
    "event_reminders",
    metadata,
    sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("offset_minutes", sa.Integer, primary_key=True),
    sa.Column("due_at", Stamp, nullable=False),
    sa.Column("status", sa.String(12), nullable=False, server_default="pending"),
    sa.Index("ix_event_reminders_status_due_at", "status", "due_at"),
)

event_posts = sa.Table(
    "event_posts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    sa.Column("target", sa.Text, nullable=False),
    sa.Column("message_id", sa.String(32), nullable=False),
    sa.Index("ix_event_posts_event_id", "event_id"),
)
