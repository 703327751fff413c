"""Feedback latency inside the process (dispatcher → feature → SQLite) on a busy community: 2,000 items,
200 members upvoting. Measures typed feedback + category press, an upvote press, /ideas, /idea, a status
change that tells 200 upvoters through the outbox, and /fbthemes over every open item.

    .venv/bin/python bench/feedback.py [--items 2000] [--members 200]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import build_services  # noqa: E402
from bot.core.clock import FakeClock  # noqa: E402
from bot.core.commands import Caller, Place  # noqa: E402
from bot.core.identity import Platform, PlatformId  # noqa: E402
from bot.core.permissions import PlatformFacts  # noqa: E402
from bot.core.targets import Target  # noqa: E402
from cogs.feedback.models import Category  # noqa: E402
from config.settings import Settings  # noqa: E402
from storage.tables import feedback_items  # noqa: E402

WORDS = [
    *("dark", "mode", "search", "slow", "calendar", "export", "login", "crash", "notification", "event"),
    *("reminder", "mobile", "app", "theme", "profile", "language", "timezone", "upload", "photo", "poll"),
    *("digest", "channel", "invite", "link", "button", "page", "loading"),
]


class NullMessenger:
    async def send(self, target: object, message: object, locale: str) -> str:
        return "1"

    async def edit(self, target: object, message_id: str, message: object, locale: str) -> None:
        return None


async def timed(samples: list[float], work: Callable[[], Awaitable[object]]) -> None:
    started = time.perf_counter()
    await work()
    samples.append((time.perf_counter() - started) * 1000)


def report(name: str, samples: list[float]) -> None:
    times = sorted(samples)
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))]  # noqa: E731
    mean = statistics.mean(times)
    print(f"{name:<36} n={len(times):>4}  p50 {p(0.5):7.1f} ms  p99 {p(0.99):7.1f} ms  mean {mean:7.1f} ms")


async def run(items: int, member_count: int) -> None:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), owners=("telegram:1",), _env_file=None)  # type: ignore[call-arg]
        services = await build_services(settings, FakeClock(datetime(2026, 12, 1, 12, tzinfo=UTC)))
        services.messengers["telegram"] = NullMessenger()  # type: ignore[assignment]
        place = Place(Platform.TELEGRAM, "-100", "Bench", Target.channel("telegram", -100))
        owner = Caller(PlatformId.of("telegram", 1), "Owner", "en", PlatformFacts())
        d = services.dispatcher
        members = [
            Caller(PlatformId.of("telegram", 1000 + i), f"M{i}", "fi", PlatformFacts()) for i in range(member_count)
        ]
        await d.run_text(place, owner, "ideas", "")  # the community exists
        now = services.clock.now()
        author = await services.directory.member_id("telegram", "1000", None, now)
        started = time.perf_counter()
        rows = []
        for n in range(items):  # bulk: the setup is not what is measured
            text = " ".join(rng.choice(WORDS) for _ in range(12))
            category = rng.choice(list(Category)).value
            rows.append(
                {
                    "community_id": 1,
                    "number": n + 1,
                    "author_id": author,
                    "category": category,
                    "title": text[:60],
                    "body": text,
                    "language": "en",
                    "status": "new",
                    "origin": place.channel.to_json(),
                    "created_at": now,
                    "updated_at": now,
                }  # fmt: skip
            )
        async with services.engine.begin() as conn:
            await conn.execute(sa.insert(feedback_items), rows)
        print(f"setup: {items:,} items in {time.perf_counter() - started:.1f} s")

        submit, vote, ideas, idea, status = [], [], [], [], []
        for i, m in enumerate(members):

            async def typed_and_pressed(m: Caller = m, i: int = i) -> None:
                typed = await d.run_text(place, m, "feedback", f"Idea {i} | {' '.join(rng.sample(WORDS, 8))}")
                await d.press(place, m, typed.messages[0].buttons[0][0].action)

            await timed(submit, typed_and_pressed)
            await timed(vote, lambda m=m: d.press(place, m, "fb:up:1"))
            await timed(ideas, lambda m=m: d.run_text(place, m, "ideas", ""))
            await timed(idea, lambda m=m: d.run_text(place, m, "idea", "1"))
        delivered: list[float] = []
        for n, step in enumerate(("review", "planned", "done")):
            started = time.perf_counter()
            await timed(status, lambda n=n, step=step: d.run_text(place, owner, "fbstatus", f"1 | {step} | reply {n}"))
            while services._tasks:  # the notices, delivered in the background
                await asyncio.gather(*list(services._tasks))
            delivered.append((time.perf_counter() - started) * 1000)
        themes: list[float] = []
        for _ in range(3):
            await timed(themes, lambda: d.run_text(place, owner, "fbthemes", ""))
        await services.engine.dispose()
    report("/feedback text + category press", submit)
    report("upvote press (post refreshed)", vote)
    report(f"/ideas ({items:,} open items)", ideas)
    report("/idea 1 (with history)", idea)
    report(f"/fbstatus ({member_count + 1} told via outbox)", status)
    report(f"  … until all {member_count + 1} notices were sent", delivered)
    report(f"/fbthemes ({items + member_count:,} items)", themes)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--members", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(run(args.items, args.members))


if __name__ == "__main__":
    main()
