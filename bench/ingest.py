"""Ingestion throughput: message events/s through the real path (ActivityIngest → batched flush →
raw rows + day/week rollups in SQLite), beside raw sqlite3 executemany of the same rows.

    .venv/bin/python bench/ingest.py [--events 200000] [--batch 5000] [--database-url URL]

With --database-url (a PostgreSQL server, postgresql+asyncpg://user@host:port/db) the same events also go
through the real path into PostgreSQL, in the same run: into a scratch database made on that server and
dropped afterwards (the database named in the URL is only used to connect; the role needs CREATEDB).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import build_services  # noqa: E402
from cogs.analytics.models import MessageSeen  # noqa: E402
from config.settings import Settings, check_database_url  # noqa: E402


def make_events(n: int, members: int, seed: int = 1, uniform: bool = False) -> list[MessageSeen]:
    """Chat as it happens: in time order, and heavy-tailed (a few members write most messages,
    Zipf-like), unless `uniform` asks for the worst case of every member equally active."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    weights = [1.0 / (rank + 1) ** 0.9 for rank in range(members)]
    picks = rng.choices(range(members), weights=None if uniform else weights, k=n)
    out = []
    for i in range(n):
        platform, scope = ("discord", "1") if i % 3 else ("telegram", "-100")
        uid = str(picks[i])
        out.append(
            MessageSeen(
                platform,
                scope,
                "Bench",
                str(rng.randrange(8)),
                uid,
                f"user{uid}",
                start + timedelta(seconds=i * 13),
                reply_to_user_id=str(rng.randrange(members)) if rng.random() < 0.3 else None,
                is_question=rng.random() < 0.1,
                length_bucket=rng.randrange(5),
            )
        )
    return out


async def real_path(events: list[MessageSeen], batch: int, folder: Path, database_url: str = "") -> float:
    settings = Settings(data_dir=folder, database_url=database_url, _env_file=None)  # type: ignore[call-arg]
    services = await build_services(settings)
    # Steady state: a running bot has seen its members before (new members are timed separately).
    warm = {(e.platform, e.scope_id, e.user_id): e for e in events}
    first_seen = time.perf_counter()
    for e in warm.values():
        services.ingest.message(e)
    await services.ingest.flush()
    print(f"first sight of {len(warm):,} members: {time.perf_counter() - first_seen:.2f} s (one-time)")
    # Events arrive from the adapters between other work on the loop; a full buffer schedules a
    # flush exactly as in `hearth run`, so preparing one batch overlaps writing the previous one.
    services.ingest.max_rows = batch
    started = time.perf_counter()
    for i, event in enumerate(events, 1):
        services.ingest.message(event)
        if i % 500 == 0:
            await asyncio.sleep(0)
    await services.flush_activity()
    while services._tasks:
        await asyncio.gather(*list(services._tasks))
    await services.ingest.repo.refresh_weekly()  # type: ignore[attr-defined]  # week rollups included
    elapsed = time.perf_counter() - started
    assert services.ingest.flushed_total >= len(events), "events were lost"
    await services.engine.dispose()
    return elapsed


def raw_sqlite(events: list[MessageSeen], folder: Path) -> float:
    conn = sqlite3.connect(folder / "raw.db")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE ev (id INTEGER PRIMARY KEY, community_id INT, member_id INT, platform TEXT, channel_id TEXT,"
        " kind TEXT, at TEXT, reply_to_member_id INT, mentioned TEXT, is_question INT, length_bucket INT)"
    )
    rows = [
        (
            1,
            int(e.user_id),
            e.platform,
            e.channel_id,
            "message",
            e.at.isoformat(),
            None,
            None,
            int(e.is_question),
            e.length_bucket,
        )
        for e in events
    ]
    started = time.perf_counter()
    with conn:
        conn.executemany(
            "INSERT INTO ev (community_id, member_id, platform, channel_id, kind, at, reply_to_member_id, mentioned,"
            " is_question, length_bucket) VALUES (?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


async def postgres_path(events: list[MessageSeen], batch: int, folder: Path, server_url: str) -> float:
    from tests.databases import scratch_database

    async with scratch_database(server_url, "hearth_bench") as url:
        return await real_path(events, batch, folder, url)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--members", type=int, default=5_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--uniform", action="store_true", help="every member equally active (worst case)")
    parser.add_argument("--database-url", default="", help="also measure PostgreSQL on this server (see above)")
    args = parser.parse_args()
    events = make_events(args.events, args.members, uniform=args.uniform)
    with tempfile.TemporaryDirectory() as tmp:
        real = asyncio.run(real_path(events, args.batch, Path(tmp)))
        raw = raw_sqlite(events, Path(tmp))
        pg = (
            asyncio.run(postgres_path(events, args.batch, Path(tmp), check_database_url(args.database_url)))
            if args.database_url
            else None
        )
    print(f"events: {args.events:,}  members: {args.members:,}  flush batch: {args.batch:,}")
    print(f"real ingestion path : {args.events / real:>10,.0f} events/s  ({real:.2f} s, raw rows + day/week rollups)")
    if pg is not None:
        print(f"  same on PostgreSQL: {args.events / pg:>10,.0f} events/s  ({pg:.2f} s, raw rows + day/week rollups)")
    print(f"raw sqlite3 executemany: {args.events / raw:>7,.0f} rows/s    ({raw:.2f} s, raw rows only)")
    print(f"target ≥ 50,000 events/s (SQLite): {'met' if args.events / real >= 50_000 else 'NOT met'}")


if __name__ == "__main__":
    main()
