"""Telegram flood limits, respected before sending: ~30 msg/s overall, ~1 msg/s per chat, 20 msg/min
per group (PTB's AIORateLimiter covers only the first and last). Each send reserves the earliest slot
that keeps every window under its limit, then waits for it — no polling loop, so a fake clock drives
it in tests. A 429 that still happens is waited out and retried, so nothing is lost.

Telegram counts a send when it arrives, which is some time after it starts: tens of ms, hundreds on
a busy machine. Planning by start times alone then lets late arrivals pile into one second (31 in
the window). So a send also counts in every window from its start until its answer came back (the
arrival lies in between), and a window full of such sends holds the next one back (ArrivalWindows).

A new process starts with every window assumed full for one per-chat interval: it cannot see what
the process before it sent just before it stopped, and after a crash the outbox re-sends the
messages that were in flight then, to the same chats, often within the second (SPEC §5)."""

from __future__ import annotations

import asyncio
import bisect
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

GLOBAL_PER_SECOND = 30
CHAT_INTERVAL = 1.0
GROUP_PER_MINUTE = 20
MAX_RETRIES = 5
# Slots are send *start* times; arrival at Telegram jitters by a few tens of ms, so keep a margin
# or a window edge counts 31 sends in one second.
MARGIN = 0.05
# Before the first send: sends of a previous process (the in-flight ones just re-sent) leave the
# 1-second windows. The 20/min group window is not waited out at start; a 429 there is retried.
START_PAUSE = CHAT_INTERVAL + MARGIN


class SlotPlanner:
    """Pure bookkeeping of reserved send times (monotonic seconds)."""

    def __init__(
        self,
        per_second: int = GLOBAL_PER_SECOND,
        chat_interval: float = CHAT_INTERVAL,
        group_per_minute: int = GROUP_PER_MINUTE,
    ) -> None:
        self.per_second = per_second
        self.chat_interval = chat_interval
        self.group_per_minute = group_per_minute
        self._global: deque[float] = deque()
        self._chat_last: dict[str, float] = {}
        self._group: dict[str, deque[float]] = {}
        self.paused_until = 0.0

    def reserve(self, now: float, chat_id: str | None, is_group: bool) -> float:
        slot = max(now, self.paused_until)
        while self._global and self._global[0] <= slot - 1.0 and len(self._global) > self.per_second:
            self._global.popleft()
        if self._global:
            # Even pacing, not bursts of 30: a burst arrives spread out and straddles window edges.
            slot = max(slot, self._global[-1] + (1.0 + MARGIN) / self.per_second)
        if len(self._global) >= self.per_second:
            slot = max(slot, self._global[-self.per_second] + 1.0 + MARGIN)
        if chat_id is not None:
            last = self._chat_last.get(chat_id)
            if last is not None:
                slot = max(slot, last + self.chat_interval + MARGIN)
            if is_group:
                window = self._group.setdefault(chat_id, deque())
                while window and window[0] <= slot - 60.0 and len(window) > self.group_per_minute:
                    window.popleft()
                if len(window) >= self.group_per_minute:
                    slot = max(slot, window[-self.group_per_minute] + 60.0 + MARGIN)
                window.append(slot)
            self._chat_last[chat_id] = slot
        self._global.append(slot)
        # Keep the deque sorted: slots are non-decreasing except across chats, so insert in order.
        if len(self._global) > 1 and self._global[-2] > slot:
            items = sorted(self._global)
            self._global.clear()
            self._global.extend(items)
        if len(self._chat_last) > 50_000:
            cutoff = now - 60
            self._chat_last = {k: v for k, v in self._chat_last.items() if v > cutoff}
        return slot


@dataclass(eq=False)
class _Window:
    span: float
    limit: int
    running: int = 0  # sends started and not answered yet: they may arrive at any moment
    done: list[float] = field(default_factory=list)  # answer times (sorted) of sends in the last span


