"""One-time codes that join two things across platforms: a member's accounts (/link) and a
community's server and group (/setup link). Short, typed by hand, valid for 15 minutes, used once."""

from __future__ import annotations

import secrets
from datetime import timedelta

from bot.core.clock import Clock
from bot.core.errors import BadArgument
from bot.core.i18n import Text
from cogs.members.ports import LinkCodeRepo

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are typed by hand
CODE_LENGTH = 8
CODE_TTL = timedelta(minutes=15)


def normalise_code(text: str) -> str:
    return text.strip().upper().replace("-", "").replace(" ", "")


class LinkCodes:
    def __init__(self, repo: LinkCodeRepo, clock: Clock) -> None:
        self.repo = repo
        self.clock = clock

    async def issue(self, kind: str, owner_id: int, platform: str) -> str:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        await self.repo.create(code, kind, owner_id, platform, self.clock.now() + CODE_TTL)
        return code

    async def redeem(self, kind: str, code: str, unusable: Text) -> tuple[int, str]:
        """(owner id, platform it was issued on); `unusable` is the error for unknown, used or expired codes."""
        found = await self.repo.consume(normalise_code(code), kind, self.clock.now())
        if found is None:
            raise BadArgument(unusable)
        return found
