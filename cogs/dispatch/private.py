"""Private chats with the bot (Telegram private chat, Discord DM, the console's `:dm`).

The community a private chat is about is the member's own: the only one they belong to, or the one they
picked with buttons (remembered until changed with /community). Linked accounts count: memberships belong
to the member, whichever platform they were seen on. Commands used in private see the caller's standing
in the community's group (a manager is a manager in private too), asked from the platform (FactsLookup)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.core.capabilities import Capabilities
from bot.core.commands import ButtonRoute, Caller, CommandSpec, Invocation, Place, Registry, Reply, Where
from bot.core.errors import BadArgument, PermissionDenied
from bot.core.i18n import t_
from bot.core.identity import Platform, PlatformId
from bot.core.outbound import Button, ButtonStyle, OutMessage
from bot.core.permissions import FactsLookup, PlatformFacts
from cogs.community.directory import Directory
from cogs.community.models import Community
from cogs.dispatch.answer import Answer

PENDING_FOR = timedelta(minutes=10)
MAX_CHOICES = 10  # buttons shown; more memberships than this is unusual (and /community lists them)

Rerun = Callable[[Place, Caller, CommandSpec, dict[str, Any], PlatformId | None], Awaitable[Answer]]


@dataclass
class _Pending:
    spec: CommandSpec
    raw: dict[str, Any]
    target: PlatformId | None
    at: datetime


def no_community_text() -> Any:
    return t_(
        "I don't know your community yet. I answer here for members of a community where I run: say hello or "
        "use a command in its group or server first. If you are in one on your other platform (Discord or "
        "Telegram), link your accounts there with /link."
    )


class PrivateChats:
    def __init__(self, directory: Directory, registry: Registry, capabilities: Capabilities, rerun: Rerun) -> None:
        self.directory = directory
        self.capabilities = capabilities
        self.rerun = rerun
        self._pending: dict[tuple[str, str], _Pending] = {}
        registry.add(
            CommandSpec(
                key="community",
                description=t_("Which community this private chat is about; switch to another"),
                handler=self.show,
                discord=("community",),
                telegram=("community",),
                where=Where.ANYWHERE,
                needs_community=False,
            )
        )
        registry.add_button(ButtonRoute("pc", self.press))

    async def community_of(self, member_id: int, chosen: int | None) -> Community | None:
        ids = await self.directory.members.communities_of(member_id)
        if chosen in ids:
            pick = chosen
        elif len(ids) == 1:
            pick = ids[0]
        else:
            return None
        return await self.directory.communities.get(pick)

    async def facts(self, community_id: int, platform: Platform, caller: Caller) -> PlatformFacts | None:
        lookup = self.capabilities.get(platform.value, FactsLookup)
        if lookup is None:
            return None
        for link in await self.directory.communities.links(community_id):
            if link.platform == platform.value:
                found = await lookup.facts_in(link.scope_id, caller.identity.id)
                if found is not None:
                    return found
        return None

    async def choose_first(
        self,
        place: Place,
        caller: Caller,
        inv: Invocation,
        spec: CommandSpec,
        raw: dict[str, Any],
        target: PlatformId | None,
    ) -> Answer:
        """A command that needs a community, in private, when the member has none or several."""
        ids = await self.directory.members.communities_of(inv.member_id)
        if not ids:
            return Answer(inv.locale, (OutMessage.of(no_community_text(), ephemeral=True),), error=True)
        self._pending[(place.platform.value, caller.identity.id)] = _Pending(spec, dict(raw), target, inv.now)
        return Answer(inv.locale, (await self._chooser(ids, None, t_("Which community is this about?")),))

    async def _chooser(self, ids: list[int], current: int | None, question: Any) -> OutMessage:
        rows = []
        for community_id in ids[:MAX_CHOICES]:
            community = await self.directory.communities.get(community_id)
            if community is None:
                continue
            style = ButtonStyle.PRIMARY if community_id == current else ButtonStyle.SECONDARY
            rows.append((Button(t_("{name}", name=community.name[:60]), f"pc:{community_id}", style),))
        return OutMessage.of(question, buttons=tuple(rows), ephemeral=True)

    async def show(self, inv: Invocation, _args: dict[str, Any]) -> Reply:
        if not inv.place.is_private:
            community = await self.directory.communities.get(inv.community_id) if inv.community_id else None
            name = community.name if community else inv.place.scope_title
            return Reply.of(OutMessage.of(t_("This group belongs to the community **{name}**.", name=name)))
        ids = await self.directory.members.communities_of(inv.member_id)
        if not ids:
            return Reply.of(OutMessage.of(no_community_text(), ephemeral=True))
        if len(ids) == 1:
            only = await self.directory.communities.get(ids[0])
            name = only.name if only else "?"
            return Reply.of(OutMessage.of(t_("This chat is about your community **{name}**.", name=name)))
        question = t_("This chat is about **{name}**. Pick another:", name=await self._name(inv.community_id))
        if inv.community_id is None:
            question = t_("You belong to several communities. Which one is this chat about?")
        return Reply.of(await self._chooser(ids, inv.community_id, question))

    async def press(self, inv: Invocation, rest: str) -> Reply:
        if not inv.place.is_private:
            raise BadArgument(t_("Use this button in your private chat with me."))
        ids = await self.directory.members.communities_of(inv.member_id)
        if not rest.isdigit() or int(rest) not in ids:
            raise PermissionDenied(t_("You are not a member of that community (any more)."))
        await self.directory.members.set_private_community(inv.member_id, int(rest))
        chosen = t_("This chat is now about **{name}**. Send /community to switch.", name=await self._name(int(rest)))
        pending = self._pending.pop((inv.platform.value, inv.caller.identity.id), None)
        if pending is None or inv.now - pending.at > PENDING_FOR:
            return Reply.of(OutMessage.of(chosen))
        answer = await self.rerun(inv.place, inv.caller, pending.spec, pending.raw, pending.target)
        return Reply((OutMessage.of(chosen), *answer.messages), answer.locale, answer.form)

    async def _name(self, community_id: int | None) -> str:
        community = await self.directory.communities.get(community_id) if community_id else None
        return community.name if community else "?"
