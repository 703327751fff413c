"""Three things to do this week, derived from the numbers: every candidate is weighed by how much it matters
this week; the three heaviest of different kinds are shown, each naming who or what."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.core.i18n import ChannelRef, Day, MessageRef, Quantity, Text, UserRef, t_, tn_
from cogs.analytics.metrics.models import Person, WeekMetrics
from cogs.digest.models import (
    Action,
    DriftAdvice,
    EventLine,
    FeedbackDigest,
    Funnel,
    ModerationDigest,
    Satisfaction,
    Scope,
)

NAMES = 5  # members named in one action
FUNNEL_MIN_BASE = 5  # newcomers at the step before a drop, for the drop to become one of the three actions


def user(person: Person) -> UserRef | str:
    return UserRef(person.user_ref, person.name) if person.user_ref else person.name


def joined(values: Sequence[Any], more: int = 0) -> Text:
    """Values listed with commas (a neutral template: no words to translate), and "+N" for the rest."""
    keys = {f"v{i}": v for i, v in enumerate(values)}
    template = ", ".join("{" + k + "}" for k in keys)
    if more > 0:
        keys["more"] = Quantity(more, "signed")
        template += " {more}"
    return Text(template or "—", keys)


def names(people: Sequence[Person], total: int | None = None) -> Text:
    shown = list(people[:NAMES])
    rest = (total if total is not None else len(people)) - len(shown)
    return joined([user(p) for p in shown], rest)


def channel_ref(platform: str, channel_id: str, scopes: Sequence[Scope], names_by_id: dict[str, str]) -> ChannelRef:
    """A channel's name where we know it: a Telegram chat's title, a topic of the community's one chat."""
    if channel_id in names_by_id:
        return ChannelRef(platform, channel_id, names_by_id[channel_id])
    titles = {s.scope_id: s.title for s in scopes if s.platform == platform}
    if channel_id in titles:
        return ChannelRef(platform, channel_id, titles[channel_id] or channel_id)
    if platform == "telegram" and len(titles) == 1:
        return ChannelRef(platform, channel_id, f"{next(iter(titles.values()))} #{channel_id}")
    return ChannelRef(platform, channel_id, f"{platform} #{channel_id}")


def message_ref(platform: str, channel_id: str, message_id: str, label: str, scopes: Sequence[Scope]) -> MessageRef:
    """A link target: the chat itself on Telegram (a topic: the community's one chat); the one guild on Discord."""
    own = [s.scope_id for s in scopes if s.platform == platform]
    scope: str | None = None
    if platform == "telegram" and channel_id.startswith("-"):
        scope = channel_id
    elif len(own) == 1:
        scope = own[0]
    return MessageRef(platform, scope, channel_id, message_id, label)


