"""moderation: infractions, reports, automod hits, settings

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mod_infractions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("moderator_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("source", sa.String(length=12), server_default="manual", nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("scope_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), server_default="", nullable=False),
        sa.Column("detail", sa.String(length=300), server_default="", nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_mod_infractions_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_mod_infractions_member_id_members"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mod_infractions")),
    )
    with op.batch_alter_table("mod_infractions", schema=None) as batch_op:
        batch_op.create_index("ix_mod_infractions_community_id_member_id", ["community_id", "member_id"], unique=False)
        batch_op.create_index("ix_mod_infractions_state_until", ["state", "until"], unique=False)
        batch_op.create_index(
            "ix_mod_infractions_community_id_created_at", ["community_id", "created_at"], unique=False
        )

    op.create_table(
        "mod_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("target_member_id", sa.Integer(), nullable=True),
        sa.Column("target_user_id", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("scope_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("message_id", sa.String(length=32), nullable=True),
        sa.Column("link", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), server_default="open", nullable=False),
        sa.Column("moderator_id", sa.Integer(), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("action", sa.String(length=12), nullable=True),
        sa.Column("queue_target", sa.Text(), nullable=True),
        sa.Column("queue_message_id", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_mod_reports_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["members.id"], name=op.f("fk_mod_reports_reporter_id_members"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mod_reports")),
    )
    with op.batch_alter_table("mod_reports", schema=None) as batch_op:
        batch_op.create_index("ix_mod_reports_community_id_status", ["community_id", "status"], unique=False)
        batch_op.create_index("ix_mod_reports_community_id_created_at", ["community_id", "created_at"], unique=False)

    op.create_table(
        "mod_automod_hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=12), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_mod_automod_hits_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_mod_automod_hits_member_id_members"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mod_automod_hits")),
    )
    with op.batch_alter_table("mod_automod_hits", schema=None) as batch_op:
        batch_op.create_index("ix_mod_automod_hits_community_id_at", ["community_id", "at"], unique=False)
        batch_op.create_index("ix_mod_automod_hits_member_id", ["member_id"], unique=False)

    op.create_table(
        "mod_settings",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("log_channel", sa.Text(), nullable=True),
        sa.Column("queue_channel", sa.Text(), nullable=True),
        sa.Column("appeal", sa.Text(), server_default="", nullable=False),
        sa.Column("automod", sa.Text(), server_default="{}", nullable=False),
        sa.Column("escalation", sa.Text(), server_default="{}", nullable=False),
        sa.Column("raid", sa.Text(), server_default="{}", nullable=False),
        sa.Column("lockdown_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lockdown_state", sa.Text(), server_default="{}", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_mod_settings_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("community_id", name=op.f("pk_mod_settings")),
    )


def downgrade() -> None:
    op.drop_table("mod_settings")
    with op.batch_alter_table("mod_automod_hits", schema=None) as batch_op:
        batch_op.drop_index("ix_mod_automod_hits_member_id")
        batch_op.drop_index("ix_mod_automod_hits_community_id_at")
    op.drop_table("mod_automod_hits")
    with op.batch_alter_table("mod_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_mod_reports_community_id_created_at")
        batch_op.drop_index("ix_mod_reports_community_id_status")
    op.drop_table("mod_reports")
    with op.batch_alter_table("mod_infractions", schema=None) as batch_op:
        batch_op.drop_index("ix_mod_infractions_community_id_created_at")
        batch_op.drop_index("ix_mod_infractions_state_until")
        batch_op.drop_index("ix_mod_infractions_community_id_member_id")
    op.drop_table("mod_infractions")
