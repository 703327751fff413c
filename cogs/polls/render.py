"""How polls and surveys look in messages: posts with live counts and buttons, notes, results."""

from __future__ import annotations

from datetime import datetime

from bot.core.i18n import Moment, Text, t_, tn_
from bot.core.outbound import Button, ButtonStyle, OutMessage
from cogs.polls.models import Poll, Score, Survey, SurveyKind, Tally

PER_ROW = 5  # Discord allows five buttons in a row (Telegram more): the same rows everywhere


def percent(share: float) -> Text:
    return t_("{value}%", value=round(share * 100, 1))


def closes(at: datetime | None, timezone: str) -> Text:
    if at is None:
        return t_("Open until its creator or a moderator closes it.")
    return t_("Closes {when}.", when=Moment(at, timezone))


def answer_lines(poll: Poll, tally: Tally) -> list[Text]:
    shares = tally.shares(poll.multiple)
    return [
        t_("{number}. {answer} — {count} ({share})", number=i + 1, answer=a, count=c, share=percent(s))
        for i, (a, c, s) in enumerate(zip(poll.answers, tally.counts, shares, strict=True))
    ]


def total(poll: Poll, tally: Tally) -> Text:
    if poll.multiple:
        return tn_("{count} voter", "{count} voters", tally.voters)
    return tn_("{count} vote", "{count} votes", tally.votes)


def _rows(buttons: list[Button], per_row: int = PER_ROW) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))


def button_post(poll: Poll, tally: Tally) -> OutMessage:
    """A poll run with our buttons (anonymous on Discord; every poll on the console)."""
    lines = [t_("📊 **{question}**", question=poll.question)]
    if poll.anonymous:
        lines.append(t_("Poll #{id} · anonymous: nobody can see who voted, not even the managers.", id=poll.id))
    else:
        lines.append(t_("Poll #{id}", id=poll.id))
    if not poll.is_open:
        lines += [*answer_lines(poll, tally), total(poll, tally), t_("**Closed.** The results are below.")]
        return OutMessage(tuple(lines))
    if poll.multiple:
        lines.append(t_("Press every answer you like; press one again to take it back."))
    else:
        lines.append(t_("Press an answer to vote; press it again to take your vote back."))
    lines += [*answer_lines(poll, tally), total(poll, tally), closes(poll.closes_at, poll.timezone)]
    buttons = [
        Button(t_("{number}. {answer}", number=i + 1, answer=a), f"pl:v:{poll.id}:{i}", ButtonStyle.PRIMARY)
        for i, a in enumerate(poll.answers)
    ]
    return OutMessage(tuple(lines), buttons=_rows(buttons))


def native_note(poll: Poll) -> OutMessage:
    """Shown with a native poll (Discord: the message text; Telegram: the poll's description)."""
    if poll.closes_at is None:
        return OutMessage.of(t_("Poll #{id} · the results will be posted here when it closes.", id=poll.id))
    return OutMessage.of(
        t_(
            "Poll #{id} · closes {when} · the results will be posted here.",
            id=poll.id,
            when=Moment(poll.closes_at, poll.timezone),
        )
    )


def outcome(poll: Poll, tally: Tally) -> Text:
    leaders = tally.leaders
    if not leaders:
        return t_("Nobody voted.")
    shares = tally.shares(poll.multiple)
    top = tally.counts[leaders[0]]
    votes = tn_("{count} vote", "{count} votes", top)
    if len(leaders) == 1:
        return t_(
            "Winner: **{answer}** with {votes} ({share}).",
            answer=poll.answers[leaders[0]],
            votes=votes,
            share=percent(shares[leaders[0]]),
        )
    return t_(
        "A tie between {answers}, with {votes} each ({share}).",
        answers=tuple(t_("**{answer}**", answer=poll.answers[i]) for i in leaders),
        votes=votes,
        share=percent(shares[leaders[0]]),
    )


def results(poll: Poll, tally: Tally) -> list[Text]:
    lines = [t_("📊 **Results of poll #{id}: {question}**", id=poll.id, question=poll.question), outcome(poll, tally)]
    lines += answer_lines(poll, tally)
    if poll.multiple:
        lines.append(
            tn_(
                "{count} member voted. Each could pick several answers, so the shares are of the voters.",
                "{count} members voted. Each could pick several answers, so the shares are of the voters.",
                tally.voters,
            )
        )
    else:
        lines.append(tn_("{count} vote in total.", "{count} votes in total.", tally.votes))
    return lines


def chart_footer(poll: Poll, tally: Tally) -> Text:
    return t_("Poll #{id} · {total}", id=poll.id, total=total(poll, tally))


