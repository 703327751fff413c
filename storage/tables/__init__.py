"""The schema: one module per feature on one shared metadata (`base.metadata`). Migrations in
storage/migrations are the truth for deployed databases; tests check that migrating an empty database
yields exactly this metadata. A new feature adds `tables/<feature>.py` and imports it here."""

from storage.tables.analytics import activity_daily, activity_events, activity_weekly, membership_events
from storage.tables.base import Stamp, UTCDateTime, metadata
from storage.tables.community import communities, community_links
from storage.tables.events import event_posts, event_reminders, event_rsvps, events
from storage.tables.feedback import (
    feedback_drafts,
    feedback_followers,
    feedback_items,
    feedback_posts,
    feedback_settings,
    feedback_status_log,
    feedback_votes,
)
from storage.tables.members import community_members, link_codes, member_identities, member_settings, members
from storage.tables.moderation import mod_automod_hits, mod_infractions, mod_reports, mod_settings
from storage.tables.onboarding import (
    onboarding_gates,
    onboarding_interests,
    onboarding_journeys,
    onboarding_member_interests,
    onboarding_nudges,
    onboarding_settings,
    onboarding_templates,
    onboarding_welcomes,
)
from storage.tables.outbox import cursors, outbox
from storage.tables.polls import poll_answers, poll_votes, polls, survey_answers, surveys

__all__ = [
    "Stamp",
    "UTCDateTime",
    "activity_daily",
    "activity_events",
    "activity_weekly",
    "communities",
    "community_links",
    "community_members",
    "cursors",
    "event_posts",
    "event_reminders",
    "event_rsvps",
    "events",
    "feedback_drafts",
    "feedback_followers",
    "feedback_items",
    "feedback_posts",
    "feedback_settings",
    "feedback_status_log",
    "feedback_votes",
    "link_codes",
    "member_identities",
    "member_settings",
    "members",
    "membership_events",
    "metadata",
    "mod_automod_hits",
    "mod_infractions",
    "mod_reports",
    "mod_settings",
    "onboarding_gates",
    "onboarding_interests",
    "onboarding_journeys",
    "onboarding_member_interests",
    "onboarding_nudges",
    "onboarding_settings",
    "onboarding_templates",
    "onboarding_welcomes",
    "outbox",
    "poll_answers",
    "poll_votes",
    "polls",
    "survey_answers",
    "surveys",
]
