"""The digest as a structured message: one Section per part (Discord: an embed each; Telegram and the console: a
bold heading and lines, split between sections). Language-neutral: each recipient reads it in their own language;
numbers, dates, members, channels and messages are values the platform renders (links where it has them)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.i18n import Day, Moment, Quantity, Text, t_, tn_
from bot.core.outbound import Attachment, OutMessage, Section
from cogs.analytics.metrics.models import Headline, Quarter, WeekMetrics
from cogs.digest import charts
from cogs.digest.actions import channel_ref, joined, message_ref, user
from cogs.digest.definitions import definitions
from cogs.digest.models import Digest, DriftAdvice, EventLine, RiskAlert

LIST = 10


def change(now: float, before: float) -> Text:
    """ "+12 % on the week before", or "new" when there was nothing before."""
    if not before:
        return t_("new") if now else t_("no change")
    return t_("{change} on the week before", change=Quantity(now / before - 1, "signed_percent"))


def quarter_sentence(q: Quarter) -> Text:
    if not q.has_previous:
        return t_(
            "This quarter (13 weeks): joined {joins}, left {leaves}, net {net}; active members in an average week: "
            "{active}. There is no earlier quarter to compare with yet.",
            joins=q.joins,
            leaves=q.leaves,
            net=Quantity(q.net, "signed"),
            active=Quantity(q.avg_active, "decimal"),
        )
    return t_(
        "This quarter: joined {joins}, left {leaves}, net {net} (the quarter before: {prev_net}); active members in "
        "an average week: {active}, {active_change} against the quarter before.",
        joins=q.joins,
        leaves=q.leaves,
        net=Quantity(q.net, "signed"),
        prev_net=Quantity(q.prev_net, "signed"),
        active=Quantity(q.avg_active, "decimal"),
        active_change=(
            Quantity(q.avg_active / q.prev_avg_active - 1, "signed_percent") if q.prev_avg_active else t_("new")
        ),
    )


def headline_lines(h: Headline, m: WeekMetrics) -> list[Text]:
    lines = [
        tn_(
            "**{count}** active member ({change})",
            "**{count}** active members ({change})",
            h.active,
            change=change(h.active, h.active_prev),
        ),
        tn_(
            "**{count}** message ({change})",
            "**{count}** messages ({change})",
            h.messages,
            change=change(h.messages, h.messages_prev),
        ),
        t_(
            "Joined: **{joins}** · left: **{leaves}** · net {net} (the week before: {prev})",
            joins=h.joins,
            leaves=h.leaves,
            net=Quantity(h.net, "signed"),
            prev=Quantity(h.net_prev, "signed"),
        ),
        t_(
            "Daily active on average {dau} · active in 28 days (MAU) {mau} · stickiness {stickiness}",
            dau=Quantity(h.dau_mean, "decimal", 1),
            mau=h.mau,
            stickiness=Quantity(h.stickiness, "percent"),
        ),
    ]
    lines.append(quarter_sentence(m.quarter))
    return lines


def _headline(d: Digest) -> Section:
    m = d.metrics
    period = m.period
    title = t_(
        "Weekly digest · {community} · {first} – {last}",
        community=d.community_name,
        first=Day(period.week, "MMMd"),
        last=Day(period.last_day),
    )
    return Section(title, tuple(headline_lines(m.headline, m)), image=charts.GROWTH)


def _actions(d: Digest) -> Section:
    lines = tuple(t_("{number}. {action}", number=i, action=a.text) for i, a in enumerate(d.actions, start=1))
    return Section(t_("Three things to do this week"), lines)


def _engagement(d: Digest, names: dict[str, str]) -> Section:
    m = d.metrics
    lines: list[Text] = []
    for p in m.headline.platforms:
        lines.append(
            t_(
                "{platform}: active members {active} ({change}) · messages {messages}",
                platform=p.platform.capitalize(),
                active=p.active,
                change=change(p.active, p.active_prev),
                messages=p.messages,
            )
        )
    if m.channels:
        lines.append(t_("**Busiest channels**"))
        for c in m.channels:
            share = c.messages / m.channel_messages if m.channel_messages else 0.0
            lines.append(
                t_(
                    "{channel}: messages {messages} ({share}), {change}",
                    channel=channel_ref(c.platform, c.channel_id, d.scopes, names),
                    messages=c.messages,
                    share=Quantity(share, "percent"),
                    change=change(c.messages, c.messages_prev),
                )
            )
    if not lines:
        lines.append(t_("No messages this week."))
    return Section(t_("Engagement by platform"), tuple(lines))


def _newcomers(d: Digest) -> Section:
    m = d.metrics
    lines: list[Text] = []
    if d.funnel is not None and len(d.funnel.steps) >= 2:
        steps = d.funnel.steps
        lines.append(joined([t_("{step} {members}", step=s.label, members=s.members) for s in steps]))
        worst = max(range(1, len(steps)), key=lambda i: 1 - steps[i].members / steps[i - 1].members
                    if steps[i - 1].members else 0)  # fmt: skip
        before = steps[worst - 1].members
        if before:
            lines.append(
                t_(
                    "Biggest drop: from “{previous}” to “{step}” ({share} lost).",
                    previous=steps[worst - 1].label,
                    step=steps[worst].label,
                    share=Quantity(1 - steps[worst].members / before, "percent"),
                )
            )
    lines.append(
        t_(
            "Joined in the last 14 days: {joined}; not posted yet: {silent}.",
            joined=m.newcomers.joined,
            silent=m.newcomers.silent,
        )
    )
    ties = m.ties
    lines.append(
        t_(
            "Newcomers connected: {connected} of {newcomers} who joined in the last 4 weeks had a two-way "
            "conversation within 14 days.",
            connected=ties.newcomers_connected,
            newcomers=ties.newcomers,
        )
    )
    if m.cohorts:
        lines.append(t_("**Retention by join week** (share active in week 1, 2, 3 … after joining)"))
        for cohort in m.cohorts[-6:]:
            shares = [Quantity(r, "percent") for r in cohort.retention[1:5]]
            lines.append(
                t_(
                    "{week} (joined: {size}): {shares}",
                    week=Day(cohort.week, "MMMd"),
                    size=cohort.size,
                    shares=joined(shares) if shares else t_("this week"),
                )
            )
    image = charts.COHORTS if m.cohorts else None
    return Section(t_("Newcomers and retention"), tuple(lines), image=image)


def drift_line(a: DriftAdvice) -> Text:
    member = a.member
    if a.event is not None:
        todo = t_(
            "invite to {event} ({day})",
            event=a.event.title,
            day=Day(a.event.starts_at.date(), "MMMEd"),
        )
    else:
        todo = t_("send a personal message")
    last = Day(member.last_active, "MMMd") if member.last_active else t_("not in 4 weeks")
    return t_(
        "{name}: active days a week before {baseline}, this week {recent}; last active {last} → {todo}",
        name=user(member.person),
        baseline=Quantity(member.baseline, "decimal", 1),
        recent=member.recent_days,
        last=last,
        todo=todo,
    )


def _drifting(d: Digest) -> Section:
    m = d.metrics
    if not m.drifting_total:
        lines: list[Text] = [
            tn_(
                "No drifting regulars among {count} regular.",
                "No drifting regulars among {count} regulars.",
                m.regulars,
            )
        ]
    else:
        lines = [
            tn_(
                "{count} regular of {regulars} is drifting (most regular first):",
                "{count} regulars of {regulars} are drifting (most regular first):",
                m.drifting_total,
                regulars=m.regulars,
            )
        ]
        lines += [drift_line(a) for a in d.drift[:LIST]]
        hidden = m.drifting_total - len(d.drift)
        if hidden > 0:
            lines.append(tn_("… and {count} more not named here.", "… and {count} more not named here.", hidden))
    return Section(t_("Drifting members"), tuple(lines))


def _dialogue(d: Digest, names: dict[str, str]) -> Section:
    m = d.metrics
    q, ties = m.dialogue, m.ties
    lines: list[Text] = [
        t_(
            "Questions asked: {questions} · answered: {answered} · no reply within a day: {unanswered} · still "
            "open: {open}.",
            questions=q.questions,
            answered=q.answered,
            unanswered=q.unanswered,
            open=q.still_open,
        )
    ]
    if q.median_response_seconds is not None:
        lines.append(t_("Median time to a first reply: {wait}.", wait=Quantity(q.median_response_seconds, "duration")))
    refs = [
        message_ref(e.platform, e.channel_id, e.message_id, f"#{i}", d.scopes)
        for i, e in enumerate((e for e in q.examples if e.message_id is not None), start=1)
        if e.message_id is not None
    ]
    if refs:
        lines.append(t_("Still waiting for an answer: {questions}", questions=joined(refs)))
    if q.by_channel:
        where = [
            t_("{channel} ({count})", channel=channel_ref(c.platform, c.channel_id, d.scopes, names), count=c.count)
            for c in q.by_channel[:3]
        ]
        lines.append(t_("Most unanswered in: {channels}", channels=joined(where)))
    lines.append(
        t_(
            "Replies between members (staff left out): {share} of {replies}; pairs who replied to each other: {pairs}.",
            share=Quantity(ties.member_share, "percent"),
            replies=ties.replies,
            pairs=ties.reciprocated,
        )
    )
    return Section(t_("Dialogue and ties"), tuple(lines))


def _advocates(d: Digest) -> Section:
    m = d.metrics
    if not m.advocates:
        return Section(t_("Advocates"), (t_("Nobody stood out by helping others this week."),))
    lines = tuple(
        t_(
            "{name}: score {score} (answered first: {answers} · newcomers helped: {newcomers} · members replied to: "
            "{people} · reactions received: {reactions})",
            name=user(a.person),
            score=Quantity(a.score, "decimal", 1),
            answers=a.answers,
            newcomers=a.newcomers_helped,
            people=a.people_helped,
            reactions=a.reactions,
        )
        for a in m.advocates
    )
    return Section(t_("Advocates"), lines)


def _event_line(e: EventLine, timezone: str) -> Text:
    return t_(
        "{title} · {when} · going: {going} · maybe: {maybe}{waitlist}",
        title=e.title,
        when=Moment(e.starts_at, timezone),
        going=e.going,
        maybe=e.maybe,
        waitlist=t_(" · waiting list: {count}", count=e.waitlist) if e.waitlist else "",
    )


def _events(d: Digest) -> Section:
    lines: list[Text] = []
    if d.events_held:
        lines.append(t_("**Held this week**"))
        lines += [_event_line(e, d.timezone) for e in d.events_held[:5]]
    if d.events_upcoming:
        lines.append(t_("**Coming up**"))
        lines += [_event_line(e, d.timezone) for e in d.events_upcoming[:5]]
    if not lines:
        lines.append(t_("No events held or planned. Members come back for events: plan one with /event create."))
    return Section(t_("Events"), tuple(lines))


def _satisfaction(d: Digest) -> Section | None:
    s = d.satisfaction
    if s is None or not (s.surveys or s.polls):
        return None
    lines: list[Text] = []
    for survey in s.surveys:
        score = Quantity(survey.score, "percent") if survey.kind == "csat" else Quantity(survey.score, "decimal")
        margin = (
            t_(" ± {margin}", margin=Quantity(survey.margin, "percent" if survey.kind == "csat" else "decimal"))
            if survey.margin is not None
            else ""
        )
        trend = (
            t_(
                " (before: {previous})",
                previous=Quantity(survey.previous, "percent" if survey.kind == "csat" else "decimal"),
            )
            if survey.previous is not None
            else ""
        )
        lines.append(
            t_(
                "{kind} “{title}”: {score}{margin} (answers: {responses}){trend}",
                kind=survey.kind.upper(),
                title=survey.title,
                score=score,
                margin=margin,
                responses=survey.responses,
                trend=trend,
            )
        )
    for poll in s.polls:
        lines.append(
            t_(
                "Poll “{title}”: votes {votes}, first “{option}” with {share}",
                title=poll.title,
                votes=poll.votes,
                option=poll.top_option,
                share=Quantity(poll.top_share, "percent"),
            )
        )
    return Section(t_("Polls and surveys"), tuple(lines))


def _feedback(d: Digest) -> Section | None:
    f = d.feedback
    if f is None:
        return None
    lines: list[Text] = [
        t_("New items: {new} · waiting for a reply: {waiting}", new=f.new_items, waiting=f.awaiting_reply)
    ]
    for item in f.top_voted[:3]:
        lines.append(
            t_(
                "#{number} {title}: votes {votes}, {status}",
                number=item.number,
                title=item.title,
                votes=item.votes,
                status=item.status,
            )  # fmt: skip
        )
    for c in f.status_changes[:5]:
        lines.append(
            t_("#{number} {title}: {old} → {new}", number=c.item.number, title=c.item.title, old=c.old, new=c.new)
        )
    if f.themes:
        lines.append(
            t_("Themes: {themes}", themes=joined([t_("{term} ({count})", term=t, count=n) for t, n in f.themes[:6]]))
        )
    return Section(t_("Feedback"), tuple(lines))


def _alert_line(alert: RiskAlert, timezone: str) -> Text:
    return t_(
        "{when}: {kind}, {count} in an hour (usually {usual})",
        when=Moment(alert.hour, timezone),
        kind=risk_label(alert.kind),
        count=alert.count,
        usual=Quantity(alert.baseline, "decimal", 1),
    )


def risk_label(kind: str) -> Text:
    labels = {
        "leave": t_("members leaving"),
        "watch_term": t_("watch-list terms"),
        "report": t_("reports"),
        "automod": t_("automod hits"),
        "negative_feedback": t_("negative feedback"),
    }
    return labels.get(kind, Text(kind))


def _moderation(d: Digest) -> Section | None:
    mod = d.moderation
    if mod is None and not d.alerts:
        return None
    lines: list[Text] = []
    if mod is not None:
        if mod.actions:
            lines.append(joined([t_("{label}: {count}", label=label, count=n) for label, n in mod.actions]))
        lines.append(
            t_(
                "Reports: {reports} ({open} open); automod hits: {hits}",
                reports=mod.reports,
                open=mod.reports_open,
                hits=mod.automod_hits,
            )
        )
        if mod.top_rules:
            lines.append(
                t_(
                    "Rules that fired most: {rules}",
                    rules=joined([t_("{rule} ({count})", rule=r, count=n) for r, n in mod.top_rules[:4]]),
                )
            )
    if d.alerts:
        lines.append(t_("**Risk alerts this week**"))
        lines += [_alert_line(a, d.timezone) for a in d.alerts[:5]]
    return Section(t_("Moderation and risks"), tuple(lines))


def digest_message(d: Digest, attachments: Sequence[Attachment] = ()) -> OutMessage:
    names = d.channel_names
    sections = [
        _headline(d),
        _actions(d),
        _engagement(d, names),
        _newcomers(d),
        _drifting(d),
        _dialogue(d, names),
        _advocates(d),
        _events(d),
    ]
    sections += [s for s in (_satisfaction(d), _feedback(d), _moderation(d)) if s is not None]
    sections.append(definitions(d.sections_missing))
    present = {a.filename for a in attachments}
    sections = [
        s if s.image in present or s.image is None else Section(s.title, s.lines, s.fields, s.footer) for s in sections
    ]
    return OutMessage((), sections=tuple(sections), attachments=tuple(attachments))
