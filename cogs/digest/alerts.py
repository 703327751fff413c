"""The text of an urgent risk alert: what spiked, by how much against the usual, and links to examples."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.i18n import Moment, Quantity, t_
from bot.core.outbound import OutMessage, Section
from cogs.digest.actions import joined, message_ref
from cogs.digest.models import RiskAlert, Scope
from cogs.digest.render import risk_label


def alert_message(alert: RiskAlert, community: str, timezone: str, scopes: Sequence[Scope]) -> OutMessage:
    lines = [
        t_(
            "**{count}** in the hour from {when}; usually {usual} at this hour of the week (robust z-score {z}).",
            count=alert.count,
            when=Moment(alert.hour, timezone),
            usual=Quantity(alert.baseline, "decimal", 1),
            z=Quantity(alert.score, "decimal", 1),
        )
    ]
    refs = [
        message_ref(e.platform, e.channel_id or "", e.message_id, f"#{i}", scopes)
        for i, e in enumerate((e for e in alert.examples if e.message_id is not None), start=1)
        if e.message_id is not None
    ]
    if refs:
        lines.append(t_("Look at: {examples}", examples=joined(refs)))
    lines.append(t_("One alert per burst: you will not get another for this until it has calmed down."))
    title = t_("⚠️ Unusual {kind} in {community}", kind=risk_label(alert.kind), community=community)
    return OutMessage((), sections=(Section(title, tuple(lines)),))
