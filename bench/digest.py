"""Digest computation at scale: a community of 100,000 members and 10 million messages over 90 days, generated
into the real tables (raw rows written with executemany through the real write path — `SqlActivityRepo.write_batch`,
which also rolls them up per day — then one refresh folds them into the week tables), then the full digest of the
last complete week is computed (every metric and section, rendered for Discord and Telegram) and timed. Chart
rendering is timed separately; peak RSS is reported. Several sizes show how the time grows.

    .venv/bin/python bench/digest.py                       # 10k members / 1M messages, then 100k / 10M
    .venv/bin/python bench/digest.py --sizes 100000:10000000:90 --keep /tmp/hearth-bench
    .venv/bin/python bench/digest.py --sizes 10000:1000000:90,10000:2000000:180   # same weekly activity, 2× history
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from bot.core.hub import ActivityRow
from storage.analytics import SqlActivityRepo
from storage.db import bulk_write, create_engine, migrate
from storage.tables import (
    activity_newcomers,
    communities,
    community_links,
    community_members,
    community_staff,
    member_identities,
    members,
    membership_events,
)

END = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday: the last complete week is the one before it
CHANNELS = 24
STAFF = 25


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def generate(path: Path, n_members: int, n_messages: int, days: int, seed: int = 5) -> dict[str, float]:
    """Fill a fresh database: members (a third there before the window, the rest joining over it, a quarter of
    those leaving again), heavy-tailed activity, replies to recent messages, questions, reactions."""
    rng = np.random.default_rng(seed)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await migrate(engine)
    start = END - timedelta(days=days)
    t0 = time.perf_counter()
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(communities).values(id=1, name="Bench", timezone="UTC", locale="en", created_at=start)
        )
        await conn.execute(
            sa.insert(community_links),
            [
                {"platform": "discord", "scope_id": "1", "community_id": 1, "title": "Bench", "linked_at": start},
                {"platform": "telegram", "scope_id": "-1001", "community_id": 1, "title": "Bench", "linked_at": start},
            ],
        )
    ids = np.arange(1, n_members + 1)
    on_discord = rng.random(n_members) < 0.6
    before = ids <= n_members // 3
    joined_day = np.where(before, -1.0, rng.uniform(0, days, n_members))
    leaves = (~before) & (rng.random(n_members) < 0.25)
    left_day = np.where(leaves, joined_day + rng.exponential(30, n_members), np.inf)
    left_day = np.where(left_day >= days, np.inf, left_day)
    events_by_day: dict[int, list[tuple[int, int, str, str, datetime]]] = {}  # joins and leaves, written in time
    async with engine.begin() as conn:
        member_rows = [(int(i), f"Member {i}", start, f"bench:{i}") for i in ids]
        await bulk_write(conn, members, ("id", "display_name", "created_at", "origin"), member_rows)
        ident_rows = [
            ("discord" if d else "telegram", str(i), int(i), None) for i, d in zip(ids, on_discord, strict=True)
        ]
        await bulk_write(conn, member_identities, ("platform", "user_id", "member_id", "username"), ident_rows)
        cm_rows = []
        for i, jd, ld, d in zip(ids, joined_day, left_day, on_discord, strict=True):
            joined_at = None if jd < 0 else start + timedelta(days=float(jd))
            left_at = None if not np.isfinite(ld) else start + timedelta(days=float(ld))
            cm_rows.append((1, int(i), joined_at or start, joined_at, left_at))
            platform = "discord" if d else "telegram"
            if joined_at is not None:
                events_by_day.setdefault(int(jd), []).append((1, int(i), platform, "join", joined_at))
            if left_at is not None:
                events_by_day.setdefault(int(ld), []).append((1, int(i), platform, "leave", left_at))
        await bulk_write(
            conn, community_members, ("community_id", "member_id", "first_seen_at", "joined_at", "left_at"), cm_rows
        )
        staff = [(1, int(i), 2 if i <= 5 else 1, start, END) for i in ids[:STAFF]]
        await bulk_write(conn, community_staff, ("community_id", "member_id", "role", "first_seen_at", "last_seen_at"),
                         staff)  # fmt: skip
    setup = time.perf_counter() - t0

    # Habits: chance of being active on a day (beta), messages on an active day (lognormal): heavy-tailed.
    p_active = np.minimum(0.9, rng.beta(0.6, 4.0, n_members))
    rate = rng.lognormal(0.2, 0.9, n_members)
    per_day = n_messages / days
    repo = SqlActivityRepo(engine)
    written = 0
    next_qid = 1
    t1 = time.perf_counter()
    for d in range(days):
        day_start = start + timedelta(days=d)
        todays = sorted(events_by_day.get(d, ()), key=lambda e: e[4])
        if todays:  # what SqlActivityRepo.record_membership writes, in bulk
            async with engine.begin() as conn:
                await bulk_write(conn, membership_events, ("community_id", "member_id", "platform", "kind", "at"),
                                 todays)  # fmt: skip
                joins = [(c, m, at) for c, m, _p, kind, at in todays if kind == "join"]
                await bulk_write(conn, activity_newcomers, ("community_id", "member_id", "joined_at"), joins)
                for c, m, _p, kind, at in todays:
                    if kind == "leave":
                        await conn.execute(
                            sa.update(activity_newcomers)
                            .where(activity_newcomers.c.community_id == c, activity_newcomers.c.member_id == m)
                            .values(left_at=at)
                        )
        alive = (joined_day <= d) & (left_day > d)
        weekend = 0.7 if day_start.weekday() >= 5 else 1.0
        active = alive & (rng.random(n_members) < p_active * weekend)
        who = ids[active]
        target = per_day * weekend / (5 + 2 * 0.7) * 7
        scale = max(target - len(who), 0) / max(float(np.sum(rate[active])), 1e-9)
        counts = rng.poisson(rate[active] * scale) + 1
        authors = np.repeat(who, counts)
        n = len(authors)
        if n == 0:
            continue
        rng.shuffle(authors)
        seconds = np.sort(rng.uniform(0, 86400, n))
        channel = rng.integers(0, CHANNELS, n)
        is_reply = rng.random(n) < 0.3
        question = rng.random(n) < 0.1
        back = rng.integers(1, 200, n)
        index = np.arange(n)
        target_idx = np.maximum(index - back, 0)
        # Questions draw replies: many replies go to the latest question (answered, mostly within minutes).
        last_q = np.maximum.accumulate(np.where(question, index, -1))
        last_q = np.concatenate(([-1], last_q[:-1]))
        to_question = (rng.random(n) < 0.5) & (last_q >= 0) & (index - last_q < 400)
        target_idx = np.where(to_question, last_q, target_idx)
        reply_to = np.where(is_reply, authors[target_idx], 0)
        channel = np.where(is_reply, channel[target_idx], channel)
        reply_to = np.where(reply_to == authors, 0, reply_to)
        reacts = rng.random(n) < 0.25
        reactor = authors[rng.integers(0, n, n)]
        platform_of = np.where(on_discord[authors - 1], 0, 1)
        rows: list[ActivityRow] = []
        append = rows.append
        platforms = ("discord", "telegram")
        base = day_start.timestamp()
        for k in range(n):
            at = datetime.fromtimestamp(base + float(seconds[k]), UTC)
            plat = platforms[platform_of[k]]
            ch = f"{plat[0]}{channel[k]}"
            rt = int(reply_to[k]) or None
            q = bool(question[k])
            mid = None
            if q:
                mid = str(next_qid)
                next_qid += 1
            append(ActivityRow(1, int(authors[k]), plat, ch, "message", at, rt, None, 0, q, 2, mid))
            if reacts[k] and reactor[k] != authors[k]:
                append(ActivityRow(1, int(reactor[k]), plat, ch, "reaction", at, int(authors[k]), None, 0, False, 0))
        for i in range(0, len(rows), 50_000):
            await repo.write_batch(rows[i : i + 50_000])
        written += int(n)
    ingest = time.perf_counter() - t1
    t2 = time.perf_counter()
    repo._weeks_dirty_from = start.date()
    await repo.refresh()
    refresh = time.perf_counter() - t2
    await engine.dispose()
    return {"setup_s": setup, "write_s": ingest, "refresh_s": refresh, "messages": written}


async def measure(path: Path, repeat: int = 5) -> dict[str, float]:
    """The full digest of the last complete week (every metric and section, composed and rendered for Discord and
    Telegram, without charts), timed wall and CPU; then the charts alone."""
    from bot.app import build_services
    from bot.core.clock import FakeClock
    from bot.discord.render import payloads
    from bot.telegram.render import html_parts
    from cogs.analytics.metrics.models import Period
    from cogs.digest.render import digest_message
    from config.settings import Settings

    settings = Settings(database_url=f"sqlite+aiosqlite:///{path}", _env_file=None)  # type: ignore[call-arg]
    services = await build_services(settings, FakeClock(END + timedelta(hours=9)))
    now = services.clock.now()
    period = Period.last_complete(now, "UTC")
    await services.ingest.repo.refresh()  # nothing pending: the bench's writes were folded when generated
    walls, cpus = [], []
    message = None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        digest = await services.digest.composer.compose(1, period, now)
        message = digest_message(digest)
        payloads(message, "en")
        html_parts(message, "en")
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    rss_digest = _rss_mb()
    t = time.perf_counter()
    rendered = await services.digest.delivery.render(digest, "en")
    charts = time.perf_counter() - t
    t = time.perf_counter()
    await services.digest.delivery.render(digest, "fi")
    charts_again = time.perf_counter() - t
    m = digest.metrics
    await services.engine.dispose()
    return {
        "digest_wall_s": sorted(walls)[len(walls) // 2],
        "digest_wall_min_s": min(walls),
        "digest_cpu_s": sorted(cpus)[len(cpus) // 2],
        "charts_first_s": charts,
        "charts_s": charts_again,
        "chart_kb": sum(len(a.data) for a in rendered.attachments) / 1024,
        "wau": m.headline.active,
        "messages_week": m.headline.messages,
        "rss_digest_mb": rss_digest,
        "peak_rss_mb": _rss_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000:1000000:90,100000:10000000:90", help="members:messages:days,…")
    parser.add_argument("--keep", type=Path, default=None, help="keep generated databases here (reused next time)")
    parser.add_argument("--measure", type=Path, default=None, help=argparse.SUPPRESS)  # one database, in a child
    args = parser.parse_args()
    if args.measure is not None:
        print(json.dumps(asyncio.run(measure(args.measure))))
        return
    folder = args.keep or Path("/tmp/hearth-bench-digest")
    folder.mkdir(parents=True, exist_ok=True)
    results = []
    for size in args.sizes.split(","):
        n_members, n_messages, days = (int(x) for x in size.split(":"))
        path = folder / f"digest-{n_members}-{n_messages}-{days}.db"
        if not path.exists():
            print(f"generating {n_members:,} members, {n_messages:,} messages over {days} days → {path}")
            stats = asyncio.run(generate(path, n_members, n_messages, days))
            print("  " + "  ".join(f"{k}={v:,.1f}" for k, v in stats.items()))
        # A fresh process per measurement: its peak RSS is the digest's, not the generator's.
        child = subprocess.run([sys.executable, __file__, "--measure", str(path)], capture_output=True, text=True)
        if child.returncode:
            print(child.stderr)
            raise SystemExit(child.returncode)
        result = json.loads(child.stdout.strip().splitlines()[-1])
        results.append((n_members, n_messages, days, result))
        print(
            f"{n_members:>7,} members {n_messages:>11,} messages {days:>3} days: "
            f"digest {result['digest_wall_s']:.3f} s "
            f"(min {result['digest_wall_min_s']:.3f}, CPU {result['digest_cpu_s']:.3f}) · charts "
            f"{result['charts_s']:.2f} s ({result['charts_first_s']:.2f} s with the first import) · "
            f"peak RSS {result['rss_digest_mb']:.0f} MB ({result['peak_rss_mb']:.0f} MB with charts) · "
            f"week: {result['wau']:,} active, "
            f"{result['messages_week']:,} messages"
        )
    target = [r for r in results if r[0] >= 100_000]
    if target:
        ok = all(r[3]["digest_wall_s"] <= 1.0 for r in target)
        print(f"target: full digest ≤ 1 s at 100,000 members: {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
