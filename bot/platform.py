"""What a platform adapter is given and what it gives back: the narrow door between the composition root
(bot/app.py) and the adapters (bot/discord, bot/telegram, bot/console).

An adapter receives `PlatformDeps` — the dispatcher for commands and buttons, the event hub for what
happens on its platform, a cursor store, the clock and its settings — and nothing else: no services bag,
no storage, no scheduler. It gives back a `PlatformRuntime` whose messenger features send through, and
the `Connector` starts runtimes so that an unreachable platform is retried, never fatal."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

from bot.core.capabilities import Capabilities
from bot.core.clock import Clock
from bot.core.commands import Registry
from bot.core.hub import EventHub
from bot.core.outage import span
from bot.core.outbound import Messenger, PlatformUnavailable
from cogs.dispatch.dispatcher import Dispatcher
from config.settings import Settings

log = logging.getLogger(__name__)


class CursorStore(Protocol):
    """Named integers kept across restarts (the last Telegram update_id, the slash-command digest)."""

    async def get(self, name: str) -> int | None: ...

    async def set(self, name: str, value: int) -> None: ...


@dataclass(frozen=True)
class PlatformDeps:
    settings: Settings
    clock: Clock
    registry: Registry
    dispatcher: Dispatcher
    hub: EventHub
    cursors: CursorStore
    capabilities: Capabilities  # adapters' glue provides what features need beyond messages
    spawn: Callable[[Coroutine[Any, Any, Any]], asyncio.Task[Any]]  # fire-and-forget, kept and logged


class PlatformRuntime(Protocol):
    name: str

    @property
    def messenger(self) -> Messenger: ...

    async def start(self) -> None:
        """Connect. Raises PlatformUnavailable when the platform cannot be reached (the Connector tries
        again later, so start must be callable again after it) and RuntimeError when it refuses the
        configuration (a bad token)."""
        ...

    async def stop(self) -> None: ...

    async def tick(self) -> None:
        """Periodic housekeeping the composition root schedules (an adapter schedules nothing itself)."""
        ...


class Connector:
    """Starts platform runtimes so that `hearth run` never exits because a platform was unreachable.

    A runtime whose start raises PlatformUnavailable (network error, 5xx, timeout) is started again in
    the background with backoff (1 s, ×1.5, at most 30 s: PTB's polling backoff) while the rest runs;
    that is logged once, and once more when it connects. A RuntimeError (a refused token: configuration,
    not an outage) ends the run, also when only a later attempt reveals it (`wait`)."""

    def __init__(
        self,
        clock: Clock,
        on_connected: Callable[[PlatformRuntime], None],
        *,
        first: float = 1.0,
        factor: float = 1.5,
        cap: float = 30.0,
        sleep: Callable[[float], Coroutine[Any, Any, None]] = asyncio.sleep,
    ) -> None:
        self.clock = clock
        self.on_connected = on_connected
        self.first, self.factor, self.cap = first, factor, cap
        self.sleep = sleep
        self.retrying: dict[str, asyncio.Task[None]] = {}
        self._fatal: asyncio.Future[RuntimeError] = asyncio.get_running_loop().create_future()

    async def start(self, runtime: PlatformRuntime) -> bool:
        """Start `runtime`; False when it is unreachable (then retried in the background)."""
        try:
            await runtime.start()
        except PlatformUnavailable as exc:
            name = runtime.name.capitalize()
            log.warning(
                "%s unreachable at start-up (%s); retrying every %.0f–%.0f s while the rest runs",
                name, exc, self.first, self.cap,
            )  # fmt: skip
            self.retrying[runtime.name] = asyncio.create_task(self._retry(runtime), name=f"connect-{runtime.name}")
            return False
        return True

    async def _retry(self, runtime: PlatformRuntime) -> None:
        since, attempts, delay = self.clock.now(), 1, self.first
        while True:
            await self.sleep(delay)
            attempts += 1
            try:
                await runtime.start()
            except PlatformUnavailable as exc:
                log.debug("%s still unreachable (%s); next attempt in %.1f s", runtime.name, exc, delay)
                delay = min(delay * self.factor, self.cap)
                continue
            except RuntimeError as exc:
                if not self._fatal.done():
                    self._fatal.set_result(exc)
                return
            except Exception as exc:  # a bug: keep the process, say it once, stop trying this platform
                log.error("%s could not start", runtime.name.capitalize(), exc_info=exc)
                return
            break
        del self.retrying[runtime.name]
        log.info(
            "%s connected after %s (%d attempts)", runtime.name.capitalize(), span(self.clock.now() - since), attempts
        )
        self.on_connected(runtime)

    async def wait(self, stop: asyncio.Event) -> None:
        """Until `stop` is set; raises the RuntimeError of a platform that refused a late start."""
        stopping = asyncio.ensure_future(stop.wait())
        either: set[asyncio.Future[Any]] = {stopping, self._fatal}
        try:
            await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if self._fatal.done() and not stop.is_set():
            raise self._fatal.result()

    async def cancel(self) -> None:
        """Stop retrying (shutdown)."""
        tasks = list(self.retrying.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.retrying.clear()
