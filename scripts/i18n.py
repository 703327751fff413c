"""Refresh translation catalogs: extract t_()/tn_() texts per domain (bot/core/catalogs.py) into
locales/<domain>.pot and merge them into each locale's locales/<lang>/LC_MESSAGES/<domain>.po. New texts
arrive empty (tests/core/test_catalogs.py fails until they are translated); translations already made in
any domain are reused, so moving code between features keeps its translations.

    .venv/bin/python scripts/i18n.py
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.core.catalogs import extract  # noqa: E402
from bot.core.i18n import LOCALES  # noqa: E402


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def _write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog, width=120, ignore_obsolete=True, include_previous=False)


def main() -> None:
    templates = extract()
    for domain, template in templates.items():
        _write(ROOT / "locales" / f"{domain}.pot", template)
    for stale in (ROOT / "locales").glob("*.pot"):
        if stale.stem not in templates:
            stale.unlink()
    for locale in LOCALES:
        folder = ROOT / "locales" / locale / "LC_MESSAGES"
        existing = {p.stem: _read(p, locale) for p in sorted(folder.glob("*.po"))}
        known = {}  # every translation made so far, in any domain
        for catalog in existing.values():
            for msg in catalog:
                if msg.id and msg.string and not msg.fuzzy:
                    known[msg.id if isinstance(msg.id, str) else msg.id[0]] = msg.string
        for domain, template in templates.items():
            catalog = existing.get(domain) or Catalog(locale=locale, domain=domain)
            catalog.update(copy.deepcopy(template), no_fuzzy_matching=True)  # update() shares message objects
            for msg in catalog:
                key = msg.id if isinstance(msg.id, str) else msg.id[0]
                if msg.id and not _translated(msg.string) and key in known:
                    msg.string = known[key]
            catalog.fuzzy = False
            _write(folder / f"{domain}.po", catalog)
        for stale in set(existing) - set(templates):
            (folder / f"{stale}.po").unlink()


def _translated(string: object) -> bool:
    return all(string) if isinstance(string, tuple | list) else bool(string)


if __name__ == "__main__":
    main()
