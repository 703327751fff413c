"""Serialisable send destinations, stored in the database for later sends (reminders, digests)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from bot.core.identity import Platform


@dataclass(frozen=True, slots=True)
class Target:
    """A place a message can go: a channel/group (optionally a thread/topic) or a member's DM.

    `chat_id` is the platform's channel or chat id; for a DM it is the user's id and `dm` is True.
    """

    platform: Platform
    chat_id: str
    thread_id: str | None = None
    dm: bool = False

    @classmethod
    def channel(cls, platform: Platform | str, chat_id: int | str, thread_id: int | str | None = None) -> Target:
        return cls(Platform(platform), str(chat_id), None if thread_id is None else str(thread_id))

    @classmethod
    def direct(cls, platform: Platform | str, user_id: int | str) -> Target:
        return cls(Platform(platform), str(user_id), None, True)

    def to_json(self) -> str:
        data = asdict(self)
        data["platform"] = self.platform.value
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Target:
        data = json.loads(text)
        return cls(Platform(data["platform"]), data["chat_id"], data.get("thread_id"), bool(data.get("dm")))