class ArrivalWindows:
    """Pure bookkeeping of sends by when they can have arrived: between start and answer. A send may
    start at ``t`` only while fewer than ``limit`` sends are running or were answered after
    ``t - span``; then no ``span`` at Telegram sees more than ``limit`` arrivals, whatever the delays."""

    def __init__(
        self,
        per_second: int = GLOBAL_PER_SECOND,
        chat_interval: float = CHAT_INTERVAL,
        group_per_minute: int = GROUP_PER_MINUTE,
    ) -> None:
        self.per_second = per_second
        self.chat_interval = chat_interval
        self.group_per_minute = group_per_minute
        self._windows: dict[tuple[str, str], _Window] = {}

    def windows(self, chat_id: str | None, is_group: bool) -> list[_Window]:
        keys = [("all", "", 1.0, self.per_second)]
        if chat_id is not None:
            keys.append(("chat", chat_id, self.chat_interval, 1))
            if is_group:
                keys.append(("group", chat_id, 60.0, self.group_per_minute))
        return [self._windows.setdefault((kind, key), _Window(span, limit)) for kind, key, span, limit in keys]

    def full(self, chat_id: str | None, is_group: bool) -> bool:
        """Only the answer of a running send can make room."""
        return any(w.running >= w.limit for w in self.windows(chat_id, is_group))

    def ready_at(self, now: float, chat_id: str | None, is_group: bool) -> float:
        """Earliest start at or after ``now`` (when not full)."""
        at = now
        for w in self.windows(chat_id, is_group):
            del w.done[: bisect.bisect_right(w.done, now - w.span)]
            free = w.limit - w.running
            if len(w.done) >= free:
                at = max(at, w.done[-free] + w.span)
        return at

    def start(self, chat_id: str | None, is_group: bool) -> list[_Window]:
        windows = self.windows(chat_id, is_group)
        for w in windows:
            w.running += 1
        return windows

    def finish(self, windows: list[_Window], answered: float) -> None:
        for w in windows:
            w.running -= 1
            bisect.insort(w.done, answered)
        if len(self._windows) > 50_000:
            self._windows = {
                k: w for k, w in self._windows.items() if w.running or (w.done and w.done[-1] > answered - w.span)
            }


def _is_send(endpoint: str) -> bool:
    return endpoint.startswith(("send", "edit", "copy", "forward", "stopPoll"))


class HearthRateLimiter(BaseRateLimiter[int]):
    def __init__(
        self,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        planner: SlotPlanner | None = None,
    ) -> None:
        self.monotonic = monotonic
        self.sleep = sleep
        self.planner = planner or SlotPlanner()
        self.planner.paused_until = max(self.planner.paused_until, monotonic() + START_PAUSE)
        self.arrivals = ArrivalWindows(
            self.planner.per_second, self.planner.chat_interval, self.planner.group_per_minute
        )
        self._answered = asyncio.Event()  # set (and replaced) whenever a running send is answered
        self.retries = 0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if not _is_send(endpoint):
            return await callback(*args, **kwargs)
        chat = data.get("chat_id")
        chat_id = None if chat is None else str(chat)
        is_group = chat_id is not None and chat_id.startswith("-")
        attempts = rate_limit_args if rate_limit_args is not None else MAX_RETRIES
        while True:
            now = self.monotonic()
            slot = self.planner.reserve(now, chat_id, is_group)
            if slot > now:
                await self.sleep(slot - now)
            now = await self._admit(max(self.monotonic(), slot), chat_id, is_group)
            windows = self.arrivals.start(chat_id, is_group)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempts <= 0:
                    raise
                attempts -= 1
                self.retries += 1
                wait = (
                    exc.retry_after.total_seconds()
                    if hasattr(exc.retry_after, "total_seconds")
                    else float(exc.retry_after)
                )
                log.warning("Telegram asked to wait %.1f s (%s to %s); retrying", wait, endpoint, chat_id)
                self.planner.paused_until = max(self.planner.paused_until, self.monotonic() + wait + 0.1)
            finally:
                self.arrivals.finish(windows, max(self.monotonic(), now))
                self._answered.set()
                self._answered = asyncio.Event()

    async def _admit(self, now: float, chat_id: str | None, is_group: bool) -> float:
        """Wait until the arrival windows let this send start; returns the start time. ``now`` moves
        with the injected sleep, so a fake sleep in tests never spins."""
        while True:
            if self.arrivals.full(chat_id, is_group):
                await self._answered.wait()
                now = max(self.monotonic(), now)
                continue
            at = self.arrivals.ready_at(now, chat_id, is_group)
            if at <= now:
                return now
            await self.sleep(at - now)
            now = max(self.monotonic(), at)
