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
    sa.Column("message_id", sa.String(32)),  # kept for question-like messages only: the digest links to them
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
        # Feature actions (RSVPs, votes, feedback, …): a member with only these was active that day too.
        sa.Column("actions", sa.Integer, nullable=False, server_default="0"),
        # Writes upsert on the primary key (it leads with community_id); reads by period use an index on the day
        # rollup (below): the week rollup is only ever read by community.
    )


activity_daily = _rollup("activity_daily", "day")
# The weekly refresh and the week tables read "every community's days since Monday": without this index that is a
# scan of all history every minute. It costs the ingestion path little (a new entry per member and day only).
sa.Index("ix_activity_daily_day_community_id", activity_daily.c.day, activity_daily.c.community_id)
activity_weekly = _rollup("activity_weekly", "week")  # week = Monday of the ISO week

# -- per-week tables the digest reads (kept up to date from the rollups and raw rows by SqlActivityRepo's
# refresh, at most every minute while ingesting and before any read): the digest never scans raw activity.

# A member's week across platforms (linked accounts are one member): active days are distinct days.
activity_member_weekly = sa.Table(
    "activity_member_weekly",
    metadata,
    sa.Column("community_id", sa.Integer, primary_key=True),
    sa.Column("week", sa.Date, primary_key=True),
    sa.Column("member_id", sa.Integer, primary_key=True),
    sa.Column("active_days", sa.Integer, nullable=False),
    sa.Column("last_day", sa.Date, nullable=False),
    sa.Column("messages", sa.Integer, nullable=False, server_default="0"),
    sa.Column("replies", sa.Integer, nullable=False, server_default="0"),
    sa.Column("questions", sa.Integer, nullable=False, server_default="0"),
    sa.Column("reactions", sa.Integer, nullable=False, server_default="0"),
    sa.Column("actions", sa.Integer, nullable=False, server_default="0"),
    sa.Column("people_replied", sa.Integer, nullable=False, server_default="0"),  # distinct members replied to
    sa.Column("reactions_received", sa.Integer, nullable=False, server_default="0"),  # from other members
    sa.Column("answers", sa.Integer, nullable=False, server_default="0"),  # questions they replied to first
    sa.Column("newcomers_helped", sa.Integer, nullable=False, server_default="0"),  # first replies to newcomers
    sa.Index("ix_activity_member_weekly_community_id_member_id_week", "community_id", "member_id", "week"),
)

# The community's week, per platform and in total (platform "all": linked accounts counted once).
activity_community_weekly = sa.Table(
    "activity_community_weekly",
    metadata,
    sa.Column("community_id", sa.Integer, primary_key=True),
    sa.Column("week", sa.Date, primary_key=True),
    sa.Column("platform", sa.String(16), primary_key=True),
    sa.Column("active_members", sa.Integer, nullable=False),
    sa.Column("active_days", sa.Integer, nullable=False),  # member-days: ÷ 7 is the mean DAU
    sa.Column("messages", sa.Integer, nullable=False, server_default="0"),
    sa.Column("replies", sa.Integer, nullable=False, server_default="0"),
    sa.Column("questions", sa.Integer, nullable=False, server_default="0"),
    sa.Column("reactions", sa.Integer, nullable=False, server_default="0"),
    sa.Column("actions", sa.Integer, nullable=False, server_default="0"),
    # On the "all" row: pairs who replied to each other, and replies where neither side is staff (as known then);
    # members who joined (distinct) and leaves, by the UTC week of the event.
    sa.Column("reciprocated", sa.Integer, nullable=False, server_default="0"),
    sa.Column("member_replies", sa.Integer, nullable=False, server_default="0"),
    sa.Column("joins", sa.Integer, nullable=False, server_default="0"),
    sa.Column("leaves", sa.Integer, nullable=False, server_default="0"),
)

# Members who joined, per community: their (latest) join, first message after it, first reciprocated tie within
# 14 days, and when they left. The newcomer numbers and cohorts read this instead of walking history.
activity_newcomers = sa.Table(
    "activity_newcomers",
    metadata,
    sa.Column("community_id", sa.Integer, primary_key=True),
    sa.Column("member_id", sa.Integer, primary_key=True),
    sa.Column("joined_at", Stamp, nullable=False),
    sa.Column("first_post_at", Stamp),
    sa.Column("connected_at", Stamp),
    sa.Column("left_at", Stamp),
    sa.Index("ix_activity_newcomers_community_id_joined_at", "community_id", "joined_at"),
)

# Join-week cohorts: members of the cohort active in each later week (week == cohort_week holds the cohort size).
activity_cohort_weekly = sa.Table(
    "activity_cohort_weekly",
    metadata,
    sa.Column("community_id", sa.Integer, primary_key=True),
    sa.Column("cohort_week", sa.Date, primary_key=True),
    sa.Column("week", sa.Date, primary_key=True),
    sa.Column("active", sa.Integer, nullable=False, server_default="0"),
    sa.Column("joined", sa.Integer, nullable=False, server_default="0"),
)

