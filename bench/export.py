"""Managers' exports at scale: 1,000,000 daily-activity rows streamed to CSV (`hearth export`) and zipped
for chat (`/export`), with peak RSS, to show memory stays bounded by the chunk size / upload limit.

    .venv/bin/python bench/export.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sqlite3
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.app import build_services
from bot.export_cli import run_export
from config.settings import Settings

PLATFORMS = ("discord", "telegram")


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def seed(db: Path, rows: int) -> None:
    members = 20_000
    start = date(2026, 1, 1)
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO communities (id, name, timezone, locale, created_at) VALUES (1, 'Bench', 'UTC', 'en', ?)",
            (datetime(2026, 1, 1, tzinfo=UTC).strftime("%Y-%m-%d %H:%M:%S.000000"),),
        )
        conn.executemany(
            "INSERT INTO members (id, display_name, created_at) VALUES (?, ?, '2026-01-01 00:00:00.000000')",
            ((m, f"member {m}") for m in range(1, members + 1)),
        )
        conn.executemany(
            "INSERT INTO activity_daily (community_id, member_id, day, platform, messages, replies, questions, "
            "mentions, reactions, replies_received) VALUES (1, ?, ?, ?, ?, 1, 0, 0, 2, 1)",
            (
                (1 + i % members, (start + timedelta(days=i // members)).isoformat(), PLATFORMS[i % 3 == 0], 1 + i % 7)
                for i in range(rows)
            ),
        )


async def main(rows: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", _env_file=None)  # type: ignore[call-arg]
        services = await build_services(settings)
        await services.engine.dispose()
        seed(Path(tmp) / "data" / "hearth.db", rows)
        base = rss_mib()
        started = time.perf_counter()
        written = await run_export(settings, 1, Path(tmp) / "out", with_names=False)
        elapsed = time.perf_counter() - started
        size = sum(p.stat().st_size for p, _ in written) / 1e6
        print(f"CSV to disk: {sum(n for _, n in written):,} rows, {size:.0f} MB in {elapsed:.1f} s; "
              f"peak RSS {rss_mib():.0f} MiB (before: {base:.0f} MiB)")  # fmt: skip
        services = await build_services(settings)
        started = time.perf_counter()
        parts = await services.exports.to_zips(1, limit=45 * 1024 * 1024)
        elapsed = time.perf_counter() - started
        print(f"zips for Telegram (45 MiB limit): {len(parts)} part(s), {sum(len(p.data) for p in parts) / 1e6:.1f} MB "
              f"in {elapsed:.1f} s; peak RSS {rss_mib():.0f} MiB")  # fmt: skip
        await services.engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    asyncio.run(main(parser.parse_args().rows))
