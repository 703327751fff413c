"""Translation catalogs: every text in the source is translated in every locale, keeps its placeholders
and its **bold** markers balanced.

When a test here fails after you add or change a t_()/tn_() text: run `.venv/bin/python scripts/i18n.py`,
translate the new entries in locales/*/LC_MESSAGES/<domain>.po (see locales/GLOSSARY.md) and run again.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from bot.core.catalogs import extract
from bot.core.i18n import LOCALES, LOCALES_DIR, placeholders, translate

ROOT = Path(__file__).resolve().parents[2]
HINT = "run scripts/i18n.py and translate"


def _key(msg: Message) -> str:
    return msg.id[0] if isinstance(msg.id, tuple | list) else msg.id


def _entries(catalog: Catalog) -> Iterator[Message]:
    return (msg for msg in catalog if msg.id)


@pytest.fixture(scope="module")
def source_messages() -> dict[str, dict[str, Message]]:
    """The texts the code uses by domain, extracted exactly as scripts/i18n.py does."""
    found = {domain: {_key(msg): msg for msg in _entries(catalog)} for domain, catalog in extract().items()}
    assert found, "extraction found no t_()/tn_() texts"
    return found


def _load(locale: str, domain: str) -> Catalog:
    path = LOCALES_DIR / locale / "LC_MESSAGES" / f"{domain}.po"
    assert path.exists(), f"{path} is missing: {HINT}"
    with path.open("rb") as fh:
        return read_po(fh, locale=locale, domain=domain)


def _domains() -> list[str]:
    return sorted({p.stem for p in (LOCALES_DIR / "en" / "LC_MESSAGES").glob("*.po")} | set(extract()))


@pytest.fixture(scope="module", params=[(loc, dom) for loc in LOCALES for dom in _domains()], ids=lambda p: "-".join(p))
def catalog(request: pytest.FixtureRequest) -> Catalog:
    locale, domain = request.param
    return _load(locale, domain)


def _forms(msg: Message) -> tuple[str, ...]:
    return tuple(msg.string) if isinstance(msg.string, tuple | list) else (msg.string or "",)


def _singular_form_is_only_for_one(catalog: Catalog) -> bool:
    """True when plural form 0 is used for n == 1 alone (en, de, fi), so it may leave out {count}."""
    plural = gettext.c2py(catalog.plural_expr)  # type: ignore[attr-defined]
    return all((plural(n) == 0) == (n == 1) for n in range(1000))


def test_every_source_text_is_translated(source_messages: dict[str, dict[str, Message]], catalog: Catalog) -> None:
    entries = {_key(msg): msg for msg in _entries(catalog)}
    problems: list[str] = []
    for key, source in source_messages.get(catalog.domain or "", {}).items():
        msg = entries.get(key)
        if msg is None:
            problems.append(f"missing: {key!r}")
        elif msg.fuzzy:
            problems.append(f"fuzzy: {key!r}")
        elif source.pluralizable != msg.pluralizable or (source.pluralizable and source.id[1] != msg.id[1]):
            problems.append(f"plural text differs from the source: {key!r}")
        elif msg.pluralizable:
            forms = _forms(msg)
            if len(forms) != catalog.num_plurals or not all(forms):
                problems.append(f"needs {catalog.num_plurals} non-empty plural forms, has {forms!r}: {key!r}")
        elif not msg.string:
            problems.append(f"untranslated: {key!r}")
    assert not problems, (
        f"{catalog.locale}/{catalog.domain}: {len(problems)} text(s) not translated ({HINT}):\n" + "\n".join(problems)
    )


def test_catalog_header_is_not_fuzzy(catalog: Catalog) -> None:
    assert not catalog.fuzzy, f"{catalog.locale}: remove the '#, fuzzy' flag from the header"


def test_translations_keep_the_placeholders(catalog: Catalog) -> None:
    only_one_uses_form_0 = _singular_form_is_only_for_one(catalog)
    problems: list[str] = []
    for msg in _entries(catalog):
        if msg.pluralizable:
            singular, plural = msg.id[0], msg.id[1]
            expected = placeholders(plural)
            for index, form in enumerate(_forms(msg)):
                if not form:
                    continue
                found = placeholders(form)
                # The singular form is only ever shown for n == 1 there, so it may say "one" instead of {count}.
                allowed = [expected]
                if index == 0 and only_one_uses_form_0:
                    allowed.append(placeholders(singular))
                if found not in allowed:
                    problems.append(f"{msg.id!r} form {index}: {sorted(found)} instead of {sorted(expected)}")
        elif msg.string:
            expected, found = placeholders(_key(msg)), placeholders(_forms(msg)[0])
            if found != expected:
                problems.append(f"{msg.id!r}: {sorted(found)} instead of {sorted(expected)}")
    assert not problems, f"{catalog.locale}: placeholders differ from the msgid:\n" + "\n".join(problems)


def test_bold_markers_are_balanced(catalog: Catalog) -> None:
    odd = [
        f"{_key(msg)!r}: {form!r}" for msg in _entries(catalog) for form in _forms(msg) if form and form.count("**") % 2
    ]
    assert not odd, f"{catalog.locale}: odd number of ** markers:\n" + "\n".join(odd)


def test_translate_uses_the_finnish_catalog() -> None:
    assert translate("fi", "Show the commands you can use") == "Näytä komennot, joita voit käyttää"
    assert translate("de", "Show the commands you can use") != "Show the commands you can use"
    assert translate("ru", "Show the commands you can use") != "Show the commands you can use"
    assert translate("en", "Show the commands you can use") == "Show the commands you can use"
