"""Builders for realistic Bot API objects and update dicts, mixed into ``FakeTelegram``.

Builders only *build* (and keep the fake's chat/member/message tables consistent, so the bot can
reply to, edit or look up what a test injected); ``FakeTelegram.push_update`` delivers them.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .telegram_wire import utf16_len

# Every ChatPermissions flag; ChatMemberRestricted needs all of them.
PERMISSION_FIELDS = (
    "can_send_messages", "can_send_audios", "can_send_documents", "can_send_photos", "can_send_videos",
    "can_send_video_notes", "can_send_voice_notes", "can_send_polls", "can_send_other_messages",
    "can_add_web_page_previews", "can_change_info", "can_invite_users", "can_pin_messages", "can_manage_topics",
    "can_edit_tag", "can_react_to_messages",
)  # fmt: skip
ADMIN_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": True,
    "can_edit_stories": True,
    "can_delete_stories": True,
    "can_pin_messages": True,
    "can_manage_topics": True,
}
STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")
_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?=\s|$)")


def now() -> int:
    return int(time.time())


def member_json(user: dict[str, Any], status: str, rights: dict[str, Any]) -> dict[str, Any]:
    """A ChatMember of the given status with every field PTB requires for that status."""
    if status not in STATUSES:
        raise ValueError(f"unknown chat member status {status!r}")
    base: dict[str, Any] = {"status": status, "user": user}
    if status == "creator":
        base["is_anonymous"] = False
    elif status == "administrator":
        base.update(ADMIN_RIGHTS)
    elif status == "restricted":
        base.update({"is_member": True, "until_date": 0}, **dict.fromkeys(PERMISSION_FIELDS, False))
    elif status == "kicked":
        base["until_date"] = 0
    return base | rights


class UpdateBuilders:
    """Mixin; the host provides the tables and helpers named below."""

    bot_user: dict[str, Any]
    messages: dict[tuple[Any, int], dict[str, Any]]
    polls: dict[str, dict[str, Any]]
    _ids: itertools.count[int]  # message ids
    _serial: itertools.count[int]  # other ids (callback queries, polls, files)
    _join_requests: set[tuple[Any, int]]

    if TYPE_CHECKING:  # provided by FakeTelegram

        def user(self, user_id: int) -> dict[str, Any]: ...
        def chat(self, chat_id: Any, chat_type: str | None = None) -> dict[str, Any]: ...
        def member(self, chat_id: Any, user_id: int) -> dict[str, Any]: ...
        def set_member(self, chat_id: Any, user_id: int, status: str = "member", **rights: Any) -> None: ...

    def _sender(self, user_id: int, **overrides: Any) -> dict[str, Any]:
        return self.user(user_id) | {k: v for k, v in overrides.items() if v is not None}

    def _message(self, chat_id: Any, sender: dict[str, Any] | None, chat_type: str | None, **fields: Any) -> dict:
        """Create and remember a message, so that replies, edits and deletes of it work."""
        msg: dict[str, Any] = {"message_id": next(self._ids), "date": now(), "chat": self.chat(chat_id, chat_type)}
        if sender is not None:
            msg["from"] = sender
        msg.update({k: v for k, v in fields.items() if v is not None})
        self.messages[(msg["chat"]["id"], msg["message_id"])] = msg
        return msg

    def message_update(
        self,
        chat_id: Any,
        user_id: int,
        text: str,
        *,
        chat_type: str = "supergroup",
        username: str | None = None,
        first_name: str | None = None,
        language_code: str | None = None,
        reply_to: dict[str, Any] | int | None = None,
        message_thread_id: int | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """A text message from a user; a leading /command (also /cmd@bot) gets its bot_command entity."""
        sender = self._sender(user_id, username=username, first_name=first_name, language_code=language_code)
        if entities is None and (m := _COMMAND_RE.match(text)):
            entities = [{"type": "bot_command", "offset": 0, "length": utf16_len(m.group())}]
        reply = None
        if isinstance(reply_to, int):
            reply = self.messages.get((self.chat(chat_id, chat_type)["id"], reply_to)) or {
                "message_id": reply_to,
                "date": now(),
                "chat": self.chat(chat_id, chat_type),
            }
        elif reply_to is not None:
            reply = reply_to
        msg = self._message(
            chat_id,
            sender,
            chat_type,
            text=text,
            entities=entities,
            reply_to_message=reply,
            message_thread_id=message_thread_id,
            is_topic_message=True if message_thread_id is not None else None,
        )
        return {"message": msg}

    def callback_update(
        self, chat_id: Any, user_id: int, data: str, message_id: int | None = None, *, chat_type: str = "supergroup"
    ) -> dict[str, Any]:
        """A button press on a bot message (an existing one, or one created with that id)."""
        chat = self.chat(chat_id, chat_type)
        msg = self.messages.get((chat["id"], message_id)) if message_id is not None else None
        if msg is None:
            msg = self._message(chat_id, self.bot_user, chat_type, text="(buttons)")
            if message_id is not None:  # keep the id the test asked for
                del self.messages[(chat["id"], msg["message_id"])]
                msg["message_id"] = message_id
                self.messages[(chat["id"], message_id)] = msg
        query = {
            "id": str(next(self._serial)),
            "from": self.user(user_id),
            "message": msg,
            "chat_instance": str(abs(hash(chat["id"]))),
            "data": data,
        }
        return {"callback_query": query}

    def chat_member_update(
        self,
        chat_id: Any,
        user_id: int,
        old_status: str,
        new_status: str,
        *,
        by: int | None = None,
        chat_type: str = "supergroup",
        my: bool = False,
        **new_rights: Any,
    ) -> dict[str, Any]:
        """A ``chat_member`` update (``my_chat_member`` with my=True); also updates the member table."""
        user = self.bot_user if my else self.user(user_id)
        uid = user["id"]
        old = member_json(user, old_status, {})
        self.set_member(chat_id, uid, new_status, **new_rights)
        payload = {
            "chat": self.chat(chat_id, chat_type),
            "from": self.user(by if by is not None else uid),
            "date": now(),
            "old_chat_member": old,
            "new_chat_member": self.member(chat_id, uid),
        }
        return {"my_chat_member" if my else "chat_member": payload}

    def reaction_update(
        self,
        chat_id: Any,
        user_id: int,
        message_id: int,
        new: Iterable[str] = ("👍",),
        old: Iterable[str] = (),
        *,
        chat_type: str = "supergroup",
    ) -> dict[str, Any]:
        """A ``message_reaction`` update with emoji reactions."""
        payload = {
            "chat": self.chat(chat_id, chat_type),
            "message_id": message_id,
            "user": self.user(user_id),
            "date": now(),
            "old_reaction": [{"type": "emoji", "emoji": e} for e in old],
            "new_reaction": [{"type": "emoji", "emoji": e} for e in new],
        }
        return {"message_reaction": payload}

    def new_members_update(
        self, chat_id: Any, user_ids: int | Iterable[int], *, by: int | None = None, chat_type: str = "supergroup"
    ) -> dict[str, Any]:
        """Service message ``new_chat_members``; joiners become members. ``by`` = who added them."""
        ids = [user_ids] if isinstance(user_ids, int) else list(user_ids)
        for uid in ids:
            self.set_member(chat_id, uid, "member")
        sender = self.user(by if by is not None else ids[0])
        users = [self.user(uid) for uid in ids]
        return {"message": self._message(chat_id, sender, chat_type, new_chat_members=users)}

    def left_member_update(
        self, chat_id: Any, user_id: int, *, by: int | None = None, chat_type: str = "supergroup"
    ) -> dict[str, Any]:
        """Service message ``left_chat_member``; the user becomes "left"."""
        self.set_member(chat_id, user_id, "left")
        sender = self.user(by if by is not None else user_id)
        return {"message": self._message(chat_id, sender, chat_type, left_chat_member=self.user(user_id))}

    def join_request_update(self, chat_id: Any, user_id: int, *, bio: str | None = None) -> dict[str, Any]:
        """A ``chat_join_request``; after it the bot may DM the user (user_chat_id)."""
        chat = self.chat(chat_id)
        self._join_requests.add((chat["id"], user_id))
        payload = {"chat": chat, "from": self.user(user_id), "user_chat_id": user_id, "date": now()}
        if bio is not None:
            payload["bio"] = bio
        return {"chat_join_request": payload}

    def poll_update(self, poll_id: str, voter_counts: Iterable[int]) -> dict[str, Any]:
        """New vote counts for a poll the bot sent (anonymous polls give only this, no poll_answer)."""
        poll = self.polls[poll_id]
        if poll["is_closed"]:
            raise ValueError("a closed poll's counts no longer change")
        for option, count in zip(poll["options"], voter_counts, strict=True):
            option["voter_count"] = count
        poll["total_voter_count"] = sum(o["voter_count"] for o in poll["options"])
        return {"poll": dict(poll)}

    def poll_answer_update(self, poll_id: str, user_id: int, option_ids: Iterable[int]) -> dict[str, Any]:
        """A ``poll_answer`` (non-anonymous polls only); empty option_ids = vote retracted."""
        poll = self.polls[poll_id]
        if poll["is_anonymous"]:
            raise ValueError("anonymous polls deliver no poll_answer updates, only poll updates with counts")
        if poll["is_closed"]:
            raise ValueError("a closed poll takes no more answers")
        options = poll["options"]
        ids = list(option_ids)
        if len(ids) > 1 and not poll["allows_multiple_answers"]:
            raise ValueError("a single-answer poll takes one option")
        payload = {
            "poll_id": poll_id,
            "user": self.user(user_id),
            "option_ids": ids,
            "option_persistent_ids": [options[i]["persistent_id"] for i in ids],
        }
        return {"poll_answer": payload}
