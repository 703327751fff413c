"""Discord's bad minutes: REST answering 5xx or not at all, and the gateway dropping. Each is one
OutageLog (one WARNING line when it starts, one INFO line when it is over), not a traceback per request.

The retrying is discord.py's and is kept: REST 500/502/504/524 are retried up to 5 times (1 s, 3 s,
5 s, …); the gateway resumes after a drop or an op 7 and identifies anew after an invalid session,
with exponential backoff while it cannot connect. Sends that still fail are the outbox's to retry.
What this module adds: which errors are an outage, a trace of every REST request's outcome, and
silence for discord.py's traceback per reconnect attempt."""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace

import aiohttp
import discord

from bot.core.outage import OutageLog


def is_outage(exc: BaseException) -> bool:
    """A 5xx, a network error or a timeout (TimeoutError is an OSError), not a 4xx refusal or a bad token."""
    return isinstance(exc, discord.DiscordServerError | discord.GatewayNotFound | aiohttp.ClientError | OSError)


def describe(exc: BaseException) -> str:
    if isinstance(exc, discord.HTTPException):
        return f"{exc.status} {exc.response.reason}"
    if isinstance(exc, TimeoutError):
        return "timed out"
    return str(exc) or type(exc).__name__


def rest_trace(outage: OutageLog) -> aiohttp.TraceConfig:
    """Every REST request's outcome to `outage` (the gateway's websocket shares the session: skipped)."""
    trace = aiohttp.TraceConfig()

    async def started(_s: aiohttp.ClientSession, ctx: SimpleNamespace, params: aiohttp.TraceRequestStartParams) -> None:
        rest = str(params.url).startswith(discord.http.Route.BASE)
        ctx.ticket = outage.begin() if rest else None

    async def answered(_s: aiohttp.ClientSession, ctx: SimpleNamespace, params: aiohttp.TraceRequestEndParams) -> None:
        if getattr(ctx, "ticket", None) is None:
            return
        status = params.response.status
        if status >= 500:
            outage.failed(f"{status} {params.response.reason}", ctx.ticket)
        else:
            outage.ok(ctx.ticket)

    async def failed(
        _s: aiohttp.ClientSession, ctx: SimpleNamespace, params: aiohttp.TraceRequestExceptionParams
    ) -> None:
        if getattr(ctx, "ticket", None) is not None and not isinstance(params.exception, asyncio.CancelledError):
            outage.failed(describe(params.exception), ctx.ticket)

    trace.on_request_start.append(started)
    trace.on_request_end.append(answered)
    trace.on_request_exception.append(failed)
    return trace


class QuietReconnects(logging.Filter):
    """discord.py logs a full traceback for each failed gateway reconnect attempt; the gateway's OutageLog
    (fed by `on_disconnect`) says it once instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name == "discord.client" and str(record.msg).startswith("Attempting a reconnect"))


QUIET_RECONNECTS = QuietReconnects()


def quiet_reconnects() -> None:
    logger = logging.getLogger("discord.client")
    if QUIET_RECONNECTS not in logger.filters:
        logger.addFilter(QUIET_RECONNECTS)


def close_reason(client: discord.Client) -> str:
    """Why the gateway connection ended, as far as the socket says."""
    code = getattr(getattr(client.ws, "socket", None), "close_code", None)
    return f"connection closed with code {code}" if code else "connection lost"
