"""Spec violations the fakes saw, kept until a test claims them or the test fails on them.

Both fakes check every request against the platform's published API description (Telegram:
``telegram_spec.py``, Discord: ``discord_spec.py``), answer a violating request the way the platform
would (Telegram 400 Bad Request, Discord 400 Invalid Form Body / 404 / 405) and record a
:class:`Violation` here. The hooks in ``tests/conftest.py`` fail the test during which a violation
was recorded, naming the call and the rule it broke, because on the real platform the user would
have seen nothing.

A test that sends a bad request on purpose claims what it expected with ``fake.take_violations()``
(and can assert on it); ``@pytest.mark.allow_violations`` opts a whole test out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SPECS = Path(__file__).with_name("specs")

_unclaimed: list[Violation] = []


@dataclass(frozen=True)
class Violation:
    platform: str  # "telegram" | "discord"
    call: str  # the request, shortened: "sendMessage chat_id=-100 text='…'" or "POST /channels/1/messages {…}"
    rule: str  # the rule it broke, naming the method/route and field

    def __str__(self) -> str:
        return f"{self.platform} {self.call}\n    breaks: {self.rule}"


class Ledger:
    """One fake's violations (all of them, claimed or not)."""

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self.violations: list[Violation] = []

    def record(self, call: str, rules: list[str]) -> None:
        for rule in rules:
            violation = Violation(self.platform, call, rule)
            self.violations.append(violation)
            _unclaimed.append(violation)

    def take(self) -> list[Violation]:
        """Claim this fake's violations so far (the test expected them) and return them."""
        mine = {id(v) for v in self.violations}
        _unclaimed[:] = [v for v in _unclaimed if id(v) not in mine]
        taken, self.violations = self.violations, []
        return taken


def unclaimed() -> list[Violation]:
    """Violations no test has claimed yet; the list is emptied (each is reported once)."""
    out = list(_unclaimed)
    _unclaimed.clear()
    return out


def describe(violations: list[Violation]) -> str:
    head = f"{len(violations)} request(s) broke the platform's published API spec (the real platform would refuse):"
    return "\n".join([head, *(f"  - {v}" for v in violations)])


def shorten(value: Any, limit: int = 300) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"
