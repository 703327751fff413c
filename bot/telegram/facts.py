"""Who is the caller in this chat? Telegram's member status → neutral PlatformFacts, cached briefly
(every command re-checks, but one getChatMember per minute per member is plenty)."""

from __future__ import annotations

import time

from telegram import Bot, ChatMemberAdministrator, ChatMemberOwner
from telegram.error import TelegramError

from bot.core.permissions import PlatformFacts

TTL = 60.0


class FactsCache:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self._cache: dict[tuple[int, int], tuple[float, PlatformFacts]] = {}

    async def facts(self, chat_id: int, user_id: int, private: bool) -> PlatformFacts:
        if private:
            return PlatformFacts()
        key = (chat_id, user_id)
        hit = self._cache.get(key)
        now = time.monotonic()
        if hit and now - hit[0] < TTL:
            return hit[1]
        try:
            member = await self.bot.get_chat_member(chat_id, user_id)
        except TelegramError:
            return PlatformFacts()
        if isinstance(member, ChatMemberOwner):
            facts = PlatformFacts(can_moderate=True, can_manage=True)
        elif isinstance(member, ChatMemberAdministrator):
            facts = PlatformFacts(can_moderate=member.can_restrict_members, can_manage=member.can_change_info)
        else:
            facts = PlatformFacts()
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[key] = (now, facts)
        return facts

    def forget(self, chat_id: int, user_id: int) -> None:
        self._cache.pop((chat_id, user_id), None)

    async def facts_in(self, scope_id: str, user_id: str) -> PlatformFacts | None:
        """FactsLookup: the user's standing in one of the community's groups (asked from a private chat)."""
        try:
            return await self.facts(int(scope_id), int(user_id), private=False)
        except ValueError:
            return None
