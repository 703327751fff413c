"""Polls and surveys as the feature sees them (aware UTC times; the zone and language for display), the hub
events the platform glue publishes (native votes and counts), and what the digest reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.core.targets import Target


class PollMode(StrEnum):
    NATIVE = "native"  # the platform's own poll (Telegram sendPoll, Discord native poll)
    BUTTONS = "buttons"  # our buttons, votes kept by Hearth (anonymous polls on Discord; the console)


class Status(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class SurveyKind(StrEnum):
    NPS = "nps"  # 0–10 "how likely are you to recommend"
    CSAT = "csat"  # 1–5 satisfaction


@dataclass(frozen=True, slots=True)
class PollDraft:
    """A poll as typed, checked against the platform's limits (limits.py)."""

    question: str
    answers: tuple[str, ...]
    multiple: bool = False
    anonymous: bool = False
    closes_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NewPoll:
    community_id: int
    creator_id: int
    draft: PollDraft
    mode: PollMode
    channel: Target
    locale: str
    timezone: str


@dataclass(frozen=True, slots=True)
class Poll:
    id: int
    community_id: int
    creator_id: int
    question: str
    answers: tuple[str, ...]
    multiple: bool
    anonymous: bool
    mode: PollMode
    channel: Target
    locale: str
    timezone: str
    status: Status
    created_at: datetime
    closes_at: datetime | None
    closed_at: datetime | None = None
    message_id: str | None = None  # the post (native poll or button post)
    native_id: str | None = None  # the platform's poll id (Telegram poll id; Discord: the message id)
    platform_counts: tuple[int, ...] | None = None  # the latest counts the platform reported
    final_counts: tuple[int, ...] | None = None  # stored when it closed
    voters: int | None = None  # distinct voters when it closed (shares of multiple-choice polls)
    results_queued: bool = False

    @property
    def platform(self) -> str:
        return self.channel.platform.value

    @property
    def is_open(self) -> bool:
        return self.status is Status.OPEN


@dataclass(frozen=True, slots=True)
class Tally:
    """Counts per answer (in answer order) and the number of distinct voters."""

    counts: tuple[int, ...]
    voters: int

    @property
    def votes(self) -> int:
        return sum(self.counts)

    def shares(self, multiple: bool) -> tuple[float, ...]:
        """Share of each answer: of all votes (single choice), of the voters (multiple choice)."""
        base = self.voters if multiple else self.votes
        return tuple(c / base if base else 0.0 for c in self.counts)

    @property
    def leaders(self) -> tuple[int, ...]:
        """Positions with the most votes (one: a winner; several: a tie; none: no votes)."""
        top = max(self.counts, default=0)
        return tuple(i for i, c in enumerate(self.counts) if c == top) if top > 0 else ()


@dataclass(frozen=True, slots=True)
class NativePollRef:
    message_id: str
    native_id: str


@dataclass(frozen=True, slots=True)
class Survey:
    id: int
    community_id: int
    creator_id: int
    kind: SurveyKind
    question: str  # CSAT: the manager's question; NPS: empty (the standard question is rendered)
    subject: str  # what NPS asks about: the community's name when it was created
    channel: Target
    locale: str
    timezone: str
    status: Status
    created_at: datetime
    closes_at: datetime | None
    closed_at: datetime | None = None
    message_id: str | None = None
    results_queued: bool = False

    @property
    def platform(self) -> str:
        return self.channel.platform.value

    @property
    def is_open(self) -> bool:
        return self.status is Status.OPEN

    @property
    def scale(self) -> range:
        return range(0, 11) if self.kind is SurveyKind.NPS else range(1, 6)


@dataclass(frozen=True, slots=True)
class SurveyAnswer:
    survey_id: int
    member_id: int
    score: int
    comment: str | None
    answered_at: datetime


@dataclass(frozen=True, slots=True)
class Score:
    """A survey's result: NPS (−100…100) with a symmetric margin, or CSAT (share of 4–5, 0…1) with a
    Wilson interval. `value` is None without answers; `low`/`high` are None where no interval exists."""

    kind: SurveyKind
    n: int
    value: float | None
    low: float | None
    high: float | None
    groups: tuple[int, int, int]  # NPS: promoters, passives, detractors; CSAT: satisfied (4–5), neutral, unsatisfied

    @property
    def margin(self) -> float | None:
        if self.value is None or self.low is None or self.high is None:
            return None
        return (self.high - self.low) / 2


# -- what the platform glue publishes (hub events) -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NativeVoteSeen:
    """A member's vote on a native poll, as the platform reported it. `replace`: the options are the member's
    whole answer (Telegram poll_answer; empty = retracted); otherwise one option added or removed (Discord)."""

    platform: str
    native_id: str
    user_id: str
    display_name: str | None
    options: tuple[int, ...]  # 0-based positions
    at: datetime
    replace: bool = True
    removed: bool = False


@dataclass(frozen=True, slots=True)
class NativeCountsSeen:
    """New counts for a native poll (Telegram `poll` updates: the only news of anonymous votes)."""

    platform: str
    native_id: str
    counts: tuple[int, ...]
    voters: int
    closed: bool
    at: datetime


# -- what the digest reads (ports.PollResults) ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PollResult:
    poll_id: int
    question: str
    answers: tuple[str, ...]
    tally: Tally
    multiple: bool
    anonymous: bool
    platform: str
    created_at: datetime
    closed_at: datetime


@dataclass(frozen=True, slots=True)
class SurveyResult:
    survey_id: int
    kind: SurveyKind
    question: str
    subject: str
    platform: str
    created_at: datetime
    closed_at: datetime | None  # None: still running
    score: Score
    previous: Score | None  # the latest earlier survey of the same kind with answers (the trend)
    previous_id: int | None = None
    comments: tuple[str, ...] = field(default=())  # for managers: the words, never who wrote them
