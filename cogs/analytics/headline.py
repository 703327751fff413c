"""Headline numbers from the daily rollups (the digest issue builds the full report on these)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from cogs.analytics.models import MemberDay


@dataclass(frozen=True, slots=True)
class Headline:
    today: date
    messages: int
    messages_by_platform: dict[str, int]
    members_active_ever: int
    dau_mean: float  # mean daily active members over the last 28 days
    wau: int  # active in the last 7 days
    mau: int  # active in the last 28 days
    wau_previous: int  # the 7 days before that, for week-over-week change

    @property
    def stickiness(self) -> float:
        return self.dau_mean / self.mau if self.mau else 0.0


def headline(rows: Iterable[MemberDay], today: date) -> Headline:
    messages = 0
    by_platform: dict[str, int] = defaultdict(int)
    ever: set[int] = set()
    daily_active: dict[date, set[int]] = defaultdict(set)
    for r in rows:
        messages += r.messages
        by_platform[r.platform] += r.messages
        if r.active:
            ever.add(r.member_id)
            daily_active[r.day].add(r.member_id)

    def active(start: date, end: date) -> set[int]:
        out: set[int] = set()
        day = start
        while day <= end:
            out |= daily_active.get(day, set())
            day += timedelta(days=1)
        return out

    last28 = [len(daily_active.get(today - timedelta(days=i), ())) for i in range(28)]
    return Headline(
        today=today,
        messages=messages,
        messages_by_platform=dict(by_platform),
        members_active_ever=len(ever),
        dau_mean=sum(last28) / 28,
        wau=len(active(today - timedelta(days=6), today)),
        mau=len(active(today - timedelta(days=27), today)),
        wau_previous=len(active(today - timedelta(days=13), today - timedelta(days=7))),
    )
