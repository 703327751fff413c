"""Platform capabilities a feature needs beyond sending messages (restrict a member, grant a role, open a
native poll). The feature declares a Protocol in its `ports.py`; each adapter that can do it provides an
implementation in its glue (`bot/discord/exts/<feature>.py`, `bot/telegram/handlers/<feature>.py`); the
feature asks `capabilities.get(platform, Port)` and degrades clearly when a platform has none."""

from __future__ import annotations

from typing import Any, TypeVar, cast

T = TypeVar("T")


class Capabilities:
    def __init__(self) -> None:
        self._impls: dict[tuple[str, object], Any] = {}

    # A Protocol class as `type[T]` needs mypy's type-abstract check off (pyproject.toml says why).
    def provide(self, platform: str, port: type[T], impl: T) -> None:
        self._impls[(platform, port)] = impl

    def get(self, platform: str, port: type[T]) -> T | None:
        return cast(T | None, self._impls.get((platform, port)))

    def platforms(self, port: type) -> list[str]:
        return [platform for platform, kind in self._impls if kind is port]
