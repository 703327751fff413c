"""Risk sources other features publish on the hub — reports and automod hits (moderation), "problem" feedback —
turned into the `RiskSignal`s the risk monitor counts. Subscribing here keeps those features unaware of alerts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from cogs.digest.models import RiskKind, RiskSignal
from cogs.feedback.models import Category, FeedbackSubmitted
from cogs.moderation.models import AutomodHit, ReportFiled

Count = Callable[[RiskSignal], Awaitable[None]]


def from_report(e: ReportFiled) -> RiskSignal:
    return RiskSignal(e.community_id, RiskKind.REPORT, e.at, e.platform, e.scope_id, e.channel_id, e.message_id)


def from_automod(e: AutomodHit) -> RiskSignal:
    return RiskSignal(e.community_id, RiskKind.AUTOMOD, e.at, e.platform, e.scope_id, e.channel_id, e.message_id)


def from_feedback(e: FeedbackSubmitted) -> RiskSignal | None:
    if e.category != Category.PROBLEM.value:
        return None
    return RiskSignal(e.community_id, RiskKind.NEGATIVE_FEEDBACK, e.at)


class RiskSources:
    def __init__(self, count: Count) -> None:
        self.count = count

    def on_report(self, e: ReportFiled) -> Awaitable[None]:
        return self.count(from_report(e))

    def on_automod(self, e: AutomodHit) -> Awaitable[None]:
        return self.count(from_automod(e))

    def on_feedback(self, e: FeedbackSubmitted) -> Awaitable[None] | None:
        signal = from_feedback(e)
        return self.count(signal) if signal is not None else None
