"""CSV files of results, for spreadsheets (UTF-8 with a byte-order mark, so Excel reads accents and Cyrillic).

Column names stay English whatever the reader's language: they are a data format, not prose. Anonymous
polls have no votes file; survey files never name anyone (scores and comments only)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from cogs.polls.models import Poll, Score, Survey, SurveyAnswer, SurveyKind, Tally


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v.isoformat() if isinstance(v, datetime) else v for v in row])
    return out.getvalue().encode("utf-8-sig")


def poll_results(poll: Poll, tally: Tally) -> bytes:
    shares = tally.shares(poll.multiple)
    header = ["poll", "question", "answer_number", "answer", "votes", "share", "voters", "multiple", "anonymous",
              "status", "created_at", "closed_at"]  # fmt: skip
    rows = [
        [
            poll.id,
            poll.question,
            i + 1,
            answer,
            count,
            round(share, 4),
            tally.voters,
            poll.multiple,
            poll.anonymous,
            poll.status.value,
            poll.created_at,
            poll.closed_at,
        ]  # fmt: skip
        for i, (answer, count, share) in enumerate(zip(poll.answers, tally.counts, shares, strict=True))
    ]
    return _csv(header, rows)


def poll_votes(poll: Poll, votes: Sequence[tuple[str, str, int, datetime]]) -> bytes:
    """Who voted for what (named polls only: the caller never passes an anonymous poll's votes)."""
    assert not poll.anonymous, "anonymous polls have no votes file"
    header = ["poll", "voter", "platform_id", "answer_number", "answer", "voted_at"]
    rows = [[poll.id, name, identity, position + 1, poll.answers[position], at]
            for name, identity, position, at in votes if 0 <= position < len(poll.answers)]  # fmt: skip
    return _csv(header, rows)


def group_of(kind: SurveyKind, score: int) -> str:
    if kind is SurveyKind.NPS:
        return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
    return "satisfied" if score >= 4 else "neutral" if score == 3 else "unsatisfied"


def survey_answers(survey: Survey, answers: Sequence[SurveyAnswer]) -> bytes:
    header = ["survey", "kind", "answered_at", "score", "group", "comment"]
    rows = [[survey.id, survey.kind.value, a.answered_at, a.score, group_of(survey.kind, a.score), a.comment or ""]
            for a in answers]  # fmt: skip
    return _csv(header, rows)


def survey_summary(survey: Survey, score: Score, previous: Score | None, previous_id: int | None) -> bytes:
    """One row: the score (NPS −100…100; CSAT share 0…1), its 95 % interval, n, the groups, the trend."""
    first, middle, last = score.groups
    header = ["survey", "kind", "question", "status", "created_at", "closed_at", "n", "score", "low", "high",
              "top_group", "middle_group", "bottom_group", "previous_survey", "previous_score"]  # fmt: skip
    row = [survey.id, survey.kind.value, survey.question, survey.status.value, survey.created_at, survey.closed_at,
           score.n, _round(score.value), _round(score.low), _round(score.high), first, middle, last, previous_id,
           _round(previous.value) if previous is not None else None]  # fmt: skip
    return _csv(header, [row])


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
