"""Results as data: survey scores with their trend, and the read port the weekly digest uses (`PollResults`)."""

from __future__ import annotations

from datetime import datetime

from cogs.polls import stats
from cogs.polls.models import PollResult, Score, Survey, SurveyResult
from cogs.polls.ports import PollRepo, SurveyRepo
from cogs.polls.service import tally_of


async def survey_score(repo: SurveyRepo, survey: Survey) -> Score:
    return stats.score(survey.kind, [a.score for a in await repo.answers(survey.id)])


async def previous_score(repo: SurveyRepo, survey: Survey) -> tuple[Score | None, int | None]:
    """The latest earlier survey of the same kind in the community that had answers: the trend's baseline."""
    for earlier in await repo.previous(survey):
        found = await survey_score(repo, earlier)
        if found.n:
            return found, earlier.id
    return None, None


class Results:
    """`PollResults` for the digest: polls closed in a period, surveys open at some time in it."""

    def __init__(self, polls: PollRepo, surveys: SurveyRepo) -> None:
        self.polls = polls
        self.surveys = surveys

    async def polls_closed(self, community_id: int, start: datetime, end: datetime) -> list[PollResult]:
        out = []
        for poll in await self.polls.closed_between(community_id, start, end):
            assert poll.closed_at is not None
            tally = tally_of(poll, await self.polls.votes(poll.id))
            out.append(PollResult(poll.id, poll.question, poll.answers, tally, poll.multiple, poll.anonymous,
                                  poll.platform, poll.created_at, poll.closed_at))  # fmt: skip
        return out

    async def surveys_run(self, community_id: int, start: datetime, end: datetime) -> list[SurveyResult]:
        out = []
        for survey in await self.surveys.run_between(community_id, start, end):
            answers = await self.surveys.answers(survey.id)
            previous, previous_id = await previous_score(self.surveys, survey)
            out.append(
                SurveyResult(
                    survey_id=survey.id,
                    kind=survey.kind,
                    question=survey.question,
                    subject=survey.subject,
                    platform=survey.platform,
                    created_at=survey.created_at,
                    closed_at=survey.closed_at,
                    score=stats.score(survey.kind, [a.score for a in answers]),
                    previous=previous,
                    previous_id=previous_id,
                    comments=tuple(a.comment for a in answers if a.comment),
                )
            )
        return out
