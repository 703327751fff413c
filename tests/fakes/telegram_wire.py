"""Wire-level helpers for the fake Telegram Bot API: parameter decoding, HTML checks, rate limits.

Private to ``tests.fakes.telegram``; kept separate so the server module stays readable.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict, deque
from collections.abc import Callable, Mapping
from typing import Any


class ApiError(Exception):
    """An error the fake answers with, shaped like the real API's ``{"ok": false, ...}`` body."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            out["parameters"] = self.parameters
        return out


def bad_request(text: str) -> ApiError:
    return ApiError(400, f"Bad Request: {text}")


# --- parameter decoding -------------------------------------------------------------------------
# The real API receives every form value as a string; PTB json.dumps every non-str value and sends
# str values verbatim. So only params the API *types* as object/array/int/bool may be decoded:
# json-decoding blindly would turn a text "123" or "true" into a number/bool.

# Names typed the same way in every Bot API method.
# fmt: off
_INT_PARAMS = frozenset({
    "user_id", "message_id", "message_thread_id", "reply_to_message_id", "offset", "limit", "timeout",
    "until_date", "open_period", "close_date", "cache_time", "sender_chat_id", "member_limit", "expire_date",
    "width", "height", "duration", "direct_messages_topic_id",
})
_BOOL_PARAMS = frozenset({
    "disable_notification", "protect_content", "allow_sending_without_reply", "disable_web_page_preview",
    "is_anonymous", "allows_multiple_answers", "allows_revoting", "members_only", "is_closed", "show_alert",
    "drop_pending_updates", "revoke_messages", "only_if_banned", "use_independent_chat_permissions", "has_spoiler",
    "show_caption_above_media", "disable_content_type_detection", "allow_paid_broadcast", "for_channels",
    "creates_join_request", "is_big", "is_personal",
})
# fmt: on
_CHAT_ID_PARAMS = frozenset({"chat_id", "from_chat_id"})  # Integer or "@channelusername"

# JSON-serialised objects/arrays, per method (lower-case name). Every send*/edit*/copy* method also
# takes the _SEND_JSON ones.
_SEND_JSON = frozenset({"reply_markup", "entities", "caption_entities", "reply_parameters", "link_preview_options"})
_JSON_PARAMS: dict[str, frozenset[str]] = {
    "getupdates": frozenset({"allowed_updates"}),
    "setwebhook": frozenset({"allowed_updates"}),
    "setmycommands": frozenset({"commands", "scope"}),
    "deletemycommands": frozenset({"scope"}),
    "getmycommands": frozenset({"scope"}),
    "sendpoll": frozenset({"options", "explanation_entities", "question_entities", "correct_option_ids"}),
    "stoppoll": frozenset({"reply_markup"}),
    "restrictchatmember": frozenset({"permissions"}),
    "setchatpermissions": frozenset({"permissions"}),
    "deletemessages": frozenset({"message_ids"}),
    "forwardmessages": frozenset({"message_ids"}),
    "copymessages": frozenset({"message_ids"}),
    "sendmediagroup": frozenset({"media"}),
    "editmessagemedia": frozenset({"media"}),
    "setmessagereaction": frozenset({"reaction"}),
    "setchatmenubutton": frozenset({"menu_button"}),
    "setmydefaultadministratorrights": frozenset({"rights"}),
    "answerinlinequery": frozenset({"results", "button"}),
}


def json_params_for(method: str) -> frozenset[str]:
    lower = method.lower()
    extra = _SEND_JSON if lower.startswith(("send", "edit", "copy")) else frozenset()
    return _JSON_PARAMS.get(lower, frozenset()) | extra


