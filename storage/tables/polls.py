"""Polls (native or with buttons), their answers and votes; NPS and CSAT surveys and their answers."""

from __future__ import annotations

import sqlalchemy as sa

from storage.tables.base import Stamp, metadata

polls = sa.Table(
    "polls",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
    sa.Column("creator_id", sa.Integer, nullable=False),
    sa.Column("question", sa.String(300), nullable=False),
    sa.Column("multiple", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("anonymous", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("mode", sa.String(12), nullable=False),  # native | buttons
    sa.Column("platform", sa.String(12), nullable=False),
    sa.Column("channel", sa.Text, nullable=False),  # Target JSON: where the poll and its results are posted
    sa.Column("message_id", sa.String(32)),  # the post
    sa.Column("native_id", sa.String(64)),  # the platform's poll id (Telegram); Discord: the message id
    sa.Column("locale", sa.String(8), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("status", sa.String(12), nullable=False, server_default="open"),
    sa.Column("voters", sa.Integer),  # distinct voters: the platform's latest figure, then the final one
    sa.Column("results_queued", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", Stamp, nullable=False),
    sa.Column("closes_at", Stamp),
    sa.Column("closed_at", Stamp),
    sa.Index("ix_polls_status_closes_at", "status", "closes_at"),
    sa.Index("ix_polls_community_id_closed_at", "community_id", "closed_at"),
    sa.Index("ix_polls_platform_native_id", "platform", "native_id", unique=True),
)

poll_answers = sa.Table(
    "poll_answers",
    metadata,
    sa.Column("poll_id", sa.Integer, sa.ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),  # 0-based, as shown
    sa.Column("text", sa.String(100), nullable=False),
    sa.Column("platform_count", sa.Integer),  # the latest count the platform reported (native polls)
    sa.Column("final_count", sa.Integer),  # stored when the poll closed
)

poll_votes = sa.Table(
    "poll_votes",
    metadata,
    sa.Column("poll_id", sa.Integer, sa.ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("voted_at", Stamp, nullable=False),
    sa.Index("ix_poll_votes_member_id", "member_id"),
)

surveys = sa.Table(
    "surveys",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("community_id", sa.Integer, sa.ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
    sa.Column("creator_id", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),  # nps | csat
    sa.Column("question", sa.String(300), nullable=False, server_default=""),
    sa.Column("subject", sa.String(200), nullable=False, server_default=""),
    sa.Column("platform", sa.String(12), nullable=False),
    sa.Column("channel", sa.Text, nullable=False),
    sa.Column("message_id", sa.String(32)),
    sa.Column("locale", sa.String(8), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("status", sa.String(12), nullable=False, server_default="open"),
    sa.Column("results_queued", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", Stamp, nullable=False),
    sa.Column("closes_at", Stamp),
    sa.Column("closed_at", Stamp),
    sa.Index("ix_surveys_status_closes_at", "status", "closes_at"),
    sa.Index("ix_surveys_community_id_kind_created_at", "community_id", "kind", "created_at"),
)

survey_answers = sa.Table(
    "survey_answers",
    metadata,
    sa.Column("survey_id", sa.Integer, sa.ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("score", sa.Integer, nullable=False),
    sa.Column("comment", sa.Text),
    sa.Column("answered_at", Stamp, nullable=False),
    sa.Index("ix_survey_answers_member_id", "member_id"),
)
