"""Polls' section of the weekly digest (cogs/digest/ports.py): surveys run and polls closed in the week."""

from __future__ import annotations

from datetime import datetime

from cogs.digest.models import PollResult, Satisfaction, SurveyResult
from cogs.polls.models import SurveyKind
from cogs.polls.ports import PollResults


class PollsDigest:
    def __init__(self, results: PollResults) -> None:
        self.results = results

    async def satisfaction(self, community_id: int, start: datetime, end: datetime) -> Satisfaction | None:
        surveys = []
        for s in await self.results.surveys_run(community_id, start, end):
            if s.score.value is None:
                continue  # no answers: nothing to report
            surveys.append(
                SurveyResult(
                    kind=s.kind.value,
                    title=s.subject if s.kind is SurveyKind.NPS and s.subject else s.question,
                    closed_at=s.closed_at or end,  # still running: as of the end of the week
                    responses=s.score.n,
                    score=s.score.value,
                    margin=s.score.margin,
                    previous=s.previous.value if s.previous is not None else None,
                )
            )
        polls = []
        for p in await self.results.polls_closed(community_id, start, end):
            leaders = p.tally.leaders
            if not leaders:
                continue  # nobody voted
            by_voter = p.multiple and p.tally.voters > 0  # anonymous Telegram polls report counts, not voters
            shares = p.tally.shares(by_voter)
            polls.append(
                PollResult(
                    title=p.question,
                    closed_at=p.closed_at,
                    votes=p.tally.voters if by_voter else p.tally.votes,
                    top_option=" / ".join(p.answers[i] for i in leaders),  # a tie names every leader
                    top_share=shares[leaders[0]],
                )
            )
        if not surveys and not polls:
            return None
        return Satisfaction(tuple(surveys), tuple(polls))
