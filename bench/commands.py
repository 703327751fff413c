"""Command handling latency inside the process (dispatcher → feature → SQLite), for typical commands:
/help, /language, /events, an RSVP button and /myevents, by 200 different members.

    .venv/bin/python bench/commands.py [--rounds 5] [--database-url URL]

With --database-url (a PostgreSQL server, postgresql+asyncpg://user@host:port/db) the same commands also run
against PostgreSQL, in the same run: in a scratch database made on that server and dropped afterwards (the
database named in the URL is only used to connect; the role needs CREATEDB).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import build_services  # noqa: E402
from bot.core.clock import FakeClock  # noqa: E402
from bot.core.commands import Caller, Place  # noqa: E402
from bot.core.identity import Platform, PlatformId  # noqa: E402
from bot.core.permissions import PlatformFacts  # noqa: E402
from bot.core.targets import Target  # noqa: E402
from config.settings import Settings, check_database_url  # noqa: E402


class NullMessenger:
    async def send(self, target: object, message: object, locale: str) -> str:
        return "1"

    async def edit(self, target: object, message_id: str, message: object, locale: str) -> None:
        return None


async def run(rounds: int, database_url: str = "") -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(  # type: ignore[call-arg]
            data_dir=Path(tmp), database_url=database_url, owners=("telegram:1",), _env_file=None
        )
        services = await build_services(settings, FakeClock(datetime(2026, 12, 1, 12, tzinfo=UTC)))
        services.messengers["telegram"] = NullMessenger()  # type: ignore[assignment]
        place = Place(Platform.TELEGRAM, "-100", "Bench", Target.channel("telegram", -100))
        owner = Caller(PlatformId.of("telegram", 1), "Owner", "en", PlatformFacts())
        d = services.dispatcher
        for i in range(5):
            await d.run_text(place, owner, "newevent", f"Event {i} | 2026-12-0{i + 2} 18:00 | | | 50")
        d.timings_ms.clear()
        members = [Caller(PlatformId.of("telegram", 1000 + i), f"M{i}", "fi", PlatformFacts()) for i in range(200)]
        for _ in range(rounds):
            for i, m in enumerate(members):
                await d.run_text(place, m, "help", "")
                await d.run_text(place, m, "language", "")
                await d.run_text(place, m, "events", "")
                await d.press(place, m, f"ev:rsvp:{i % 5 + 1}:going")
                await d.run_text(place, m, "myevents", "")
        times = sorted(d.timings_ms)
        await services.engine.dispose()
    return times


async def on_postgres(rounds: int, server_url: str) -> list[float]:
    from tests.databases import scratch_database

    async with scratch_database(server_url, "hearth_bench") as url:
        return await run(rounds, url)


def report(engine: str, times: list[float]) -> None:
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))]  # noqa: E731
    print(
        f"{engine:<10} {len(times):,} commands: p50 {p(0.5):.1f} ms, p90 {p(0.9):.1f} ms, p99 {p(0.99):.1f} ms, "
        f"mean {statistics.mean(times):.1f} ms (target p99 ≤ 20 ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default="", help="also measure PostgreSQL on this server (see above)")
    args = parser.parse_args()
    report("SQLite", asyncio.run(run(args.rounds)))
    if args.database_url:
        report("PostgreSQL", asyncio.run(on_postgres(args.rounds, check_database_url(args.database_url))))


if __name__ == "__main__":
    main()
