"""Reputation-risk alerts: an unusual burst of leaves, reports, automod hits, negative feedback or watch-list terms,
compared with the community's own baseline, alerts managers at once — one alert per burst, not a stream.

Baseline: the counts at the same hour of the week over the last 8 weeks. Robust z-score = (count − median) ÷
scale, where scale = max(1.4826 × MAD, √median, 0.75) (a Poisson-like floor: a quiet community does not alert on
noise, and the per-kind minimum count keeps one-offs out).
An hour is a burst when its count reaches the kind's minimum and z ≥ 4. A new alert for a kind needs the burst
before it to have ended: no alert for it in the two hours before.

Watch-list terms (any language; `scam*` matches words starting with "scam") are matched on `MessageSeen.text` in
memory; the text is never stored. Counts are kept per hour in the database (for the baseline), flushed every
minute."""

from __future__ import annotations

import logging
import re
import statistics
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.core.clock import Clock
from bot.core.hub import MemberLeft, MessageSeen
from cogs.community.directory import Directory
from cogs.digest.models import RiskAlert, RiskExample, RiskKind, RiskSignal
from cogs.digest.ports import DigestRepo, RiskRepo

log = logging.getLogger(__name__)

BASELINE_WEEKS = 8
Z_THRESHOLD = 4.0
MIN_COUNT = {
    RiskKind.LEAVE: 5,
    RiskKind.REPORT: 3,
    RiskKind.AUTOMOD: 10,
    RiskKind.NEGATIVE_FEEDBACK: 3,
    RiskKind.WATCH_TERM: 3,
}
SAME_BURST = timedelta(hours=2)
KEEP_HOURS = timedelta(weeks=BASELINE_WEEKS + 1)
EXAMPLES = 5
MAX_TERM = 64

Key = tuple[int, str, datetime]  # community, kind, hour


