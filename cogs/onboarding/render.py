"""How onboarding looks in messages: the rules, the gate post, the interest picker, nudges, the funnel."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.i18n import Moment, Text, UserRef, t_, tn_
from bot.core.outbound import Button, ButtonStyle, MentionPolicy, OutMessage, Select, SelectOption
from cogs.onboarding.models import CohortFunnel, Funnel, Gate, GateKind, Interest, Step, StepCount
from cogs.onboarding.ports import AccessProblem
from cogs.onboarding.templates import rules_text

STEP_LABELS: dict[Step, Text] = {
    Step.JOINED: t_("joined"),
    Step.ACCEPTED_RULES: t_("accepted the rules"),
    Step.FIRST_MESSAGE: t_("first message"),
    Step.FIRST_REPLY: t_("got a reply"),
    Step.ACTIVE_WEEK2: t_("active in week 2"),
    Step.REGULAR: t_("regular"),
}

PROBLEMS: dict[AccessProblem, Text] = {
    AccessProblem.NOT_ADMIN: t_(
        "I am not an administrator of this group. Make me an administrator who may restrict members (Ban users)."
    ),
    AccessProblem.CANNOT_RESTRICT: t_(
        "I am an administrator here but may not restrict members. Give me the “Ban users” right."
    ),
    AccessProblem.CANNOT_INVITE: t_(
        "I may not approve join requests here. Give me the “Invite users via link” administrator right."
    ),
    AccessProblem.NO_MANAGE_ROLES: t_("I lack the Manage Roles permission on this server, so I cannot give roles."),
    AccessProblem.ROLE_TOO_HIGH: t_(
        "That role is not below my highest role, so Discord does not let me give it. Drag my role above it in "
        "Server Settings → Roles."
    ),
    AccessProblem.ROLE_UNKNOWN: t_("That role does not exist on this server (any more)."),
    AccessProblem.ROLE_MANAGED: t_(
        "That role cannot be given by anyone: it is @everyone or managed by an integration."
    ),
    AccessProblem.REQUEST_GONE: t_("The join request is no longer open."),
    AccessProblem.UNKNOWN: t_("The platform refused, without saying why."),
}


def rules_lines(rules: Sequence[str]) -> tuple[Text, ...]:
    return (t_("**Rules**"), Text("{rules}", {"rules": rules_text(rules)}))


def accept_button(gate_id: int) -> Button:
    return Button(t_("I accept"), f"onb:acc:{gate_id}", ButtonStyle.SUCCESS)


def gate_post(gate: Gate, rules: Sequence[str], minutes: int) -> OutMessage:
    who = UserRef(gate.user_id, gate.name)
    if gate.kind is GateKind.ROLE:
        intro = t_("{member}, welcome! Please read the rules and press “I accept” to get access to the server.",
                   member=who)  # fmt: skip
        limit: tuple[Text, ...] = ()
    else:
        intro = t_("{member}, welcome! Please read the rules and press “I accept” to start posting.", member=who)
        limit = (tn_("You have {count} minute.", "You have {count} minutes.", minutes),)
    return OutMessage(
        (intro, *rules_lines(rules), *limit),
        buttons=((accept_button(gate.id),),),
        mentions=MentionPolicy.USERS,
        mention_ids=(gate.user_id,),
    )


def gate_done(gate: Gate, accepted: bool) -> OutMessage:
    who = UserRef(gate.user_id, gate.name)
    if accepted:
        return OutMessage.of(t_("✅ {member} accepted the rules. Welcome!", member=who))
    return OutMessage.of(t_("{member} did not accept the rules in time.", member=who))


def request_dm(gate: Gate, community: str, rules: Sequence[str], minutes: int) -> OutMessage:
    return OutMessage(
        (
            t_(
                "Thanks for asking to join **{community}**! Please read the rules and press “I accept”: then I "
                "let you in.",
                community=community,
            ),  # fmt: skip
            *rules_lines(rules),
            tn_("You have {count} minute.", "You have {count} minutes.", minutes),
        ),
        buttons=((accept_button(gate.id),),),
    )


def removed_dm(community: str, minutes: int, request: bool) -> OutMessage:
    if request:
        text = tn_(
            "Your request to join **{community}** was declined because the rules were not accepted within "
            "{count} minute. You are welcome to ask again.",
            "Your request to join **{community}** was declined because the rules were not accepted within "
            "{count} minutes. You are welcome to ask again.",
            minutes,
            community=community,
        )
    else:
        text = tn_(
            "You were removed from **{community}** because the rules were not accepted within {count} minute. "
            "You are welcome to join again.",
            "You were removed from **{community}** because the rules were not accepted within {count} minutes. "
            "You are welcome to join again.",
            minutes,
            community=community,
        )
    return OutMessage.of(text)


def picker(community_id: int, interests: Sequence[Interest], chosen: set[int], intro: Text | None = None) -> OutMessage:
    options = tuple(SelectOption(Text("{name}", {"name": i.name}), str(i.id), i.id in chosen) for i in interests)
    select = Select(f"onb:it:{community_id}", options, t_("Pick your interests"), max_values=len(options))
    lines = (intro,) if intro is not None else ()
    return OutMessage(
        (*lines, t_("What are you interested in? Pick as many as you like; I tell you about events for them.")),
        select=select,
        ephemeral=True,
    )


def chosen_line(interests: Sequence[Interest], chosen: set[int]) -> Text:
    names = [i.name for i in interests if i.id in chosen]
    if not names:
        return t_("You have no interests picked now.")
    return t_("Your interests: {names}.", names=", ".join(names))


def nudge(community: str, day: int, next_event: tuple[str, Moment] | None, community_id: int) -> OutMessage:
    lines: list[Text] = [tn_("Hi! You joined **{community}** {count} day ago — glad you are here.",
                             "Hi! You joined **{community}** {count} days ago — glad you are here.",
                             day, community=community)]  # fmt: skip
    if next_event is not None:
        title, when = next_event
        lines.append(t_("One easy way in: the next event is **{title}**, {when}. Come along — /events has the "
                        "buttons to answer.", title=title, when=when))  # fmt: skip
    else:
        lines.append(t_("One easy way in: say hello in the group and tell us what brings you here."))
    return OutMessage(
        tuple(lines),
        buttons=((Button(t_("No more of these"), f"onb:nno:{community_id}", ButtonStyle.SECONDARY),),),
    )


def interest_news(interest: str, title: str, when: Moment, answer_with: str) -> OutMessage:
    return OutMessage.of(
        t_(
            "New event for people interested in **{interest}**: **{title}**, {when}.",
            interest=interest,
            title=title,
            when=when,
        ),  # fmt: skip
        t_("Answer with {command}.", command=answer_with),
    )


# -- the funnel ---------------------------------------------------------------------------------------


def percent(rate: float | None) -> int | None:
    return None if rate is None else round(rate * 100)


def _overall_line(count: StepCount) -> Text:
    share = percent(count.rate)
    if count.step is Step.JOINED or share is None:
        return t_("{step}: {count}", step=STEP_LABELS[count.step], count=count.reached)
    return t_("{step}: {count} ({percent}%)", step=STEP_LABELS[count.step], count=count.reached, percent=share)


def _cohort_steps(steps: Sequence[StepCount]) -> Text:
    parts: list[Text] = []
    for count in steps:
        share = percent(count.rate)
        if count.step is Step.JOINED or share is None:
            parts.append(Text("{count}", {"count": count.reached}))
        else:
            parts.append(t_("{count} ({percent}%)", count=count.reached, percent=share))
    chained = parts[0]
    for part in parts[1:]:
        chained = Text("{before} → {after}", {"before": chained, "after": part})
    return chained


def drop_line(step: Step | None) -> Text:
    if step is None:
        return t_("No drop to name yet.")
    return t_("Biggest drop: {before} → {after}.", before=STEP_LABELS[Step(step - 1)], after=STEP_LABELS[step])


def funnel_message(funnel: Funnel, weeks: int) -> OutMessage:
    if not funnel.cohorts:
        return OutMessage.of(
            tn_(
                "Nobody joined in the last {count} week, so there is no funnel yet.",
                "Nobody joined in the last {count} weeks, so there is no funnel yet.",
                weeks,
            ),  # fmt: skip
            ephemeral=True,
        )
    lines: list[Text] = [
        tn_("**Newcomer funnel**, last {count} week", "**Newcomer funnel**, last {count} weeks", weeks)
    ]
    lines.extend(_overall_line(c) for c in funnel.overall)
    lines.append(drop_line(funnel.biggest_drop))
    lines.append(t_("**By join week** ({steps}):", steps=tuple(STEP_LABELS[s] for s in Step)))
    for cohort in funnel.cohorts:
        lines.append(_cohort_line(cohort))
    lines.append(t_("A member counts at a step when they reached it and every step before it. Young cohorts "
                    "show only the steps they could have reached."))  # fmt: skip
    return OutMessage(tuple(lines), ephemeral=True)


def _cohort_line(cohort: CohortFunnel) -> Text:
    return t_("Week of {week}: {steps}", week=cohort.week.isoformat(), steps=_cohort_steps(cohort.steps))
