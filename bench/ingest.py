"""Ingestion throughput: message events/s through the real path (an adapter's hub.publish(MessageSeen) →
ActivityIngest → batched flush → raw rows + day/week rollups in SQLite), beside two limits measured in
the same run on the same rows:

- raw: sqlite3 executemany of the rows into a table without an index (the floor of any ingestion);
- fair: what the real path must do, as plain SQL in one transaction: the same rows (ids already
  resolved, timestamps already text) into the real activity_events table with its index, plus the
  member × day rollup upsert.

    .venv/bin/python bench/ingest.py [--events 200000] [--batch 5000] [--rounds 3]

Each round runs all three; the best of each is reported (other load on the machine only slows
things down), with the ratios of the real path to both limits.

With --database-url (a PostgreSQL server, postgresql+asyncpg://user@host:port/db) the same events also go
through the real path into PostgreSQL, in the same run: into a scratch database made on that server and
dropped afterwards (the database named in the URL is only used to connect; the role needs CREATEDB).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
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


async def real_path(events: list[MessageSeen], batch: int, folder: Path, database_url: str = "") -> tuple[float, float]:
    """(wall seconds, CPU seconds of the whole process: this thread plus the database driver's)."""
    settings = Settings(data_dir=folder, database_url=database_url, _env_file=None)  # type: ignore[call-arg]
    services = await build_services(settings)
    # Steady state: a running bot has seen its members before (new members are timed separately).
    warm = {(e.platform, e.scope_id, e.user_id): e for e in events}
    first_seen = time.perf_counter()
    publish = services.hub.publish  # what the adapters call for every message
    for e in warm.values():
        publish(e)
    await services.ingest.flush()
    print(f"first sight of {len(warm):,} members: {time.perf_counter() - first_seen:.2f} s (one-time)")
    # Events arrive from the adapters between other work on the loop; a full buffer schedules a
    # flush exactly as in `hearth run`, so preparing one batch overlaps writing the previous one.
    services.ingest.max_rows = batch
    started, cpu = time.perf_counter(), time.process_time()
    for i, event in enumerate(events, 1):
        publish(event)
        if i % 500 == 0:
            await asyncio.sleep(0)
    await services.flush_activity()
    while services._tasks:
        await asyncio.gather(*list(services._tasks))
    await services.ingest.repo.refresh_weekly()  # type: ignore[attr-defined]  # week rollups included
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert services.ingest.flushed_total >= len(events), "events were lost"
    await services.engine.dispose()
    return elapsed, cpu


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


FAIR_SCHEMA = """
CREATE TABLE activity_events (id INTEGER PRIMARY KEY, community_id INTEGER NOT NULL, member_id INTEGER NOT NULL,
  platform VARCHAR(16) NOT NULL, channel_id VARCHAR(32) NOT NULL, kind VARCHAR(12) NOT NULL, at DATETIME NOT NULL,
  reply_to_member_id INTEGER, mentioned TEXT, mention_count SMALLINT NOT NULL DEFAULT 0,
  is_question BOOLEAN NOT NULL DEFAULT 0, length_bucket SMALLINT NOT NULL DEFAULT 0);
CREATE INDEX ix_activity_events_community_id_at ON activity_events (community_id, at);
CREATE TABLE activity_daily (community_id INTEGER NOT NULL, member_id INTEGER NOT NULL, day DATE NOT NULL,
  platform VARCHAR(16) NOT NULL, messages INTEGER NOT NULL DEFAULT 0, replies INTEGER NOT NULL DEFAULT 0,
  questions INTEGER NOT NULL DEFAULT 0, mentions INTEGER NOT NULL DEFAULT 0, reactions INTEGER NOT NULL DEFAULT 0,
  replies_received INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (community_id, member_id, day, platform));
"""
COUNTERS = "messages, replies, questions, mentions, reactions, replies_received"
ADD = ", ".join(f"{c} = {c} + excluded.{c}" for c in COUNTERS.split(", "))
FAIR_ROLLUP = f"""
INSERT INTO activity_daily (community_id, member_id, day, platform, {COUNTERS})
SELECT community_id, member_id, substr(at, 1, 10), platform, count(*),
  sum(reply_to_member_id IS NOT NULL AND reply_to_member_id != member_id), sum(is_question), sum(mention_count), 0, 0
FROM activity_events WHERE id > 0 GROUP BY community_id, member_id, substr(at, 1, 10), platform
ON CONFLICT (community_id, member_id, day, platform) DO UPDATE SET {ADD};
INSERT INTO activity_daily (community_id, member_id, day, platform, {COUNTERS})
SELECT community_id, reply_to_member_id, substr(at, 1, 10), platform, 0, 0, 0, 0, 0, count(*)
FROM activity_events WHERE id > 0 AND reply_to_member_id IS NOT NULL AND reply_to_member_id != member_id
GROUP BY community_id, reply_to_member_id, substr(at, 1, 10), platform
ON CONFLICT (community_id, member_id, day, platform) DO UPDATE SET {ADD};
"""


def fair_limit(events: list[MessageSeen], folder: Path) -> tuple[float, float]:
    """The real path's work as plain SQL, ids resolved and rows built beforehand (not timed)."""
    path = folder / "fair.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.executescript(FAIR_SCHEMA)

    def member(platform: str, uid: str) -> int:
        return int(uid) * 2 + (platform == "telegram")

    rows = [
        (
            1 if e.platform == "discord" else 2,
            member(e.platform, e.user_id),
            e.platform,
            e.channel_id,
            "message",
            e.at.strftime("%Y-%m-%d %H:%M:%S.%f"),
            member(e.platform, e.reply_to_user_id) if e.reply_to_user_id else None,
            None,
            0,
            int(e.is_question),
            e.length_bucket,
        )
        for e in events
    ]
    started, cpu = time.perf_counter(), time.process_time()
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO activity_events (community_id, member_id, platform, channel_id, kind, at, reply_to_member_id,"
        " mentioned, mention_count, is_question, length_bucket) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    for statement in FAIR_ROLLUP.split(";"):
        if statement.strip():
            conn.execute(statement)
    conn.execute("COMMIT")
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    conn.close()
    path.unlink()
    return elapsed, cpu


async def postgres_path(events: list[MessageSeen], batch: int, folder: Path, server_url: str) -> tuple[float, float]:
    from tests.databases import scratch_database

    async with scratch_database(server_url, "hearth_bench") as url:
        return await real_path(events, batch, folder, url)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--members", type=int, default=5_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--uniform", action="store_true", help="every member equally active (worst case)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default="", help="also measure PostgreSQL on this server (see above)")
    args = parser.parse_args()
    events = make_events(args.events, args.members, uniform=args.uniform)
    # A running bot never holds 200,000 events at once (adapters make them as messages arrive, a flush
    # drops them): keep the pre-made ones out of the garbage collector's walks, as they would be.
    gc.freeze()
    times: dict[str, list[float]] = {"real": [], "raw": [], "fair": []}
    cpus: dict[str, list[float]] = {"real": [], "fair": []}
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp:
            for name, run in (("real", lambda: asyncio.run(real_path(events, args.batch, Path(tmp)))),
                              ("fair", lambda: fair_limit(events, Path(tmp)))):  # fmt: skip
                wall, cpu = run()
                times[name].append(wall)
                cpus[name].append(cpu)
            times["raw"].append(raw_sqlite(events, Path(tmp)))
    n = args.events
    real, raw, fair = (n / min(times[k]) for k in ("real", "raw", "fair"))
    real_cpu, fair_cpu = (min(cpus[k]) / n * 1e6 for k in ("real", "fair"))
    print(f"events: {n:,}  members: {args.members:,}  flush batch: {args.batch:,}  best of {args.rounds} rounds")
    print(f"real ingestion path    : {real:>9,.0f} events/s  (hub.publish → raw rows + index + day/week rollups)")
    print(f"fair limit (plain SQL) : {fair:>9,.0f} rows/s    (rows + index + day upsert, one transaction)")
    print(f"raw sqlite3 executemany: {raw:>9,.0f} rows/s    (rows only, no index)")
    print(f"real / fair = {real / fair:.0%}   real / raw = {real / raw:.0%}")
    print(f"CPU per event (less sensitive to other load): real {real_cpu:.1f} µs (both threads), fair {fair_cpu:.1f} µs"
          f" → fair / real = {fair_cpu / real_cpu:.0%}")  # fmt: skip
    if args.database_url:
        wall, _cpu = asyncio.run(
            postgres_path(events, args.batch, Path(tempfile.mkdtemp()), check_database_url(args.database_url))
        )
        print(f"same real path on PostgreSQL: {n / wall:>9,.0f} events/s")
    print(f"target ≥ 50,000 events/s: {'met' if real >= 50_000 else 'NOT met'};  ≥ 50 % of fair: "
          f"{'met' if real >= fair / 2 else 'NOT met'}")  # fmt: skip


if __name__ == "__main__":
    main()