# Regulars at the start of each week: members with 2 or more active days a week over the 4 weeks before, with
# their active days and last active day then. Computed once per community and week (the baseline is closed).
activity_regulars = sa.Table(
    "activity_regulars",
    metadata,
    sa.Column("community_id", sa.Integer, primary_key=True),
    sa.Column("week", sa.Date, primary_key=True),
    sa.Column("member_id", sa.Integer, primary_key=True),
    sa.Column("baseline_days", sa.Integer, nullable=False),
    sa.Column("last_day", sa.Date, nullable=False),
)
activity_regular_weeks = sa.Table(  # which (community, week) regulars are computed
    "activity_regular_weeks",
    metadata,
    sa.Column("community_id", sa.Integer, primary_key=True),
    sa.Column("week", sa.Date, primary_key=True),
)

# Messages per channel and week (busiest channels).
activity_channel_weekly = sa.Table(
    "activity_channel_weekly",
    metadata,
    sa.Column("community_id", sa.Integer, primary_key=True),
    sa.Column("week", sa.Date, primary_key=True),
    sa.Column("platform", sa.String(16), primary_key=True),
    sa.Column("channel_id", sa.String(32), primary_key=True),
    sa.Column("messages", sa.Integer, nullable=False, server_default="0"),
    sa.Column("questions", sa.Integer, nullable=False, server_default="0"),
    sa.Column("replies", sa.Integer, nullable=False, server_default="0"),
    sa.Column("reactions", sa.Integer, nullable=False, server_default="0"),
)

# Who replied to / reacted to whom, per week, one row per pair (low id, high id): "up" is low → high.
# Reciprocated ties need no self-join; the first reply each way dates a newcomer's first tie.
activity_ties_weekly = sa.Table(
    "activity_ties_weekly",
    metadata,
    sa.Column("community_id", sa.Integer, primary_key=True),
    sa.Column("week", sa.Date, primary_key=True),
    sa.Column("low_member_id", sa.Integer, primary_key=True),
    sa.Column("high_member_id", sa.Integer, primary_key=True),
    sa.Column("replies_up", sa.Integer, nullable=False, server_default="0"),
    sa.Column("replies_down", sa.Integer, nullable=False, server_default="0"),
    sa.Column("reactions_up", sa.Integer, nullable=False, server_default="0"),
    sa.Column("reactions_down", sa.Integer, nullable=False, server_default="0"),
    sa.Column("first_up_at", Stamp),
    sa.Column("first_down_at", Stamp),
)

# Newcomers' first replies with each member, within 14 days of joining: a newcomer with a reply each way with
# someone is connected. Recorded as replies arrive, so the digest never walks a newcomer's history.
activity_newcomer_ties = sa.Table(
    "activity_newcomer_ties",
    metadata,
    sa.Column("community_id", sa.Integer, primary_key=True),
    sa.Column("member_id", sa.Integer, primary_key=True),  # the newcomer
    sa.Column("other_member_id", sa.Integer, primary_key=True),
    sa.Column("first_out_at", Stamp),  # the newcomer's first reply to the other
    sa.Column("first_in_at", Stamp),  # the other's first reply to the newcomer
    sa.Index("ix_activity_newcomer_ties_community_id_first_in_at", "community_id", "first_in_at"),
)

# Question-like messages and their first reply by another member (to the asker, in the same channel,
# within 24 h: the raw rows know whom a message replied to, not which message). Purged with raw activity.
activity_questions = sa.Table(
    "activity_questions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),  # the raw row's id
    sa.Column("community_id", sa.Integer, nullable=False),
    sa.Column("platform", sa.String(16), nullable=False),
    sa.Column("channel_id", sa.String(32), nullable=False),
    sa.Column("member_id", sa.Integer, nullable=False),
    sa.Column("message_id", sa.String(32)),
    sa.Column("at", Stamp, nullable=False),
    sa.Column("deadline", Stamp, nullable=False),  # at + 24 h
    sa.Column("replied_at", Stamp),
    sa.Column("replier_member_id", sa.Integer),
    sa.Column("response_seconds", sa.Integer),
    # Covering: a week's counts read the index alone.
    sa.Index(
        "ix_activity_questions_community_id_at", "community_id", "at", "replied_at", "deadline", "response_seconds"
    ),
    sa.Index(
        "ix_activity_questions_community_id_channel_id_member_id_at", "community_id", "channel_id", "member_id", "at"
    ),  # fmt: skip
)

# Weeks whose member/community rows must be recomputed (two members merged by /link).
activity_dirty_weeks = sa.Table(
    "activity_dirty_weeks",
    metadata,
    sa.Column("community_id", sa.Integer, primary_key=True),
    sa.Column("week", sa.Date, primary_key=True),
)

# Who acts as staff (moderator or manager) in a community, as seen when they used a command: ties and
# reply shares count member-to-member replies without them.
community_staff = sa.Table(
    "community_staff",
    metadata,
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("role", sa.SmallInteger, nullable=False),
    sa.Column("first_seen_at", Stamp, nullable=False),
    sa.Column("last_seen_at", Stamp, nullable=False),
)
