"""Per-feature Telegram glue beyond declared commands (native polls, join requests, restrictions):
`<feature>.py` with `setup(host) -> list of PTB handlers`. Every module here is found and set up when the
runtime starts; there is no list to edit. Its handlers run in their own group (after commands and
activity), and `setup` may provide capabilities with `host.deps.capabilities.provide("telegram", Port, impl)`."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def modules() -> list[ModuleType]:
    return [importlib.import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(__path__) if not m.ispkg]