def suggest(
    m: WeekMetrics,
    drift: Sequence[DriftAdvice],
    upcoming: Sequence[EventLine],
    scopes: Sequence[Scope],
    channel_names: dict[str, str],
    funnel: Funnel | None = None,
    feedback: FeedbackDigest | None = None,
    moderation: ModerationDigest | None = None,
    satisfaction: Satisfaction | None = None,
) -> tuple[Action, ...]:
    h, d, ties = m.headline, m.dialogue, m.ties
    out: list[Action] = []

    if d.unanswered:
        refs = [
            message_ref(q.platform, q.channel_id, q.message_id, f"#{i}", scopes)
            for i, q in enumerate((q for q in d.examples if q.message_id is not None), start=1)
            if q.message_id is not None
        ][:3]
        where = [channel_ref(c.platform, c.channel_id, scopes, channel_names) for c in d.by_channel[:2]]
        text = tn_(
            "Answer the {count} question that got no reply within a day: {questions} (in {channels}).",
            "Answer the {count} questions that got no reply within a day: {questions} (in {channels}).",
            d.unanswered,
            questions=joined(refs) if refs else t_("see below"),
            channels=joined(where),
        )
        out.append(Action("questions", text, 3 + min(d.unanswered, 20) / 4))

    if m.newcomers.silent and m.newcomers.silent_people:
        text = tn_(
            "Welcome the {count} newcomer who has not posted yet: {names}.",
            "Welcome the {count} newcomers who have not posted yet: {names}.",
            m.newcomers.silent,
            names=names(m.newcomers.silent_people, m.newcomers.silent),
        )
        out.append(Action("newcomers", text, 2.5 + min(m.newcomers.silent, 20) / 4))

    if drift:
        people = [a.member.person for a in drift]
        event = next((a.event for a in drift if a.event is not None), None)
        if event is not None:
            text = tn_(
                "Invite the {count} drifting regular to {event} on {day}: {names}.",
                "Invite the {count} drifting regulars to {event} on {day}: {names}.",
                m.drifting_total,
                event=event.title,
                day=Day(event.starts_at.date(), "MMMEd"),
                names=names(people, m.drifting_total),
            )
        else:
            text = tn_(
                "Write a personal message to the {count} regular who went quiet: {names}.",
                "Write a personal message to the {count} regulars who went quiet: {names}.",
                m.drifting_total,
                names=names(people, m.drifting_total),
            )
        out.append(Action("drifting", text, 3 + min(m.drifting_total, 20) / 4))

    if moderation is not None and moderation.reports_open:
        text = tn_(
            "Review the {count} open report in the mod queue.",
            "Review the {count} open reports in the mod queue.",
            moderation.reports_open,
        )
        out.append(Action("reports", text, 4 + moderation.reports_open / 2))

    if funnel is not None and len(funnel.steps) >= 2:
        worst = max(range(1, len(funnel.steps)), key=lambda i: _drop(funnel, i))
        share = _drop(funnel, worst)
        # "Most" must be true, and a handful of newcomers is no evidence: two of four is chance, not a pattern.
        if share >= 0.5 and funnel.steps[worst - 1].members >= FUNNEL_MIN_BASE:
            text = t_(
                "Most newcomers stop before “{step}”: {share} of those who got to “{previous}” do not. Make that "
                "step easier.",
                step=funnel.steps[worst].label,
                previous=funnel.steps[worst - 1].label,
                share=Quantity(share, "percent"),
            )
            out.append(Action("funnel", text, 2 + 3 * share))

    if feedback is not None and feedback.top_voted:
        top = feedback.top_voted[0]
        text = tn_(
            "Reply to the most wanted idea #{number} “{title}” ({count} vote).",
            "Reply to the most wanted idea #{number} “{title}” ({count} votes).",
            top.votes,
            number=top.number,
            title=top.title,
        )
        out.append(Action("feedback", text, 2 + min(top.votes, 20) / 10))

    if satisfaction is not None:
        for survey in satisfaction.surveys:
            if survey.previous is not None and survey.score < survey.previous - (survey.margin or 0):
                text = t_(
                    "Satisfaction fell in “{title}” ({before} → {after}): ask a few respondents what changed.",
                    title=survey.title,
                    before=_score(survey.kind, survey.previous),
                    after=_score(survey.kind, survey.score),
                )
                out.append(Action("satisfaction", text, 3))
                break

    advocates = list(m.advocates)
    if ties.newcomers and ties.newcomers_connected / ties.newcomers < 0.3 and advocates:
        text = t_(
            "{connected} of {newcomers} newcomers have had a two-way conversation so far: ask {advocate} to welcome "
            "a few of them.",
            connected=ties.newcomers_connected,
            newcomers=ties.newcomers,
            advocate=user(advocates[0].person),
        )
        out.append(Action("connect", text, 2.2))

    if d.median_response_seconds is not None and d.median_response_seconds > 4 * 3600 and m.channels:
        busiest = m.channels[0]
        text = t_(
            "The median time to a first reply is {wait}: agree who watches {channel} at which hours.",
            wait=Quantity(d.median_response_seconds, "duration"),
            channel=channel_ref(busiest.platform, busiest.channel_id, scopes, channel_names),
        )
        out.append(Action("response", text, 2))

    if h.active_prev and h.active < h.active_prev * 0.85 and m.channels:
        busiest = m.channels[0]
        text = t_(
            "Active members fell {change}: start a conversation in {channel} with a question of the week.",
            change=Quantity(h.active / h.active_prev - 1, "signed_percent"),
            channel=channel_ref(busiest.platform, busiest.channel_id, scopes, channel_names),
        )
        out.append(Action("activity", text, 2.4))

    if h.leaves > max(h.joins, 2):
        text = t_(
            "More members left than joined (left: {leaves}, joined: {joins}): look at what happened this week and "
            "ask one or two who left why.",
            leaves=h.leaves,
            joins=h.joins,
        )
        out.append(Action("leaves", text, 2.3))

    if advocates:
        best = advocates[0]
        text = t_(
            "Thank {name} in public for helping others this week (answered first: {answers} · newcomers helped: "
            "{newcomers} · members replied to: {people}).",
            name=user(best.person),
            answers=best.answers,
            newcomers=best.newcomers_helped,
            people=best.people_helped,
        )
        out.append(Action("thanks", text, 1.5))

    if not upcoming and h.active:
        text = tn_(
            "Plan an event: none is scheduled, and {count} member was active this week.",
            "Plan an event: none is scheduled, and {count} members were active this week.",
            h.active,
        )
        out.append(Action("event", text, 1.8))

    # Always three: what helps any community, weakest last.
    out.append(Action("invite", t_("Invite people who would enjoy this community: share its invite link."), 0.3))
    out.append(
        Action("welcome", t_("Post a short message about what is coming next and ask members what they want."), 0.2)
    )
    out.append(Action("plan", t_("Plan a community call or an event with /event create."), 0.1))

    chosen: list[Action] = []
    for action in sorted(out, key=lambda a: -a.weight):
        if action.kind not in {c.kind for c in chosen}:
            chosen.append(action)
        if len(chosen) == 3:
            break
    return tuple(chosen)


def _drop(funnel: Funnel, i: int) -> float:
    before = funnel.steps[i - 1].members
    return 1 - funnel.steps[i].members / before if before else 0.0


def _score(kind: str, value: float) -> Quantity:
    return Quantity(value, "percent") if kind == "csat" else Quantity(value, "decimal")
