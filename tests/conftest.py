"""Shared fixtures. Guard: no test may reach the network — only 127.0.0.1 (the fakes) is allowed."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import Services, build_services
from bot.core.clock import FakeClock
from bot.core.commands import Caller, Place
from bot.core.identity import Platform, PlatformId
from bot.core.permissions import PlatformFacts
from bot.core.targets import Target
from config.settings import Settings

_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: object) -> object:
    host = address[0] if isinstance(address, tuple) else address
    if self.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1", "::1", "localhost"):
        raise RuntimeError(f"test tried to reach the network: {address!r}")
    return _real_connect(self, address)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Settings read HEARTH_* and .env: tests start from a clean slate in an empty directory.
    import os

    for key in list(os.environ):
        if key.startswith("HEARTH_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", owners=("telegram:1",), _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
async def services(settings: Settings, clock: FakeClock) -> AsyncIterator[Services]:
    built = await build_services(settings, clock)
    yield built
    await built.engine.dispose()


def caller(
    platform: str = "telegram",
    uid: str = "100",
    name: str = "Alice",
    locale: str | None = "en",
    moderator: bool = False,
    manager: bool = False,
) -> Caller:
    return Caller(PlatformId.of(platform, uid), name, locale, PlatformFacts(moderator or manager, manager))


def group(platform: str = "telegram", scope: str = "-1001", title: str = "Group") -> Place:
    return Place(Platform(platform), scope, title, Target.channel(platform, scope))


def private(platform: str = "telegram", uid: str = "100") -> Place:
    return Place(Platform(platform), None, "", Target.direct(platform, uid), is_private=True)
