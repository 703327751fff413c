"""DESIGN.md §2 layers, enforced by module path, plus no import cycles (TYPE_CHECKING imports included).

Lowest first:
  bot.core                      ids, targets, messages, the event hub, the command registry
  config                        settings (may use bot.core's vocabulary)
  cogs                          features; another feature only through its `ports` / `models`
  storage, bot.platform,        implementations of feature ports; the door adapters get; the scheduler
  bot.scheduler
  bot.discord, bot.telegram,    adapters: one platform each, never storage or the composition root
  bot.console
  bot.app, bot.demo, bot.check, composition root and command line: may import anything
  bot.__main__, bot.logs

The same rules are ruff TID251 bans in each layer folder's ruff.toml, so editors flag them as you type.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "cogs", "storage", "config")
ENTRY = (
    "bot.app",
    "bot.demo",
    "bot.demo_features",
    "bot.check",
    "bot.__main__",
    "bot.logs",
    "bot.digest_cli",
    "bot.export_cli",
)
ADAPTERS = ("bot.discord", "bot.telegram", "bot.console")
PLATFORM_LIBS = ("discord", "telegram")
DATABASE_LIBS = ("sqlalchemy", "aiosqlite", "alembic", "asyncpg")
# Shared feature packages every feature may use whole (the dispatcher, the directory, members, the outbox).
SHARED_COGS = ("cogs.dispatch", "cogs.community", "cogs.members", "cogs.outbox")

# layer prefix → banned import prefixes
BANNED: dict[str, tuple[str, ...]] = {
    "bot.core": ("cogs", "storage", "config", "bot.platform", "bot.scheduler", *ADAPTERS, *ENTRY,
                 *PLATFORM_LIBS, *DATABASE_LIBS, "apscheduler"),
    "config": ("cogs", "storage", "bot.platform", "bot.scheduler", *ADAPTERS, *ENTRY),
    "cogs": ("storage", "config", "bot.platform", "bot.scheduler", *ADAPTERS, *ENTRY, *PLATFORM_LIBS,
             *DATABASE_LIBS, "apscheduler"),
    "storage": ("config", "bot.platform", "bot.scheduler", *ADAPTERS, *ENTRY, *PLATFORM_LIBS),
    "bot.platform": ("storage", "bot.scheduler", *ADAPTERS, *ENTRY, *PLATFORM_LIBS, *DATABASE_LIBS),
    "bot.scheduler": ("cogs", "storage", "config", "bot.platform", *ADAPTERS, *ENTRY, *PLATFORM_LIBS),
    "bot.discord": ("storage", "bot.scheduler", "bot.telegram", "bot.console", *ENTRY, "telegram", *DATABASE_LIBS),
    "bot.telegram": ("storage", "bot.scheduler", "bot.discord", "bot.console", *ENTRY, "discord", *DATABASE_LIBS),
    "bot.console": ("storage", "bot.scheduler", "bot.discord", "bot.telegram", *ENTRY, *PLATFORM_LIBS,
                    *DATABASE_LIBS),
}  # fmt: skip


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found[module_name(path)] = path
    return found


def imported(path: Path, modules: dict[str, Path]) -> Iterator[tuple[int, str]]:
    """(line, module) for every import, at any depth (functions, TYPE_CHECKING blocks)."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            for alias in node.names:  # `from pkg import module`
                if f"{node.module}.{alias.name}" in modules:
                    yield node.lineno, f"{node.module}.{alias.name}"


def under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def layer_of(module: str) -> str | None:
    matches = [prefix for prefix in BANNED if under(module, prefix)]
    return max(matches, key=len) if matches else None


def test_every_module_imports_only_from_layers_below_it() -> None:
    modules = project_modules()
    problems: list[str] = []
    for module, path in sorted(modules.items()):
        layer = layer_of(module)
        if layer is None:
            continue
        for line, target in imported(path, modules):
            banned = next((b for b in BANNED[layer] if under(target, b)), None)
            if banned is not None:
                problems.append(f"{path.relative_to(ROOT)}:{line} imports {target} ({layer} may not import {banned})")
    assert not problems, "\n".join(problems)


def test_features_use_each_other_only_through_ports_and_models() -> None:
    modules = project_modules()
    problems: list[str] = []
    for module, path in sorted(modules.items()):
        if not under(module, "cogs") or module.count(".") < 1:
            continue
        own = ".".join(module.split(".")[:2])
        for line, target in imported(path, modules):
            if not under(target, "cogs") or target.count(".") < 1 or under(target, own):
                continue
            feature = ".".join(target.split(".")[:2])
            if feature in SHARED_COGS or target.split(".")[-1] in ("ports", "models"):
                continue
            problems.append(f"{path.relative_to(ROOT)}:{line} imports {target}: use {feature}.ports instead")
    assert not problems, "\n".join(problems)


def test_there_are_no_import_cycles() -> None:
    modules = project_modules()
    graph = {m: {t for _line, t in imported(p, modules) if t in modules and t != m} for m, p in modules.items()}
    # Importing `a.b.c` also runs `a/__init__` and `a/b/__init__`: those edges are not cycles of our making.
    cycles = [c for c in strongly_connected(graph) if len(c) > 1]
    assert not cycles, "import cycles:\n" + "\n".join(" → ".join(sorted(c)) for c in cycles)


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iteratively (the graph has a few hundred nodes)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    item = stack.pop()
                    on_stack.discard(item)
                    component.append(item)
                    if item == node:
                        break
                found.append(component)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    cycles = [c for c in strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) if len(c) > 1]
    assert [sorted(c) for c in cycles] == [["a", "b", "c"]]


def test_the_layer_rules_catch_a_feature_importing_an_adapter(tmp_path: Path) -> None:
    bad = "cogs.polls.service"
    assert layer_of(bad) == "cogs"
    assert any(under("bot.discord.render", b) for b in BANNED["cogs"])
    assert not any(under("bot.core.hub", b) for b in BANNED["cogs"])
