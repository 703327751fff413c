"""Guided dialogues: a command typed without its required arguments asks for them one at a time, and a
form (a modal on Discord) asks its fields one at a time (Telegram and the console). In memory: a dialogue left for ten
minutes is forgotten, as is every dialogue on restart — the member simply types the command again."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.core.commands import CommandSpec, Form
from bot.core.identity import PlatformId

TIMEOUT = timedelta(minutes=10)
DialogueKey = tuple[str, str, str]  # platform, chat id, user id


@dataclass
class Dialogue:
    spec: CommandSpec | None  # a command's missing arguments, or…
    raw: dict[str, Any]  # the arguments (or form values) so far
    waiting_for: str
    target_member: PlatformId | None
    started: datetime
    answers: int = field(default=0)
    form: Form | None = None  # …a form's fields, one by one


class Dialogues:
    def __init__(self) -> None:
        self._open: dict[DialogueKey, Dialogue] = {}

    def start(self, key: DialogueKey, dialogue: Dialogue) -> None:
        if len(self._open) > 10_000:  # bound memory against abandoned dialogues
            self.expire(dialogue.started)
        self._open[key] = dialogue

    def get(self, key: DialogueKey, now: datetime) -> Dialogue | None:
        found = self._open.get(key)
        if found is not None and now - found.started > TIMEOUT:
            del self._open[key]
            return None
        return found

    def end(self, key: DialogueKey) -> bool:
        return self._open.pop(key, None) is not None

    def expire(self, now: datetime) -> None:
        self._open = {k: d for k, d in self._open.items() if now - d.started <= TIMEOUT}
