"""APScheduler behind a small port. It holds triggers only: the database rows are the truth and
jobs are rebuilt from them at start-up with stable ids (`<feature>:<row id>`)."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from typing import Any, Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]


class JobScheduler(Protocol):
    def at(self, job_id: str, when: datetime, job: Job, grace_seconds: int) -> None: ...

    def every(self, job_id: str, seconds: float, job: Job) -> None: ...

    def cancel(self, job_id: str) -> None: ...


class ApsScheduler:
    def __init__(self) -> None:
        # coalesce: a job that missed several runs runs once; grace is set per job (default 1 s drops jobs).
        self._aps = AsyncIOScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1})

    def start(self) -> None:
        self._aps.start()

    def shutdown(self) -> None:
        if self._aps.running:
            self._aps.shutdown(wait=False)

    async def stop(self) -> None:
        """Shut down and wait for jobs already running (or just handed to the event loop): none may
        touch the database after it is closed."""
        if not self._aps.running:
            return
        self._aps.pause()  # no new runs; then let the running ones finish (shutdown would cancel them)
        executor = self._aps._executors.get("default")
        pending = list(getattr(executor, "_pending_futures", ()))  # AsyncIOExecutor keeps its job tasks here
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        self.shutdown()

    def at(self, job_id: str, when: datetime, job: Job, grace_seconds: int) -> None:
        if when.tzinfo is None:
            raise ValueError("naive datetime")
        # A one-shot job often re-arms its own id while still running (the next reminder); APScheduler
        # counts instances per id and would silently skip the new run at max_instances=1.
        self._aps.add_job(
            _awaited(job),
            DateTrigger(run_date=when),
            id=job_id,
            replace_existing=True,
            misfire_grace_time=grace_seconds,
            max_instances=2,
        )

    def every(self, job_id: str, seconds: float, job: Job) -> None:
        self._aps.add_job(
            _awaited(job), IntervalTrigger(seconds=seconds), id=job_id, replace_existing=True, misfire_grace_time=None
        )

    def cancel(self, job_id: str) -> None:
        if self._aps.get_job(job_id) is not None:
            self._aps.remove_job(job_id)

    def job_ids(self) -> list[str]:
        return [j.id for j in self._aps.get_jobs()]

    def wakeup(self) -> None:
        self._aps.wakeup()


def _awaited(job: Job) -> Callable[[], Coroutine[Any, Any, object]]:
    """APScheduler awaits only coroutine *functions*; a lambda or bound partial that returns a coroutine would
    be called and its coroutine dropped unawaited (the work silently never done). Every job runs through this."""
    if inspect.iscoroutinefunction(job):
        return job  # type: ignore[return-value]

    async def run() -> object:
        result = job()
        return await result if inspect.isawaitable(result) else result

    run.__qualname__ = getattr(job, "__qualname__", "job")
    return run
