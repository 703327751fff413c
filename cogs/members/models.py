from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class MemberSettings:
    member_id: int
    locale: str | None = None
    timezone: str | None = None
    analytics_opt_out: bool = False


@dataclass(frozen=True, slots=True)
class Identity:
    platform: str
    user_id: str
    member_id: int
    username: str | None = None
