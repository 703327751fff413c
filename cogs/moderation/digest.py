"""Moderation's section of the weekly digest (cogs/digest/ports.py): actions by kind, reports, automod hits and
the rules that fired most. Counts only: who did what stays in /infractions and the mod log."""

from __future__ import annotations

from datetime import datetime

from bot.core.i18n import Text, t_
from cogs.digest.models import ModerationDigest
from cogs.moderation.models import InfractionKind, Rule
from cogs.moderation.ports import ModerationReader
from cogs.moderation.render import RULE_LABELS

# Plural labels: the digest counts ("warnings: 3").
COUNTED: dict[InfractionKind, Text] = {
    InfractionKind.WARN: t_("warnings"),
    InfractionKind.MUTE: t_("mutes"),
    InfractionKind.UNMUTE: t_("mutes lifted"),
    InfractionKind.KICK: t_("kicks"),
    InfractionKind.BAN: t_("bans"),
    InfractionKind.UNBAN: t_("bans lifted"),
}


class ModerationSection:
    def __init__(self, reader: ModerationReader) -> None:
        self.reader = reader

    async def moderation(self, community_id: int, start: datetime, end: datetime) -> ModerationDigest | None:
        s = await self.reader.summary(community_id, start, end)
        if not (s.total_actions or s.reports_filed or s.reports_open or s.automod_hits):
            return None
        actions = tuple((COUNTED[kind], s.actions[kind.value]) for kind in COUNTED if s.actions.get(kind.value))
        rules = sorted(s.automod_hits.items(), key=lambda kv: (-kv[1], kv[0]))
        return ModerationDigest(
            actions=actions,
            reports=s.reports_filed,
            reports_open=s.reports_open,
            automod_hits=sum(s.automod_hits.values()),
            top_rules=tuple((_rule_label(rule), n) for rule, n in rules),
        )


def _rule_label(rule: str) -> Text:
    try:
        return RULE_LABELS[Rule(rule)]
    except ValueError:
        return Text(rule)  # a rule this version does not know (a newer one wrote it)
