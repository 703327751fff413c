"""Text checks for automod, linear in the length of the message and safe from pathological input: no
user-supplied regular expression is ever compiled. Banned words are matched on whole words after folding
(so "assistance" never matches "ass"), in any script: Unicode word boundaries, case folding, NFKC, zero-width
characters removed, Cyrillic and Greek look-alikes of Latin letters folded, and a little leetspeak.

Entries: `word` (a whole word), `two words` (a phrase, word by word), `prefix*` (a word starting so, for
inflected languages: `vitu*` catches vitun, vituiksi)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

MAX_ENTRY = 64  # characters in one banned entry
MAX_ENTRIES = 500
MAX_WORDS_IN_PHRASE = 6

# Lower-case look-alikes of Latin letters (after case folding), Cyrillic and Greek.
_CONFUSABLE = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
        "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ӏ": "l", "ԛ": "q",
        "ԝ": "w", "һ": "h", "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ς": "c",
    }
)  # fmt: skip
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff\u180e]")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t"})
_WORD = re.compile(r"[^\W_]+")
_DIGIT = re.compile(r"\d")
_RUN = re.compile(r"(.)\1{2,}")  # a letter three times or more: stretched
_DOUBLE = re.compile(r"(.)\1+")
_MENTION = re.compile(r"@([A-Za-z0-9_]{3,32})")
SCAN = 4000  # characters read for caps and repeats: a long message shows its nature early on


def fold_text(text: str) -> str:
    """NFKC, case folded, invisible characters removed, look-alikes folded (each step only when needed)."""
    if text.isascii():
        return text.lower()
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    if _INVISIBLE.search(text):
        text = _INVISIBLE.sub("", text)
    return text.casefold().translate(_CONFUSABLE)


def fold_token(token: str) -> str:
    """A folded word; digits read as letters only inside words that have letters ("a55" → "ass")."""
    if _DIGIT.search(token) and not token.isdigit():
        return token.translate(_LEET)
    return token


def words_of(text: str) -> list[str]:
    return [fold_token(word) for word in _WORD.findall(fold_text(text))]


def _squeeze(token: str) -> str:
    """Stretched letters squeezed to one ("fuuuuck" → "fuck"), for words that were stretched."""
    return _DOUBLE.sub(r"\1", token)


def _stretched(token: str) -> bool:
    return _RUN.search(token) is not None


@dataclass(frozen=True, slots=True)
class Entry:
    words: tuple[str, ...]
    prefix: bool  # the last word is a prefix


def parse_entry(raw: str) -> Entry | None:
    """One banned entry as a moderator typed it; None when it has no word in it."""
    text = raw.strip()
    prefix = text.endswith("*")
    words = tuple(words_of(text.rstrip("*")))
    if not words or len(words) > MAX_WORDS_IN_PHRASE:
        return None
    return Entry(words, prefix)


@dataclass
class WordList:
    """Compiled banned entries: sets for whole words and prefixes (by length), phrases by their first word.
    Matching works on the message's set of distinct words with set operations, so its cost grows with the
    message, not with the list."""

    exact: set[str] = field(default_factory=set)
    squeezed: set[str] = field(default_factory=set)
    prefixes: dict[str, dict] = field(default_factory=dict)  # a trie; "$" ends a prefix
    phrases: dict[str, list[Entry]] = field(default_factory=dict)

    @classmethod
    def of(cls, entries: Iterable[str]) -> WordList:
        compiled = cls()
        for raw in entries:
            entry = parse_entry(raw)
            if entry is None:
                continue
            if len(entry.words) > 1:
                compiled.phrases.setdefault(entry.words[0], []).append(entry)
            elif entry.prefix:
                node = compiled.prefixes
                for char in entry.words[0]:
                    node = node.setdefault(char, {})
                node["$"] = {}
            else:
                compiled.exact.add(entry.words[0])
                compiled.squeezed.add(_squeeze(entry.words[0]))
        return compiled

    def __bool__(self) -> bool:
        return bool(self.exact or self.prefixes or self.phrases)

    def _has_prefix(self, token: str) -> bool:
        node = self.prefixes
        for char in token:
            node = node.get(char)  # type: ignore[assignment]
            if node is None:
                return False
            if "$" in node:
                return True
        return False

    def first_match(self, text: str, tokens: list[str] | None = None) -> str | None:
        """A banned word or phrase found in `text` (folded, as matched), or None. `tokens` are
        `words_of(text)` when the caller has them already."""
        if not self:
            return None
        tokens = words_of(text) if tokens is None else tokens
        unique = set(tokens)
        found = self.exact & unique
        if found:
            return min(found)
        if self.prefixes:
            for token in sorted(unique):
                if self._has_prefix(token):
                    return token
        if self.squeezed:
            for token in unique:
                if _stretched(token) and _squeeze(token) in self.squeezed:
                    return token
        firsts = self.phrases.keys() & unique if self.phrases else set()
        for i, token in enumerate(tokens) if firsts else ():
            for entry in self.phrases.get(token, ()):
                n = len(entry.words)
                window = tokens[i : i + n]
                if len(window) == n and all(
                    (t.startswith(w) if entry.prefix and k == n - 1 else t == w)
                    for k, (t, w) in enumerate(zip(window, entry.words, strict=True))
                ):
                    return " ".join(window)
        return None


# -- links and invites -------------------------------------------------------------------------------

# Bare domains (no scheme, no www.) count as links only with a common top-level domain, so "e.g." or
# "file.txt" are not links.
_COMMON_TLDS = frozenset(
    {
        "com", "net", "org", "io", "co", "me", "ru", "fi", "de", "gg", "xyz", "info", "biz", "app", "dev", "link", "ly",
        "to", "tv", "cc", "us", "uk", "eu", "su", "ua", "by", "kz", "site", "online", "shop", "top", "club", "live",
        "pro", "store", "fun", "space", "website", "click", "gl", "im", "ai", "be", "ch", "nl", "se", "no", "dk", "pl",
        "cz", "at", "es", "it", "fr", "ee", "lv", "lt", "tk", "ml", "ga", "cf", "gq", "ws",
    }
)  # fmt: skip
_INVITE_HOSTS = {"discord.gg", "discord.com", "discordapp.com", "t.me", "telegram.me", "telegram.dog"}
_LEAD = "<([{\"'«"
_TRAIL = ">)]}\"'».,!?;:…"


@dataclass(frozen=True, slots=True)
class Link:
    host: str
    path: str

    @property
    def is_invite(self) -> bool:
        if self.host == "discord.gg":
            return bool(self.path.strip("/"))
        if self.host in ("discord.com", "discordapp.com"):
            return self.path.startswith("/invite/")
        if self.host in ("t.me", "telegram.me", "telegram.dog"):
            return bool(self.path.strip("/"))
        return False


def _valid_host(host: str) -> bool:
    labels = host.split(".")
    if len(labels) < 2 or len(host) > 253:
        return False
    tld = labels[-1]
    if not (2 <= len(tld) <= 24 and tld.isalpha()):
        return False
    return all(0 < len(label) <= 63 and all(c.isalnum() or c == "-" for c in label) for label in labels)


def links_in(text: str, limit: int = 50) -> list[Link]:
    """Links in a message (scheme, www., or a bare domain with a common ending), at most `limit`."""
    found: list[Link] = []
    for chunk in text.split():
        if "." not in chunk:
            continue
        word = chunk.lstrip(_LEAD).rstrip(_TRAIL).lower()
        scheme = False
        for prefix in ("https://", "http://"):
            if word.startswith(prefix):
                word, scheme = word[len(prefix) :], True
        cut = min((i for i in (word.find("/"), word.find("?"), word.find("#")) if i >= 0), default=len(word))
        host, path = word[:cut], word[cut:]
        host = host.rpartition("@")[2].partition(":")[0]
        www = host.startswith("www.")
        host = host.removeprefix("www.")
        if not _valid_host(host):
            continue
        if scheme or www or host.rsplit(".", 1)[1] in _COMMON_TLDS or host in _INVITE_HOSTS:
            found.append(Link(host, path))
            if len(found) >= limit:
                break
    return found


def host_listed(host: str, domains: Iterable[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def normalise_domain(raw: str) -> str | None:
    """A domain as a moderator typed it (`https://www.Example.com/x` → `example.com`); None if not one."""
    word = raw.strip().lower()
    for prefix in ("https://", "http://"):
        word = word.removeprefix(prefix)
    word = word.split("/", 1)[0].removeprefix("www.").rstrip(".")
    return word if _valid_host(word) else None


# -- other signals -------------------------------------------------------------------------------------


def mention_count(text: str, mentioned_ids: Iterable[str]) -> int:
    """Distinct members mentioned: resolved mentions plus @names written in the text."""
    names = {m.lower() for m in _MENTION.findall(text)} - {"everyone", "here"}
    return len(set(mentioned_ids)) + len(names)


def caps_percent(text: str, min_letters: int = 12) -> int:
    """Share of capitals among cased letters, in percent; 0 for messages with fewer cased letters."""
    text = text[:SCAN]
    upper = sum(map(str.isupper, text))
    lower = sum(map(str.islower, text))
    total = upper + lower
    return 0 if total < min_letters else upper * 100 // total


def repeat_key(tokens: list[str]) -> int | None:
    """A fingerprint of a message (its folded words) for spotting the same one again, in memory only; None
    for very short ones."""
    key = " ".join(tokens[:SCAN])
    return hash(key) if len(key) >= 4 else None
