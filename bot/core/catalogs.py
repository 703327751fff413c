"""Translation catalogs, one per feature: `locales/<lang>/LC_MESSAGES/<domain>.po`.

A text's domain is the feature whose code holds it — `cogs/<feature>/…`, and that feature's platform glue
`bot/discord/exts/<feature>.py` and `bot/telegram/handlers/<feature>.py` — or `core` for the rest (the
dispatcher, help, members, community, adapters). Translators see which feature a text is from, and two
features added at once never edit the same catalog. `bot/core/i18n.py` reads every domain at run time.

Used by `scripts/i18n.py` (extract and merge) and `tests/core/test_catalogs.py` (completeness)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file

ROOT = Path(__file__).resolve().parents[2]
CORE = "core"
# Folders under cogs/ that are part of the core domain rather than a feature of their own.
CORE_PACKAGES = frozenset({"dispatch", "help", "members", "community", "outbox"})
KEYWORDS = {"t_": None, "tn_": (1, 2)}


def domain_of(path: Path) -> str:
    rel = path.resolve().relative_to(ROOT).parts
    if rel[0] == "cogs" and len(rel) > 2 and rel[1] not in CORE_PACKAGES:
        return rel[1]
    if rel[0] == "bot" and len(rel) == 4 and rel[2] in ("exts", "handlers") and rel[3] != "__init__.py":
        return rel[3].removesuffix(".py")
    return CORE


def source_files() -> Iterator[Path]:
    for top in ("bot", "cogs"):
        yield from sorted((ROOT / top).rglob("*.py"))


def extract() -> dict[str, Catalog]:
    """Every t_()/tn_() text in the code, by domain, with where it is used."""
    catalogs: dict[str, Catalog] = {}
    for path in source_files():
        found = list(extract_from_file("python", str(path), keywords=KEYWORDS))  # type: ignore[arg-type]
        if not found:
            continue
        catalog = catalogs.setdefault(domain_of(path), Catalog(domain=domain_of(path)))
        for lineno, message, comments, context in found:
            catalog.add(message, None, [(str(path.relative_to(ROOT)), lineno)], auto_comments=comments, context=context)
    return catalogs
