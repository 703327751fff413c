from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.targets import Target


@dataclass(frozen=True, slots=True)
class Community:
    id: int
    name: str
    timezone: str
    locale: str
    manager_channel: Target | None
    moderator_roles: tuple[str, ...]
    manager_roles: tuple[str, ...]
    organizer_roles: tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CommunityLink:
    platform: str
    scope_id: str
    community_id: int
    title: str
