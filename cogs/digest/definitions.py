"""The digest's footer: what every number means (SPEC §3 definitions), so managers know what they read."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.i18n import Text, t_
from bot.core.outbound import Section

SECTION_NAMES = {
    "funnel": t_("newcomer funnel"),
    "satisfaction": t_("polls and surveys"),
    "feedback": t_("feedback"),
    "moderation": t_("moderation summary"),
}


def definitions(missing: Sequence[str] = ()) -> Section:
    lines: list[Text] = [
        t_(
            "**Active**: at least one message, reaction or action (RSVP, vote, feedback) in the period. DAU, WAU, "
            "MAU: active in a day, a week, 28 days. **Stickiness** = mean DAU ÷ MAU."
        ),
        t_(
            "The week runs Monday to Sunday in the community's time zone; joins, leaves and questions count to the "
            "minute, day-level numbers by calendar day (UTC)."
        ),
        t_("**Growth**: joined, left, net. **This quarter**: the last 13 weeks against the 13 before."),
        t_("**Retention**: members who joined in a week, and the share of them active each week after."),
        t_(
            "**Drifting**: regulars (2 or more active days a week over the 4 weeks before) now below half their own "
            "usual, or quiet for longer than 14 days or twice their usual gap, whichever is longer."
        ),
        t_(
            "**Unanswered**: a question-like message with no reply from another member to the asker in the same "
            "channel within 24 hours (Hearth records whom a message replies to, not which message). The median "
            "reply time counts answered questions."
        ),
        t_(
            "**Ties**: member-to-member replies leave out staff (members seen using moderator or manager commands "
            "in the last 90 days). A reciprocated pair replied to each other in the week; a newcomer is connected "
            "after a reply each way with someone within 14 days of joining."
        ),
        t_(
            "**Advocate score** = 3 × questions answered first + 2 × newcomers helped (first reply in their first "
            "14 days) + members replied to + ½ × reactions received."
        ),
        t_("Members who opted out of analytics are counted, never named."),
    ]
    if missing:
        lines.append(
            t_(
                "Not in this digest: {sections} (those features are not installed).",
                sections=tuple(SECTION_NAMES[m] for m in missing if m in SECTION_NAMES),
            )
        )
    return Section(t_("How to read these numbers"), tuple(lines))
