"""Bot API method implementations for the fake Telegram server, mixed into ``FakeTelegram``.

Each ``_api_<method>(params, uploads)`` returns the ``result`` or raises ``ApiError`` with the
real API's description. The update queue methods (getUpdates, webhooks) live in telegram.py.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import TYPE_CHECKING, Any

from .telegram_updates import PERMISSION_FIELDS, now
from .telegram_wire import bad_request, visible_text

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same as a "
    "current content and reply markup of the message"
)
# Methods that just succeed; the call is recorded, which is what tests assert on.
TRUE_METHODS = [
    "sendChatAction", "setMessageReaction", "pinChatMessage", "unpinChatMessage", "unpinAllChatMessages",
    "setChatTitle", "setChatDescription", "promoteChatMember", "setChatMenuButton",
    "setMyDefaultAdministratorRights", "close", "logOut",
]  # fmt: skip


class BotApiMethods:
    """Mixin; the host (FakeTelegram) provides the state and world-state helpers named below."""

    bot_id: int
    bot_user: dict[str, Any]
    messages: dict[tuple[Any, int], dict[str, Any]]
    polls: dict[str, dict[str, Any]]
    files: dict[str, bytes]
    deleted: list[tuple[Any, int]]
    _ids: itertools.count[int]
    _serial: itertools.count[int]
    _chat_info: dict[Any, dict[str, Any]]
    _members: dict[tuple[Any, int], tuple[str, dict[str, Any]]]
    _join_requests: set[tuple[Any, int]]
    _commands: dict[tuple[str, str], list[dict[str, Any]]]
    _bot_texts: dict[tuple[str, str], str]
    _sources: dict[tuple[Any, int], tuple[Any, ...]]  # (raw text/caption, parse_mode) for "not modified"

    if TYPE_CHECKING:

        def chat(self, chat_id: Any, chat_type: str | None = None) -> dict[str, Any]: ...
        def member(self, chat_id: Any, user_id: int) -> dict[str, Any]: ...
        def set_member(self, chat_id: Any, user_id: int, status: str = "member", **rights: Any) -> None: ...
        def commands(self, scope: dict[str, Any] | None = None, language_code: str = "") -> list[dict[str, Any]]: ...

    # --- helpers for methods --------------------------------------------------------------------

    def _target_chat(self, p: dict[str, Any]) -> dict[str, Any]:
        if p.get("chat_id") in (None, ""):
            raise bad_request("chat_id is empty")
        return self.chat(p["chat_id"])

    def _reply_to(self, chat: dict[str, Any], p: dict[str, Any]) -> dict[str, Any] | None:
        rp = p.get("reply_parameters") or {}
        mid = rp.get("message_id", p.get("reply_to_message_id"))
        if mid is None:
            return None
        found = self.messages.get((chat["id"], mid))
        if found is None:
            if rp.get("allow_sending_without_reply", p.get("allow_sending_without_reply", False)):
                return None
            raise bad_request("message to be replied not found")
        return {k: v for k, v in found.items() if k != "reply_to_message"}  # the API nests one level only

    def _send(self, p: dict[str, Any], chat: dict[str, Any], **content: Any) -> dict[str, Any]:
        """Store and return the Message a send* call creates."""
        msg: dict[str, Any] = {"message_id": next(self._ids), "from": self.bot_user, "chat": chat, "date": now()}
        if p.get("message_thread_id") is not None:
            msg |= {"message_thread_id": p["message_thread_id"], "is_topic_message": True}
        if (reply := self._reply_to(chat, p)) is not None:
            msg["reply_to_message"] = reply
        markup = p.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:  # only inline keyboards are echoed
            msg["reply_markup"] = markup
        msg |= {k: v for k, v in content.items() if v is not None}
        self.messages[(chat["id"], msg["message_id"])] = msg
        self._sources[(chat["id"], msg["message_id"])] = self._source(p)
        return msg

    @staticmethod
    def _source(p: dict[str, Any]) -> tuple[Any, ...]:
        # The visible text alone would call "<b>x</b>" -> "<i>x</i>" not modified; the API would not.
        return p.get("text"), p.get("caption"), p.get("parse_mode")

    def _caption(self, p: dict[str, Any]) -> str | None:
        if not p.get("caption"):
            return None
        return visible_text(p["caption"], p.get("parse_mode"), limit=1024, what="caption")

    def _upload(self, p: dict[str, Any], uploads: dict, name: str) -> tuple[str, dict[str, Any]]:
        """Store an uploaded file (or accept a file_id/URL); return (file_id, base fields)."""
        if name in uploads:
            filename, ctype, data = uploads[name]
            file_id = f"file{next(self._serial)}"
            self.files[file_id] = data
            fields = {"file_name": filename, "mime_type": ctype, "file_size": len(data)}
        elif isinstance(p.get(name), str) and p[name]:
            file_id, fields = p[name], {}
        else:
            raise bad_request(f"there is no {name} in the request")
        return file_id, {"file_id": file_id, "file_unique_id": f"u{file_id}"} | fields

    def _editable(self, p: dict[str, Any], action: str = "edit") -> dict[str, Any] | None:
        if p.get("inline_message_id"):
            return None
        chat = self._target_chat(p)
        if p.get("message_id") is None:
            raise bad_request("message identifier is not specified")
        msg = self.messages.get((chat["id"], p["message_id"]))
        if msg is None:
            raise bad_request(f"message to {action} not found")
        if msg.get("from", {}).get("id") != self.bot_id:
            raise bad_request("message can't be edited")
        return msg

    def _apply_edit(self, msg: dict[str, Any], p: dict[str, Any], **content: Any) -> dict[str, Any]:
        markup = p.get("reply_markup")
        where = (msg["chat"]["id"], msg["message_id"])
        same_source = not content or self._sources.get(where) == self._source(p)
        if same_source and all(msg.get(k) == v for k, v in content.items()) and msg.get("reply_markup") == markup:
            raise bad_request(NOT_MODIFIED)
        if content:
            self._sources[where] = self._source(p)
        for key, value in content.items():
            if value is None:
                msg.pop(key, None)
            else:
                msg[key] = value
        if markup:
            msg["reply_markup"] = markup
        else:  # editing without reply_markup removes the inline keyboard
            msg.pop("reply_markup", None)
        msg["edit_date"] = now()
        return msg

    def _group_action(self, p: dict[str, Any], right: str) -> tuple[dict[str, Any], int, str]:
        """Checks shared by member-management methods: group chat, bot rights, target not an admin."""
        chat = self._target_chat(p)
        if chat["type"] == "private":
            raise bad_request("method is available only for supergroups")
        bot = self.member(chat["id"], self.bot_id)
        if not (bot["status"] == "creator" or (bot["status"] == "administrator" and bot.get(right))):
            raise bad_request("not enough rights to restrict/unrestrict chat member")
        if p.get("user_id") is None:
            raise bad_request("user not found")
        uid = p["user_id"]
        status = self.member(chat["id"], uid)["status"]
        if status == "creator":
            raise bad_request("can't remove chat owner")
        if status == "administrator":
            raise bad_request("user is an administrator of the chat")
        return chat, uid, status

    @staticmethod
    def _command_key(scope: dict[str, Any] | None, language_code: str | None) -> tuple[str, str]:
        return json.dumps(scope or {"type": "default"}, sort_keys=True), language_code or ""

    # --- Bot API methods (name after "_api_" is the method; case-insensitive like the API) -----

    def _api_setMyCommands(self, p: dict, u: dict) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("BOT_COMMANDS_TOO_MUCH" if isinstance(commands, list) else "commands not specified")
        for c in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(c.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(c.get("description", "")).strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[self._command_key(p.get("scope"), p.get("language_code"))] = commands
        return True

    def _api_deleteMyCommands(self, p: dict, u: dict) -> bool:
        self._commands.pop(self._command_key(p.get("scope"), p.get("language_code")), None)
        return True

    def _api_getMyCommands(self, p: dict, u: dict) -> list[dict[str, Any]]:
        return self.commands(p.get("scope"), p.get("language_code", ""))

    def _bot_text(self, p: dict, kind: str, limit: int) -> bool:
        text = p.get(kind) or ""
        if len(text) > limit:
            raise bad_request(f"{kind.replace('_', ' ')} is too long")
        self._bot_texts[(kind, p.get("language_code") or "")] = text
        return True

    def _api_setMyDescription(self, p: dict, u: dict) -> bool:
        return self._bot_text(p, "description", 512)

    def _api_setMyShortDescription(self, p: dict, u: dict) -> bool:
        return self._bot_text(p, "short_description", 120)

    def _api_setMyName(self, p: dict, u: dict) -> bool:
        return self._bot_text(p, "name", 64)

    def _api_getMyDescription(self, p: dict, u: dict) -> dict[str, str]:
        return {"description": self._bot_texts.get(("description", p.get("language_code") or ""), "")}

    def _api_getMyShortDescription(self, p: dict, u: dict) -> dict[str, str]:
        return {"short_description": self._bot_texts.get(("short_description", p.get("language_code") or ""), "")}

    def _api_getMyName(self, p: dict, u: dict) -> dict[str, str]:
        return {"name": self._bot_texts.get(("name", p.get("language_code") or ""), self.bot_user["first_name"])}

    def _api_sendMessage(self, p: dict, u: dict) -> dict[str, Any]:
        chat = self._target_chat(p)
        return self._send(p, chat, text=visible_text(p.get("text"), p.get("parse_mode"), limit=4096, what="text"))

    def _api_editMessageText(self, p: dict, u: dict) -> dict[str, Any] | bool:
        text = visible_text(p.get("text"), p.get("parse_mode"), limit=4096, what="text")
        msg = self._editable(p)
        return True if msg is None else self._apply_edit(msg, p, text=text)

    def _api_editMessageCaption(self, p: dict, u: dict) -> dict[str, Any] | bool:
        caption = self._caption(p)
        msg = self._editable(p)
        return True if msg is None else self._apply_edit(msg, p, caption=caption)

    def _api_editMessageReplyMarkup(self, p: dict, u: dict) -> dict[str, Any] | bool:
        msg = self._editable(p)
        return True if msg is None else self._apply_edit(msg, p)

    def _may_delete(self, chat: dict[str, Any], msg: dict[str, Any]) -> bool:
        """Bots delete their own messages, and others' in groups only as an administrator with
        can_delete_messages (or the creator); nothing older than 48 hours."""
        if now() - int(msg.get("date", now())) > 48 * 3600:
            return False
        if msg.get("from", {}).get("id") == self.bot_id or chat["type"] == "private":
            return True
        me = self.member(chat["id"], self.bot_id)
        return me["status"] == "creator" or (me["status"] == "administrator" and bool(me.get("can_delete_messages")))

    def _api_deleteMessage(self, p: dict, u: dict) -> bool:
        chat = self._target_chat(p)
        msg = self.messages.get((chat["id"], p.get("message_id", 0)))
        if msg is None:
            raise bad_request("message to delete not found")
        if not self._may_delete(chat, msg):
            raise bad_request("message can't be deleted")
        del self.messages[(chat["id"], msg["message_id"])]
        self.deleted.append((chat["id"], msg["message_id"]))
        return True

    def _api_deleteMessages(self, p: dict, u: dict) -> bool:
        chat = self._target_chat(p)
        ids = p.get("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad_request("message_ids must contain 1-100 identifiers")
        found = [self.messages[(chat["id"], mid)] for mid in ids if (chat["id"], mid) in self.messages]
        if found and not any(self._may_delete(chat, m) for m in found):
            raise bad_request("message can't be deleted")
        for msg in found:  # like the API: missing (and undeletable) messages are skipped silently
            if self._may_delete(chat, msg):
                del self.messages[(chat["id"], msg["message_id"])]
                self.deleted.append((chat["id"], msg["message_id"]))
        return True

    def _api_answerCallbackQuery(self, p: dict, u: dict) -> bool:
        if not p.get("callback_query_id"):
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        if len(p.get("text") or "") > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        return True

    def _api_sendDocument(self, p: dict, u: dict) -> dict[str, Any]:
        chat = self._target_chat(p)
        caption = self._caption(p)
        _, document = self._upload(p, u, "document")
        return self._send(p, chat, document=document, caption=caption)

    def _api_sendPhoto(self, p: dict, u: dict) -> dict[str, Any]:
        chat = self._target_chat(p)
        caption = self._caption(p)
        _, base = self._upload(p, u, "photo")
        size = {k: v for k, v in base.items() if k in ("file_id", "file_unique_id", "file_size")}
        return self._send(p, chat, photo=[size | {"width": 640, "height": 480}], caption=caption)

    def _api_getFile(self, p: dict, u: dict) -> dict[str, Any]:
        file_id = p.get("file_id", "")
        if file_id not in self.files:
            raise bad_request("invalid file_id")
        size = len(self.files[file_id])
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": size,
            "file_path": f"documents/{file_id}",
        }

    def _api_sendPoll(self, p: dict, u: dict) -> dict[str, Any]:
        chat = self._target_chat(p)
        question = (p.get("question") or "").strip()
        if not 1 <= len(question) <= 300:
            raise bad_request(
                "poll question length must not exceed 300" if question else "poll question must be non-empty"
            )
        raw = p.get("options")
        texts = [o if isinstance(o, str) else (o or {}).get("text", "") for o in (raw if isinstance(raw, list) else [])]
        if len(texts) < 2:
            raise bad_request("poll must have at least 2 option")
        if len(texts) > 12:
            raise bad_request("poll can't have more than 12 options")
        if any(not 1 <= len(t.strip()) <= 100 for t in texts):
            raise bad_request("poll options length must not exceed 100")
        if len({t.strip() for t in texts}) != len(texts):
            raise bad_request("POLL_OPTION_DUPLICATE")
        if "open_period" in p and "close_date" in p:
            raise bad_request("can't use open_period and close_date together")
        if "open_period" in p and not 5 <= p["open_period"] <= 2628000:
            raise bad_request("open_period must be between 5 and 2628000 seconds")
        if "close_date" in p and not 5 <= p["close_date"] - now() <= 2628000:
            raise bad_request("close_date must be between 5 and 2628000 seconds in the future")
        description = p.get("description")
        if description is not None and len(description) > 1024:
            raise bad_request("poll description is too long")
        kind = p.get("type", "regular")
        poll = {
            "id": str(next(self._serial)),
            "question": question,
            "options": [{"text": t, "voter_count": 0, "persistent_id": str(i)} for i, t in enumerate(texts)],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": p.get("is_anonymous", True),
            "type": kind,
            "allows_multiple_answers": p.get("allows_multiple_answers", False),
            "allows_revoting": p.get("allows_revoting", kind != "quiz"),
            "members_only": p.get("members_only", False),
        }
        for field in ("open_period", "close_date"):
            if field in p:
                poll[field] = p[field]
        self.polls[poll["id"]] = poll
        shown = dict(poll, description=description) if description else poll  # in the Message's poll only
        return self._send(p, chat, poll=shown)

    def _api_stopPoll(self, p: dict, u: dict) -> dict[str, Any]:
        chat = self._target_chat(p)
        msg = self.messages.get((chat["id"], p.get("message_id", 0)))
        if msg is None or "poll" not in msg:
            raise bad_request("message with poll to stop not found")
        if msg.get("from", {}).get("id") != self.bot_id:
            raise bad_request("message can't be edited")
        poll = self.polls[msg["poll"]["id"]]
        if poll["is_closed"]:
            raise bad_request("poll has already been closed")
        poll["is_closed"] = True
        return dict(poll)

    def _api_getChat(self, p: dict, u: dict) -> dict[str, Any]:
        chat = self._target_chat(p)
        info = dict(self._chat_info.get(chat["id"], {}))
        info.pop("member_count", None)
        gifts = dict.fromkeys(("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription"), False)
        full = chat | {
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": gifts | {"gifts_from_channels": False},
        }
        if chat["type"] in ("group", "supergroup"):
            full["permissions"] = dict.fromkeys(PERMISSION_FIELDS, True) | info.pop("permissions", {})
        return full | info

    def _api_getChatMember(self, p: dict, u: dict) -> dict[str, Any]:
        chat = self._target_chat(p)
        if p.get("user_id") is None:
            raise bad_request("user not found")
        return self.member(chat["id"], p["user_id"])

    def _api_getChatAdministrators(self, p: dict, u: dict) -> list[dict[str, Any]]:
        chat = self._target_chat(p)
        admins = [
            self.member(cid, uid)
            for (cid, uid), (status, _) in self._members.items()
            if cid == chat["id"] and status in ("creator", "administrator")
        ]
        return [m for m in admins if not m["user"]["is_bot"]]  # the API lists only admins that aren't bots

    def _api_getChatMemberCount(self, p: dict, u: dict) -> int:
        chat = self._target_chat(p)
        if "member_count" in self._chat_info.get(chat["id"], {}):
            return int(self._chat_info[chat["id"]]["member_count"])
        present = {uid for (cid, uid) in self._members if cid == chat["id"] and self._is_present(cid, uid)}
        if (chat["id"], self.bot_id) not in self._members:
            present.add(self.bot_id)
        return len(present)

    def _is_present(self, chat_id: Any, user_id: int) -> bool:
        m = self.member(chat_id, user_id)
        return m["status"] in ("creator", "administrator", "member") or bool(m.get("is_member"))

    def _api_restrictChatMember(self, p: dict, u: dict) -> bool:
        chat, uid, status = self._group_action(p, "can_restrict_members")
        perms = p.get("permissions") or {}
        flags = {f: bool(perms.get(f, False)) for f in PERMISSION_FIELDS}
        if all(flags.values()):  # restricting with every permission lifts the restriction
            if status == "restricted":
                self.set_member(chat["id"], uid, "member")
        else:
            self.set_member(chat["id"], uid, "restricted", until_date=p.get("until_date", 0), **flags)
        return True

    def _api_banChatMember(self, p: dict, u: dict) -> bool:
        chat, uid, _ = self._group_action(p, "can_restrict_members")
        self.set_member(chat["id"], uid, "kicked", until_date=p.get("until_date", 0))
        return True

    def _api_unbanChatMember(self, p: dict, u: dict) -> bool:
        chat, uid, status = self._group_action(p, "can_restrict_members")
        # Without only_if_banned the API also removes a current member from the chat.
        if status == "kicked" or not p.get("only_if_banned"):
            self.set_member(chat["id"], uid, "left")
        return True

    def _join_request(self, p: dict, approve: bool) -> bool:
        chat = self._target_chat(p)
        key = (chat["id"], p.get("user_id"))
        if key not in self._join_requests:  # only a pending request (see join_request_update) can be handled
            raise bad_request("HIDE_REQUESTER_MISSING")
        self._join_requests.discard(key)
        if approve:
            self.set_member(chat["id"], p["user_id"], "member")
        return True

    def _api_approveChatJoinRequest(self, p: dict, u: dict) -> bool:
        return self._join_request(p, approve=True)

    def _api_declineChatJoinRequest(self, p: dict, u: dict) -> bool:
        return self._join_request(p, approve=False)

    def _api_setChatPermissions(self, p: dict, u: dict) -> bool:
        chat = self._target_chat(p)
        self._chat_info.setdefault(chat["id"], {})["permissions"] = dict(p.get("permissions") or {})
        return True

    def _api_leaveChat(self, p: dict, u: dict) -> bool:
        chat = self._target_chat(p)
        self.set_member(chat["id"], self.bot_id, "left")
        return True
