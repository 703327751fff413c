"""Memory of `hearth run` with many members tracked (SPEC §5: ≤ 300 MB RSS with 100,000 members).

    .venv/bin/python bench/memory.py [--members 100000] [--discord-share 0.5]

Starts the real CLI as a subprocess against the loopback fakes of both platforms, configured only by
environment variables, then lets `--members` distinct people arrive through the adapters' real paths:
on Discord a GUILD_MEMBER_ADD and a MESSAGE_CREATE over the gateway, on Telegram a `chat_member` join
and a message through getUpdates. It waits until the database holds every join and every message,
then reads the process's RSS (and again after a further minute of idling, when caches settled)."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("PTB_TIMEDELTA", "true")

from tests.fakes.discord import FakeDiscord  # noqa: E402
from tests.fakes.telegram import FakeTelegram  # noqa: E402

TOKEN = "777001:MEMORY-bench-token-for-the-fake-only"
GROUP, GUILD, CHANNEL = -100556, 4242, 4343
MiB = 2**20


def counts(db: Path) -> tuple[int, int]:
    """(joins recorded, activity rows written), read beside the running bot (WAL allows it)."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
            joins = conn.execute("SELECT count(*) FROM membership_events WHERE kind = 'join'").fetchone()[0]
            rows = conn.execute("SELECT count(*) FROM activity_events").fetchone()[0]
            return int(joins), int(rows)
    except sqlite3.OperationalError:
        return 0, 0


async def feed_discord(dc: FakeDiscord, first: int, n: int) -> None:
    for i in range(n):
        uid = first + i
        await dc.member_join(GUILD, uid, f"dmember{uid}")
        await dc.message_create(GUILD, CHANNEL, uid, "hello, is the meetup on friday?" if i % 10 == 0 else "hello")
        if i % 200 == 0:
            await dc.gateway_roundtrip(timeout=120)  # keep the websocket from buffering everything at once


async def feed_telegram(tg: FakeTelegram, first: int, n: int) -> None:
    for i in range(n):
        uid = first + i
        tg.set_user(uid, first_name=f"Member {uid}", username=f"tmember{uid}")
        tg.push_update(tg.chat_member_update(GROUP, uid, "left", "member"))
        tg.push_update(tg.message_update(GROUP, uid, "hello"))
        if i % 500 == 0:
            while len(tg.pending_updates) > 2000:  # noqa: ASYNC110  (as in a chat: updates arrive while it works)
                await asyncio.sleep(0.05)


async def run(folder: Path, members: int, discord_share: float, settle: float) -> None:
    n_discord = round(members * discord_share)
    n_telegram = members - n_discord
    db = folder / "hearth.db"
    async with FakeTelegram(token=TOKEN) as tg, FakeDiscord() as dc:
        tg.set_chat(GROUP, "supergroup", title="Memory bench")
        tg.set_member(GROUP, tg.bot_user["id"], "administrator")
        dc.add_guild(GUILD, "Memory bench", owner_id=1, channels=[{"id": CHANNEL, "name": "general"}])
        dc.echo_bot_messages = False
        env = {
            "PATH": os.environ["PATH"],
            "PTB_TIMEDELTA": "true",
            "HEARTH_TELEGRAM_TOKEN": TOKEN,
            "HEARTH_TELEGRAM_API_BASE": tg.url,
            "HEARTH_DISCORD_TOKEN": dc.token,
            "HEARTH_DISCORD_API_BASE": dc.api_base,
            "HEARTH_DISCORD_GATEWAY_URL": dc.ws_url,
            "HEARTH_DATA_DIR": str(folder),
            "HEARTH_LOG_LEVEL": "WARNING",
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env, stderr=asyncio.subprocess.PIPE
        )
        assert proc.stderr is not None
        drain = asyncio.create_task(proc.stderr.read())
        try:
            await tg.wait_polling(timeout=120)
            await dc.wait_for("PUT", r"/applications/\d+/commands", timeout=120)
            ps = psutil.Process(proc.pid)
            idle = ps.memory_info().rss / MiB
            started = time.perf_counter()
            await asyncio.gather(feed_discord(dc, 10_000_000, n_discord), feed_telegram(tg, 20_000_000, n_telegram))
            fed = time.perf_counter() - started
            last_report = 0.0
            while True:
                joins, rows = counts(db)
                if joins >= members and rows >= members:
                    break
                if proc.returncode is not None:
                    raise RuntimeError("hearth run exited")
                if time.perf_counter() - last_report >= 30:
                    last_report = time.perf_counter()
                    rss = ps.memory_info().rss / MiB
                    print(f"  {last_report - started:5.0f} s: {joins:,} joins, {rows:,} messages, RSS {rss:.1f} MiB",
                          flush=True)  # fmt: skip
                await asyncio.sleep(1)
            done = time.perf_counter() - started
            loaded = ps.memory_info().rss / MiB
            await asyncio.sleep(settle)
            settled = ps.memory_info().rss / MiB
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), 120)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            log = (await drain).decode()
    print(f"members: {members:,} ({n_discord:,} on Discord, {n_telegram:,} on Telegram), each a join and a message")
    print(f"fed in {fed:.0f} s, all recorded after {done:.0f} s")
    per_member = (loaded - idle) * MiB / members
    print(f"RSS idle {idle:6.1f} MiB   after {members:,} members {loaded:6.1f} MiB   "
          f"{settle:.0f} s later {settled:6.1f} MiB   ({per_member:,.0f} bytes a member)")  # fmt: skip
    print(f"target ≤ 300 MB RSS: {'met' if max(loaded, settled) * MiB <= 300e6 else 'NOT met'}")
    errors = [line for line in log.splitlines() if "ERROR" in line or "Traceback" in line]
    if errors:
        print(f"{len(errors)} error line(s) in the bot's log, first: {errors[0]}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--discord-share", type=float, default=0.5, help="share of members arriving on Discord")
    parser.add_argument("--settle", type=float, default=60, help="seconds to idle before the last reading")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(Path(tmp), args.members, args.discord_share, args.settle))


if __name__ == "__main__":
    main()
