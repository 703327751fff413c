"""What the digest needs: its repository, and the optional sections other features provide.

Optional sections. Features landing on their own branches plug a section in by implementing one of the small
reader Protocols below and registering it in their wire function in bot/app.py — one line, in any order of
FEATURES, e.g. `s.digest_sections.funnel = OnboardingFunnel(repo)`. A section whose provider is not registered
is left out of the digest cleanly (the footer says which). Every method gets the community and the digest week's
bounds (aware UTC, [start, end)) and returns the dataclass from cogs/digest/models.py, or None when it has nothing
to say."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from cogs.digest.models import (
    DigestSettings,
    EventLine,
    FeedbackDigest,
    Funnel,
    ModerationDigest,
    RiskAlert,
    RiskExample,
    Satisfaction,
    Subscription,
)

# -- optional sections (implemented by other features) ------------------------------------------------------------


class FunnelSection(Protocol):
    """Onboarding: the newcomer journey (joined → accepted rules → first message → first reply from another member
    → active in week 2 → regular) of members who joined in [start, end). The digest names the biggest drop and
    draws the funnel chart."""

    async def funnel(self, community_id: int, start: datetime, end: datetime) -> Funnel | None: ...


class SatisfactionSection(Protocol):
    """Polls and surveys: NPS/CSAT surveys and polls closed in [start, end), each survey with its margin of error
    and the previous survey of the same kind (the trend)."""

    async def satisfaction(self, community_id: int, start: datetime, end: datetime) -> Satisfaction | None: ...


class FeedbackSection(Protocol):
    """Feedback: items submitted in [start, end), the open items with the most votes, status changes in the week,
    themes (recurring terms), and how many items still wait for a reply."""

    async def feedback(self, community_id: int, start: datetime, end: datetime) -> FeedbackDigest | None: ...


class ModerationSection(Protocol):
    """Moderation: actions taken in [start, end) by kind, reports received and still open, automod hits and the
    rules that fired most."""

    async def moderation(self, community_id: int, start: datetime, end: datetime) -> ModerationDigest | None: ...


class MemberInterests(Protocol):
    """Onboarding: members' interests (the tags events target), for inviting a drifting member to an event that
    matches. Members without interests are left out of the answer."""

    async def interests(self, community_id: int, member_ids: Collection[int]) -> dict[int, frozenset[str]]: ...


@dataclass
class Providers:
    """The registered optional sections; None = that feature is not there (yet)."""

    funnel: FunnelSection | None = None
    satisfaction: SatisfactionSection | None = None
    feedback: FeedbackSection | None = None
    moderation: ModerationSection | None = None
    interests: MemberInterests | None = None


# -- what the digest reads from the events feature (cogs/digest/events.py adapts the events port) ---------------


class EventsReader(Protocol):
    async def held(self, community_id: int, start: datetime, end: datetime) -> list[EventLine]: ...

    async def upcoming(self, community_id: int, now: datetime, limit: int) -> list[EventLine]: ...


# -- its own storage ------------------------------------------------------------------------------------------------


class DigestRepo(Protocol):
    async def settings(self, community_id: int) -> DigestSettings: ...

    async def save_settings(self, settings: DigestSettings, now: datetime) -> None: ...

    async def subscribe(self, subscription: Subscription, now: datetime) -> bool:
        """True when new (an existing subscription moves to the new platform / user id)."""
        ...

    async def unsubscribe(self, community_id: int, member_id: int) -> bool: ...

    async def subscriptions(self, community_id: int) -> list[Subscription]: ...

    async def community_ids(self) -> list[int]:
        """Communities that could get a digest: with a subscriber or a manager channel."""
        ...

    async def ran(self, community_id: int, week: date) -> bool: ...

    async def record_run(self, community_id: int, week: date, recipients: int, now: datetime) -> None: ...

    async def watch_terms(self, community_id: int) -> list[str]: ...

    async def all_watch_terms(self) -> dict[int, list[str]]: ...

    async def add_watch_term(self, community_id: int, term: str, now: datetime) -> bool: ...

    async def remove_watch_term(self, community_id: int, term: str) -> bool: ...


class RiskRepo(Protocol):
    async def add_counts(self, counts: Sequence[tuple[int, str, datetime, int]]) -> None:
        """Add (community, kind, hour, count) to the hourly counts."""
        ...

    async def history(self, community_id: int, kind: str, hours: Sequence[datetime]) -> dict[datetime, int]:
        """Counts at the given hours (missing hours are zero)."""
        ...

    async def record_alert(
        self,
        community_id: int,
        kind: str,
        hour: datetime,
        count: int,
        baseline: float,
        score: float,
        examples: Sequence[RiskExample],
        now: datetime,
    ) -> RiskAlert | None:
        """Store an alert; None when one exists for that community, kind and hour already."""
        ...

    async def last_alert(self, community_id: int, kind: str) -> RiskAlert | None: ...

    async def alerts(self, community_id: int, start: datetime, end: datetime) -> list[RiskAlert]: ...

    async def purge_before(self, cutoff: datetime) -> None: ...


class ChannelNames(Protocol):
    """A platform capability: channel names by id, from the adapter's cache (Discord shows `<#id>` as a link, but
    a digest read on another platform or in the terminal needs the name)."""

    def channel_name(self, channel_id: str) -> str | None: ...
