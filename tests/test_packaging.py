"""The Docker image and the lock files, checked without a Docker daemon.

The image is laid out here as its COPY lines would lay it out (honouring .dockerignore), then:
the wheel built from that tree must hold every module and data file of the source packages, and
the copied tree must run `hearth migrate` and load every translation catalog (bot/core/i18n.py reads
locales/ beside the packages, not from the wheel)."""

from __future__ import annotations

import ast
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEV_TOOLS = {"pytest", "pytest-asyncio", "mypy", "ruff", "pre-commit", "hypothesis", "time-machine", "psutil"}
_SKIP_DIRS = {"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text()
    text = re.sub(r"\\\n", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))
    out = []
    for line in text.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def _ignored(rel: str, patterns: list[str]) -> bool:
    parts = rel.split("/")
    for pattern in patterns:
        pattern = pattern.removeprefix("/").rstrip("/")
        for i in range(1, len(parts) + 1):  # a pattern matching a folder excludes everything under it
            prefix = "/".join(parts[:i])
            if fnmatch.fnmatch(prefix, pattern) or (
                pattern.startswith("**/") and fnmatch.fnmatch(parts[i - 1], pattern[3:])
            ):
                return True
    return False


def _lay_out_image(dest: Path) -> Path:
    """Copy what the Dockerfile's COPY lines copy into `dest` as WORKDIR; return the WORKDIR."""
    ignore_file = ROOT / ".dockerignore"
    patterns = [p.strip() for p in ignore_file.read_text().splitlines() if p.strip() and not p.startswith("#")]
    workdir = dest
    for word, args in _instructions():
        if word == "WORKDIR":
            workdir = dest / args.lstrip("/")
            workdir.mkdir(parents=True, exist_ok=True)
        elif word == "COPY":
            assert not args.startswith("--from"), "multi-stage COPY is not modelled by this test"
            *sources, target = args.split()
            into = workdir / target
            for source in sources:
                src = ROOT / source
                assert src.exists(), f"Dockerfile copies {source}, which does not exist"
                files = [src] if src.is_file() else [p for p in src.rglob("*") if p.is_file()]
                for file in files:
                    rel = file.relative_to(ROOT).as_posix()
                    if _ignored(rel, patterns) or _SKIP_DIRS & set(file.parts):
                        continue
                    if src.is_file():
                        out = into / src.name if target.endswith("/") or len(sources) > 1 else into
                    else:
                        out = into / file.relative_to(src)
                    out.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(file, out)
    return workdir


def _package_roots() -> list[Path]:
    include = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    return [p for p in ROOT.iterdir() if p.is_dir() and any(fnmatch.fnmatch(p.name, pat) for pat in include)]


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _lay_out_image(tmp_path_factory.mktemp("image"))


@pytest.fixture(scope="module")
def image_wheel(image: Path, tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Files of the wheel setuptools builds from the image's tree (what `pip install` there installs)."""
    build = tmp_path_factory.mktemp("build")
    shutil.copytree(image, build / "src")
    out = build / "dist"
    done = subprocess.run(
        [sys.executable, "-c", f"from setuptools import build_meta as b; b.build_wheel({str(out)!r})"],
        cwd=build / "src",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"the wheel does not build from the image's files:\n{done.stderr[-3000:]}"
    (wheel,) = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        return {n for n in zf.namelist() if ".dist-info/" not in n}


def test_the_wheel_built_in_the_image_holds_every_module_and_data_file_of_the_packages(
    image_wheel: set[str],
) -> None:
    source = {
        p.relative_to(ROOT).as_posix()
        for root in _package_roots()
        for p in root.rglob("*")
        if p.is_file() and not (_SKIP_DIRS & set(p.parts)) and p.suffix in (".py", ".mako", ".ini", ".po", ".mo")
    }
    assert source, "no package found: pyproject's packages.find.include changed?"
    missing = sorted(source - image_wheel)
    assert not missing, f"the image's hearth lacks (add a COPY line, or package it): {missing[:20]}"
    assert any(n.startswith("storage/migrations/versions/") for n in image_wheel)  # migrations are data alembic needs


def test_the_image_has_every_file_pyproject_names_for_the_build(image: Path) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    named = [project["readme"], *project.get("license-files", [])]
    assert not [n for n in named if not list(image.glob(n))], "a file pyproject.toml names is not copied"


def test_the_copied_tree_migrates_and_loads_every_catalog_from_another_directory(image: Path, tmp_path: Path) -> None:
    probe = (
        "import pathlib, sys, bot, bot.core.i18n as i\n"
        "assert pathlib.Path(bot.__file__).is_relative_to(sys.argv[1]), bot.__file__\n"
        "print({loc: len(i._catalog(loc).messages) for loc in i.LOCALES if loc != 'en'})\n"
    )
    env = {**os.environ, "PYTHONPATH": str(image), "HEARTH_DATA_DIR": str(tmp_path / "data")}
    env.pop("PYTHONSAFEPATH", None)
    ran = subprocess.run(
        [sys.executable, "-c", probe, str(image)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    counts = ast.literal_eval(ran.stdout)
    from bot.core import i18n

    assert counts == {loc: len(i18n._catalog(loc).messages) for loc in i18n.LOCALES if loc != "en"}
    assert all(counts.values()), f"a catalog is empty in the image: {counts}"
    migrated = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    assert (tmp_path / "data" / "hearth.db").exists()


def _pins(lock: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / lock).read_text().splitlines():
        if line and not line.startswith((" ", "#", "-")):
            name, _, version = line.partition("==")
            pins[re.sub(r"[-_.]+", "-", name.strip()).lower()] = version.strip()
    return pins


def _names(specs: list[str]) -> set[str]:
    return {re.sub(r"[-_.]+", "-", re.split(r"[<>=!~\[; ]", s, maxsplit=1)[0]).lower() for s in specs}


def test_the_image_installs_the_runtime_lock_which_pins_every_dependency_and_no_dev_tool() -> None:
    installs = [args for word, args in _instructions() if word == "RUN" and "pip install" in args]
    assert any("-r requirements.lock" in a for a in installs)
    assert not any("requirements-dev" in a or "[dev]" in a for a in installs)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = _pins("requirements.lock")
    assert _names(project["dependencies"]) <= runtime.keys()
    assert not DEV_TOOLS & runtime.keys(), f"dev tools in the runtime lock: {DEV_TOOLS & runtime.keys()}"


def test_the_dev_lock_adds_the_dev_tools_with_the_same_pins_as_the_runtime_lock() -> None:
    runtime, dev = _pins("requirements.lock"), _pins("requirements-dev.lock")
    differ = {n: (v, dev.get(n)) for n, v in runtime.items() if dev.get(n) != v}
    assert not differ, f"pins differ between the locks (run sh scripts/lock.sh): {differ}"
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["dev"]
    assert _names(extras) <= dev.keys()
