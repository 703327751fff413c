"""Automod rules on one message, in memory: the message text is read here and dropped; nothing of it is
stored (only which rule it broke). Trackers for flood and repeats keep timestamps and fingerprints per
member for a minute or so, bounded in size."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.hub import MessageSeen
from cogs.moderation import textmatch
from cogs.moderation.models import AutomodAction, AutomodConfig, Rule

MAX_TRACKED = 50_000  # members tracked at once across communities before old entries are dropped


@dataclass(frozen=True, slots=True)
class Hit:
    rule: Rule
    action: AutomodAction
    detail: str = ""  # what matched, for the moderators' log (a banned word, a domain); never the message


@dataclass
class CompiledConfig:
    """A community's automod settings with its word list compiled once."""

    config: AutomodConfig
    words: textmatch.WordList
    allow: tuple[str, ...]
    deny: tuple[str, ...]

    @classmethod
    def of(cls, config: AutomodConfig) -> CompiledConfig:
        return cls(config, textmatch.WordList.of(config.words), config.allow_domains, config.deny_domains)


class Trackers:
    """Recent message times and fingerprints per (community, member), for flood and repeat rules."""

    def __init__(self) -> None:
        self.times: dict[tuple[int, str], deque[datetime]] = {}
        self.repeats: dict[tuple[int, str], tuple[int, int, datetime]] = {}  # key → (fingerprint, count, first)

    def _bound(self, at: datetime, keep: timedelta) -> None:
        if len(self.times) > MAX_TRACKED:
            self.times = {k: v for k, v in self.times.items() if v and at - v[-1] <= keep}
        if len(self.repeats) > MAX_TRACKED:
            self.repeats = {k: v for k, v in self.repeats.items() if at - v[2] <= keep}

    def flood(self, key: tuple[int, str], at: datetime, limit: int, window: timedelta) -> bool:
        times = self.times.get(key)
        if times is None or times.maxlen != max(limit, 1):
            self._bound(at, window)
            times = self.times[key] = deque(maxlen=max(limit, 1))
        times.append(at)
        # The spread of the last `limit` messages, not newest minus oldest-arrived: updates can arrive out of
        # time order (a backlog after an outage, two platforms), and a late one must not look like a burst.
        if len(times) >= limit and max(times) - min(times) <= window:
            times.clear()  # one hit per burst: the action deals with it
            return True
        return False

    def repeat(
        self, key: tuple[int, str], fingerprint: int | None, at: datetime, limit: int, window: timedelta
    ) -> bool:
        if fingerprint is None:
            return False
        seen = self.repeats.get(key)
        if seen is None or seen[0] != fingerprint or at - seen[2] > window:
            self._bound(at, window)
            self.repeats[key] = (fingerprint, 1, at)
            return False
        count = seen[1] + 1
        if count >= limit:
            del self.repeats[key]
            return True
        self.repeats[key] = (fingerprint, count, seen[2])
        return False

    def forget(self, key: tuple[int, str]) -> None:
        self.times.pop(key, None)
        self.repeats.pop(key, None)


def check(
    compiled: CompiledConfig,
    trackers: Trackers,
    community_id: int,
    event: MessageSeen,
    account_created: datetime | None = None,
) -> list[Hit]:
    """Every rule the message breaks (empty for almost every message)."""
    config = compiled.config
    if not config.enabled:
        return []
    hits: list[Hit] = []
    key = (community_id, event.user_id)
    text = event.text

    flood = config.rule(Rule.FLOOD)
    window = timedelta(seconds=max(flood.seconds, 1))
    if flood.enabled and flood.limit > 1 and trackers.flood(key, event.at, flood.limit, window):
        hits.append(Hit(Rule.FLOOD, flood.action))
    if not text:
        return hits

    tokens = textmatch.words_of(text)  # once, for repeats and banned words
    repeat = config.rule(Rule.REPEAT)
    if repeat.enabled and repeat.limit > 1:
        window = timedelta(seconds=max(repeat.seconds, 1))
        if trackers.repeat(key, textmatch.repeat_key(tokens), event.at, repeat.limit, window):
            hits.append(Hit(Rule.REPEAT, repeat.action))

    mentions = config.rule(Rule.MENTIONS)
    mentioned = (
        textmatch.mention_count(text, event.mentioned_user_ids) if "@" in text or event.mentioned_user_ids else 0
    )
    if mentions.enabled and mentions.limit > 0 and mentioned >= mentions.limit:
        hits.append(Hit(Rule.MENTIONS, mentions.action, str(mentioned)))

    links = textmatch.links_in(text) if "." in text else []
    invites = config.rule(Rule.INVITES)
    invite = next((link for link in links if link.is_invite), None)
    if invites.enabled and invite is not None:
        hits.append(Hit(Rule.INVITES, invites.action, invite.host))

    rule = config.rule(Rule.LINKS)
    if rule.enabled and links:
        for link in links:
            if link.is_invite and invites.enabled:
                continue  # already the invite rule's
            denied = textmatch.host_listed(link.host, compiled.deny)
            if denied or (compiled.allow and not textmatch.host_listed(link.host, compiled.allow)):
                hits.append(Hit(Rule.LINKS, rule.action, link.host))
                break
            if not compiled.allow and not compiled.deny:
                hits.append(Hit(Rule.LINKS, rule.action, link.host))
                break

    caps = config.rule(Rule.CAPS)
    if caps.enabled and caps.limit > 0 and textmatch.caps_percent(text) >= caps.limit:
        hits.append(Hit(Rule.CAPS, caps.action))

    words = config.rule(Rule.WORDS)
    if words.enabled and compiled.words:
        found = compiled.words.first_match(text, tokens)
        if found is not None:
            hits.append(Hit(Rule.WORDS, words.action, found))

    young = config.rule(Rule.NEW_ACCOUNTS)
    is_new = account_created is not None and event.at - account_created < timedelta(days=max(young.limit, 0))
    if young.enabled and is_new and (links or mentioned):
        hits.append(Hit(Rule.NEW_ACCOUNTS, young.action))
    return hits


def strongest(hits: list[Hit]) -> AutomodAction:
    return max((h.action for h in hits), key=lambda a: a.severity)
