"""DESIGN.md §1: features never import a platform library, storage or config; only adapters import
their own platform library."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def offenders(folder: str, banned: set[str]) -> list[str]:
    return [
        f"{p.relative_to(ROOT)} imports {sorted(imports(p) & banned)}"
        for p in sorted((ROOT / folder).rglob("*.py"))
        if imports(p) & banned
    ]


def test_features_import_no_platform_storage_or_config() -> None:
    banned = {"discord", "telegram", "sqlalchemy", "aiosqlite", "apscheduler", "storage", "config"}
    assert offenders("cogs", banned) == []


def test_core_imports_no_feature_adapter_or_storage() -> None:
    banned = {"discord", "telegram", "sqlalchemy", "storage", "config", "cogs"}
    assert offenders("bot/core", banned) == []


def test_only_the_discord_adapter_imports_discord() -> None:
    outside = [p for p in offenders("bot", {"discord"}) if not p.startswith("bot/discord/")]
    assert outside == []


def test_only_the_telegram_adapter_imports_telegram() -> None:
    outside = [p for p in offenders("bot", {"telegram"}) if not p.startswith("bot/telegram/")]
    assert outside == []
