"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests of the real PTB Application.

    async with FakeTelegram(token="123:ABC") as tg:
        bot = telegram.Bot("123:ABC", base_url=f"{tg.url}/bot", base_file_url=f"{tg.url}/file/bot")
        tg.push_update(tg.message_update(-100, 42, "/help"))
        (call,) = await tg.wait_for("sendMessage")

It behaves like the platform where our code could get it wrong (DESIGN.md §6-7): string fields
are never JSON-decoded, HTML is validated, ``chat_member`` updates are dropped unless asked for,
429s can be injected or enforced, and every call is recorded for assertions.

Bad minutes on demand: ``tg.outage(502)`` (or 504, "drop", "timeout") makes every request fail that
way until ``tg.end_outage()`` — a parked long poll too. "drop" closes the connection at once; "timeout"
never answers (give the client short timeouts in tests). Updates pushed meanwhile wait, as on Telegram.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import json
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .conformance import Ledger, Violation, shorten
from .telegram_methods import TRUE_METHODS, BotApiMethods
from .telegram_spec import TelegramSpec
from .telegram_updates import UpdateBuilders, member_json
from .telegram_wire import ApiError, FloodLimiter, bad_request, decode_params

__all__ = ["Call", "FakeTelegram"]

# What Telegram's front proxy answers in a bad minute (an HTML page, not the API's JSON).
_PROXY_PAGE = (
    "<html>\r\n<head><title>{0}</title></head>\r\n<body>\r\n<center><h1>{0}</h1></center>\r\n"
    "<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"
)
OUTAGE_MODES = {
    502: "502 Bad Gateway",
    504: "504 Gateway Time-out",
    "drop": "connection dropped",
    "timeout": "no answer",
}

# Not sent unless getUpdates names them in allowed_updates (the Bot API default).
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


