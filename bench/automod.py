"""Automod on hostile input: a 50 kB message built to hurt (one 25 kB word, thousands of @names, dots
everywhere, banned-word prefixes glued together, Cyrillic look-alikes, zero-width characters), checked with
every rule on and 500 banned entries (words, phrases, prefixes). Reports the worst and median time.

    .venv/bin/python bench/automod.py [--runs 50]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime

from bot.core.hub import MessageSeen
from cogs.moderation import automod
from cogs.moderation.models import AutomodAction, AutomodConfig, Rule, RuleSetting


def hostile(size: int = 50_000, seed: int = 7) -> str:
    rng = random.Random(seed)
    parts = [
        "a" * 25_000,  # one enormous word
        "@x" * 2_000,  # mentions without end
        "a." * 3_000 + "com",  # a "domain" with thousands of labels
        "perkeleperkele" * 300,  # prefixes glued together
        "\u200b".join("ass" for _ in range(500)),  # zero-width characters between banned words
        "сука" * 200,  # Cyrillic look-alikes
        " ".join(rng.choice(["kill", "you", "yourself", "idiot", "Ass", "x"]) for _ in range(1500)),
    ]
    return "".join(parts)[:size].ljust(size, "!")


def config() -> automod.CompiledConfig:
    rng = random.Random(1)
    letters = "abcdefghijklmnopqrstuvwxyzäöüßабвгдежзийклмнопрстуфхцчшщыэюя"
    words = ["".join(rng.choice(letters) for _ in range(rng.randint(3, 12))) for _ in range(440)]
    words += [w + "*" for w in words[:30]] + [f"{a} {b}" for a, b in zip(words[30:60], words[60:90], strict=True)]
    rules = {r: RuleSetting(True, AutomodAction.DELETE, limit, seconds) for r, (limit, seconds) in {
        Rule.FLOOD: (6, 8), Rule.REPEAT: (3, 60), Rule.MENTIONS: (6, 0), Rule.INVITES: (0, 0), Rule.LINKS: (0, 0),
        Rule.CAPS: (70, 0), Rule.WORDS: (0, 0), Rule.NEW_ACCOUNTS: (7, 0)}.items()}  # fmt: skip
    return automod.CompiledConfig.of(
        AutomodConfig(rules=rules, words=tuple(words[:500]), allow_domains=("example.com",), deny_domains=("x.ru",))
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    text = hostile()
    compiled = config()
    at = datetime(2026, 1, 1, tzinfo=UTC)
    times, cpu = [], []
    for i in range(args.runs):
        event = MessageSeen("discord", "1", "Bench", "2", str(i), "x", at, message_id=str(i), text=text)
        started, started_cpu = time.perf_counter(), time.thread_time()
        automod.check(compiled, automod.Trackers(), 1, event, at)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
    normal = MessageSeen("discord", "1", "Bench", "2", "9", "x", at, text="does anyone know when the meetup starts?")
    trackers = automod.Trackers()
    started, started_cpu = time.perf_counter(), time.thread_time()
    for _ in range(10_000):
        automod.check(compiled, trackers, 1, normal, at)
    typical_us = (time.perf_counter() - started) / 10_000 * 1e6
    typical_cpu = (time.thread_time() - started_cpu) / 10_000 * 1e6
    print(f"50 kB hostile message, every rule on, {len(compiled.config.words)} banned entries, {args.runs} runs:")
    print(f"  wall: median {statistics.median(times):.1f} ms, worst {max(times):.1f} ms")
    print(f"  CPU:  median {statistics.median(cpu):.1f} ms, worst {max(cpu):.1f} ms (unaffected by a busy machine)")
    print(f"a typical short message: {typical_us:.0f} µs wall, {typical_cpu:.0f} µs CPU")


if __name__ == "__main__":
    main()
