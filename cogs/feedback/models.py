"""Feedback as the feature sees it: items numbered per community (#1, #2, …), votes, status history, drafts
waiting for their category, themes, and the summary the weekly digest reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.core.targets import Target

TITLE_MAX = 100
TEXT_MAX = 2000
REPLY_MAX = 1000
QUOTE_MAX = 200


class Category(StrEnum):
    IDEA = "idea"
    PROBLEM = "problem"
    PRAISE = "praise"
    QUESTION = "question"
    OTHER = "other"


class Status(StrEnum):
    NEW = "new"
    REVIEW = "review"  # under review
    PLANNED = "planned"
    DONE = "done"
    DECLINED = "declined"
    MERGED = "merged"  # folded into another item (merged_into); never set by hand

    @property
    def is_open(self) -> bool:
        return self in OPEN


OPEN = frozenset({Status.NEW, Status.REVIEW, Status.PLANNED})
SETTABLE = (Status.NEW, Status.REVIEW, Status.PLANNED, Status.DONE, Status.DECLINED)


@dataclass(frozen=True, slots=True)
class Item:
    id: int
    community_id: int
    number: int
    author_id: int
    anonymous: bool
    category: Category
    title: str
    body: str
    language: str
    status: Status
    origin: Target  # where it was submitted (a group channel, or the author's private chat)
    created_at: datetime
    updated_at: datetime
    votes: int = 0
    merged_into: int | None = None  # item id
    merged_into_number: int | None = None
    author_name: str | None = None  # never filled for anonymous items: nothing downstream can leak it

    @property
    def is_open(self) -> bool:
        return self.status.is_open


@dataclass(frozen=True, slots=True)
class NewItem:
    community_id: int
    author_id: int
    anonymous: bool
    category: Category
    title: str
    body: str
    language: str
    origin: Target


@dataclass(frozen=True, slots=True)
class Draft:
    """Feedback typed on Telegram or the console before its category button was pressed."""

    id: int
    community_id: int
    member_id: int
    title: str
    body: str
    anonymous: bool
    origin: Target
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StatusChange:
    id: int
    item_id: int
    status: Status
    previous: Status
    reply: str
    actor_id: int | None
    at: datetime


@dataclass(frozen=True, slots=True)
class Post:
    item_id: int
    target: Target
    message_id: str


@dataclass(frozen=True, slots=True)
class Recipient:
    """Where a member's private notice goes and in which language (chosen, else last seen; None: unknown)."""

    member_id: int
    platform: str
    user_id: str
    username: str | None
    locale: str | None


@dataclass(frozen=True, slots=True)
class VoteResult:
    item: Item  # as it is after the vote (the item voted for: a merged item's votes go to its target)
    changed: bool
    redirected_from: int | None = None  # the merged item's number the member pressed


@dataclass(frozen=True, slots=True)
class Page:
    items: tuple[Item, ...]
    page: int  # 0-based
    pages: int
    total: int
    category: Category | None
    voted: frozenset[int] = frozenset()  # ids among `items` the viewer voted for


@dataclass(frozen=True, slots=True)
class StatusOutcome:
    item: Item
    change: StatusChange
    told: int  # members notified privately


@dataclass(frozen=True, slots=True)
class MergeOutcome:
    source: Item
    into: Item
    moved: int  # votes that moved over
    already: int  # voters who had voted for both: counted once


@dataclass(frozen=True, slots=True)
class Theme:
    """A recurring term or two-word phrase in one language, with how many items use it."""

    term: str  # as members wrote it most often
    key: str  # the stemmed form the items were grouped by
    language: str
    count: int  # items using it
    numbers: tuple[int, ...]  # example item numbers


@dataclass(frozen=True, slots=True)
class ExportRow:
    item: Item
    last_reply: str


@dataclass(frozen=True, slots=True)
class FeedbackSummary:
    """What the weekly digest shows about feedback in a period (see ports.FeedbackReport)."""

    new: tuple[Item, ...]
    top_voted: tuple[Item, ...]
    status_changes: tuple[tuple[Item, StatusChange], ...]
    themes: tuple[Theme, ...]
    negative: int  # new items in the "problem" category in the period
    by_category: dict[str, int] = field(default_factory=dict)
    awaiting_reply: int = 0  # open items still without a manager's status ("new")


# -- hub events other features may subscribe to ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedbackSubmitted:
    """A new item. The risk alerts count bursts of "problem" items against the community's baseline."""

    community_id: int
    item_id: int
    number: int
    category: str
    at: datetime
