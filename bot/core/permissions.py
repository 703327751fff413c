"""Role resolution (SPEC §1): member < moderator < manager. Adapters collect platform facts;
the rule that turns them into a role lives here, once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Protocol

from bot.core.i18n import Text, t_


class Role(IntEnum):
    MEMBER = 0
    MODERATOR = 1
    MANAGER = 2

    @property
    def label(self) -> Text:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.MEMBER: t_("member"),
    Role.MODERATOR: t_("moderator"),
    Role.MANAGER: t_("manager"),
}


@dataclass(frozen=True, slots=True)
class PlatformFacts:
    """What the platform says about the caller, in neutral terms.

    Discord: can_moderate = Moderate/Kick/Ban Members; can_manage = Manage Server; role_ids = roles.
    Telegram: can_moderate = administrator with can_restrict_members; can_manage = creator or
    administrator with can_change_info. Console: the chosen persona sets them directly.
    """

    can_moderate: bool = False
    can_manage: bool = False
    can_organize: bool = False  # Discord Manage Events: may create events without being a manager
    role_ids: frozenset[str] = field(default_factory=frozenset)


def resolve_role(
    identity: str,
    facts: PlatformFacts,
    owners: Iterable[str] = (),
    moderator_roles: Iterable[str] = (),
    manager_roles: Iterable[str] = (),
) -> Role:
    if identity in set(owners) or facts.can_manage or facts.role_ids & frozenset(manager_roles):
        return Role.MANAGER
    if facts.can_moderate or facts.role_ids & frozenset(moderator_roles):
        return Role.MODERATOR
    return Role.MEMBER


class FactsLookup(Protocol):
    """A platform capability: the caller's facts in one of the community's groups, for commands used in a
    private chat (a manager is a manager in private too). None when the platform cannot tell."""

    async def facts_in(self, scope_id: str, user_id: str) -> PlatformFacts | None: ...
