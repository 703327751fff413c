"""Onboarding's sections of the weekly digest (cogs/digest/ports.py): the newcomer funnel, and members' interests
for inviting a drifting member to an event that matches."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from cogs.digest.models import Funnel, FunnelStep
from cogs.onboarding.models import Step
from cogs.onboarding.render import STEP_LABELS
from cogs.onboarding.service import OnboardingService

WEEKS = 8  # join weeks looked at, as /funnel shows by default


class OnboardingDigest:
    def __init__(self, service: OnboardingService) -> None:
        self.service = service

    async def funnel(self, community_id: int, start: datetime, end: datetime) -> Funnel | None:
        """The journey of the join weeks old enough to be measured at every step the oldest of them reach.

        Young cohorts cannot be "regular" yet; adding them to the later steps' base would invent a drop. So the
        funnel sums the cohorts with the most measurable steps (the oldest), which keeps every step a subset of
        the one before and the biggest drop true."""
        await self.service.journeys.refresh(self.service.ctx.clock.now(), community_id)
        found = await self.service.funnel(community_id, end, WEEKS)
        if not found.cohorts:
            return None
        longest = max(len(c.steps) for c in found.cohorts)
        reached: dict[Step, int] = {}
        for cohort in found.cohorts:
            if len(cohort.steps) == longest:
                for count in cohort.steps:
                    reached[count.step] = reached.get(count.step, 0) + count.reached
        if not reached.get(Step.JOINED):
            return None
        return Funnel(tuple(FunnelStep(STEP_LABELS[step], n) for step, n in sorted(reached.items())))

    async def interests(self, community_id: int, member_ids: Collection[int]) -> dict[int, frozenset[str]]:
        """Interest names per member (as events name them); members without interests are left out."""
        repo = self.service.ctx.repo
        names = {i.id: i.name for i in await repo.interests(community_id)}
        if not names:
            return {}
        out: dict[int, frozenset[str]] = {}
        for member_id in member_ids:
            chosen = frozenset(names[i] for i in await repo.member_interests(community_id, member_id) if i in names)
            if chosen:
                out[member_id] = chosen
        return out
