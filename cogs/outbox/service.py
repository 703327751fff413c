"""Sends that must happen once. A row per send with a unique key; marked sent only after the platform
accepted it, so a crash can repeat at most the sends in flight. Overdue rows are sent late (and say so)
within their grace, otherwise recorded as missed — never silently dropped."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.core.clock import Clock
from bot.core.outbound import DeliveryRefused, Messenger, OutMessage, PlatformUnavailable
from bot.core.targets import Target
from cogs.outbox.models import OutboxItem, OutboxKey, OutboxStatus
from cogs.outbox.ports import OutboxRepo

log = logging.getLogger(__name__)
Hook = Callable[[OutboxItem], Awaitable[None]]

DEFAULT_GRACE = timedelta(hours=1)
CONCURRENCY = 50  # sends in flight at once; the platform rate limiter decides the actual pace


class Outbox:
    def __init__(
        self,
        repo: OutboxRepo,
        messengers: Callable[[str], Messenger | None],
        clock: Clock,
        grace: timedelta = DEFAULT_GRACE,
    ) -> None:
        self.repo = repo
        self.messengers = messengers
        self.clock = clock
        self.grace = grace
        # Features react to their own sends that could not happen (a DM refused → post in the channel).
        self._on_missed: dict[str, list[Hook]] = {}
        self._on_refused: dict[str, list[Hook]] = {}
        self._lock = asyncio.Lock()
        self._cycle: asyncio.Future[int] | None = None  # the delivery passes running now, which callers join
        self._again = False  # someone asked during a pass: one more pass before the cycle ends
        self._queued_by_hooks = False
        self._down: set[str] = set()  # platforms whose last send failed with an outage

    def when_missed(self, feature: str, hook: Hook) -> None:
        """`hook(item)` runs for each of `feature`'s sends that came due past its grace (not sent)."""
        self._on_missed.setdefault(feature, []).append(hook)

    def when_refused(self, feature: str, hook: Hook) -> None:
        """`hook(item)` runs for each of `feature`'s sends the platform refused for good; what it enqueues
        goes out in the same delivery pass."""
        self._on_refused.setdefault(feature, []).append(hook)

    async def enqueue(self, key: OutboxKey, target: Target, message: OutMessage, locale: str, due_at: datetime) -> bool:
        return await self.repo.enqueue(key, target, message, locale, due_at, self.clock.now())

    async def enqueue_many(self, items: list[tuple[OutboxKey, Target, OutMessage, str, datetime]]) -> int:
        return await self.repo.enqueue_many(items, self.clock.now())

    async def deliver_due(self) -> int:
        """Send every due row once, many at a time: the platform's rate limiter spaces them, so a
        fan-out of 300 reminders runs at the platform's limit instead of one round trip at a time.

        A platform in an outage (its messenger raises PlatformUnavailable) keeps its rows pending: the
        rest of the pass skips it, the next pass (or PlatformReachable) tries again, first with one row
        alone, and the whole outage is one log line, not one per row."""
        # Calls during a running pass join it: the pass runs once more after it and every such caller waits for
        # that. A burst of joins (a welcome each) then costs a few passes, not one full read of the queue per join.
        if self._cycle is None:
            self._cycle = asyncio.ensure_future(self._passes())
        else:
            self._again = True
        return await asyncio.shield(self._cycle)

    def deliver_soon(self) -> None:
        """`deliver_due` without waiting for it: for handlers on a platform's update path (a join), which must not
        hold the next update until a rate-limited send has gone. `settle()` waits for it (tests, shutdown)."""
        if self._cycle is None:
            self._cycle = asyncio.ensure_future(self._passes())
            self._cycle.add_done_callback(_log_failure)
        else:
            self._again = True

    async def settle(self, cancel_after: float | None = None) -> None:
        """Wait until no delivery pass is running (one started meanwhile included). After `cancel_after` seconds the
        pass is cancelled (shutdown must not wait on a rate-limited backlog): unsent rows stay pending for the
        next start, and a send cut off in flight may repeat once, as after a crash."""
        loop = asyncio.get_running_loop()
        deadline = None if cancel_after is None else loop.time() + cancel_after
        while (cycle := self._cycle) is not None:
            left = None if deadline is None else max(0.0, deadline - loop.time())
            done, _pending = await asyncio.wait({cycle}, timeout=left)
            if not done:
                cycle.cancel()
                await asyncio.wait({cycle})
                log.info("outbox: stopped a delivery pass at shutdown; its unsent rows go out at the next start")
                return

    async def _passes(self) -> int:
        sent = 0
        try:
            while True:
                self._again = False
                async with self._lock:  # one delivery pass at a time; rows are marked before the next pass
                    now = self.clock.now()
                    sent += await self._pass(await self.repo.due(now, limit=10_000), now)
                    if self._queued_by_hooks:  # fallbacks queued by on_refused go out in this same call
                        self._queued_by_hooks = False
                        sent += await self._pass(await self.repo.due(self.clock.now(), limit=10_000), now)
                if not self._again:
                    return sent
        finally:
            self._cycle = None

    async def _pass(self, items: list[OutboxItem], now: datetime) -> int:
        gate = asyncio.Semaphore(CONCURRENCY)
        held: dict[str, str] = {}  # platforms found unreachable during this pass → why

        async def one(item: OutboxItem) -> bool:
            async with gate:
                if item.target.platform.value in held:
                    return False
                return await self._deliver(item, now, held)

        first: dict[str, OutboxItem] = {}
        for item in items:
            first.setdefault(item.target.platform.value, item)
        # A platform that was down at the last pass gets one row alone first: no burst into an outage.
        probes = [item for platform, item in first.items() if platform in self._down]
        done = {item.id: await one(item) for item in probes}
        rest = [item for item in items if item.id not in done]
        done.update(zip((item.id for item in rest), await asyncio.gather(*(one(item) for item in rest)), strict=True))
        for platform, why in held.items():
            if platform not in self._down:
                self._down.add(platform)
                waiting = sum(1 for item in items if item.target.platform.value == platform and not done[item.id])
                log.info("outbox: %s unreachable (%s); %d due send(s) stay pending until it answers",
                         platform, why, waiting)  # fmt: skip
        return sum(done.values())

    async def _deliver(self, item: OutboxItem, now: datetime, held: dict[str, str]) -> bool:
        late = now - item.due_at
        if late > self.grace:
            await self.repo.mark(item.id, OutboxStatus.MISSED, now)
            log.warning("outbox %s missed: due %s, now %s", item.key.text, item.due_at, now)
            for hook in self._on_missed.get(item.key.feature, ()):
                await hook(item)
            return False
        platform = item.target.platform.value
        messenger = self.messengers(platform)
        if messenger is None:
            return False  # platform not running now; stays pending until it is (or until missed)
        try:
            await messenger.send(item.target, item.message, item.locale)
        except DeliveryRefused as exc:
            await self.repo.mark(item.id, OutboxStatus.FAILED, now, error=str(exc)[:500])
            for hook in self._on_refused.get(item.key.feature, ()):
                await hook(item)
            self._queued_by_hooks = True
            return False
        except PlatformUnavailable as exc:
            held.setdefault(platform, str(exc))  # the rest of this pass skips the platform
            return False
        except Exception:
            log.exception("outbox %s: send failed, will retry", item.key.text)
            return False
        if platform in self._down:
            self._down.discard(platform)
            log.info("outbox: %s answers again; sending what was held", platform)
        await self.repo.mark(item.id, OutboxStatus.SENT, self.clock.now(), late=late > timedelta(minutes=1))
        return True


def _log_failure(done: asyncio.Future[int]) -> None:
    if not done.cancelled() and done.exception() is not None:
        log.error("outbox: a delivery pass failed", exc_info=done.exception())
