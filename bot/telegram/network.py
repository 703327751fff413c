"""Telegram's bad minutes: which errors are an outage (502/504, a dropped connection, a timeout) rather
than a refusal, and PTB's HTTP client reporting every request's outcome to the runtime's OutageLog.

The retries themselves are PTB's: its polling loop backs off 1 s → 30 s (×1.5) on network errors and
retries at once after a timeout; sends are retried by the outbox. What PTB would log per failed
request (a traceback per poll) is quieted by the runtime; the OutageLog says it once."""

from __future__ import annotations

import json
from http import HTTPStatus

from telegram._utils.types import ODVInput
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.request import HTTPXRequest, RequestData
from telegram.request._baserequest import BaseRequest

from bot.core.outage import OutageLog


def is_outage(exc: BaseException) -> bool:
    """A network error, a 5xx or a timeout (PTB raises NetworkError for those; BadRequest is its subclass
    for a refused request, which is no outage)."""
    return isinstance(exc, NetworkError) and not isinstance(exc, BadRequest)


def describe(exc: BaseException) -> str:
    if isinstance(exc, TimedOut):
        return "timed out"
    message = getattr(exc, "message", "") or str(exc) or type(exc).__name__
    return message.removeprefix("httpx.")


class TrackedRequest(HTTPXRequest):
    """PTB's httpx client; each request's outcome goes to `outage` (a 5xx or a network error is a failure,
    any other answer — even a 400 or 429 — shows Telegram is reachable). A 5xx still raises PTB's
    NetworkError, with the status as its message."""

    def __init__(self, outage: OutageLog, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.outage = outage

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        ticket = self.outage.begin()
        try:
            code, payload = await super().do_request(
                url,
                method,
                request_data,
                read_timeout,
                write_timeout,
                connect_timeout,
                pool_timeout,
            )
        except NetworkError as exc:
            self.outage.failed(describe(exc), ticket)
            raise
        if code < 500:
            self.outage.ok(ticket)
            return code, payload
        self.outage.failed(_status(code), ticket)
        if not payload.lstrip().startswith(b"{"):
            # The front proxy's HTML error page: PTB would log an ERROR per request for not being JSON.
            payload = json.dumps({"ok": False, "error_code": code, "description": _status(code)}).encode()
        return code, payload


def _status(code: int) -> str:
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"HTTP {code}"