@dataclass
class Call:
    """One recorded request. ``params`` are decoded; ``files`` maps multipart part name to bytes."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    filenames: dict[str, str | None] = field(default_factory=dict)
    status: int = 200
    result: Any = None  # the "result" answered when ok
    description: str | None = None  # the error answered when not ok
    violations: list[str] = field(default_factory=list)  # Bot API spec rules the request broke

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def rejected(self) -> bool:
        """Refused with 429 (injected by fail_next or by enforced limits)."""
        return self.status == 429

    def __str__(self) -> str:
        shown = {k: (v[:80] + "…" if isinstance(v, str) and len(v) > 80 else v) for k, v in self.params.items()}
        extra = f" files={list(self.files)}" if self.files else ""
        err = f" {self.description!r}" if self.description else ""
        broke = "".join(f"\n      breaks: {rule}" for rule in self.violations)
        return f"{self.method} -> {self.status}{err} {shown}{extra}{broke}"


@dataclass
class _Pending:
    update: dict[str, Any]
    forced: bool  # pushed with redeliver=True: delivered even if its id is below the offset
    confirm_at: int | None = None  # forced entries: offset that confirms them once delivered


def _update_type(update: dict[str, Any]) -> str:
    return next(k for k in update if k != "update_id")


class FakeTelegram(UpdateBuilders, BotApiMethods):
    def __init__(
        self,
        token: str = "123:ABC",
        *,
        enforce_limits: bool = False,
        global_per_second: int = 30,
        per_chat_per_second: int = 1,
        per_group_per_minute: int = 20,
        clock: Callable[[], float] = time.monotonic,
        long_poll_cap: float = 1.0,
        bot_username: str = "hearth_test_bot",
        bot_first_name: str = "Hearth",
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_user: dict[str, Any] = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.long_poll_cap = long_poll_cap
        self.url = ""  # set by start()
        self.calls: list[Call] = []
        self.conformance = Ledger("telegram")  # requests that broke the Bot API spec (see conformance.py)
        self.dropped: list[dict[str, Any]] = []  # updates discarded because of allowed_updates
        self.allowed_updates: list[str] | None = None  # as last given to getUpdates
        self.messages: dict[tuple[Any, int], dict[str, Any]] = {}  # (chat id, message id) -> Message
        self.deleted: list[tuple[Any, int]] = []  # (chat id, message id) of messages the bot deleted
        self.polls: dict[str, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}  # file_id -> uploaded bytes
        self.webhook_url = ""
        self._limiter = (
            FloodLimiter(clock, global_per_second, per_chat_per_second, per_group_per_minute)
            if enforce_limits
            else None
        )
        self._ids = itertools.count(1)
        self._serial = itertools.count(1)
        self._users: dict[int, dict[str, Any]] = {}
        self._chats: dict[Any, dict[str, Any]] = {}
        self._chat_info: dict[Any, dict[str, Any]] = {}  # extra getChat fields, incl. member_count
        self._members: dict[tuple[Any, int], tuple[str, dict[str, Any]]] = {}
        self._join_requests: set[tuple[Any, int]] = set()
        self._forbidden: dict[Any, str] = {}
        self._failures: dict[str, deque[ApiError]] = {}
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._bot_texts: dict[tuple[str, str], str] = {}
        self._sources: dict[tuple[Any, int], tuple[Any, ...]] = {}
        self._pending: list[_Pending] = []
        self._next_update_id = 1
        self._wakeup = asyncio.Event()  # set when updates arrive or a poll must end
        self._calls_changed = asyncio.Condition()
        self._poll_gen = 0
        self._parked = 0  # getUpdates requests currently waiting for updates
        self._closing = False
        self._outage: int | str | None = None  # see outage()
        self._released = asyncio.Event()  # ends requests held by a "timeout" outage
        self._runner: web.AppRunner | None = None
        self._handlers: dict[str, tuple[str, Callable[..., Any]]] = {
            name[5:].lower(): (name[5:], getattr(self, name)) for name in dir(self) if name.startswith("_api_")
        }
        for name in TRUE_METHODS:
            self._handlers[name.lower()] = (name, lambda p, u: True)

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> FakeTelegram:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def close(self) -> None:
        self._closing = True
        self._released.set()
        self._wakeup.set()  # end pending long polls so shutdown does not wait for them
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --- recording and assertions ---------------------------------------------------------------

    @property
    def violations(self) -> list[Violation]:
        """Bot API spec violations not yet claimed by ``take_violations``."""
        return list(self.conformance.violations)

    def take_violations(self) -> list[Violation]:
        """Claim the spec violations so far: for tests that send bad requests on purpose."""
        return self.conformance.take()

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    @property
    def rejected(self) -> int:
        """How many calls were answered 429."""
        return sum(c.rejected for c in self.calls)

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        count: int = 1,
        timeout: float = 30.0,  # noqa: ASYNC109 - a deadline for the assertion, documented API
    ) -> list[Call]:
        """Wait until ``count`` matching calls are recorded; return all matching calls so far."""

        def matching() -> list[Call]:
            return [c for c in self.calls_to(method) if predicate is None or predicate(c)]

        try:
            async with asyncio.timeout(timeout), self._calls_changed:
                await self._calls_changed.wait_for(lambda: len(matching()) >= count)
        except TimeoutError:
            listing = "\n".join(f"  {c}" for c in self.calls) or "  (none)"
            raise AssertionError(
                f"expected {count} matching {method} call(s) within {timeout}s, got {len(matching())}; "
                f"recorded calls:\n{listing}"
            ) from None
        return matching()

    async def wait_polling(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Wait until a getUpdates long poll is parked waiting for updates (the bot is listening)."""
        try:
            async with asyncio.timeout(timeout), self._calls_changed:
                await self._calls_changed.wait_for(lambda: self._parked > 0)
        except TimeoutError:
            raise AssertionError(f"no getUpdates long poll within {timeout}s") from None

    def fail_next(
        self,
        method: str,
        times: int = 1,
        retry_after: int = 1,
        *,
        error_code: int = 429,
        description: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with an error (default: 429 flood wait)."""
        if error_code == 429:
            err = ApiError(
                429, description or f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            )
        else:
            err = ApiError(error_code, description or f"Error {error_code}")
        self._failures.setdefault(method.lower(), deque()).extend([err] * times)

    def outage(self, mode: int | str = 502) -> None:
        """Every request fails from now on until ``end_outage()``: 502 or 504 (an nginx error page, as
        Telegram's front answers), "drop" (the connection closes without an answer) or "timeout" (no
        answer at all, the client gives up). A long poll parked now fails the same way; nothing a failed
        request asked for happens."""
        if mode not in OUTAGE_MODES:
            raise ValueError(f"outage mode must be one of {list(OUTAGE_MODES)}")
        self._outage = mode
        self._released.clear()
        self._wakeup.set()

    def end_outage(self) -> None:
        self._outage = None
        self._released.set()

    @property
    def outage_calls(self) -> list[Call]:
        """Requests that failed because of an outage."""
        return [c for c in self.calls if (c.description or "").startswith("outage:")]

    def forbid_chat(
        self, chat_id: Any, description: str = "Forbidden: bot can't initiate conversation with a user"
    ) -> None:
        """Make send* to this chat answer 403 (user never started the bot, or blocked it)."""
        self._forbidden[chat_id] = description

    # --- world state ----------------------------------------------------------------------------

    def set_user(
        self,
        user_id: int,
        *,
        first_name: str = "User",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        is_bot: bool = False,
    ) -> None:
        fields = {"last_name": last_name, "username": username, "language_code": language_code}
        self._users[user_id] = {"id": user_id, "is_bot": is_bot, "first_name": first_name} | {
            k: v for k, v in fields.items() if v is not None
        }

    def user(self, user_id: int) -> dict[str, Any]:
        if user_id == self.bot_id:
            return dict(self.bot_user)
        return dict(
            self._users.get(user_id) or {"id": user_id, "is_bot": False, "first_name": "User", "language_code": "en"}
        )

    def set_chat(
        self,
        chat_id: int,
        type: str = "supergroup",  # noqa: A002 - the Bot API's name
        *,
        title: str | None = None,
        username: str | None = None,
        is_forum: bool | None = None,
        **info: Any,
    ) -> None:
        """Define a chat; ``info`` adds getChat fields (``member_count`` feeds getChatMemberCount)."""
        chat: dict[str, Any] = {"id": chat_id, "type": type}
        if type == "private":
            user = self.user(chat_id)
            chat |= {k: user[k] for k in ("first_name", "last_name", "username") if k in user}
        else:
            chat["title"] = title or "Test Group"
        chat |= {k: v for k, v in {"username": username, "is_forum": is_forum}.items() if v is not None}
        self._chats[chat_id] = chat
        self._chat_info[chat_id] = info

    def chat(self, chat_id: Any, chat_type: str | None = None) -> dict[str, Any]:
        """The Chat object for an id or "@username"; unknown ids become a private chat (positive id)
        or a group of ``chat_type`` (default supergroup)."""
        if isinstance(chat_id, str):
            for chat in self._chats.values():
                if chat.get("username") and f"@{chat['username']}".lower() == chat_id.lower():
                    return dict(chat)
            raise bad_request("chat not found")
        if chat_id not in self._chats:
            self.set_chat(chat_id, chat_type or ("private" if chat_id > 0 else "supergroup"))
        return dict(self._chats[chat_id])

    def set_member(self, chat_id: Any, user_id: int, status: str = "member", **rights: Any) -> None:
        """Set what getChatMember answers (default for unknown users: "member"; for the bot itself:
        "administrator" with the usual rights)."""
        member_json({}, status, {})  # validates the status
        self._members[(chat_id, user_id)] = (status, rights)

    def member(self, chat_id: Any, user_id: int) -> dict[str, Any]:
        default: tuple[str, dict[str, Any]] = ("administrator", {}) if user_id == self.bot_id else ("member", {})
        status, rights = self._members.get((chat_id, user_id), default)
        return member_json(self.user(user_id), status, rights)

    def commands(self, scope: dict[str, Any] | None = None, language_code: str = "") -> list[dict[str, Any]]:
        """The commands stored by setMyCommands for a scope (default scope if None) and language."""
        return self._commands.get(self._command_key(scope, language_code), [])

    # --- updates --------------------------------------------------------------------------------

    def push_update(self, update: dict[str, Any], *, redeliver: bool = False) -> dict[str, Any]:
        """Queue an update for getUpdates; assigns an increasing update_id if absent. With
        ``redeliver=True`` it is delivered even if its id was already confirmed (crash redelivery)."""
        update = json.loads(json.dumps(update))  # a snapshot; builders share dicts with the message table
        update.setdefault("update_id", self._next_update_id)
        self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
        self._pending.append(_Pending(update, forced=redeliver))
        self._wakeup.set()
        return update

    def push_raw_update_again(self, update: dict[str, Any]) -> dict[str, Any]:
        """Deliver an already delivered update (same update_id) again."""
        return self.push_update(update, redeliver=True)

    def push_updates(self, updates: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        return [self.push_update(u) for u in updates]

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return [p.update for p in self._pending]

    def _confirm(self, offset: int | None) -> None:
        if offset is None:
            return
        if offset < 0:  # "-N": keep only the last N updates
            self._pending = self._pending[offset:]
            return

        def unconfirmed(p: _Pending) -> bool:
            if p.forced:  # confirmed by the first offset past the batch it was delivered in
                return p.confirm_at is None or offset < p.confirm_at
            return p.update["update_id"] >= offset

        self._pending = [p for p in self._pending if unconfirmed(p)]

    def _take(self, limit: int) -> list[dict[str, Any]]:
        allowed = self.allowed_updates
        keep = []
        for p in self._pending:
            kind = _update_type(p.update)
            if (kind in allowed) if allowed else (kind not in DEFAULT_EXCLUDED_UPDATES):
                keep.append(p)
            else:  # the real server never stores updates of types not asked for
                self.dropped.append(p.update)
        self._pending = keep
        batch = sorted(keep, key=lambda p: p.update["update_id"])[:limit]
        if batch:
            confirm_at = batch[-1].update["update_id"] + 1
            for p in batch:
                if p.forced:
                    p.confirm_at = confirm_at
        return [p.update for p in batch]

    # --- HTTP -----------------------------------------------------------------------------------

    @staticmethod
    def _json(body: dict[str, Any], status: int = 200) -> web.Response:
        # Exactly "application/json", like api.telegram.org (aiohttp's json_response adds a charset).
        return web.Response(status=status, body=json.dumps(body).encode(), headers={"Content-Type": "application/json"})

    async def _handle(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        canonical, handler = self._handlers.get(name.lower(), (name, None))
        call = Call(canonical, dict(request.query))
        try:
            raw, uploads = await self._read(request)
            call.params = dict(raw)
            call.files = {k: data for k, (_, _, data) in uploads.items()}
            call.filenames = {k: filename for k, (filename, _, _) in uploads.items()}
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            problems = TelegramSpec.load().check(name, raw, uploads)
            if problems:
                call.violations = [p.rule for p in problems]
                self.conformance.record(self._describe(name, raw, uploads), call.violations)
                raise problems[0].error()
            if handler is None:
                raise ApiError(404, "Not Found")
            call.params = decode_params(canonical, raw)
            if self._outage is not None:
                return await self._fail(request, call)
            self._gate(canonical, call.params)
            result = handler(call.params, uploads)
            if inspect.isawaitable(result):
                result = await result
            if self._outage is not None and canonical == "getUpdates":  # a parked long poll, cut off
                return await self._fail(request, call)
            # A snapshot: stored messages are mutated by later edits.
            call.result, body, status = json.loads(json.dumps(result)), {"ok": True, "result": result}, 200
        except ApiError as err:
            call.description, body, status = err.description, err.body(), err.code
        except Exception as exc:  # a bug in the fake: record it so wait_for's listing shows it, then 500
            call.status, call.description = 500, f"fake server error: {exc!r}"
            self.calls.append(call)
            raise
        call.status = status
        self.calls.append(call)
        async with self._calls_changed:
            self._calls_changed.notify_all()
        return self._json(body, status)

    async def _fail(self, request: web.Request, call: Call) -> web.Response:
        """Answer ``call`` the way the current outage does; nothing it asked for happens."""
        mode = self._outage
        assert mode is not None
        call.status, call.description = (mode if isinstance(mode, int) else 0), f"outage: {OUTAGE_MODES[mode]}"
        await self._record(call)
        if isinstance(mode, int):
            page = _PROXY_PAGE.format(OUTAGE_MODES[mode])
            return web.Response(status=mode, text=page, content_type="text/html")
        if mode == "timeout":
            await self._released.wait()  # the client has long given up by then
        if request.transport is not None:
            request.transport.close()
        return web.Response(status=502)  # never reaches the client: the connection is closed

    async def _record(self, call: Call) -> None:
        self.calls.append(call)
        async with self._calls_changed:
            self._calls_changed.notify_all()

    @staticmethod
    def _describe(method: str, raw: dict[str, Any], uploads: dict[str, Any]) -> str:
        shown = " ".join(f"{k}={shorten(v, 120)}" for k, v in raw.items())
        files = f" files={sorted(uploads)}" if uploads else ""
        return f"{method} {shown}{files}".rstrip()

    @staticmethod
    async def _read(request: web.Request) -> tuple[dict[str, Any], dict[str, tuple[str | None, str, bytes]]]:
        """Query string plus a JSON, form-encoded or multipart body, as the real API accepts."""
        raw: dict[str, Any] = dict(request.query)
        uploads: dict[str, tuple[str | None, str, bytes]] = {}
        if request.content_type == "application/json":
            body = await request.read()
            try:
                data = json.loads(body) if body.strip() else {}
            except ValueError:
                raise bad_request("can't parse JSON body") from None
            if not isinstance(data, dict):
                raise bad_request("request body must be a JSON object")
            raw.update(data)
        elif request.body_exists:
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    with value.file:  # aiohttp spools uploads to temp files; close to avoid ResourceWarning
                        uploads[key] = (value.filename, value.content_type, value.file.read())
                else:
                    raw[key] = value
        return raw, uploads

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._json(ApiError(401, "Unauthorized").body(), 401)
        data = self.files.get(request.match_info["path"].rsplit("/", 1)[-1])
        if data is None:
            return self._json(ApiError(404, "Not Found").body(), 404)
        return web.Response(body=data, content_type="application/octet-stream")

    def _gate(self, method: str, params: dict[str, Any]) -> None:
        """Injected failures, forbidden chats and (optionally) enforced flood limits."""
        queue = self._failures.get(method.lower())
        if queue:
            raise queue.popleft()
        lower = method.lower()
        if not lower.startswith(("send", "edit")):
            return
        chat_id = params.get("chat_id")
        if lower.startswith("send") and chat_id in self._forbidden:
            raise ApiError(403, self._forbidden[chat_id])
        # Chat actions are not messages; counting them would make typing indicators cause 429s.
        if self._limiter is None or lower == "sendchataction":
            return
        chat = self._chats.get(chat_id)
        is_group = chat["type"] in ("group", "supergroup") if chat else isinstance(chat_id, int) and chat_id < 0
        retry = self._limiter.check(chat_id, is_group)
        if retry is not None:
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})

    # --- update queue methods (the rest are in telegram_methods.py) -------------------------------

    def _api_getMe(self, p: dict, u: dict) -> dict[str, Any]:
        return dict(self.bot_user)

    async def _api_getUpdates(self, p: dict, u: dict) -> list[dict[str, Any]]:
        self._poll_gen += 1
        gen = self._poll_gen
        self._wakeup.set()  # a newer getUpdates ends an older long poll, as on the real server
        if "allowed_updates" in p:
            self.allowed_updates = list(p["allowed_updates"])
        self._confirm(p.get("offset"))
        limit = min(max(p.get("limit", 100), 1), 100)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(max(p.get("timeout", 0), 0), self.long_poll_cap)
        while gen == self._poll_gen and not self._closing and self._outage is None:
            if batch := self._take(limit):
                return batch
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            self._wakeup.clear()
            self._parked += 1
            async with self._calls_changed:
                self._calls_changed.notify_all()
            try:
                async with asyncio.timeout(remaining):
                    await self._wakeup.wait()
            except TimeoutError:
                pass
            finally:
                self._parked -= 1
        return []

    def _api_deleteWebhook(self, p: dict, u: dict) -> bool:
        if p.get("drop_pending_updates"):
            self._pending.clear()
        self.webhook_url = ""
        return True

    def _api_setWebhook(self, p: dict, u: dict) -> bool:
        self.webhook_url = p.get("url", "")
        return True

    def _api_getWebhookInfo(self, p: dict, u: dict) -> dict[str, Any]:
        return {"url": self.webhook_url, "has_custom_certificate": False, "pending_update_count": len(self._pending)}
