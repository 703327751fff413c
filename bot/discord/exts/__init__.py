"""Per-feature Discord glue beyond declared commands (native polls, timeouts, role grants, context menus):
`<feature>.py` with `setup(host, tree)`. Every module here is found and set up when the client starts;
there is no list to edit. A module's `setup` may add app commands to `tree`, listen to gateway events
with `host.listen("raw_poll_vote_add", handler)`, and provide capabilities with
`host.deps.capabilities.provide("discord", SomePort, impl)`."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def modules() -> list[ModuleType]:
    return [importlib.import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(__path__) if not m.ispkg]
