"""Discord's bad minutes end to end: the real discord.py client inside DiscordRuntime against FakeDiscord
dropping the gateway (resume), invalidating the session (identify anew) and answering REST with 5xx.
Hearth keeps working, logs one line when it starts and one when it is over (no traceback per attempt),
and a send failed by the outage goes out once after it."""

from __future__ import annotations

import discord
import pytest
import yarl

from bot.app import Services
from bot.core.i18n import t_
from bot.core.outbound import OutMessage, PlatformUnavailable
from bot.core.targets import Target
from cogs.outbox.models import OutboxKey, OutboxStatus
from tests.conftest import LogLines
from tests.discord.conftest import ALICE, GENERAL, RuntimeFactory, slash
from tests.fakes.discord import FakeDiscord


@pytest.mark.parametrize("how", ["reconnect requested", "closed 4000", "dropped"])
async def test_a_gateway_drop_is_resumed_and_slash_commands_still_work(
    make_runtime: RuntimeFactory, fake: FakeDiscord, logs: LogLines, how: str
) -> None:
    runtime = make_runtime()
    await runtime.start()
    logs.records.clear()
    if how == "reconnect requested":
        await fake.request_reconnect()  # op 7
    elif how == "closed 4000":
        await fake.close_gateway(4000)
    else:
        await fake.drop_gateway()  # no close frame: a network failure
    await fake.wait_for_gateway("resume")
    assert "/language" in await slash(fake, ALICE, "help")
    (back,) = await logs.wait_for("Discord gateway connected again")
    assert fake.gateway_events == ["identify", how, "resume"]  # resumed: no second identify
    (warning,) = logs.problems
    assert warning.getMessage().startswith("Discord gateway disconnected (") and warning.exc_info is None
    assert warning.getMessage().endswith("); reconnecting with backoff")
    assert back == "Discord gateway connected again after 0 s (1 failed attempt; session resumed)"


async def test_an_invalid_session_is_identified_anew_and_slash_commands_still_work(
    make_runtime: RuntimeFactory, fake: FakeDiscord, logs: LogLines
) -> None:
    runtime = make_runtime(identify_pause=0)  # discord.py waits 5 s before identifying again
    await runtime.start()
    logs.records.clear()
    await fake.invalidate_session()  # op 9, not resumable
    await fake.wait_for_gateway("identify", count=2)
    (back,) = await logs.wait_for("Discord gateway connected again")
    assert "/language" in await slash(fake, ALICE, "help")
    assert runtime.client.get_guild(runtime.client.guilds[0].id) is not None  # the guilds came back with READY
    assert fake.gateway_events == ["identify", "session invalidated", "identify"]
    assert [r.getMessage() for r in logs.problems] == [
        "Discord gateway disconnected (connection closed with code 1000); reconnecting with backoff"
    ]
    assert back == "Discord gateway connected again after 0 s (1 failed attempt; new session)"


async def test_a_send_failed_by_a_rest_outage_stays_pending_and_goes_out_once_after_it(
    make_runtime: RuntimeFactory, fake: FakeDiscord, dc_services: Services, logs: LogLines
) -> None:
    await make_runtime().start()
    logs.records.clear()
    key = OutboxKey("t", "1", "notice")
    message = OutMessage.of(t_("Reminder: **{title}** starts in {left}.", title="Sauna", left="1 h"))
    outbox = dc_services.outbox
    await outbox.enqueue(key, Target.channel("discord", GENERAL), message, "en", dc_services.clock.now())
    fake.rest_outage(503, rf"/channels/{GENERAL}/messages")

    assert await outbox.deliver_due() == 0
    assert (await outbox.repo.get(key)).status is OutboxStatus.PENDING  # type: ignore[attr-defined]
    assert fake.bot_messages(GENERAL) == []
    fake.end_rest_outage()
    assert await outbox.deliver_due() == 1
    await dc_services.hub.drain()  # PlatformReachable's pass finds nothing left to send
    assert await outbox.deliver_due() == 0

    (sent,) = fake.bot_messages(GENERAL)
    assert "Sauna" in sent.content
    assert [c.status for c in fake.calls_to("POST", rf"/channels/{GENERAL}/messages")] == [503, 200]
    assert [r.getMessage() for r in logs.problems] == [
        "Discord REST API unreachable (503 Service Unavailable); retrying with backoff"
    ]
    assert logs.lines("outbox:")[0].startswith("outbox: discord unreachable (503 Service Unavailable); 1 due send")
    assert logs.lines("Discord REST API reachable again") == [
        "Discord REST API reachable again after 0 s (1 failed request)"
    ]


async def test_a_502_on_an_answer_is_retried_by_discord_py_and_the_answer_arrives(
    make_runtime: RuntimeFactory, fake: FakeDiscord, logs: LogLines
) -> None:
    await make_runtime().start()
    logs.records.clear()
    fake.fail_next("POST", r"/interactions/\d+/[^/]+/callback", status=502)  # discord.py waits 1 s, tries again
    assert "/language" in await slash(fake, ALICE, "help")
    (back,) = await logs.wait_for("Discord REST API reachable again after")
    callbacks = fake.calls_to("POST", r"/interactions/\d+/[^/]+/callback")
    assert [c.status for c in callbacks] == [502, 200]
    assert [r.getMessage() for r in logs.problems] == [
        "Discord REST API unreachable (502 Bad Gateway); retrying with backoff"
    ]
    assert back.endswith("(1 failed request)")


async def test_start_while_discord_is_down_raises_platform_unavailable_quietly_and_can_be_tried_again(
    make_runtime: RuntimeFactory, fake: FakeDiscord, logs: LogLines
) -> None:
    runtime = make_runtime()
    logs.records.clear()  # discord.py's one-time warnings about voice support
    fake.rest_outage(503, r"/users/@me")  # the login request
    with pytest.raises(PlatformUnavailable, match="503 Service Unavailable"):
        await runtime.start()
    fake.end_rest_outage()
    # The gateway unreachable: discord.py keeps reconnecting (its traceback per attempt is quieted).
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL("ws://127.0.0.1:9/")
    runtime.ready_timeout = 1.0
    with pytest.raises(PlatformUnavailable, match="the gateway (was not ready|could not be reached)"):
        await runtime.start()
    assert logs.problems == []  # saying so is the Connector's job (once), not a line per attempt
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.ws_url)
    await runtime.start()
    assert "/language" in await slash(fake, ALICE, "help")
    assert fake.gateway_events == ["identify"]
