"""Metadata derived from a message's text in memory; the text itself is never stored."""

from __future__ import annotations

import re

# Interrogative openers per language (en, fi, de, ru). A message counts as a question when it
# ends with a question mark or starts with one of these words.
_OPENERS = {
    "how",
    "what",
    "why",
    "when",
    "where",
    "who",
    "which",
    "can",
    "could",
    "does",
    "do",
    "is",
    "are",
    "should",
    "would",
    "anyone",
    "mikä",
    "mitä",
    "miksi",
    "miten",
    "kuka",
    "milloin",
    "missä",
    "mistä",
    "onko",
    "voiko",
    "saako",
    "kuinka",
    "wer",
    "was",
    "wann",
    "wo",
    "warum",
    "wie",
    "welche",
    "welcher",
    "kann",
    "gibt",
    "weiß",
    "кто",
    "что",
    "когда",
    "где",
    "почему",
    "зачем",
    "как",
    "какой",
    "можно",
    "есть",
    "подскажите",
}
_FIRST_WORD = re.compile(r"\w+", re.UNICODE)
# Finnish yes/no questions use the -ko/-kö clitic on the first word ("Tuleeko joku?").
_FI_CLITIC = re.compile(r"^\w+(ko|kö)$", re.UNICODE)

LENGTH_BUCKETS = (0, 20, 80, 280, 1000)  # upper bounds (chars) of buckets 0..4; 5 = longer


def is_question(text: str) -> bool:
    stripped = text.strip()
    if not stripped:
        return False
    if stripped.rstrip(")]}»\"' ").endswith(("?", "？")):
        return True
    match = _FIRST_WORD.match(stripped.lower())
    if not match:
        return False
    word = match.group(0)
    return word in _OPENERS or bool(_FI_CLITIC.match(word) and len(word) > 4)


def length_bucket(text: str) -> int:
    n = len(text)
    for i, bound in enumerate(LENGTH_BUCKETS):
        if n <= bound:
            return i
    return len(LENGTH_BUCKETS)
