"""REST API v10 routes of the fake Discord.

Private to ``tests.fakes.discord``: a mixin for ``FakeDiscord`` that parses requests, records every
call, applies injected failures, checks auth, permissions and hierarchy, and answers with Discord's
JSON shapes (content type exactly ``application/json``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import time
import traceback
from collections.abc import Awaitable, Callable, Mapping, Sequence
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from aiohttp import web
from multidict import CIMultiDict

from .conformance import shorten
from .discord_model import (
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    DISCORD_EPOCH_MS,
    P_ADD_REACTIONS,
    P_ATTACH,
    P_BAN,
    P_CREATE_EVENTS,
    P_KICK,
    P_MANAGE_CHANNELS,
    P_MANAGE_EVENTS,
    P_MANAGE_GUILD,
    P_MANAGE_MESSAGES,
    P_MANAGE_NICKNAMES,
    P_MANAGE_ROLES,
    P_MODERATE,
    P_SEND,
    P_SEND_POLLS,
    READ_MESSAGE_HISTORY,
    UNKNOWN_APPLICATION,
    UNKNOWN_BAN,
    UNKNOWN_CHANNEL,
    UNKNOWN_COMMAND,
    UNKNOWN_EVENT,
    UNKNOWN_GUILD,
    UNKNOWN_INTERACTION,
    UNKNOWN_MEMBER,
    UNKNOWN_MESSAGE,
    UNKNOWN_ROLE,
    UNKNOWN_USER,
    UNKNOWN_WEBHOOK,
    VIEW_CHANNEL,
    ApiError,
    FakeGuild,
    form_error,
    iso_now,
    missing_access,
    missing_permissions,
    normalize_command,
    not_found,
    parse_iso,
    permissions_value,
    role_obj,
    validate_command,
    walk_components,
)
from .discord_spec import DiscordSpec

if TYPE_CHECKING:
    from .discord import Call, FakeInteraction, StoredMessage

Handler = Callable[..., Awaitable[Any]]
_NO_AUTH = re.compile(r"/(interactions/\d+/[^/]+/callback|webhooks/\d+/[^/]+(/.*)?|gateway)")

FLAG_SUPPRESS_EMBEDS = 1 << 2
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
FLAG_SUPPRESS_NOTIFICATIONS = 1 << 12
FLAG_COMPONENTS_V2 = 1 << 15


def _snowflake_param(value: str, name: str) -> int:
    if not value.isdigit():
        raise form_error([name], "NUMBER_TYPE_COERCE", f'Value "{value}" is not snowflake.')
    return int(value)


def _truthy(value: str | None) -> bool:
    return value is not None and value.lower() in ("1", "true")


class RestMixin:
    """REST side of FakeDiscord (state lives on FakeDiscord)."""

    _route_table: list[tuple[str, re.Pattern[str], str]] | None = None
    internal_errors: list[str]

    # --- plumbing ---------------------------------------------------------------------------------

    _ROUTES: Sequence[tuple[str, str, str]] = (
        ("GET", "/gateway", "_r_gateway"),
        ("GET", "/gateway/bot", "_r_gateway_bot"),
        ("GET", "/users/@me", "_r_me"),
        ("POST", "/users/@me/channels", "_r_create_dm"),
        ("GET", "/users/{user_id}", "_r_user"),
        ("GET", "/oauth2/applications/@me", "_r_app_info"),
        ("GET", "/applications/@me", "_r_app_info"),
        ("GET", "/applications/{app_id}/commands", "_r_commands_list"),
        ("PUT", "/applications/{app_id}/commands", "_r_commands_bulk"),
        ("POST", "/applications/{app_id}/commands", "_r_commands_upsert"),
        ("GET", "/applications/{app_id}/commands/{command_id}", "_r_command_get"),
        ("PATCH", "/applications/{app_id}/commands/{command_id}", "_r_command_patch"),
        ("DELETE", "/applications/{app_id}/commands/{command_id}", "_r_command_delete"),
        ("GET", "/applications/{app_id}/guilds/{guild_id}/commands", "_r_commands_list"),
        ("PUT", "/applications/{app_id}/guilds/{guild_id}/commands", "_r_commands_bulk"),
        ("POST", "/applications/{app_id}/guilds/{guild_id}/commands", "_r_commands_upsert"),
        ("GET", "/applications/{app_id}/guilds/{guild_id}/commands/permissions", "_r_command_permissions"),
        ("GET", "/applications/{app_id}/guilds/{guild_id}/commands/{command_id}", "_r_command_get"),
        ("PATCH", "/applications/{app_id}/guilds/{guild_id}/commands/{command_id}", "_r_command_patch"),
        ("DELETE", "/applications/{app_id}/guilds/{guild_id}/commands/{command_id}", "_r_command_delete"),
        ("GET", "/channels/{channel_id}", "_r_channel_get"),
        ("PATCH", "/channels/{channel_id}", "_r_channel_patch"),
        ("POST", "/channels/{channel_id}/typing", "_r_typing"),
        ("GET", "/channels/{channel_id}/messages", "_r_messages_list"),
        ("POST", "/channels/{channel_id}/messages", "_r_message_create"),
        ("POST", "/channels/{channel_id}/messages/bulk-delete", "_r_bulk_delete"),
        ("PUT", "/channels/{channel_id}/messages/pins/{message_id}", "_r_pin"),
        ("DELETE", "/channels/{channel_id}/messages/pins/{message_id}", "_r_unpin"),
        ("PUT", "/channels/{channel_id}/pins/{message_id}", "_r_pin"),
        ("DELETE", "/channels/{channel_id}/pins/{message_id}", "_r_unpin"),
        ("GET", "/channels/{channel_id}/messages/{message_id}", "_r_message_get"),
        ("PATCH", "/channels/{channel_id}/messages/{message_id}", "_r_message_edit"),
        ("DELETE", "/channels/{channel_id}/messages/{message_id}", "_r_message_delete"),
        ("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", "_r_reaction_put"),
        ("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", "_r_reaction_delete_own"),
        (
            "DELETE",
            "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}",
            "_r_reaction_delete_user",
        ),
        ("GET", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}", "_r_reaction_users"),
        ("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions", "_r_reactions_clear"),
        ("POST", "/channels/{channel_id}/polls/{message_id}/expire", "_r_poll_expire"),
        ("GET", "/channels/{channel_id}/polls/{message_id}/answers/{answer_id}", "_r_poll_voters"),
        ("POST", "/interactions/{interaction_id}/{token}/callback", "_r_interaction_callback"),
        ("POST", "/webhooks/{app_id}/{token}", "_r_followup"),
        ("GET", "/webhooks/{app_id}/{token}/messages/{message_id}", "_r_webhook_message_get"),
        ("PATCH", "/webhooks/{app_id}/{token}/messages/{message_id}", "_r_webhook_message_edit"),
        ("DELETE", "/webhooks/{app_id}/{token}/messages/{message_id}", "_r_webhook_message_delete"),
        ("GET", "/guilds/{guild_id}", "_r_guild_get"),
        ("PATCH", "/guilds/{guild_id}", "_r_guild_patch"),
        ("GET", "/guilds/{guild_id}/channels", "_r_guild_channels"),
        ("GET", "/guilds/{guild_id}/roles", "_r_guild_roles"),
        ("POST", "/guilds/{guild_id}/roles", "_r_role_create"),
        ("GET", "/guilds/{guild_id}/members", "_r_members_list"),
        ("GET", "/guilds/{guild_id}/members/{user_id}", "_r_member_get"),
        ("PATCH", "/guilds/{guild_id}/members/{user_id}", "_r_member_patch"),
        ("DELETE", "/guilds/{guild_id}/members/{user_id}", "_r_member_kick"),
        ("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", "_r_member_role_add"),
        ("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", "_r_member_role_remove"),
        ("GET", "/guilds/{guild_id}/bans/{user_id}", "_r_ban_get"),
        ("PUT", "/guilds/{guild_id}/bans/{user_id}", "_r_ban_put"),
        ("DELETE", "/guilds/{guild_id}/bans/{user_id}", "_r_ban_delete"),
        ("GET", "/guilds/{guild_id}/scheduled-events", "_r_events_list"),
        ("POST", "/guilds/{guild_id}/scheduled-events", "_r_event_create"),
        ("GET", "/guilds/{guild_id}/scheduled-events/{event_id}", "_r_event_get"),
        ("PATCH", "/guilds/{guild_id}/scheduled-events/{event_id}", "_r_event_patch"),
        ("DELETE", "/guilds/{guild_id}/scheduled-events/{event_id}", "_r_event_delete"),
    )

    def _routes(self) -> list[tuple[str, re.Pattern[str], str]]:
        if RestMixin._route_table is None:
            table = []
            for method, template, name in self._ROUTES:
                regex = re.sub(
                    r"\{(\w+)\}", r"(?P<\1>[^/]+)", re.escape(template).replace(r"\{", "{").replace(r"\}", "}")
                )
                table.append((method, re.compile(regex), name))
            RestMixin._route_table = table
        return RestMixin._route_table

    def _match(self, method: str, path: str) -> tuple[Handler, dict[str, str]]:
        path_matched = False
        for route_method, regex, name in self._routes():
            m = regex.fullmatch(path)
            if m is None:
                continue
            path_matched = True
            if route_method == method:
                return getattr(self, name), m.groupdict()
        if path_matched:
            raise ApiError(405, 0, "405: Method Not Allowed")
        raise ApiError(404, 0, "404: Not Found")

    async def _read_body(self, request: web.Request) -> tuple[Any, list[Any]]:
        from .discord import FakeFile

        if not request.can_read_body:
            return None, []
        if request.content_type.startswith("multipart/"):
            body: Any = None
            files: list[FakeFile] = []
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                if not hasattr(part, "read"):
                    continue
                if part.name == "payload_json":
                    body = json.loads(await part.text())  # type: ignore[union-attr]
                elif part.filename is not None:  # type: ignore[union-attr]
                    content = await part.read(decode=False)  # type: ignore[union-attr]
                    files.append(
                        FakeFile(part.name or "", part.filename, bytes(content), part.headers.get("Content-Type"))
                    )  # type: ignore[union-attr]
            return body, files
        raw = await request.read()
        if not raw:
            return None, []
        try:
            return json.loads(raw), []
        except ValueError:
            raise ApiError(400, 50109, "The request body contains invalid JSON.") from None

    def _json_response(self, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> web.Response:
        base = {"Via": "1.1 google"}
        if headers:
            base.update(headers)
        if status == 204 or payload is None:
            return web.Response(status=204 if payload is None and status < 300 else status, headers=base)
        base["Content-Type"] = "application/json"
        return web.Response(status=status, body=json.dumps(payload).encode(), headers=base)

    async def _handle_rest(self, request: web.Request) -> web.StreamResponse:
        from .discord import Call

        path = request.path
        if path == "/api/v10" or path.startswith("/api/v10/"):
            path = path[len("/api/v10") :] or "/"
        call = Call(request.method, path, None, [], CIMultiDict(request.headers), dict(request.query))
        extra_headers: dict[str, str] = {}
        try:
            call.json, call.files = await self._read_body(request)
            problems = DiscordSpec.load().check(request.method, path, call.query, call.json)
            if problems:
                call.violations = [p.rule for p in problems]
                body = f" {shorten(call.json)}" if call.json is not None else ""
                shown = f"{request.method} {request.path_qs}{body}"
                self.conformance.record(shown, call.violations)  # type: ignore[attr-defined]
                raise problems[0].error
            handler, params = self._match(request.method, path)
            if not _NO_AUTH.fullmatch(path) and request.headers.get("Authorization") != f"Bot {self.token}":  # type: ignore[attr-defined]
                raise ApiError(401, 0, "401: Unauthorized")
            failure = self._take_failure(call)
            if failure is not None:
                status, payload, extra_headers = failure
            else:
                result = await handler(call, **params)
                status, payload = result if isinstance(result, tuple) else (200 if result is not None else 204, result)
        except ApiError as exc:
            status, payload = exc.status, exc.body()
        except Exception:
            # A bug in the fake: answer a quick 400 (a 5xx would make discord.py retry with sleeps).
            trace = traceback.format_exc()
            self.internal_errors.append(trace)
            status, payload = 400, {"message": f"fake discord internal error: {trace.splitlines()[-1]}", "code": 0}
        call.status = status
        call.response = payload
        self.calls.append(call)  # type: ignore[attr-defined]
        self._notify()  # type: ignore[attr-defined]
        return self._json_response(status, payload, extra_headers)

    def _take_failure(self, call: Call) -> tuple[int, Any, dict[str, str]] | None:
        outage = self._outage  # type: ignore[attr-defined]
        if outage is not None and outage.method in (None, call.method) and outage.pattern.fullmatch(call.path):
            return outage.status, {"message": f"{outage.status}: {HTTPStatus(outage.status).phrase}", "code": 0}, {}
        for failure in self._failures:  # type: ignore[attr-defined]
            if failure.remaining <= 0:
                continue
            if failure.method not in (None, call.method) or not failure.pattern.fullmatch(call.path):
                continue
            failure.remaining -= 1
            if failure.status != 429:
                return failure.status, {"message": f"{failure.status}: injected failure", "code": 0}, {}
            bucket = hashlib.sha1(re.sub(r"\d{2,}", "0", f"{call.method} {call.path}").encode()).hexdigest()[:32]
            headers = {
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + failure.retry_after:.3f}",
                "X-RateLimit-Reset-After": f"{failure.retry_after:.3f}",
                "X-RateLimit-Bucket": bucket,
                "X-RateLimit-Scope": "global" if failure.global_ else "user",
                "Retry-After": str(max(1, math.ceil(failure.retry_after))),
            }
            if failure.global_:
                headers["X-RateLimit-Global"] = "true"
            body = {
                "message": "You are being rate limited.",
                "retry_after": failure.retry_after,
                "global": failure.global_,
            }
            return 429, body, headers
        return None

    # --- shared checks ----------------------------------------------------------------------------

    def _guild(self, guild_id: str) -> FakeGuild:
        guild = self.guilds.get(_snowflake_param(guild_id, "guild_id"))  # type: ignore[attr-defined]
        if guild is None:
            raise not_found(UNKNOWN_GUILD, "Guild")
        return guild

    def _channel(self, channel_id: str, *, view: bool = True) -> tuple[dict[str, Any], FakeGuild | None]:
        channel = self.channels.get(_snowflake_param(channel_id, "channel_id"))  # type: ignore[attr-defined]
        if channel is None:
            raise not_found(UNKNOWN_CHANNEL, "Channel")
        guild = self.guilds.get(int(channel["guild_id"])) if channel.get("guild_id") else None  # type: ignore[attr-defined]
        if guild is not None and view and not guild.channel_permissions(channel, self.bot_id) & VIEW_CHANNEL:  # type: ignore[attr-defined]
            raise missing_access()
        return channel, guild

    def _require(self, guild: FakeGuild, channel: Mapping[str, Any] | None, bits: int, *, any_of: bool = False) -> None:
        have = guild.channel_permissions(channel, self.bot_id) if channel else guild.base_permissions(self.bot_id)  # type: ignore[attr-defined]
        ok = bool(have & bits) if any_of else have & bits == bits
        if not ok:
            raise missing_permissions()

    def _message(self, channel_id: str, message_id: str) -> StoredMessage:
        stored = self.messages.get(_snowflake_param(message_id, "message_id"))  # type: ignore[attr-defined]
        if stored is None or stored.deleted or str(stored.channel_id) != channel_id:
            raise not_found(UNKNOWN_MESSAGE, "Message")
        return stored

    def _member(self, guild: FakeGuild, user_id: str) -> int:
        uid = self.bot_id if user_id == "@me" else _snowflake_param(user_id, "user_id")  # type: ignore[attr-defined]
        if uid not in guild.members:
            raise not_found(UNKNOWN_MEMBER, "Member")
        return uid

    def _check_app(self, app_id: str) -> None:
        if app_id != str(self.application_id):  # type: ignore[attr-defined]
            raise not_found(UNKNOWN_APPLICATION, "Application")

    def _validate_message(self, body: Mapping[str, Any], files: Sequence[Any], *, creating: bool) -> None:
        content = body.get("content")
        embeds = body.get("embeds") or ([body["embed"]] if body.get("embed") else [])
        components = body.get("components") or []
        flags = int(body.get("flags") or 0)
        if creating and not (content or embeds or files or body.get("sticker_ids") or components or body.get("poll")):
            raise ApiError(400, 50006, "Cannot send an empty message")
        if content is not None and len(str(content)) > 2000:
            raise form_error(["content"], "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
        if flags & FLAG_COMPONENTS_V2 and (content or embeds):
            raise form_error(
                ["content"],
                "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                "The 'content' and 'embeds' fields cannot be used when using MessageFlags.IS_COMPONENTS_V2",
            )
        if len(embeds) > 10:
            raise form_error(["embeds"], "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
        for i, embed in enumerate(embeds):
            total = 0
            for key, limit in (("title", 256), ("description", 4096)):
                text = embed.get(key) or ""
                total += len(text)
                if len(text) > limit:
                    raise form_error(["embeds", i, key], "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
            fields = embed.get("fields") or []
            if len(fields) > 25:
                raise form_error(["embeds", i, "fields"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
            for j, fld in enumerate(fields):
                for key, limit in (("name", 256), ("value", 1024)):
                    text = str(fld.get(key) or "")
                    total += len(text)
                    if not text or len(text) > limit:
                        raise form_error(
                            ["embeds", i, "fields", j, key],
                            "BASE_TYPE_BAD_LENGTH",
                            f"Must be between 1 and {limit} in length.",
                        )
            total += len((embed.get("footer") or {}).get("text") or "") + len(
                (embed.get("author") or {}).get("name") or ""
            )
            if total > 6000:
                raise form_error(["embeds", i], "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
        if body.get("poll") is not None:
            if not creating:
                raise form_error(["poll"], "MESSAGE_POLL_CANNOT_BE_EDITED", "Polls cannot be edited")
            self._validate_poll(body["poll"])
        if not flags & FLAG_COMPONENTS_V2 and len(components) > 5:
            raise form_error(["components"], "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
        seen: set[str] = set()
        for comp in walk_components(components):
            cid = comp.get("custom_id")
            if cid is None:
                continue
            if not 1 <= len(cid) <= 100:
                raise form_error(
                    ["components"], "BASE_TYPE_BAD_LENGTH", "custom_id must be between 1 and 100 in length."
                )
            if cid in seen:
                raise form_error(
                    ["components"], "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated"
                )
            seen.add(cid)

    @staticmethod
    def _validate_poll(poll: Any) -> None:
        """A poll create request (PollCreateRequest in the OpenAPI spec; answer texts ≤ 55 as Discord enforces)."""
        if not isinstance(poll, dict):
            raise form_error(["poll"], "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        question = (poll.get("question") or {}).get("text")
        if not isinstance(question, str) or not 1 <= len(question) <= 300:
            raise form_error(
                ["poll", "question", "text"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 300 in length."
            )
        answers = poll.get("answers")
        if not isinstance(answers, list) or not 1 <= len(answers) <= 10:
            raise form_error(["poll", "answers"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 10 in length.")
        for i, answer in enumerate(answers):
            text = ((answer or {}).get("poll_media") or {}).get("text")
            if not isinstance(text, str) or not 1 <= len(text) <= 55:
                raise form_error(
                    ["poll", "answers", i, "poll_media", "text"], "BASE_TYPE_BAD_LENGTH",
                    "Must be between 1 and 55 in length.",
                )  # fmt: skip
        duration = poll.get("duration")
        if duration is not None and (
            isinstance(duration, bool)
            or not isinstance(duration, int | float)
            or duration != int(duration)
            or not 1 <= duration <= 768
        ):
            raise form_error(["poll", "duration"], "NUMBER_TYPE_MAX", "Must be a whole number between 1 and 768.")
        multiselect = poll.get("allow_multiselect")
        if multiselect is not None and not isinstance(multiselect, bool):
            raise form_error(["poll", "allow_multiselect"], "BASE_TYPE_BOOLEAN", "Must be either true or false.")
        if poll.get("layout_type") not in (None, 1):
            raise form_error(["poll", "layout_type"], "BASE_TYPE_CHOICES", "Value must be one of (1,).")

    # --- users, app, gateway ----------------------------------------------------------------------

    async def _r_gateway(self, call: Call) -> Any:
        return {"url": self.ws_url}  # type: ignore[attr-defined]

    async def _r_gateway_bot(self, call: Call) -> Any:
        return {
            "url": self.ws_url,  # type: ignore[attr-defined]
            "shards": 1,
            "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1},
        }

    async def _r_me(self, call: Call) -> Any:
        return self.users[self.bot_id]  # type: ignore[attr-defined]

    async def _r_user(self, call: Call, user_id: str) -> Any:
        uid = _snowflake_param(user_id, "user_id")
        if uid not in self.users:  # type: ignore[attr-defined]
            raise not_found(UNKNOWN_USER, "User")
        return self._public_user(uid)  # type: ignore[attr-defined]

    async def _r_create_dm(self, call: Call) -> Any:
        body = call.json or {}
        uid = _snowflake_param(str(body.get("recipient_id", "")), "recipient_id")
        if uid not in self.users:  # type: ignore[attr-defined]
            raise not_found(UNKNOWN_USER, "User")
        return self.channels[self.dm_channel_id(uid)]  # type: ignore[attr-defined]

    async def _r_app_info(self, call: Call) -> Any:
        return {
            "id": str(self.application_id),  # type: ignore[attr-defined]
            "name": self.bot_name,  # type: ignore[attr-defined]
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "hook": True,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "owner": self._public_user(self.app_owner_id),  # type: ignore[attr-defined]
            "team": None,
            "flags": self._application_flags(),  # type: ignore[attr-defined]
            "bot": self._public_user(self.bot_id),  # type: ignore[attr-defined]
            "tags": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "integration_types_config": {"0": {}},
            "install_params": None,
            "approximate_guild_count": len(self.guilds),  # type: ignore[attr-defined]
        }

    # --- application commands ---------------------------------------------------------------------

    def _command_scope(self, app_id: str, guild_id: str | None) -> int | None:
        self._check_app(app_id)
        if guild_id is None:
            return None
        gid = _snowflake_param(guild_id, "guild_id")
        if gid not in self.guilds:  # type: ignore[attr-defined]
            raise missing_access()
        return gid

    async def _r_commands_list(self, call: Call, app_id: str, guild_id: str | None = None) -> Any:
        return self.commands.get(self._command_scope(app_id, guild_id), [])  # type: ignore[attr-defined]

    async def _r_commands_bulk(self, call: Call, app_id: str, guild_id: str | None = None) -> Any:
        scope = self._command_scope(app_id, guild_id)
        body = call.json
        if not isinstance(body, list):
            raise form_error([], "BASE_TYPE_ARRAY", "Must be an array.")
        seen: set[tuple[str, int]] = set()
        for index, raw in enumerate(body):
            validate_command(raw, index)
            key = (raw["name"], raw.get("type", 1))
            if key in seen:
                raise form_error(
                    [index, "name"],
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                    f"Application command names must be unique: {raw['name']}",
                )
            seen.add(key)
        existing = {(c["name"], c["type"]): int(c["id"]) for c in self.commands.get(scope, [])}  # type: ignore[attr-defined]
        version = self._snowflake()  # type: ignore[attr-defined]
        stored = [
            normalize_command(
                raw,
                command_id=existing.get((raw["name"], raw.get("type", 1))) or self._snowflake(),  # type: ignore[attr-defined]
                application_id=self.application_id,  # type: ignore[attr-defined]
                guild_id=scope,
                version=version,
            )
            for raw in body
        ]
        self.commands[scope] = stored  # type: ignore[attr-defined]
        return stored

    async def _r_commands_upsert(self, call: Call, app_id: str, guild_id: str | None = None) -> Any:
        scope = self._command_scope(app_id, guild_id)
        raw = call.json or {}
        validate_command(raw, 0)
        current = self.commands.setdefault(scope, [])  # type: ignore[attr-defined]
        key = (raw["name"], raw.get("type", 1))
        old = next((c for c in current if (c["name"], c["type"]) == key), None)
        cmd = normalize_command(
            raw,
            command_id=int(old["id"]) if old else self._snowflake(),  # type: ignore[attr-defined]
            application_id=self.application_id,  # type: ignore[attr-defined]
            guild_id=scope,
            version=self._snowflake(),  # type: ignore[attr-defined]
        )
        if old:
            current[current.index(old)] = cmd
            return cmd
        current.append(cmd)
        return 201, cmd

    def _find_command(self, scope: int | None, command_id: str) -> dict[str, Any]:
        for cmd in self.commands.get(scope, []):  # type: ignore[attr-defined]
            if cmd["id"] == command_id:
                return cmd
        raise not_found(UNKNOWN_COMMAND, "application command")

    async def _r_command_get(self, call: Call, app_id: str, command_id: str, guild_id: str | None = None) -> Any:
        return self._find_command(self._command_scope(app_id, guild_id), command_id)

    async def _r_command_patch(self, call: Call, app_id: str, command_id: str, guild_id: str | None = None) -> Any:
        scope = self._command_scope(app_id, guild_id)
        old = self._find_command(scope, command_id)
        merged = {**old, **(call.json or {})}
        validate_command(merged, 0)
        cmd = normalize_command(
            merged,
            command_id=int(old["id"]),
            application_id=self.application_id,  # type: ignore[attr-defined]
            guild_id=scope,
            version=self._snowflake(),
        )  # type: ignore[attr-defined]
        current = self.commands[scope]  # type: ignore[attr-defined]
        current[current.index(old)] = cmd
        return cmd

    async def _r_command_delete(self, call: Call, app_id: str, command_id: str, guild_id: str | None = None) -> Any:
        scope = self._command_scope(app_id, guild_id)
        self.commands[scope].remove(self._find_command(scope, command_id))  # type: ignore[attr-defined]
        return None

    async def _r_command_permissions(self, call: Call, app_id: str, guild_id: str) -> Any:
        self._command_scope(app_id, guild_id)
        return []

    # --- channels and messages --------------------------------------------------------------------

    async def _r_channel_get(self, call: Call, channel_id: str) -> Any:
        channel, _ = self._channel(channel_id)
        return channel

    async def _r_channel_patch(self, call: Call, channel_id: str) -> Any:
        channel, guild = self._channel(channel_id)
        if guild is None:
            raise ApiError(403, 50003, "Cannot execute action on a DM channel")
        self._require(guild, channel, P_MANAGE_CHANNELS)
        body = call.json or {}
        if "rate_limit_per_user" in body:
            value = body["rate_limit_per_user"]
            if not isinstance(value, int) or not 0 <= value <= 21600:
                raise form_error(
                    ["rate_limit_per_user"], "NUMBER_TYPE_MAX", "int value should be less than or equal to 21600."
                )
        if "name" in body and not 1 <= len(str(body["name"])) <= 100:
            raise form_error(["name"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        for key in ("name", "topic", "rate_limit_per_user", "nsfw", "position", "parent_id", "permission_overwrites"):
            if key in body:
                channel[key] = body[key]
        await self._echo("CHANNEL_UPDATE", channel)  # type: ignore[attr-defined]
        return channel

    async def _r_typing(self, call: Call, channel_id: str) -> Any:
        self._channel(channel_id)
        return None

    async def _r_messages_list(self, call: Call, channel_id: str) -> Any:
        channel, guild = self._channel(channel_id)
        if guild is not None and not guild.channel_permissions(channel, self.bot_id) & READ_MESSAGE_HISTORY:  # type: ignore[attr-defined]
            return []
        limit = int(call.query.get("limit", "50"))
        if not 1 <= limit <= 100:
            raise form_error(["limit"], "NUMBER_TYPE_MAX", "int value should be less than or equal to 100.")
        msgs = sorted(
            (m for m in self.messages_in(int(channel_id)) if not m.ephemeral),  # type: ignore[attr-defined]
            key=lambda m: m.id,
            reverse=True,
        )
        if "before" in call.query:
            msgs = [m for m in msgs if m.id < int(call.query["before"])]
        if "after" in call.query:
            msgs = sorted((m for m in msgs if m.id > int(call.query["after"])), key=lambda m: m.id)[:limit]
            msgs.reverse()
        if "around" in call.query:
            pivot = int(call.query["around"])
            older = [m for m in msgs if m.id <= pivot][: (limit + 1) // 2]
            newer = [m for m in msgs if m.id > pivot][-(limit // 2) :] if limit // 2 else []
            msgs = newer + older
        return [m.data for m in msgs[:limit]]

    async def _r_message_get(self, call: Call, channel_id: str, message_id: str) -> Any:
        channel, guild = self._channel(channel_id)
        if guild is not None:
            self._require(guild, channel, READ_MESSAGE_HISTORY)
        stored = self._message(channel_id, message_id)
        if stored.ephemeral:
            raise not_found(UNKNOWN_MESSAGE, "Message")
        return stored.data

    async def _r_message_create(self, call: Call, channel_id: str) -> Any:
        channel, guild = self._channel(channel_id)
        body = call.json or {}
        if channel["type"] in (4, 13, 15, 16):  # category, stage, forum, media: no messages
            raise ApiError(400, 50008, "Cannot send messages in a non-text channel")
        if guild is None:
            recipient = int(channel["recipients"][0]["id"])
            if recipient in self.blocked_dms or self.users.get(recipient, {}).get("bot"):  # type: ignore[attr-defined]
                raise ApiError(403, 50007, "Cannot send messages to this user")
        else:
            need = P_SEND
            if call.files:
                need |= P_ATTACH
            if body.get("poll"):
                need |= P_SEND_POLLS
            self._require(guild, channel, need)
        self._validate_message(body, call.files, creating=True)
        ref = body.get("message_reference")
        if ref and ref.get("message_id"):
            target = self.messages.get(int(ref["message_id"]))  # type: ignore[attr-defined]
            if (target is None or target.deleted or target.channel_id != int(channel_id)) and ref.get(
                "fail_if_not_exists", True
            ):
                raise form_error(["message_reference"], "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
        stored = self._new_message(
            channel_id=int(channel_id), author_id=self.bot_id, body=body, files=call.files, source="rest"
        )  # type: ignore[attr-defined]
        await self._echo_message("MESSAGE_CREATE", stored)  # type: ignore[attr-defined]
        return stored.data

    def _edit_stored(self, stored: StoredMessage, body: Mapping[str, Any], files: Sequence[Any]) -> None:
        self._validate_message(body, files, creating=False)
        stored.history.append(json.loads(json.dumps(stored.data)))
        self._apply_body(stored, body, files, editing=True)  # type: ignore[attr-defined]
        stored.data["edited_timestamp"] = iso_now()

    async def _r_message_edit(self, call: Call, channel_id: str, message_id: str) -> Any:
        channel, guild = self._channel(channel_id)
        stored = self._message(channel_id, message_id)
        body = call.json or {}
        if stored.author_id != self.bot_id:  # type: ignore[attr-defined]
            if set(body) - {"flags"} or guild is None:
                raise ApiError(403, 50005, "Cannot edit a message authored by another user")
            self._require(guild, channel, P_MANAGE_MESSAGES)
        self._edit_stored(stored, body, call.files)
        await self._echo_message("MESSAGE_UPDATE", stored)  # type: ignore[attr-defined]
        return stored.data

    async def _delete_stored(self, stored: StoredMessage) -> None:
        stored.deleted = True
        data: dict[str, Any] = {"id": str(stored.id), "channel_id": str(stored.channel_id)}
        if stored.guild_id is not None:
            data["guild_id"] = str(stored.guild_id)
        if not stored.ephemeral:
            await self._echo("MESSAGE_DELETE", data)  # type: ignore[attr-defined]

    async def _r_message_delete(self, call: Call, channel_id: str, message_id: str) -> Any:
        channel, guild = self._channel(channel_id)
        stored = self._message(channel_id, message_id)
        if stored.author_id != self.bot_id:  # type: ignore[attr-defined]
            if guild is None:
                raise ApiError(403, 50003, "Cannot execute action on a DM channel")
            self._require(guild, channel, P_MANAGE_MESSAGES)
        await self._delete_stored(stored)
        return None

    async def _r_bulk_delete(self, call: Call, channel_id: str) -> Any:
        channel, guild = self._channel(channel_id)
        if guild is None:
            raise ApiError(403, 50003, "Cannot execute action on a DM channel")
        self._require(guild, channel, P_MANAGE_MESSAGES)
        ids = list((call.json or {}).get("messages") or [])
        if not 2 <= len(ids) <= 100:
            raise form_error(["messages"], "BASE_TYPE_BAD_LENGTH", "Must be between 2 and 100 in length.")
        cutoff_ms = (time.time() - 14 * 86400) * 1000 - DISCORD_EPOCH_MS
        for raw in ids:
            if int(raw) >> 22 < cutoff_ms:
                raise ApiError(400, 50034, "You can only bulk delete messages that are under 14 days old.")
        deleted = []
        for raw in ids:
            stored = self.messages.get(int(raw))  # type: ignore[attr-defined]
            if stored is not None and stored.channel_id == int(channel_id) and not stored.deleted:
                stored.deleted = True
                deleted.append(str(stored.id))
        await self._echo("MESSAGE_DELETE_BULK", {"ids": deleted, "channel_id": channel_id, "guild_id": str(guild.id)})  # type: ignore[attr-defined]
        return None

    async def _r_pin(self, call: Call, channel_id: str, message_id: str) -> Any:
        channel, guild = self._channel(channel_id)
        if guild is not None:
            self._require(guild, channel, P_MANAGE_MESSAGES)
        self._message(channel_id, message_id).data["pinned"] = True
        return None

    async def _r_unpin(self, call: Call, channel_id: str, message_id: str) -> Any:
        channel, guild = self._channel(channel_id)
        if guild is not None:
            self._require(guild, channel, P_MANAGE_MESSAGES)
        self._message(channel_id, message_id).data["pinned"] = False
        return None

    async def _r_reaction_put(self, call: Call, channel_id: str, message_id: str, emoji: str) -> Any:
        channel, guild = self._channel(channel_id)
        if guild is not None:
            self._require(guild, channel, P_ADD_REACTIONS | READ_MESSAGE_HISTORY)
        stored = self._message(channel_id, message_id)
        key, obj = self._emoji(unquote(emoji))  # type: ignore[attr-defined]
        if self._set_reaction(stored, key, obj, self.bot_id, add=True):  # type: ignore[attr-defined]
            await self._echo("MESSAGE_REACTION_ADD", self._reaction_event(stored, self.bot_id, obj, add=True))  # type: ignore[attr-defined]
        return None

    async def _remove_reaction(self, stored: StoredMessage, emoji: str, user_id: int) -> None:
        key, obj = self._emoji(unquote(emoji))  # type: ignore[attr-defined]
        if self._set_reaction(stored, key, obj, user_id, add=False):  # type: ignore[attr-defined]
            await self._echo("MESSAGE_REACTION_REMOVE", self._reaction_event(stored, user_id, obj, add=False))  # type: ignore[attr-defined]

    async def _r_reaction_delete_own(self, call: Call, channel_id: str, message_id: str, emoji: str) -> Any:
        self._channel(channel_id)
        await self._remove_reaction(self._message(channel_id, message_id), emoji, self.bot_id)  # type: ignore[attr-defined]
        return None

    async def _r_reaction_delete_user(
        self, call: Call, channel_id: str, message_id: str, emoji: str, user_id: str
    ) -> Any:
        channel, guild = self._channel(channel_id)
        if guild is None:
            raise ApiError(403, 50003, "Cannot execute action on a DM channel")
        self._require(guild, channel, P_MANAGE_MESSAGES)
        await self._remove_reaction(self._message(channel_id, message_id), emoji, _snowflake_param(user_id, "user_id"))
        return None

    async def _r_reaction_users(self, call: Call, channel_id: str, message_id: str, emoji: str) -> Any:
        self._channel(channel_id)
        stored = self._message(channel_id, message_id)
        key, _ = self._emoji(unquote(emoji))  # type: ignore[attr-defined]
        return [self._public_user(uid) for uid in stored.reactions.get(key, [])]  # type: ignore[attr-defined]

    async def _r_reactions_clear(self, call: Call, channel_id: str, message_id: str) -> Any:
        channel, guild = self._channel(channel_id)
        if guild is not None:
            self._require(guild, channel, P_MANAGE_MESSAGES)
        stored = self._message(channel_id, message_id)
        stored.reactions.clear()
        stored.data.pop("reactions", None)
        return None

    async def _r_poll_expire(self, call: Call, channel_id: str, message_id: str) -> Any:
        self._channel(channel_id)
        stored = self._message(channel_id, message_id)
        poll = stored.data.get("poll")
        if poll is None:
            raise ApiError(400, 520001, "This message does not have a poll")  # approximate code
        if stored.author_id != self.bot_id:  # type: ignore[attr-defined]
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        if poll["results"]["is_finalized"]:
            raise ApiError(400, 520002, "This poll has already expired")
        self._refresh_poll_counts(stored)  # type: ignore[attr-defined]
        poll["results"]["is_finalized"] = True
        poll["expiry"] = iso_now()
        await self._echo_message("MESSAGE_UPDATE", stored)  # type: ignore[attr-defined]
        return stored.data

    async def _r_poll_voters(self, call: Call, channel_id: str, message_id: str, answer_id: str) -> Any:
        self._channel(channel_id)
        stored = self._message(channel_id, message_id)
        voters = stored.poll_votes.get(int(answer_id), [])
        return {"users": [self._public_user(uid) for uid in voters]}  # type: ignore[attr-defined]

    # --- interactions and their webhooks ----------------------------------------------------------

    _CALLBACK_TYPES = {2: {4, 5, 9, 12}, 3: {4, 5, 6, 7, 9, 12}, 4: {8}, 5: {4, 5, 6, 7}}

    def _response_message_type(self, rec: FakeInteraction) -> int:
        if rec.type == 2:
            return 20 if rec.payload["data"].get("type", 1) == 1 else 23
        return 0

    async def _r_interaction_callback(self, call: Call, interaction_id: str, token: str) -> Any:
        rec = self.interactions.get(int(interaction_id)) if interaction_id.isdigit() else None  # type: ignore[attr-defined]
        if rec is None or rec.token != token:
            raise not_found(UNKNOWN_INTERACTION, "interaction")
        if rec.acknowledged:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        body = call.json or {}
        ctype = body.get("type")
        data = body.get("data") or {}
        if ctype not in self._CALLBACK_TYPES.get(rec.type, set()):
            raise form_error(
                ["type"],
                "INTERACTION_CALLBACK_TYPE_INVALID",
                f"Interaction callback type {ctype} is invalid for interaction type {rec.type}",
            )
        if ctype in (6, 7) and "message" not in rec.payload:
            raise form_error(["type"], "INTERACTION_CALLBACK_TYPE_INVALID", "This interaction has no message to update")
        stored = None
        if ctype == 4:
            self._validate_message(data, call.files, creating=True)
            rec.callback_type = ctype  # set before the message so its metadata is complete
            stored = self._new_message(
                channel_id=rec.channel_id,
                author_id=self.bot_id,
                body=data,
                files=call.files,  # type: ignore[attr-defined]
                source="interaction",
                mtype=self._response_message_type(rec),
                interaction=rec,
            )
            rec.original_id = stored.id
            await self._echo_message("MESSAGE_CREATE", stored)  # type: ignore[attr-defined]
        elif ctype == 5:
            flags = FLAG_LOADING | (int(data.get("flags") or 0) & FLAG_EPHEMERAL)
            rec.callback_type = ctype
            stored = self._new_message(
                channel_id=rec.channel_id,
                author_id=self.bot_id,
                body={},
                source="interaction",  # type: ignore[attr-defined]
                mtype=self._response_message_type(rec),
                interaction=rec,
                flags=flags,
            )
            rec.original_id = stored.id
            await self._echo_message("MESSAGE_CREATE", stored)  # type: ignore[attr-defined]
        elif ctype in (6, 7):
            target = self.messages.get(int(rec.payload["message"]["id"]))  # type: ignore[attr-defined]
            if target is None or target.deleted:
                raise not_found(UNKNOWN_MESSAGE, "Message")
            if ctype == 7:
                self._edit_stored(target, data, call.files)
                await self._echo_message("MESSAGE_UPDATE", target)  # type: ignore[attr-defined]
                stored = target
            rec.original_id = target.id
        elif ctype == 8:
            choices = data.get("choices") or []
            if len(choices) > 25:
                raise form_error(["data", "choices"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        elif ctype == 9:
            if not 1 <= len(str(data.get("custom_id", ""))) <= 100:
                raise form_error(["data", "custom_id"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
            if not 1 <= len(str(data.get("title", ""))) <= 45:
                raise form_error(["data", "title"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 45 in length.")
            if not 1 <= len(data.get("components") or []) <= 5:
                raise form_error(["data", "components"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
        rec.callback_type = ctype
        rec.callback_data = data
        self._notify()  # type: ignore[attr-defined]
        if not _truthy(call.query.get("with_response")):
            return None
        inter: dict[str, Any] = {"id": str(rec.id), "type": rec.type}
        out: dict[str, Any] = {"interaction": inter}
        if stored is not None:
            inter.update(
                response_message_id=str(stored.id),
                response_message_loading=bool(stored.flags & FLAG_LOADING),
                response_message_ephemeral=stored.ephemeral,
            )
            out["resource"] = {"type": ctype, "message": stored.data}
        return out

    def _webhook_interaction(self, app_id: str, token: str) -> FakeInteraction:
        rec = self._interactions_by_token.get(token)  # type: ignore[attr-defined]
        if app_id != str(self.application_id) or rec is None or not rec.acknowledged:  # type: ignore[attr-defined]
            raise not_found(UNKNOWN_WEBHOOK, "Webhook")
        return rec

    def _webhook_message(self, rec: FakeInteraction, message_id: str) -> StoredMessage:
        mid = rec.original_id if message_id == "@original" else (int(message_id) if message_id.isdigit() else None)
        if mid is None or (mid != rec.original_id and mid not in rec.followup_ids):
            raise not_found(UNKNOWN_MESSAGE, "Message")
        stored = self.messages.get(mid)  # type: ignore[attr-defined]
        if stored is None or stored.deleted:
            raise not_found(UNKNOWN_MESSAGE, "Message")
        return stored

    async def _r_followup(self, call: Call, app_id: str, token: str) -> Any:
        rec = self._webhook_interaction(app_id, token)
        body = call.json or {}
        self._validate_message(body, call.files, creating=True)
        original = self.messages.get(rec.original_id) if rec.original_id else None  # type: ignore[attr-defined]
        if rec.callback_type == 5 and original is not None and original.flags & FLAG_LOADING:
            # Discord: the first follow-up after a deferred response fills in the "thinking" message
            self._edit_stored(original, body, call.files)
            original.data["flags"] &= ~FLAG_LOADING
            original.data["edited_timestamp"] = None
            stored = original
            await self._echo_message("MESSAGE_UPDATE", stored)  # type: ignore[attr-defined]
        else:
            stored = self._new_message(
                channel_id=rec.channel_id,
                author_id=self.bot_id,
                body=body,
                files=call.files,  # type: ignore[attr-defined]
                source="followup",
                interaction=rec,
            )
            rec.followup_ids.append(stored.id)
            await self._echo_message("MESSAGE_CREATE", stored)  # type: ignore[attr-defined]
        return stored.data if _truthy(call.query.get("wait")) else None

    async def _r_webhook_message_get(self, call: Call, app_id: str, token: str, message_id: str) -> Any:
        return self._webhook_message(self._webhook_interaction(app_id, token), message_id).data

    async def _r_webhook_message_edit(self, call: Call, app_id: str, token: str, message_id: str) -> Any:
        stored = self._webhook_message(self._webhook_interaction(app_id, token), message_id)
        self._edit_stored(stored, call.json or {}, call.files)
        stored.data["flags"] &= ~FLAG_LOADING
        await self._echo_message("MESSAGE_UPDATE", stored)  # type: ignore[attr-defined]
        return stored.data

    async def _r_webhook_message_delete(self, call: Call, app_id: str, token: str, message_id: str) -> Any:
        stored = self._webhook_message(self._webhook_interaction(app_id, token), message_id)
        await self._delete_stored(stored)
        return None

    # --- guilds -----------------------------------------------------------------------------------

    async def _r_guild_get(self, call: Call, guild_id: str) -> Any:
        guild = self._guild(guild_id)
        out = self.guild_payload(guild.id)  # type: ignore[attr-defined]
        if _truthy(call.query.get("with_counts")):
            out["approximate_member_count"] = len(guild.members)
            out["approximate_presence_count"] = 0
        return out

    async def _r_guild_patch(self, call: Call, guild_id: str) -> Any:
        """Modify Guild: needs Manage Server; only the fields a bot here changes are kept (verification level,
        name), each validated as Discord does (VerificationLevels 0–4, name 2–100)."""
        guild = self._guild(guild_id)
        self._require(guild, None, P_MANAGE_GUILD)
        body = call.json or {}
        if "verification_level" in body:
            level = body["verification_level"]
            if not isinstance(level, int) or isinstance(level, bool) or not 0 <= level <= 4:
                raise form_error(["verification_level"], "BASE_TYPE_CHOICES", "Value must be one of {0, 1, 2, 3, 4}.")
            guild.verification_level = level
        if "name" in body:
            if not isinstance(body["name"], str) or not 2 <= len(body["name"]) <= 100:
                raise form_error(["name"], "BASE_TYPE_BAD_LENGTH", "Must be between 2 and 100 in length.")
            guild.name = body["name"]
        payload = self.guild_payload(guild.id)  # type: ignore[attr-defined]
        await self._echo("GUILD_UPDATE", payload)  # type: ignore[attr-defined]
        return payload

    async def _r_guild_channels(self, call: Call, guild_id: str) -> Any:
        return list(self._guild(guild_id).channels.values())

    async def _r_guild_roles(self, call: Call, guild_id: str) -> Any:
        return sorted(self._guild(guild_id).roles.values(), key=lambda r: r["position"])

    async def _r_role_create(self, call: Call, guild_id: str) -> Any:
        guild = self._guild(guild_id)
        self._require(guild, None, P_MANAGE_ROLES)
        body = call.json or {}
        wanted = permissions_value(body.get("permissions") or 0)
        if wanted & ~guild.base_permissions(self.bot_id):  # type: ignore[attr-defined]
            raise missing_permissions()
        rid = self._snowflake()  # type: ignore[attr-defined]
        for role in guild.roles.values():
            if role["position"] >= 1 and int(role["id"]) != guild.id:
                role["position"] += 1
        role = role_obj(
            guild.id,
            {
                "id": rid,
                "name": body.get("name") or "new role",
                "permissions": wanted,
                "color": body.get("color", 0),
                "hoist": bool(body.get("hoist")),
                "mentionable": bool(body.get("mentionable")),
            },
            position=1,
        )
        guild.roles[rid] = role
        await self._echo("GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": role})  # type: ignore[attr-defined]
        return role

    async def _r_members_list(self, call: Call, guild_id: str) -> Any:
        guild = self._guild(guild_id)
        if not self.privileged_intents_granted.get("members"):  # type: ignore[attr-defined]
            raise missing_access()
        limit = int(call.query.get("limit", "1"))
        after = int(call.query.get("after", "0"))
        ids = sorted(uid for uid in guild.members if uid > after)[:limit]
        return [self.member_payload(guild.id, uid) for uid in ids]  # type: ignore[attr-defined]

    async def _r_member_get(self, call: Call, guild_id: str, user_id: str) -> Any:
        guild = self._guild(guild_id)
        return self.member_payload(guild.id, self._member(guild, user_id))  # type: ignore[attr-defined]

    def _check_outranks(self, guild: FakeGuild, target: int) -> None:
        if target == self.bot_id or not guild.outranks(self.bot_id, target):  # type: ignore[attr-defined]
            raise missing_permissions()

    def _check_role_manageable(self, guild: FakeGuild, role_id: str) -> int:
        rid = _snowflake_param(role_id, "role_id")
        role = guild.roles.get(rid)
        if role is None:
            raise not_found(UNKNOWN_ROLE, "Role")
        self._require(guild, None, P_MANAGE_ROLES)
        if rid == guild.id or role.get("managed"):
            raise missing_permissions()
        if role["position"] >= guild.top_position(self.bot_id) and self.bot_id != guild.owner_id:  # type: ignore[attr-defined]
            raise missing_permissions()
        return rid

    async def _r_member_patch(self, call: Call, guild_id: str, user_id: str) -> Any:
        guild = self._guild(guild_id)
        uid = self._member(guild, user_id)
        member = guild.members[uid]
        body = call.json or {}
        if "nick" in body:
            if uid == self.bot_id:  # type: ignore[attr-defined]
                self._require(guild, None, 1 << 26)  # change_nickname
            else:
                self._require(guild, None, P_MANAGE_NICKNAMES)
                self._check_outranks(guild, uid)
            nick = body["nick"]
            if nick is not None and len(nick) > 32:
                raise form_error(["nick"], "BASE_TYPE_MAX_LENGTH", "Must be 32 or fewer in length.")
        if "roles" in body:
            new = {str(_snowflake_param(str(r), "roles")) for r in body["roles"] or []}
            old = set(member["roles"])
            for rid in new ^ old:
                self._check_role_manageable(guild, rid)
        if "communication_disabled_until" in body:
            self._require(guild, None, P_MODERATE)
            self._check_outranks(guild, uid)
            if guild.base_permissions(uid) & ADMINISTRATOR or guild.base_permissions(uid) == ALL_PERMISSIONS:
                raise missing_permissions()
            until = body["communication_disabled_until"]
            if until is not None:
                try:
                    when = parse_iso(until)
                except ValueError:
                    raise form_error(
                        ["communication_disabled_until"], "DATE_TIME_TYPE_PARSE", "Could not parse date."
                    ) from None
                if when > dt.datetime.now(dt.UTC) + dt.timedelta(days=28, minutes=1):
                    raise form_error(
                        ["communication_disabled_until"],
                        "COMMUNICATION_DISABLED_UNTIL_INVALID",
                        "Cannot time out a member for more than 28 days",
                    )
        if "nick" in body:
            member["nick"] = body["nick"]
        if "roles" in body:
            member["roles"] = [str(r) for r in body["roles"] or []]
        if "communication_disabled_until" in body:
            member["communication_disabled_until"] = body["communication_disabled_until"]
        for key in ("mute", "deaf"):
            if key in body:
                member[key] = bool(body[key])
        await self._member_update_event(guild.id, uid)  # type: ignore[attr-defined]
        return self.member_payload(guild.id, uid)  # type: ignore[attr-defined]

    async def _r_member_kick(self, call: Call, guild_id: str, user_id: str) -> Any:
        guild = self._guild(guild_id)
        uid = self._member(guild, user_id)
        self._require(guild, None, P_KICK)
        self._check_outranks(guild, uid)
        guild.members.pop(uid)
        await self._echo("GUILD_MEMBER_REMOVE", {"guild_id": str(guild.id), "user": self._public_user(uid)})  # type: ignore[attr-defined]
        return None

    async def _r_member_role_add(self, call: Call, guild_id: str, user_id: str, role_id: str) -> Any:
        guild = self._guild(guild_id)
        uid = self._member(guild, user_id)
        rid = self._check_role_manageable(guild, role_id)
        roles = guild.members[uid]["roles"]
        if str(rid) not in roles:
            roles.append(str(rid))
            await self._member_update_event(guild.id, uid)  # type: ignore[attr-defined]
        return None

    async def _r_member_role_remove(self, call: Call, guild_id: str, user_id: str, role_id: str) -> Any:
        guild = self._guild(guild_id)
        uid = self._member(guild, user_id)
        rid = self._check_role_manageable(guild, role_id)
        roles = guild.members[uid]["roles"]
        if str(rid) in roles:
            roles.remove(str(rid))
            await self._member_update_event(guild.id, uid)  # type: ignore[attr-defined]
        return None

    async def _r_ban_get(self, call: Call, guild_id: str, user_id: str) -> Any:
        guild = self._guild(guild_id)
        self._require(guild, None, P_BAN)
        ban = guild.bans.get(_snowflake_param(user_id, "user_id"))
        if ban is None:
            raise not_found(UNKNOWN_BAN, "Ban")
        return ban

    async def _r_ban_put(self, call: Call, guild_id: str, user_id: str) -> Any:
        guild = self._guild(guild_id)
        uid = _snowflake_param(user_id, "user_id")
        if uid not in self.users:  # type: ignore[attr-defined]
            raise not_found(UNKNOWN_USER, "User")
        self._require(guild, None, P_BAN)
        if uid in guild.members or uid == guild.owner_id:
            self._check_outranks(guild, uid)
        seconds = (call.json or {}).get("delete_message_seconds", 0)
        if not isinstance(seconds, int) or not 0 <= seconds <= 604800:
            raise form_error(
                ["delete_message_seconds"], "NUMBER_TYPE_MAX", "int value should be less than or equal to 604800."
            )
        reason = call.headers.get("X-Audit-Log-Reason")
        guild.bans[uid] = {"reason": unquote(reason) if reason else None, "user": self._public_user(uid)}  # type: ignore[attr-defined]
        await self._echo("GUILD_BAN_ADD", {"guild_id": str(guild.id), "user": self._public_user(uid)})  # type: ignore[attr-defined]
        if guild.members.pop(uid, None) is not None:
            await self._echo("GUILD_MEMBER_REMOVE", {"guild_id": str(guild.id), "user": self._public_user(uid)})  # type: ignore[attr-defined]
        return None

    async def _r_ban_delete(self, call: Call, guild_id: str, user_id: str) -> Any:
        guild = self._guild(guild_id)
        self._require(guild, None, P_BAN)
        uid = _snowflake_param(user_id, "user_id")
        if guild.bans.pop(uid, None) is None:
            raise not_found(UNKNOWN_BAN, "Ban")
        await self._echo("GUILD_BAN_REMOVE", {"guild_id": str(guild.id), "user": self._public_user(uid)})  # type: ignore[attr-defined]
        return None

    # --- scheduled events -------------------------------------------------------------------------

    def _event(self, guild: FakeGuild, event_id: str) -> dict[str, Any]:
        event = guild.scheduled_events.get(_snowflake_param(event_id, "event_id"))
        if event is None:
            raise not_found(UNKNOWN_EVENT, "Guild Scheduled Event")
        return event

    def _validate_event(self, guild: FakeGuild, body: Mapping[str, Any]) -> None:
        name = body.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            raise form_error(["name"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        if body.get("privacy_level") != 2:
            raise form_error(["privacy_level"], "BASE_TYPE_CHOICES", "Value must be one of {2}.")
        if len(body.get("description") or "") > 1000:
            raise form_error(["description"], "BASE_TYPE_MAX_LENGTH", "Must be 1000 or fewer in length.")
        etype = body.get("entity_type")
        if etype not in (1, 2, 3):
            raise form_error(["entity_type"], "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3}.")
        try:
            start = parse_iso(str(body.get("scheduled_start_time")))
        except ValueError:
            raise form_error(["scheduled_start_time"], "DATE_TIME_TYPE_PARSE", "Could not parse date.") from None
        end_raw = body.get("scheduled_end_time")
        if etype == 3:
            location = (body.get("entity_metadata") or {}).get("location")
            if not location or len(location) > 100:
                raise form_error(["entity_metadata", "location"], "BASE_TYPE_REQUIRED", "This field is required")
            if not end_raw:
                raise form_error(["scheduled_end_time"], "BASE_TYPE_REQUIRED", "This field is required")
            if body.get("channel_id") is not None:
                raise form_error(
                    ["channel_id"],
                    "GUILD_SCHEDULED_EVENT_CHANNEL_ID_INVALID",
                    "Channel must be null for external events",
                )
        else:
            channel = guild.channels.get(int(body.get("channel_id") or 0))
            if channel is None or channel["type"] != {1: 13, 2: 2}[etype]:
                raise form_error(
                    ["channel_id"], "GUILD_SCHEDULED_EVENT_CHANNEL_ID_INVALID", "Invalid channel for this entity type"
                )
        if end_raw:
            try:
                end = parse_iso(str(end_raw))
            except ValueError:
                raise form_error(["scheduled_end_time"], "DATE_TIME_TYPE_PARSE", "Could not parse date.") from None
            if end <= start:
                raise form_error(
                    ["scheduled_end_time"],
                    "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
                    "Cannot schedule event to end before starting",
                )

    async def _r_events_list(self, call: Call, guild_id: str) -> Any:
        return list(self._guild(guild_id).scheduled_events.values())

    async def _r_event_get(self, call: Call, guild_id: str, event_id: str) -> Any:
        return self._event(self._guild(guild_id), event_id)

    async def _r_event_create(self, call: Call, guild_id: str) -> Any:
        guild = self._guild(guild_id)
        self._require(guild, None, P_MANAGE_EVENTS | P_CREATE_EVENTS, any_of=True)
        body = call.json or {}
        self._validate_event(guild, body)
        eid = self._snowflake()  # type: ignore[attr-defined]
        event = {
            "id": str(eid),
            "guild_id": str(guild.id),
            "channel_id": body.get("channel_id"),
            "creator_id": str(self.bot_id),  # type: ignore[attr-defined]
            "name": body["name"],
            "description": body.get("description"),
            "scheduled_start_time": body["scheduled_start_time"],
            "scheduled_end_time": body.get("scheduled_end_time"),
            "privacy_level": 2,
            "status": 1,
            "entity_type": body["entity_type"],
            "entity_id": None,
            "entity_metadata": body.get("entity_metadata"),
            "creator": self._public_user(self.bot_id),  # type: ignore[attr-defined]
            "user_count": 0,
            "image": None,
            "recurrence_rule": body.get("recurrence_rule"),
        }
        guild.scheduled_events[eid] = event
        await self._echo("GUILD_SCHEDULED_EVENT_CREATE", event)  # type: ignore[attr-defined]
        return event

    async def _r_event_patch(self, call: Call, guild_id: str, event_id: str) -> Any:
        guild = self._guild(guild_id)
        self._require(guild, None, P_MANAGE_EVENTS | P_CREATE_EVENTS, any_of=True)
        event = self._event(guild, event_id)
        body = call.json or {}
        merged = {**event, **body}
        self._validate_event(guild, merged)
        if "status" in body:
            allowed = {1: {2, 4}, 2: {3}}.get(event["status"], set())
            if body["status"] not in allowed:
                raise form_error(
                    ["status"], "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION", "Invalid status transition"
                )
        event.update({k: v for k, v in body.items() if k in event})
        await self._echo("GUILD_SCHEDULED_EVENT_UPDATE", event)  # type: ignore[attr-defined]
        return event

    async def _r_event_delete(self, call: Call, guild_id: str, event_id: str) -> Any:
        guild = self._guild(guild_id)
        self._require(guild, None, P_MANAGE_EVENTS | P_CREATE_EVENTS, any_of=True)
        event = self._event(guild, event_id)
        del guild.scheduled_events[int(event["id"])]
        await self._echo("GUILD_SCHEDULED_EVENT_DELETE", event)  # type: ignore[attr-defined]
        return None
