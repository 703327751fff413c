"""Themes: the terms and two-word phrases that recur across feedback, per language.

Each item's text is split into words; stop words are dropped (the `stop-words` package's lists for en, fi,
de and ru, plus a few fillers that feedback is full of); the rest are reduced to their Snowball stems
(`snowballstemmer`), so "crash", "crashes" and "crashing", or "tumma", "tumman" and "tummaa", count as one
term — without stemming Finnish and Russian, whose words take many endings, would hardly ever repeat.
A term counts once per item; phrases are two content words written next to each other. A theme is a term
or phrase at least two items use; a word is not shown on its own when a phrase with it says the same.

The language of an item is read from its text (the script, then which language's stop words it uses) and
falls back to the author's language."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

import snowballstemmer
import stop_words

from cogs.feedback.models import Theme

LANGUAGES = {"en": "english", "fi": "finnish", "de": "german", "ru": "russian"}
MIN_ITEMS = 2
MIN_LENGTH = 3

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*|\|", re.UNICODE)
_BREAK = re.compile(r"[.!?;:,()\n\r\[\]\"“”«»]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_GERMAN_LETTERS = re.compile(r"[üß]")
_FINNISH_LOOK = re.compile(r"(aa|ee|ii|oo|uu|yy|ää|öö|ä|ö)")

# Words every piece of feedback uses that say nothing about its subject.
_FILLERS = {
    "en": {"please", "thanks", "thank", "hello", "hey", "maybe", "really", "would", "could", "think", "lot",
           "thing", "things", "bit", "great", "good", "nice", "love", "idea", "feedback", "suggestion", "etc",
           "also", "just", "still", "pretty"},
    "fi": {"kiitos", "moi", "hei", "ehkä", "todella", "olisi", "voisi", "kiva", "hyvä", "idea", "palaute",
           "ehdotus", "myös", "vielä", "juttu", "asia", "tosi", "aika", "kyllä", "pitäisi", "voisiko", "jotenkin"},
    "de": {"bitte", "danke", "hallo", "vielleicht", "wirklich", "gerne", "gern", "toll", "super", "gut", "idee",
           "feedback", "vorschlag", "mal", "schon", "halt", "eigentlich", "sache", "wäre", "könnte", "würde",
           "fände", "irgendwie", "einfach"},
    "ru": {"пожалуйста", "спасибо", "привет", "может", "очень", "хотелось", "было", "хорошо", "отлично",
           "идея", "отзыв", "предложение", "просто", "ещё", "еще", "тоже", "также", "вообще", "кстати", "вещь",
           "можно", "нужно", "надо", "бы"},
}  # fmt: skip

# Words the stock lists treat as stop words that are subjects in product feedback.
_KEEP = {
    "en": {"page", "pages", "problem", "problems", "work", "works", "working", "information", "new", "help",
           "member", "members", "group", "groups", "order", "point", "points", "place", "places", "show"},
    "fi": {"aika"},
    "de": set(),
    "ru": set(),
}  # fmt: skip


@cache
def stop_list(language: str) -> frozenset[str]:
    words = {w.lower() for w in stop_words.get_stop_words(LANGUAGES[language])}
    return frozenset((words | _FILLERS[language]) - _KEEP[language])


@cache
def _stemmer(language: str) -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer(LANGUAGES[language])


@lru_cache(maxsize=200_000)
def stem(language: str, word: str) -> str:
    """Pure-Python Snowball costs ~0.1 ms a word; feedback reuses a small vocabulary, so remember stems."""
    return str(_stemmer(language).stemWord(word))


def words(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


def detect_language(text: str, fallback: str) -> str:
    """ru for Cyrillic text; otherwise whichever of en, fi, de has the most stop words in it; for a few words
    without any, German or Finnish letters and double vowels; else the author's language."""
    fallback = fallback if fallback in LANGUAGES else "en"
    if _CYRILLIC.search(text):
        return "ru"
    tokens = words(text)
    if not tokens:
        return fallback
    scores = {lang: sum(t in stop_list(lang) for t in tokens) for lang in ("en", "fi", "de")}
    best = max(scores.values())
    if best == 0:  # a few words only: the letters are the best hint left
        if _GERMAN_LETTERS.search(text.lower()):
            return "de"
        if len(_FINNISH_LOOK.findall(text.lower())) >= 2:
            return "fi"
        return fallback if fallback != "ru" else "en"
    leaders = [lang for lang, score in scores.items() if score == best]
    return fallback if fallback in leaders else leaders[0]


@dataclass(frozen=True, slots=True)
class Doc:
    number: int
    language: str
    text: str


def _terms(doc: Doc) -> tuple[set[str], dict[str, str]]:
    """The stems (and "stem stem" phrases) of one item, and the surface form each came from."""
    stops = stop_list(doc.language)
    found: set[str] = set()
    surface: dict[str, str] = {}
    previous: tuple[str, str] | None = None  # the last content word, if the word before this one was one
    for word in words(_BREAK.sub(" | ", doc.text)):
        if word == "|" or word in stops or len(word) < MIN_LENGTH:
            previous = None  # a phrase never spans a stop word, a sentence or a line
            continue
        key = stem(doc.language, word)
        found.add(key)
        surface.setdefault(key, word)
        if previous is not None:
            phrase = f"{previous[0]} {key}"
            found.add(phrase)
            surface.setdefault(phrase, f"{previous[1]} {word}")
        previous = (key, word)
    return found, surface


def themes(docs: Iterable[Doc], top: int = 8) -> dict[str, list[Theme]]:
    """Recurring terms per language, most used first (at most `top` each)."""
    by_language: dict[str, list[Doc]] = defaultdict(list)
    for doc in docs:
        by_language[doc.language if doc.language in LANGUAGES else "en"].append(doc)
    return {lang: _rank(lang, group, top) for lang, group in sorted(by_language.items())}


def _rank(language: str, docs: Sequence[Doc], top: int) -> list[Theme]:
    counts: Counter[str] = Counter()
    numbers: dict[str, list[int]] = defaultdict(list)
    written: Counter[tuple[str, str]] = Counter()  # (key, as written) → items
    for doc in docs:
        found, surface = _terms(doc)
        counts.update(found)
        for key in found:
            numbers[key].append(doc.number)
        written.update(surface.items())
    recurring = [k for k, n in counts.items() if n >= MIN_ITEMS]
    # Most items first; a phrase before a word of the same count (it says more); then alphabetically.
    recurring.sort(key=lambda k: (-counts[k], -k.count(" "), k))
    chosen: list[str] = []
    for key in recurring:
        if " " not in key and any(key in c.split(" ") and counts[c] >= counts[key] for c in chosen):
            continue  # "dark" adds nothing next to "dark mode" used by as many items
        chosen.append(key)
        if len(chosen) == top:
            break
    term: dict[str, tuple[int, str]] = {}
    wanted = set(chosen)
    for (key, form), n in written.items():  # the form most items used; the first seen on a tie
        if key in wanted and n > term.get(key, (0, ""))[0]:
            term[key] = (n, form)
    return [
        Theme(term=term[k][1], key=k, language=language, count=counts[k], numbers=tuple(sorted(numbers[k])[:5]))
        for k in chosen
    ]
