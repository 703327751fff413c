"""member_settings.private_community_id: the community a private chat with the bot is about

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 03:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("member_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("private_community_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_member_settings_private_community_id_communities",
            "communities",
            ["private_community_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("member_settings", schema=None) as batch_op:
        batch_op.drop_constraint("fk_member_settings_private_community_id_communities", type_="foreignkey")
        batch_op.drop_column("private_community_id")
