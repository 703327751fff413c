"""Crash safety: `kill -9` in the middle of a reminder fan-out. After a restart every member gets
the reminder, nobody gets it twice except sends in flight at the kill, and the database is intact."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import sys
from collections import Counter
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.app import build_services
from bot.core.commands import Caller, Place
from bot.core.identity import Platform, PlatformId
from bot.core.permissions import PlatformFacts
from bot.core.targets import Target
from cogs.events.models import RsvpStatus
from config.settings import Settings
from tests.fakes.telegram import FakeTelegram

TOKEN = "515151:CRASH-test-token-for-the-fake-only"
GROUP = -100515
MEMBERS = 90


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


async def prepare(data: Path, tg: FakeTelegram) -> None:
    """An event whose 24 h reminder came due a minute ago, with MEMBERS members going."""
    settings = Settings(
        data_dir=data, telegram_token=SecretStr(TOKEN), telegram_api_base=tg.url, owners=("telegram:1",), _env_file=None
    )  # type: ignore[call-arg]
    services = await build_services(settings)
    place = Place(Platform.TELEGRAM, str(GROUP), "Crash", Target.channel("telegram", GROUP))
    owner = Caller(PlatformId.of("telegram", 1), "Owner", "en", PlatformFacts())
    starts = (datetime.now(UTC) + timedelta(days=1, minutes=-1)).strftime("%Y-%m-%d %H:%M")
    answer = await services.dispatcher.run_text(place, owner, "newevent", f"Crash party | {starts}")
    assert not answer.error
    ids = await services.directory.member_ids(
        [("telegram", str(7000 + i), None) for i in range(MEMBERS)], datetime.now(UTC)
    )
    async with services.reminders.repo.rsvp_transaction(1) as tx:
        for member_id in ids.values():
            await tx.set(member_id, RsvpStatus.GOING, datetime.now(UTC))
    event = await services.reminders.repo.get(1)
    assert event is not None  # its 24 h reminder was due a minute or two ago: due now, within the grace
    await services.reminders.repo.set_reminders(1, [(timedelta(days=1), event.starts_at - timedelta(days=1))])
    await services.engine.dispose()


def start(tg: FakeTelegram, data: Path) -> asyncio.Future[asyncio.subprocess.Process]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PTB_TIMEDELTA": "true",
        "HEARTH_TELEGRAM_TOKEN": TOKEN,
        "HEARTH_TELEGRAM_API_BASE": tg.url,
        "HEARTH_DATA_DIR": str(data),
    }
    return asyncio.ensure_future(
        asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
    )


def dm_counts(tg: FakeTelegram) -> Counter[int]:
    return Counter(
        int(c.params["chat_id"])
        for c in tg.calls_to("sendMessage")
        if c.ok and int(c.params["chat_id"]) > 0 and "Crash party" in str(c.params["text"])
    )


def unsent_dm_chats(data: Path) -> set[int]:
    """Members whose reminder DM the outbox has not marked sent: the only ones it may send again.
    Read-only, so closing does not checkpoint the WAL: the restarted process recovers it itself."""
    with closing(sqlite3.connect(f"file:{data / 'hearth.db'}?mode=ro", uri=True)) as db:
        targets = [json.loads(t) for (t,) in db.execute("SELECT target FROM outbox WHERE status != 'sent'")]
    return {int(t["chat_id"]) for t in targets if t["dm"]}


async def test_kill_9_during_fan_out_loses_nothing_and_repeats_only_in_flight_sends(tmp_path: Path) -> None:
    data = tmp_path / "data"
    async with FakeTelegram(token=TOKEN, enforce_limits=True) as tg:
        tg.set_chat(GROUP, "supergroup", title="Crash")
        await prepare(data, tg)
        proc = await start(tg, data)
        try:
            await tg.wait_for(
                "sendMessage", predicate=lambda c: c.ok and int(c.params["chat_id"]) > 0, count=30, timeout=120
            )
            proc.send_signal(signal.SIGKILL)
            await proc.wait()
        finally:
            if proc.returncode is None:
                proc.kill()
        before_restart = dm_counts(tg)
        assert 30 <= sum(before_restart.values()) < MEMBERS  # killed mid-way
        unsent = unsent_dm_chats(data)
        in_flight = unsent & set(before_restart)  # Telegram accepted them; the kill came before they were marked
        already = {id(c) for c in tg.calls}
        proc = await start(tg, data)
        try:
            # Every DM not marked sent goes out once after the restart; then a clean stop lets the
            # fan-out finish, so nothing more can arrive once the process has exited.
            await tg.wait_for(
                "sendMessage",
                timeout=120,
                count=len(unsent),
                predicate=lambda c: id(c) not in already and c.ok and int(c.params["chat_id"]) in unsent,
            )
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), 30)
        finally:
            if proc.returncode is None:
                proc.kill()
    counts = dm_counts(tg)
    assert len(counts) == MEMBERS  # nobody was left out
    repeated = {member for member, n in counts.items() if n > 1}
    assert all(counts[m] == 2 for m in repeated)
    print(f"killed after {sum(before_restart.values())} DMs; in flight: {len(in_flight)}; repeated: {len(repeated)}")
    # Only sends in flight at the kill repeat: accepted, but not yet marked sent in the outbox. Read
    # from the database rather than bounded by a count: how far marking trails the sends depends on
    # the machine's load (1 to 28 of 30 on a busy 2-core machine). That each row is marked as soon as
    # its own send is accepted is tested without timing in tests/cogs/test_outbox.py.
    assert in_flight <= repeated <= unsent, f"repeated {repeated}; in flight at the kill {in_flight}"
    # Paced under every limit before and after the crash, however late sends arrive under load; and
    # the restarted process, which cannot see the killed one's sends, does not re-send an in-flight
    # DM within a second of its first copy. (A 429 would be retried, but costs a pause for everyone.)
    assert tg.rejected == 0, [str(c) for c in tg.calls if c.rejected]
    with sqlite3.connect(data / "hearth.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        statuses = dict(db.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall())
    assert statuses == {"sent": MEMBERS + 1}
