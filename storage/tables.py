"""The schema, as SQLAlchemy Core tables. Migrations in storage/migrations are the truth for
deployed databases; tests check that migrating an empty database yields exactly this metadata."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Aware UTC in and out on every backend (SQLite keeps no zone; we normalise on both ends)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Stamp = UTCDateTime()

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

# Sends that must happen exactly once: a unique key, marked sent after the platform accepted it.
outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key", sa.String(200), nullable=False, unique=True),
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

# Per-platform cursors (e.g. last processed Telegram update_id) so redelivered updates are ignored.
cursors = sa.Table(
    "cursors",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)


# -- events -------------------------------------------------------------------------------------

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
