"""outbox key fields: feature, subject, part, member, fallback as columns

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 02:30:00

Hooks used to parse the key string ("event:12:r60:m7:fallback"); now they read columns. Rows written
before this migration get their fields from that string once, here.
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_KEY = re.compile(r"^(?P<feature>[^:]+):(?P<subject>[^:]+):(?P<rest>.*)$")


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("feature", sa.String(length=32), server_default="", nullable=False))
        batch_op.add_column(sa.Column("subject", sa.String(length=64), server_default="", nullable=False))
        batch_op.add_column(sa.Column("part", sa.String(length=64), server_default="", nullable=False))
        batch_op.add_column(sa.Column("member_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("fallback", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index("ix_outbox_member_id", ["member_id"], unique=False)

    conn = op.get_bind()
    outbox = sa.table(
        "outbox",
        sa.column("id", sa.Integer),
        sa.column("key", sa.String),
        sa.column("feature", sa.String),
        sa.column("subject", sa.String),
        sa.column("part", sa.String),
        sa.column("member_id", sa.Integer),
        sa.column("fallback", sa.Boolean),
    )
    for row in conn.execute(sa.select(outbox.c.id, outbox.c.key)).all():
        match = _KEY.match(row.key)
        if match is None:
            continue
        parts = match["rest"].split(":")
        fallback = parts[-1:] == ["fallback"]
        parts = parts[:-1] if fallback else parts
        member = next((int(p[1:]) for p in parts if p.startswith("m") and p[1:].isdigit()), None)
        part = ":".join(p for p in parts if not (p.startswith("m") and p[1:].isdigit()))
        conn.execute(
            sa.update(outbox)
            .where(outbox.c.id == row.id)
            .values(
                feature=match["feature"], subject=match["subject"], part=part[:64], member_id=member, fallback=fallback
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_member_id")
        batch_op.drop_column("fallback")
        batch_op.drop_column("member_id")
        batch_op.drop_column("part")
        batch_op.drop_column("subject")
        batch_op.drop_column("feature")
