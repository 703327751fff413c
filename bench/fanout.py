"""Reminder fan-out: 300 DMs through the fake Telegram Bot API enforcing 30 msg/s overall, 1 msg/s
per chat and 20/min per group — the real path (event reminder → outbox → TelegramMessenger → PTB →
Hearth rate limiter → HTTP). Reports total time against the 10 s the limit allows and messages lost.

    .venv/bin/python bench/fanout.py [--members 300]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("PTB_TIMEDELTA", "true")

from pydantic import SecretStr  # noqa: E402

from bot.app import build_services  # noqa: E402
from bot.core.clock import FakeClock  # noqa: E402
from bot.core.commands import Caller, Place  # noqa: E402
from bot.core.identity import Platform, PlatformId  # noqa: E402
from bot.core.permissions import PlatformFacts  # noqa: E402
from bot.core.targets import Target  # noqa: E402
from bot.telegram.application import TelegramRuntime  # noqa: E402
from cogs.events.models import RsvpStatus  # noqa: E402
from config.settings import Settings  # noqa: E402
from tests.fakes.telegram import FakeTelegram  # noqa: E402

TOKEN = "424242:FANOUT-bench-token-for-the-fake-only"
GROUP = -100900
OWNER = 1


async def run(members: int) -> None:
    clock = FakeClock(datetime(2026, 12, 1, 11, 0, tzinfo=UTC))
    async with FakeTelegram(token=TOKEN, enforce_limits=True) as tg:
        tg.set_chat(GROUP, "supergroup", title="Fan-out")
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                data_dir=Path(tmp),
                telegram_token=SecretStr(TOKEN),
                telegram_api_base=tg.url,
                owners=(f"telegram:{OWNER}",),
                _env_file=None,
            )  # type: ignore[call-arg]
            services = await build_services(settings, clock)
            runtime = TelegramRuntime(services.deps, poll_timeout=1)
            services.messengers["telegram"] = runtime.messenger
            await runtime.start()
            place = Place(Platform.TELEGRAM, str(GROUP), "Fan-out", Target.channel("telegram", GROUP))
            owner = Caller(PlatformId.of("telegram", OWNER), "Owner", "en", PlatformFacts())
            answer = await services.dispatcher.run_text(place, owner, "newevent", "Launch party | 2026-12-02 12:00")
            assert not answer.error, answer
            # 300 members going (written directly: pressing 300 buttons would edit the group post 300 times).
            ids = await services.directory.member_ids(
                [("telegram", str(5000 + i), None) for i in range(members)], clock.now()
            )
            async with services.reminders.repo.rsvp_transaction(1) as tx:
                for member_id in ids.values():
                    await tx.set(member_id, RsvpStatus.GOING, clock.now())
            before = len(tg.calls)
            clock.set(datetime(2026, 12, 1, 12, 0, tzinfo=UTC))  # the 24 h reminder is due now
            started = time.perf_counter()
            await services.reminders.tick()
            elapsed = time.perf_counter() - started
            sends = [c for c in tg.calls[before:] if c.method == "sendMessage"]
            delivered = {c.params["chat_id"] for c in sends if c.ok and c.params["chat_id"] != GROUP}
            rejected = sum(1 for c in sends if c.rejected)
            await runtime.stop()
            await services.engine.dispose()
    minimum = members / 30
    print(
        f"{members} reminder DMs (+1 channel post) in {elapsed:.2f} s; the 30 msg/s limit allows {minimum:.1f} s "
        f"→ {elapsed / minimum:.3f}× (target ≤ 1.15×)"
    )
    print(
        f"delivered to {len(delivered)} of {members} members; lost {members - len(delivered)}; "
        f"429 answers from the API: {rejected}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=300)
    asyncio.run(run(parser.parse_args().members))


if __name__ == "__main__":
    main()
