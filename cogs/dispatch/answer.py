"""What the dispatcher gives back to an adapter: messages in a locale, or a form to open."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.commands import Form
from bot.core.outbound import OutMessage


@dataclass(frozen=True, slots=True)
class Answer:
    locale: str
    messages: tuple[OutMessage, ...]
    error: bool = False
    form: Form | None = None  # Discord opens it as a modal; other platforms never see one (asked step by step)
