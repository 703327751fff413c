"""digest: per-week analytics tables (members, community, channels, ties, cohorts, regulars, newcomers, questions),
staff, the digest's schedule/subscriptions/runs/watch list, risk alert counts and alerts

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 04:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('activity_channel_weekly',
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('messages', sa.Integer(), server_default='0', nullable=False),
    sa.Column('questions', sa.Integer(), server_default='0', nullable=False),
    sa.Column('replies', sa.Integer(), server_default='0', nullable=False),
    sa.Column('reactions', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('community_id', 'week', 'platform', 'channel_id', name=op.f('pk_activity_channel_weekly'))
    )
    op.create_table('activity_cohort_weekly',
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('cohort_week', sa.Date(), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('active', sa.Integer(), server_default='0', nullable=False),
    sa.Column('joined', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('community_id', 'cohort_week', 'week', name=op.f('pk_activity_cohort_weekly'))
    )
    op.create_table('activity_community_weekly',
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('active_members', sa.Integer(), nullable=False),
    sa.Column('active_days', sa.Integer(), nullable=False),
    sa.Column('messages', sa.Integer(), server_default='0', nullable=False),
    sa.Column('replies', sa.Integer(), server_default='0', nullable=False),
    sa.Column('questions', sa.Integer(), server_default='0', nullable=False),
    sa.Column('reactions', sa.Integer(), server_default='0', nullable=False),
    sa.Column('actions', sa.Integer(), server_default='0', nullable=False),
    sa.Column('reciprocated', sa.Integer(), server_default='0', nullable=False),
    sa.Column('member_replies', sa.Integer(), server_default='0', nullable=False),
    sa.Column('joins', sa.Integer(), server_default='0', nullable=False),
    sa.Column('leaves', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('community_id', 'week', 'platform', name=op.f('pk_activity_community_weekly'))
    )
    op.create_table('activity_dirty_weeks',
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('community_id', 'week', name=op.f('pk_activity_dirty_weeks'))
    )
    op.create_table('activity_member_weekly',
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('active_days', sa.Integer(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('messages', sa.Integer(), server_default='0', nullable=False),
    sa.Column('replies', sa.Integer(), server_default='0', nullable=False),
    sa.Column('questions', sa.Integer(), server_default='0', nullable=False),
    sa.Column('reactions', sa.Integer(), server_default='0', nullable=False),
    sa.Column('actions', sa.Integer(), server_default='0', nullable=False),
    sa.Column('people_replied', sa.Integer(), server_default='0', nullable=False),
    sa.Column('reactions_received', sa.Integer(), server_default='0', nullable=False),
    sa.Column('answers', sa.Integer(), server_default='0', nullable=False),
    sa.Column('newcomers_helped', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('community_id', 'week', 'member_id', name=op.f('pk_activity_member_weekly'))
    )
    with op.batch_alter_table('activity_member_weekly', schema=None) as batch_op:
        batch_op.create_index('ix_activity_member_weekly_community_id_member_id_week', ['community_id', 'member_id', 'week'], unique=False)

    op.create_table('activity_newcomer_ties',
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('other_member_id', sa.Integer(), nullable=False),
    sa.Column('first_out_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('community_id', 'member_id', 'other_member_id', name=op.f('pk_activity_newcomer_ties'))
    )
    with op.batch_alter_table('activity_newcomer_ties', schema=None) as batch_op:
        batch_op.create_index('ix_activity_newcomer_ties_community_id_first_in_at', ['community_id', 'first_in_at'], unique=False)

    op.create_table('activity_newcomers',
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_post_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('connected_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('left_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('community_id', 'member_id', name=op.f('pk_activity_newcomers'))
    )
    with op.batch_alter_table('activity_newcomers', schema=None) as batch_op:
        batch_op.create_index('ix_activity_newcomers_community_id_joined_at', ['community_id', 'joined_at'], unique=False)

    op.create_table('activity_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=32), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=False),
    sa.Column('replied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('replier_member_id', sa.Integer(), nullable=True),
    sa.Column('response_seconds', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_questions'))
    )
    with op.batch_alter_table('activity_questions', schema=None) as batch_op:
        batch_op.create_index('ix_activity_questions_community_id_at', ['community_id', 'at', 'replied_at', 'deadline', 'response_seconds'], unique=False)
        batch_op.create_index('ix_activity_questions_community_id_channel_id_member_id_at', ['community_id', 'channel_id', 'member_id', 'at'], unique=False)

    op.create_table('activity_regular_weeks',
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('community_id', 'week', name=op.f('pk_activity_regular_weeks'))
    )
    op.create_table('activity_regulars',
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('baseline_days', sa.Integer(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('community_id', 'week', 'member_id', name=op.f('pk_activity_regulars'))
    )
    op.create_table('activity_ties_weekly',
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('low_member_id', sa.Integer(), nullable=False),
    sa.Column('high_member_id', sa.Integer(), nullable=False),
    sa.Column('replies_up', sa.Integer(), server_default='0', nullable=False),
    sa.Column('replies_down', sa.Integer(), server_default='0', nullable=False),
    sa.Column('reactions_up', sa.Integer(), server_default='0', nullable=False),
    sa.Column('reactions_down', sa.Integer(), server_default='0', nullable=False),
    sa.Column('first_up_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_down_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('community_id', 'week', 'low_member_id', 'high_member_id', name=op.f('pk_activity_ties_weekly'))
    )
    op.create_table('risk_hourly',
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('community_id', 'kind', 'hour', name=op.f('pk_risk_hourly'))
    )
    op.create_table('community_staff',
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.SmallInteger(), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_community_staff_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_community_staff_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('community_id', 'member_id', name=op.f('pk_community_staff'))
    )
    op.create_table('digest_runs',
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('composed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_digest_runs_community_id_communities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('community_id', 'week', name=op.f('pk_digest_runs'))
    )
    op.create_table('digest_settings',
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.SmallInteger(), server_default='0', nullable=False),
    sa.Column('hour', sa.SmallInteger(), server_default='9', nullable=False),
    sa.Column('to_channel', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_digest_settings_community_id_communities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('community_id', name=op.f('pk_digest_settings'))
    )
    op.create_table('digest_subscriptions',
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_digest_subscriptions_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_digest_subscriptions_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('community_id', 'member_id', name=op.f('pk_digest_subscriptions'))
    )
    op.create_table('digest_watch_terms',
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_digest_watch_terms_community_id_communities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('community_id', 'term', name=op.f('pk_digest_watch_terms'))
    )
    op.create_table('risk_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('baseline', sa.Float(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('examples', sa.Text(), server_default='[]', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_risk_alerts_community_id_communities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_alerts')),
    sa.UniqueConstraint('community_id', 'kind', 'hour', name=op.f('uq_risk_alerts_community_id_kind_hour'))
    )
    with op.batch_alter_table('risk_alerts', schema=None) as batch_op:
        batch_op.create_index('ix_risk_alerts_community_id_created_at', ['community_id', 'created_at'], unique=False)

    # Plain ADD COLUMN (never a table copy: activity_events holds millions of rows).
    op.add_column("activity_daily", sa.Column("actions", sa.Integer(), server_default="0", nullable=False))
    op.add_column("activity_weekly", sa.Column("actions", sa.Integer(), server_default="0", nullable=False))
    op.add_column("activity_events", sa.Column("message_id", sa.String(length=32), nullable=True))
    op.create_index("ix_activity_daily_day_community_id", "activity_daily", ["day", "community_id"], unique=False)
    # Before `actions` existed, a rollup row with every counter at zero could only come from feature actions
    # (an RSVP): keep such members active on those days. The week tables fill at the first refresh.
    counters = ("messages", "replies", "questions", "mentions", "reactions", "replies_received")
    zero = " AND ".join(f"{c} = 0" for c in counters)
    for table in ("activity_daily", "activity_weekly"):
        op.execute(f"UPDATE {table} SET actions = 1 WHERE {zero}")


def downgrade() -> None:
    op.drop_index("ix_activity_daily_day_community_id", table_name="activity_daily")
    with op.batch_alter_table("activity_weekly", schema=None) as batch_op:
        batch_op.drop_column("actions")
    with op.batch_alter_table("activity_events", schema=None) as batch_op:
        batch_op.drop_column("message_id")
    with op.batch_alter_table("activity_daily", schema=None) as batch_op:
        batch_op.drop_column("actions")

    with op.batch_alter_table('risk_alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_risk_alerts_community_id_created_at')

    op.drop_table('risk_alerts')
    op.drop_table('digest_watch_terms')
    op.drop_table('digest_subscriptions')
    op.drop_table('digest_settings')
    op.drop_table('digest_runs')
    op.drop_table('community_staff')
    op.drop_table('risk_hourly')
    op.drop_table('activity_ties_weekly')
    op.drop_table('activity_regulars')
    op.drop_table('activity_regular_weeks')
    with op.batch_alter_table('activity_questions', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_questions_community_id_channel_id_member_id_at')
        batch_op.drop_index('ix_activity_questions_community_id_at')

    op.drop_table('activity_questions')
    with op.batch_alter_table('activity_newcomers', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_newcomers_community_id_joined_at')

    op.drop_table('activity_newcomers')
    with op.batch_alter_table('activity_newcomer_ties', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_newcomer_ties_community_id_first_in_at')

    op.drop_table('activity_newcomer_ties')
    with op.batch_alter_table('activity_member_weekly', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_member_weekly_community_id_member_id_week')

    op.drop_table('activity_member_weekly')
    op.drop_table('activity_dirty_weeks')
    op.drop_table('activity_community_weekly')
    op.drop_table('activity_cohort_weekly')
    op.drop_table('activity_channel_weekly')
