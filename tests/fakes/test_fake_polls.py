"""The fakes refuse poll requests the platforms refuse (Bot API 10.1 sendPoll/stopPoll; Discord's poll create
request, with answers of at most 55 characters as Discord enforces) and build only updates that can happen."""

from __future__ import annotations

import datetime as dtm
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import Bot
from telegram.error import BadRequest

from tests.fakes.discord import FakeDiscord
from tests.fakes.telegram import FakeTelegram

TOKEN = "123:ABC"
GROUP = -1001234
GUILD, GENERAL = 100, 200


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as fake:
        yield fake


async def test_telegram_refuses_duplicate_options_and_out_of_range_close_times(tg: FakeTelegram) -> None:
    async with Bot(TOKEN, base_url=f"{tg.url}/bot") as bot:
        with pytest.raises(BadRequest, match="(?i)poll_option_duplicate"):
            await bot.send_poll(GROUP, "Lunch?", ["Pizza", "Pizza"])
        with pytest.raises(BadRequest, match="(?i)open_period"):
            await bot.send_poll(GROUP, "Lunch?", ["Pizza", "Sushi"], open_period=2628001)
        soon = dtm.datetime.now(dtm.UTC) + dtm.timedelta(seconds=2)
        with pytest.raises(BadRequest, match="(?i)close_date"):
            await bot.send_poll(GROUP, "Lunch?", ["Pizza", "Sushi"], close_date=soon)
        sent = await bot.send_poll(GROUP, "Lunch?", ["Pizza", "Sushi"], description="Closes tonight")
        assert sent.poll is not None and sent.poll.description == "Closes tonight"
        stopped = await bot.stop_poll(GROUP, sent.message_id)
        assert stopped.is_closed
        with pytest.raises(BadRequest, match="already been closed"):
            await bot.stop_poll(GROUP, sent.message_id)


async def test_telegram_builds_only_poll_updates_that_can_happen(tg: FakeTelegram) -> None:
    async with Bot(TOKEN, base_url=f"{tg.url}/bot") as bot:
        anonymous = await bot.send_poll(GROUP, "Lunch?", ["Pizza", "Sushi"])
        named = await bot.send_poll(GROUP, "Dinner?", ["Soup", "Salad"], is_anonymous=False)
        assert anonymous.poll is not None and named.poll is not None
        with pytest.raises(ValueError, match="anonymous polls deliver no poll_answer"):
            tg.poll_answer_update(anonymous.poll.id, 7, [0])
        with pytest.raises(ValueError, match="single-answer poll takes one option"):
            tg.poll_answer_update(named.poll.id, 7, [0, 1])
        await bot.stop_poll(GROUP, named.message_id)
        with pytest.raises(ValueError, match="closed poll"):
            tg.poll_answer_update(named.poll.id, 7, [0])


async def _post(fake: FakeDiscord, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bot {fake.token}"}
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{fake.api_base}/channels/{GENERAL}/messages", json=body, headers=headers) as r,
    ):
        return r.status, await r.json()


def _poll(answers: list[str], **extra: Any) -> dict[str, Any]:
    return {"question": {"text": "Lunch?"}, "answers": [{"poll_media": {"text": a}} for a in answers], **extra}


@pytest.mark.parametrize(
    ("poll", "path"),
    [
        (_poll(["x" * 56, "B"]), ["answers", "0", "poll_media", "text"]),
        (_poll([f"A{i}" for i in range(11)]), ["answers"]),
        (_poll(["A", "B"], duration=0), ["duration"]),
        (_poll(["A", "B"], duration=769), ["duration"]),
        (_poll(["A", "B"], duration=1.5), ["duration"]),
        ({"question": {"text": ""}, "answers": [{"poll_media": {"text": "A"}}]}, ["question", "text"]),
    ],
    ids=["long-answer", "eleven", "zero-hours", "over-32-days", "half-hour", "empty-question"],
)
@pytest.mark.allow_violations  # deliberately bad requests: the spec check and the fake both refuse them
async def test_discord_refuses_polls_outside_its_limits(poll: dict[str, Any], path: list[str]) -> None:
    async with FakeDiscord() as fake:
        fake.add_guild(GUILD, "G", owner_id=1, channels=[{"id": GENERAL, "name": "general"}])
        status, body = await _post(fake, {"poll": poll})
        assert status == 400 and body["code"] == 50035
        errors = body["errors"]["poll"]
        for part in path:
            errors = errors[part]
        assert errors["_errors"]
        status, _ = await _post(fake, {"poll": _poll(["A", "B"], duration=24.0)})  # what discord.py sends
        assert status == 200
