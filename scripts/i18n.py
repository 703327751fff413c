"""Refresh translation catalogs: extract t_()/tn_() texts into locales/hearth.pot and merge them into
each locale's .po (new texts arrive empty; a test fails until they are translated).

    .venv/bin/python scripts/i18n.py
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.frontend import CommandLineInterface

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ("en", "fi", "de", "ru")


def main() -> None:
    pot = ROOT / "locales" / "hearth.pot"
    cli = CommandLineInterface()
    cli.run(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "t_",
            "-k",
            "tn_:1,2",
            "--no-location",
            "--sort-output",
            "--omit-header",
            "-o",
            str(pot),
            str(ROOT),
        ]
    )
    for locale in LOCALES:
        po = ROOT / "locales" / locale / "LC_MESSAGES" / "hearth.po"
        verb = "update" if po.exists() else "init"
        args = ["pybabel", "-q", verb, "-D", "hearth", "-i", str(pot), "-d", str(ROOT / "locales"), "-l", locale]
        if verb == "update":
            args += ["--no-fuzzy-matching", "--ignore-obsolete"]
        cli.run(args)


if __name__ == "__main__":
    main()