def hour_of(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def compile_terms(terms: list[str]) -> re.Pattern[str] | None:
    """One pattern for a community's watch list: whole words, or word starts for `term*`; case-insensitive, any
    script (Finnish, German, Russian words match as words too)."""
    parts = []
    for term in terms:
        prefix = term.endswith("*")
        core = re.escape(term.rstrip("*").strip())
        if core:
            parts.append(rf"\b{core}\w*" if prefix else rf"\b{core}\b")
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def robust_z(count: int, history: list[int]) -> tuple[float, float]:
    """(median of the history, robust z-score of `count` against it)."""
    median = statistics.median(history) if history else 0.0
    mad = statistics.median([abs(x - median) for x in history]) if history else 0.0
    scale = max(1.4826 * mad, median**0.5, 0.75)
    return median, (count - median) / scale


class RiskMonitor:
    def __init__(
        self,
        repo: RiskRepo,
        digests: DigestRepo,
        directory: Directory,
        clock: Clock,
        send: Callable[[RiskAlert], Awaitable[object]],
    ) -> None:
        self.repo = repo
        self.digests = digests
        self.directory = directory
        self.clock = clock
        self.send = send
        self._counts: dict[Key, int] = defaultdict(int)  # this process's counts for recent hours (loaded on first use)
        self._pending: dict[Key, int] = defaultdict(int)  # not yet written
        self._loaded: set[Key] = set()
        self._examples: dict[tuple[int, str], deque[RiskExample]] = defaultdict(lambda: deque(maxlen=EXAMPLES))
        self._baseline: dict[Key, list[int]] = {}
        self._patterns: dict[int, re.Pattern[str] | None] = {}
        self._scopes: dict[tuple[str, str], int] = {}
        self._any_terms = False
        self.alerts_sent = 0

    # -- configuration ----------------------------------------------------------------------------------------------
    async def load_terms(self) -> None:
        terms = await self.digests.all_watch_terms()
        self._patterns = {community: compile_terms(t) for community, t in terms.items()}
        self._any_terms = any(p is not None for p in self._patterns.values())

    def terms_changed(self, community_id: int, terms: list[str]) -> None:
        self._patterns[community_id] = compile_terms(terms)
        self._any_terms = any(p is not None for p in self._patterns.values())

    # -- what is counted ----------------------------------------------------------------------------------------------
    def on_message(self, event: MessageSeen) -> Awaitable[None] | None:
        """The hot path (every message): nothing to do unless some community has a watch list."""
        if not self._any_terms or not event.text:
            return None
        community_id = self._scopes.get((event.platform, event.scope_id))
        if community_id is None:
            return self._resolve_and_match(event)
        return self._match(community_id, event)

    async def _resolve_and_match(self, event: MessageSeen) -> None:
        ids = await self.directory.community_ids([(event.platform, event.scope_id, event.scope_title)], event.at)
        community_id = ids[(event.platform, event.scope_id)]
        self._scopes[(event.platform, event.scope_id)] = community_id
        found = self._match(community_id, event)
        if found is not None:
            await found

    def _match(self, community_id: int, event: MessageSeen) -> Awaitable[None] | None:
        pattern = self._patterns.get(community_id)
        if pattern is None or pattern.search(event.text) is None:
            return None
        example = RiskExample(event.platform, event.scope_id, event.channel_id, event.message_id)
        return self.count(community_id, RiskKind.WATCH_TERM, event.at, example)

    async def on_leave(self, event: MemberLeft) -> None:
        await self.count(event.community_id, RiskKind.LEAVE, event.at, None)

    async def on_signal(self, signal: RiskSignal) -> None:
        if signal.kind not in MIN_COUNT:
            log.warning("risk signal of unknown kind %r ignored", signal.kind)
            return
        example = None
        if signal.message_id or signal.channel_id:
            example = RiskExample(signal.platform, signal.scope_id, signal.channel_id, signal.message_id)
        await self.count(signal.community_id, signal.kind, signal.at, example)

    async def count(self, community_id: int, kind: str, at: datetime, example: RiskExample | None) -> None:
        hour = hour_of(at)
        key = (community_id, kind, hour)
        if key not in self._loaded:
            self._loaded.add(key)
            stored = (await self.repo.history(community_id, kind, [hour])).get(hour, 0)
            self._counts[key] += stored
        self._counts[key] += 1
        self._pending[key] += 1
        if example is not None:
            self._examples[(community_id, kind)].append(example)
        if self.clock.now() - at < timedelta(hours=1):  # only what is happening now can alert
            await self._check(key)

    # -- deciding -----------------------------------------------------------------------------------------------------
    async def _check(self, key: Key) -> None:
        community_id, kind, hour = key
        count = self._counts[key]
        if count < MIN_COUNT.get(kind, 3):
            return
        history = self._baseline.get(key)
        if history is None:
            hours = [hour - timedelta(weeks=k) for k in range(1, BASELINE_WEEKS + 1)]
            found = await self.repo.history(community_id, kind, hours)
            history = [found.get(h, 0) for h in hours]
            self._baseline[key] = history
        median, z = robust_z(count, history)
        if z < Z_THRESHOLD:
            return
        last = await self.repo.last_alert(community_id, kind)
        if last is not None and hour - last.hour <= SAME_BURST:
            return  # the same burst (still going, or just over): one alert per burst
        examples = tuple(self._examples.get((community_id, kind), ()))
        alert = await self.repo.record_alert(
            community_id, kind, hour, count, float(median), round(z, 1), examples, self.clock.now()
        )
        if alert is None:
            return  # another task recorded this hour's alert first
        self.alerts_sent += 1
        log.info("risk alert: community %s, %s: %d in the hour (usual %.1f, z %.1f)", community_id, kind, count,
                 median, z)  # fmt: skip
        await self.send(alert)

    # -- bookkeeping --------------------------------------------------------------------------------------------------
    async def flush(self) -> None:
        pending, self._pending = self._pending, defaultdict(int)
        if pending:
            try:
                await self.repo.add_counts([(c, k, h, n) for (c, k, h), n in pending.items()])
            except Exception:
                for key, n in pending.items():
                    self._pending[key] += n
                raise
        now = self.clock.now()
        old = [k for k in self._counts if now - k[2] > timedelta(hours=3)]
        for key in old:
            self._counts.pop(key, None)
            self._loaded.discard(key)
            self._baseline.pop(key, None)

    async def purge(self) -> None:
        await self.repo.purge_before(self.clock.now() - KEEP_HOURS)
