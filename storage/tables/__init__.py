"""The schema: one module per feature on one shared metadata (`base.metadata`). Migrations in
storage/migrations are the truth for deployed databases; tests check that migrating an empty database
yields exactly this metadata. A new feature adds `tables/<feature>.py` and imports it here."""

from storage.tables.analytics import (
    activity_channel_weekly,
    activity_cohort_weekly,
    activity_community_weekly,
    activity_daily,
    activity_dirty_weeks,
    activity_events,
    activity_member_weekly,
    activity_newcomer_ties,
    activity_newcomers,
    activity_questions,
    activity_regular_weeks,
    activity_regulars,
    activity_ties_weekly,
    activity_weekly,
    community_staff,
    membership_events,
)
from storage.tables.base import Stamp, UTCDateTime, metadata
from storage.tables.community import communities, community_links
from storage.tables.digest import (
    digest_runs,
    digest_settings,
    digest_subscriptions,
    digest_watch_terms,
    risk_alerts,
    risk_hourly,
)
from storage.tables.events import event_posts, event_reminders, event_rsvps, events
from storage.tables.members import community_members, link_codes, member_identities, member_settings, members
from storage.tables.outbox import cursors, outbox

__all__ = [
    "Stamp",
    "UTCDateTime",
    "activity_channel_weekly",
    "activity_cohort_weekly",
    "activity_community_weekly",
    "activity_daily",
    "activity_dirty_weeks",
    "activity_events",
    "activity_member_weekly",
    "activity_newcomer_ties",
    "activity_newcomers",
    "activity_questions",
    "activity_regular_weeks",
    "activity_regulars",
    "activity_ties_weekly",
    "activity_weekly",
    "communities",
    "community_links",
    "community_members",
    "community_staff",
    "cursors",
    "digest_runs",
    "digest_settings",
    "digest_subscriptions",
    "digest_watch_terms",
    "event_posts",
    "event_reminders",
    "event_rsvps",
    "events",
    "link_codes",
    "member_identities",
    "member_settings",
    "members",
    "membership_events",
    "metadata",
    "outbox",
    "risk_alerts",
    "risk_hourly",
]
