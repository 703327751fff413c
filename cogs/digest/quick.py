"""Managers' quick views: /stats (headline numbers and a small chart) and /atrisk (drifting members, what to do)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.i18n import Day, Text, t_, tn_
from bot.core.outbound import Attachment, OutMessage, Section
from cogs.analytics.metrics.models import CommunityWeekRow, WeekMetrics
from cogs.digest import charts
from cogs.digest.models import DriftAdvice
from cogs.digest.render import drift_line, headline_lines


def stats_message(
    community: str, m: WeekMetrics, so_far: CommunityWeekRow | None, chart: Attachment | None
) -> OutMessage:
    title = t_(
        "{community} · week of {first}",
        community=community,
        first=Day(m.period.week, "MMMd"),
    )
    lines = headline_lines(m.headline, m)
    lines.append(
        t_(
            "This week so far: active members {active} · messages {messages}.",
            active=so_far.active_members if so_far else 0,
            messages=so_far.messages if so_far else 0,
        )
    )
    lines.append(t_("The full picture with advice: /digest preview (Telegram: /digest)."))
    section = Section(title, tuple(lines), image=chart.filename if chart else None)
    return OutMessage((), sections=(section,), attachments=(chart,) if chart else (), ephemeral=True)


def atrisk_message(community: str, m: WeekMetrics, drift: Sequence[DriftAdvice]) -> OutMessage:
    title = t_(
        "Drifting members · {community} · week of {first}", community=community, first=Day(m.period.week, "MMMd")
    )
    lines: list[Text]
    if not m.drifting_total:
        lines = [
            tn_(
                "Nobody is drifting: all {count} regular kept their habit.",
                "Nobody is drifting: all {count} regulars kept their habit.",
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
        lines += [drift_line(a) for a in drift]
        hidden = m.drifting_total - len(drift)
        if hidden > 0:
            lines.append(tn_("… and {count} more not named here.", "… and {count} more not named here.", hidden))
    lines.append(
        t_(
            "A regular has 2 or more active days a week over 4 weeks; drifting means below half of that, or quiet "
            "for over 14 days. Members who opted out are counted, never named."
        )
    )
    return OutMessage((), sections=(Section(title, tuple(lines)),), ephemeral=True, private=True)


def stats_chart(m: WeekMetrics, locale: str) -> Attachment:
    return Attachment(charts.STATS, charts.small(m.series, locale), is_image=True)