# -- surveys -----------------------------------------------------------------------------------------------


def survey_question(survey: Survey) -> Text:
    if survey.kind is SurveyKind.NPS:
        return t_("How likely are you to recommend {community} to a friend?", community=survey.subject)
    return t_("{question}", question=survey.question)


def survey_post(survey: Survey, answered: int) -> OutMessage:
    lines = [t_("📋 **{question}**", question=survey_question(survey))]
    if survey.kind is SurveyKind.NPS:
        lines.append(t_("0 = not at all likely, 10 = extremely likely."))
    else:
        lines.append(t_("1 = very dissatisfied, 5 = very satisfied."))
    if not survey.is_open:
        lines += [tn_("{count} answer.", "{count} answers.", answered), t_("**Closed.** Thank you for answering!")]
        return OutMessage(tuple(lines))
    lines += [
        t_("Survey #{id}: press a number. You can change your answer until the survey closes.", id=survey.id),
        t_("Your answer is private: managers see the scores and comments, never who gave them."),
        tn_("{count} answer so far.", "{count} answers so far.", answered),
        closes(survey.closes_at, survey.timezone),
    ]
    buttons = [Button(t_("{score}", score=str(s)), f"sv:a:{survey.id}:{s}") for s in survey.scale]
    per_row = 4 if survey.kind is SurveyKind.NPS else PER_ROW  # 0–3, 4–7, 8–10; 1–5
    return OutMessage(tuple(lines), buttons=_rows(buttons, per_row))


def score_line(score: Score) -> Text:
    """ "NPS 34 ± 11 (25 answers)" / "CSAT 80% satisfied, 95% interval 56%–93% (10 answers)"."""
    answers = tn_("{count} answer", "{count} answers", score.n)
    if score.value is None:
        return t_("No answers yet.")
    if score.kind is SurveyKind.NPS:
        if score.margin is None:
            return t_("NPS **{score}** from a single answer: too few for a margin of error.", score=round(score.value))
        return t_(
            "NPS **{score}** ± {margin} (95% margin of error, {answers}).",
            score=round(score.value),
            margin=round(score.margin),
            answers=answers,
        )
    assert score.low is not None and score.high is not None
    return t_(
        "CSAT **{share}** satisfied (4 or 5), 95% interval {low}–{high} ({answers}).",
        share=percent(score.value),
        low=percent(score.low),
        high=percent(score.high),
        answers=answers,
    )


def groups_line(score: Score) -> Text:
    first, middle, last = score.groups
    if score.kind is SurveyKind.NPS:
        return t_(
            "Promoters (9–10): {promoters} · passives (7–8): {passives} · detractors (0–6): {detractors}.",
            promoters=first,
            passives=middle,
            detractors=last,
        )
    return t_(
        "Satisfied (4–5): {satisfied} · neutral (3): {neutral} · unsatisfied (1–2): {unsatisfied}.",
        satisfied=first,
        neutral=middle,
        unsatisfied=last,
    )


def shown(score: Score) -> Text:
    assert score.value is not None
    return t_("{value}", value=round(score.value)) if score.kind is SurveyKind.NPS else percent(score.value)


def trend_line(score: Score, previous: Score | None, previous_id: int | None) -> Text | None:
    """ "Up from 21 in survey #3." against the previous survey of the same kind that had answers."""
    if score.value is None or previous is None or previous.value is None or previous_id is None:
        return None
    scale = 1 if score.kind is SurveyKind.NPS else 100
    now, before = round(score.value * scale), round(previous.value * scale)
    if now > before:
        return t_("Up from {previous} in survey #{id}.", previous=shown(previous), id=previous_id)
    if now < before:
        return t_("Down from {previous} in survey #{id}.", previous=shown(previous), id=previous_id)
    return t_("The same as in survey #{id}.", id=previous_id)


def survey_results(
    survey: Survey, score: Score, previous: Score | None, previous_id: int | None, comments: int
) -> list[Text]:
    title = (
        t_("📋 **Results of NPS survey #{id}**", id=survey.id)
        if survey.kind is SurveyKind.NPS
        else t_("📋 **Results of CSAT survey #{id}: {question}**", id=survey.id, question=survey.question)
    )
    lines = [title, score_line(score)]
    if score.value is not None:
        lines.append(groups_line(score))
    trend = trend_line(score, previous, previous_id)
    if trend is not None:
        lines.append(trend)
    if comments:
        lines.append(
            tn_("{count} comment was left for the managers.", "{count} comments were left for the managers.", comments)
        )
    return lines
