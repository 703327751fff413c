"""The event hub: what happens on a platform or in a feature is published once, and every feature that
cares subscribes (analytics to everything, onboarding to joins, moderation to messages).

Two ways to publish:
- `publish(event)` — the hot path (messages, reactions: tens of thousands a second). Plain functions
  run inline; coroutine handlers are started as tasks the hub keeps and awaits in `drain()`.
- `await deliver(event)` — when the publisher must know every handler finished (a join is recorded
  before the Telegram update cursor moves on).

A failing handler is logged and never stops the others or the publisher. Handlers run in
subscription order, which `bot/app.py` fixes (analytics records first, so the ids it resolves exist
for the features after it)."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

from bot.core.permissions import Role

log = logging.getLogger(__name__)

E = TypeVar("E")
Handler = Callable[[E], Awaitable[None] | None]


class EventHub:
    def __init__(self) -> None:
        self._handlers: dict[type, list[Callable[[Any], Any]]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    def subscribe(self, kind: type[E], handler: Callable[[E], Awaitable[None] | None]) -> None:
        self._handlers.setdefault(kind, []).append(handler)

    def subscribers(self, kind: type) -> int:
        return len(self._handlers.get(kind, ()))

    def publish(self, event: object) -> None:
        for handler in self._handlers.get(type(event), ()):
            try:
                result = handler(event)
            except Exception:
                log.exception("event handler %s failed for %s", _name(handler), type(event).__name__)
                continue
            if result is not None and inspect.isawaitable(result):  # (None first: this runs per message)
                task = asyncio.ensure_future(result)
                self._tasks.add(task)
                task.add_done_callback(self._finished)

    async def deliver(self, event: object) -> None:
        for handler in self._handlers.get(type(event), ()):
            try:
                result = handler(event)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("event handler %s failed for %s", _name(handler), type(event).__name__)

    async def drain(self) -> None:
        """Wait for handlers started by `publish` (shutdown, tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("event handler failed", exc_info=task.exception())


def _name(handler: Callable[..., Any]) -> str:
    return getattr(handler, "__qualname__", repr(handler))


# -- what adapters publish: platform ids and metadata, as the platform reported them -----------------


@dataclass(frozen=True, slots=True)
class MessageSeen:
    """A message by a person (not a bot). `text` is for in-memory checks only (questions, automod,
    watch-list terms) and is never stored."""

    platform: str
    scope_id: str  # guild / chat
    scope_title: str
    channel_id: str
    user_id: str
    display_name: str | None
    at: datetime
    reply_to_user_id: str | None = None
    mentioned_user_ids: tuple[str, ...] = ()
    is_question: bool = False
    length_bucket: int = 0
    message_id: str | None = None
    text: str = ""
    username: str | None = None  # the author's @username where the platform has one (finding members by it)


@dataclass(frozen=True, slots=True)
class ReactionSeen:
    platform: str
    scope_id: str
    scope_title: str
    channel_id: str
    user_id: str
    display_name: str | None
    at: datetime
    author_user_id: str | None = None


@dataclass(frozen=True, slots=True)
class MembershipSeen:
    """A join or leave as the platform reported it; analytics records it and publishes MemberJoined/Left."""

    platform: str
    scope_id: str
    scope_title: str
    user_id: str
    display_name: str | None
    at: datetime
    joined: bool  # False = left
    locale: str | None = None  # the person's client language, where the platform says (Telegram)


@dataclass(frozen=True, slots=True)
class PlatformReachable:
    """A platform answers again after an outage (or connected late after start-up): sends held
    meanwhile can go out now."""

    platform: str


# -- resolved: community and member ids already looked up ------------------------------------------


@dataclass(frozen=True, slots=True)
class MemberJoined:
    community_id: int
    member_id: int
    platform: str
    scope_id: str
    user_id: str
    display_name: str | None
    at: datetime
    rejoined: bool = False  # had joined this community before
    locale: str | None = None  # the person's client language, where the platform says (Telegram)


@dataclass(frozen=True, slots=True)
class MemberLeft:
    community_id: int
    member_id: int
    platform: str
    scope_id: str
    user_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class MemberActed:
    """A feature-level action that counts as activity (an RSVP, a vote, feedback, an upvote, a report).
    `kind` is short (≤ 12 characters): it is stored as the activity row's kind."""

    community_id: int
    member_id: int
    platform: str
    channel_id: str
    kind: str
    at: datetime


class ActivityRow(NamedTuple):
    """A resolved raw activity row, ready for storage (a tuple in activity_events column order)."""

    community_id: int
    member_id: int
    platform: str
    channel_id: str
    kind: str  # "message", "reaction", or a MemberActed kind
    at: datetime
    reply_to_member_id: int | None
    mentioned: str | None  # JSON list of member ids
    mention_count: int
    is_question: bool
    length_bucket: int
    message_id: str | None = None  # the platform's message id, kept for question-like messages only (links)


@dataclass(frozen=True, slots=True)
class ActivityWritten:
    """A batch of activity rows just committed (onboarding's journey steps read first messages and
    first replies from it). Plain tuples in `ActivityRow` field order, as the hot path builds them:
    `ActivityRow._make(row)` names one where a subscriber needs it."""

    rows: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True, slots=True)
class StaffSeen:
    """A caller resolved as moderator or manager of a community (the dispatcher publishes it): analytics keeps
    who is staff, so member-to-member numbers can leave staff out."""

    community_id: int
    member_id: int
    role: Role
    at: datetime


@dataclass(frozen=True, slots=True)
class MembersMerged:
    """Two members became one (`/link`): in-memory caches keyed by member id should forget `drop_id`."""

    keep_id: int
    drop_id: int


@dataclass(frozen=True, slots=True)
class MemberErased:
    """A member's personal data was erased (`/privacy delete`): caches keyed by their ids must forget them."""

    member_id: int
