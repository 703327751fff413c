"""Start-up time to ready and RSS of `hearth run` against the loopback fakes.

    .venv/bin/python bench/startup.py [--runs 3] [--members 100000]

Starts the real CLI as a subprocess configured only by environment variables, times from spawn
to the "Hearth ready" log line, then reads its RSS (after ingesting `--members` distinct members,
so the id caches are full)."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("PTB_TIMEDELTA", "true")

from tests.fakes.telegram import FakeTelegram  # noqa: E402

TOKEN = "777000:BENCH-token-for-the-fake-server-only"
GROUP = -100555


async def seed_reminders(folder: Path, count: int) -> None:
    """`count` future events with a pending reminder each, written straight into a migrated database."""
    import json
    from datetime import UTC, datetime, timedelta

    import sqlalchemy as sa

    from storage.db import create_engine, migrate
    from storage.tables import communities, event_reminders, events

    engine = create_engine(f"sqlite+aiosqlite:///{folder / 'hearth.db'}")
    await migrate(engine)
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(communities).values(id=1, name="Bench", timezone="UTC", locale="en", created_at=now)
        )
        channel = json.dumps({"platform": "telegram", "chat_id": str(GROUP), "thread_id": None, "dm": False})
        rows = [
            {
                "id": i + 1,
                "community_id": 1,
                "title": f"Event {i}",
                "starts_at": now + timedelta(days=2, minutes=i),
                "duration_minutes": 60,
                "timezone": "UTC",
                "channel": channel,
                "organizer_id": 1,
                "created_at": now,
                "updated_at": now,
            }
            for i in range(count)
        ]
        await conn.execute(sa.insert(events), rows)
        await conn.execute(
            sa.insert(event_reminders),
            [{"event_id": r["id"], "offset_minutes": 60, "due_at": r["starts_at"] - timedelta(hours=1)} for r in rows],
        )
    await engine.dispose()


async def one_run(folder: Path, members: int, reminders: int) -> tuple[float, float, float]:
    if reminders:
        await seed_reminders(folder, reminders)
    async with FakeTelegram(token=TOKEN) as tg:
        tg.set_chat(GROUP, "supergroup", title="Bench")
        env = {
            "PATH": os.environ["PATH"],
            "PTB_TIMEDELTA": "true",
            "HEARTH_TELEGRAM_TOKEN": TOKEN,
            "HEARTH_TELEGRAM_API_BASE": tg.url,
            "HEARTH_DATA_DIR": str(folder),
        }
        started = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env, stderr=asyncio.subprocess.PIPE
        )
        assert proc.stderr is not None
        ready = None
        while ready is None:
            line = (await asyncio.wait_for(proc.stderr.readline(), 60)).decode()
            if not line:
                raise RuntimeError("hearth run exited before ready")
            if "Hearth ready" in line:
                ready = time.perf_counter() - started
        drain = asyncio.create_task(proc.stderr.read())
        rss_idle = psutil.Process(proc.pid).memory_info().rss / 2**20
        for i in range(members):
            tg.push_update(tg.message_update(GROUP, 10_000 + i, "hello"))
        tg.push_update(tg.message_update(GROUP, 1, "/help"))
        await tg.wait_for("sendMessage", timeout=600)
        rss_loaded = psutil.Process(proc.pid).memory_info().rss / 2**20
        proc.send_signal(signal.SIGTERM)
        await proc.wait()
        await drain
        return ready, rss_idle, rss_loaded


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--members", type=int, default=2_000)
    parser.add_argument("--reminders", type=int, default=10_000, help="pending reminders to rehydrate at start-up")
    args = parser.parse_args()
    results = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            results.append(asyncio.run(one_run(Path(tmp), args.members, args.reminders)))
    for ready, idle, loaded in results:
        print(
            f"ready in {ready * 1000:6.0f} ms   RSS idle {idle:5.1f} MiB"
            f"   after {args.members:,} members {loaded:5.1f} MiB"
        )
    best = min(r[0] for r in results)
    print(
        f"best time to ready: {best * 1000:.0f} ms with {args.reminders:,} pending reminders "
        "(process spawn, imports, migrations, Telegram start, reminder rehydration)"
    )


if __name__ == "__main__":
    main()