def _to_int(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise bad_request(f'field "{name}" must be of type Integer')
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise bad_request(f'field "{name}" must be of type Integer') from None


def _to_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0", ""):
        return False
    raise bad_request(f'field "{name}" must be of type Boolean')


def decode_params(method: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Decode wire values (form strings, or native values from a JSON body) into Python values."""
    json_names = json_params_for(method)
    out: dict[str, Any] = {}
    for name, value in raw.items():
        if name in json_names:
            if isinstance(value, str):
                try:
                    value = json.loads(value)
                except ValueError:
                    raise bad_request(f"can't parse {name} JSON object") from None
        elif name in _CHAT_ID_PARAMS:
            text = str(value).strip()
            value = int(text) if re.fullmatch(r"-?\d+", text) else text
        elif name in _INT_PARAMS:
            value = _to_int(name, value)
        elif name in _BOOL_PARAMS or name.startswith("can_"):  # can_*: promoteChatMember rights
            value = _to_bool(name, value)
        out[name] = value  # everything else (text, caption, data, parse_mode, ...) stays a string
    return out


# --- HTML parse mode ----------------------------------------------------------------------------
# Mirrors tdlib's parser closely enough to catch escaping bugs: a bare "<" is an error, unknown
# named entities and a bare "&" or ">" are kept literally (as Telegram does).

ALLOWED_TAGS = frozenset({
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "tg-spoiler", "span",
    "blockquote", "tg-emoji",
})  # fmt: skip
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]+);")
_START_RE = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)")
_END_RE = re.compile(r"</([a-zA-Z0-9-]*)\s*>")
_ATTR_RE = re.compile(r"""\s+([a-zA-Z_-]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>"']+))?""")


def _entity_err(text: str) -> ApiError:
    return bad_request(f"can't parse entities: {text}")


def parse_html(text: str) -> str:
    """Validate Telegram HTML; return the visible text. Raises ``ApiError`` like the real API."""
    out: list[str] = []
    stack: list[str] = []
    i, n = 0, len(text)

    def offset(pos: int) -> int:
        return len(text[:pos].encode("utf-8"))

    while i < n:
        ch = text[i]
        if ch == "&":
            m = _ENTITY_RE.match(text, i)
            decoded = None
            if m:
                body = m.group(1)
                if body.startswith("#"):
                    code = int(body[2:], 16) if body[1] in "xX" else int(body[1:])
                    decoded = chr(code) if 0 < code <= 0x10FFFF else None
                else:
                    decoded = _NAMED_ENTITIES.get(body)
            if m and decoded is not None:
                out.append(decoded)
                i = m.end()
            else:
                out.append("&")
                i += 1
        elif ch != "<":
            out.append(ch)
            i += 1
        elif text.startswith("</", i):
            m = _END_RE.match(text, i)
            if not m:
                raise _entity_err(f"Unclosed end tag at byte offset {offset(i)}")
            name = m.group(1).lower()
            if not stack:
                raise _entity_err(f'Unexpected end tag "{name}" at byte offset {offset(i)}')
            if name != stack[-1]:
                raise _entity_err(
                    f'Unmatched end tag at byte offset {offset(i)}, expected "</{stack[-1]}>", found "</{name}>"'
                )
            stack.pop()
            i = m.end()
        else:
            m = _START_RE.match(text, i)
            if not m:
                raise _entity_err(f'Unsupported start tag "" at byte offset {offset(i)}')
            name = m.group(1).lower()
            if name not in ALLOWED_TAGS:
                raise _entity_err(f'Unsupported start tag "{name}" at byte offset {offset(i)}')
            j, attrs = m.end(), {}
            while (a := _ATTR_RE.match(text, j)) is not None:
                attrs[a.group(1).lower()] = (a.group(2) or "").strip("\"'")
                j = a.end()
            while j < n and text[j].isspace():
                j += 1
            if j >= n or text[j] != ">":
                raise _entity_err(f"Unclosed start tag at byte offset {offset(i)}")
            if name == "span" and attrs.get("class") != "tg-spoiler":
                raise _entity_err(f'Tag "span" must have class "tg-spoiler" at byte offset {offset(i)}')
            if name == "tg-emoji" and not attrs.get("emoji-id"):
                raise _entity_err(f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {offset(i)}')
            stack.append(name)
            i = j + 1
    if stack:
        raise _entity_err(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


def utf16_len(text: str) -> int:
    """Telegram measures entity offsets and lengths in UTF-16 code units (text limits are in characters)."""
    return len(text.encode("utf-16-le")) // 2


def visible_text(text: str | None, parse_mode: str | None, *, limit: int, what: str) -> str:
    """Check a message text/caption like the API does and return what the user would see."""
    plain = parse_html(text or "") if (parse_mode or "").upper() == "HTML" else (text or "")
    plain = plain.strip()
    if what == "text" and not plain:
        raise bad_request("message text is empty")
    # Characters, i.e. code points: 4096 emoji are accepted, 4097 refused (measured against the real API;
    # only entity offsets count UTF-16 units).
    if len(plain) > limit:
        raise bad_request("message is too long" if what == "text" else "message caption is too long")
    return plain


# --- flood limits -------------------------------------------------------------------------------


class FloodLimiter:
    """Sliding windows over the last second / minute, like Telegram's documented send limits."""

    def __init__(
        self,
        clock: Callable[[], float],
        global_per_second: int,
        per_chat_per_second: int,
        per_group_per_minute: int,
    ) -> None:
        self._clock = clock
        self._limits = (global_per_second, per_chat_per_second, per_group_per_minute)
        self._global: deque[float] = deque()
        self._chat: defaultdict[Any, deque[float]] = defaultdict(deque)
        self._group: defaultdict[Any, deque[float]] = defaultdict(deque)

    def check(self, chat_id: Any, is_group: bool) -> int | None:
        """Return retry_after seconds if this send is over a limit; otherwise count it."""
        now = self._clock()
        g, c, gm = self._limits
        windows = [(self._global, 1.0, g)]
        if chat_id is not None:
            windows.append((self._chat[chat_id], 1.0, c))
            if is_group:
                windows.append((self._group[chat_id], 60.0, gm))
        wait = 0.0
        for q, span, limit in windows:
            while q and q[0] <= now - span:
                q.popleft()
            if len(q) >= limit:
                # The send is allowed once enough old sends have left the window.
                wait = max(wait, q[-limit] + span - now)
        if wait > 0:
            return max(1, math.ceil(wait))
        for q, _, _ in windows:
            q.append(now)
        return None
