from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class MemberSettings:
    member_id: int
    locale: str | None = None
    timezone: str | None = None
    analytics_opt_out: bool = False
    seen_locale: str | None = None
    private_community_id: int | None = None  # the community a private chat with the bot is about (/community)

    @property
    def effective_locale(self) -> str | None:
        """For sends with no conversation to take the language from (reminders): chosen, else last seen."""
        return self.locale or self.seen_locale


@dataclass(frozen=True, slots=True)
class Identity:
    platform: str
    user_id: str
    member_id: int
    username: str | None = None
