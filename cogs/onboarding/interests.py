"""Interests: managers define a list (on Discord each may map to a role), members pick theirs (a select
menu on Discord, toggle buttons elsewhere), and events created for an interest are announced by DM to the
members who picked it (through the outbox; a refused DM becomes a mention in the event's channel)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.core.errors import BadArgument, PermissionDenied
from bot.core.i18n import Moment, Text, UserRef, t_
from bot.core.identity import Platform
from bot.core.outbound import MentionPolicy, OutMessage
from cogs.dispatch.args import usage
from cogs.events.models import Event, EventCreated
from cogs.onboarding import render
from cogs.onboarding.context import FEATURE, Context
from cogs.onboarding.models import Interest
from cogs.onboarding.ports import AccessRefused
from cogs.outbox.models import OutboxItem, OutboxKey

log = logging.getLogger(__name__)

MAX_INTERESTS = 25  # a Discord select menu holds 25 options
NAME_MAX = 40
ANNOUNCE_PART = "interest"


def clean_names(raw: Sequence[str]) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    for piece in raw:
        name = " ".join(piece.split())
        if not name:
            continue
        if len(name) > NAME_MAX:
            raise BadArgument(
                t_(
                    "The interest “{name}” is too long: {length} characters, at most {limit}.",
                    name=name[:50] + "…",
                    length=len(name),
                    limit=NAME_MAX,
                )  # fmt: skip
            )
        if name.casefold() in seen:
            raise BadArgument(t_("“{name}” is in the list twice.", name=name))
        seen.add(name.casefold())
        names.append(name)
    if not names:
        raise BadArgument(t_("Give at least one interest, separated by |, for example: /setinterests Games | Music"))
    if len(names) > MAX_INTERESTS:
        raise BadArgument(t_("At most {limit} interests, not {count}.", limit=MAX_INTERESTS, count=len(names)))
    return names


def find(interests: Sequence[Interest], name: str) -> Interest | None:
    wanted = " ".join(name.split()).casefold()
    return next((i for i in interests if i.name.casefold() == wanted), None)


def unknown(name: str, interests: Sequence[Interest]) -> BadArgument:
    if not interests:
        return BadArgument(t_("This community has no interests to pick yet."))
    return BadArgument(
        t_(
            "There is no interest “{name}”. Pick one of: {names}.",
            name=name,
            names=", ".join(i.name for i in interests),
        )
    )


class InterestService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def choose(self, community_id: int, member_id: int, chosen: set[int]) -> tuple[list[Interest], list[Text]]:
        """Store the member's interests; on Discord give and take the interests' roles. Returns the list and
        what could not be done with roles."""
        repo = self.ctx.repo
        interests = await repo.interests(community_id)
        valid = {i.id for i in interests}
        if chosen - valid:
            raise BadArgument(t_("One of those interests no longer exists. Send /interests to see the list."))
        before = await repo.member_interests(community_id, member_id)
        await repo.set_member_interests(community_id, member_id, chosen)
        problems = await self.sync_roles(community_id, member_id, interests, before, chosen)
        return interests, problems

    async def sync_roles(
        self, community_id: int, member_id: int, interests: Sequence[Interest], before: set[int], after: set[int]
    ) -> list[Text]:
        platform = Platform.DISCORD.value
        roles = self.ctx.role_gate(platform)
        user_id = await self.ctx.user_id(member_id, platform)
        if roles is None or user_id is None:
            return []
        problems: list[Text] = []
        for interest in interests:
            if not interest.role_id or (interest.id in before) == (interest.id in after):
                continue
            for guild in await self.ctx.scopes(community_id, platform):
                try:
                    if interest.id in after:
                        await roles.grant(guild, user_id, interest.role_id)
                    else:
                        await roles.revoke(guild, user_id, interest.role_id)
                except AccessRefused as refused:
                    problems.append(t_("The role for {name}: {problem}", name=interest.name,
                                       problem=render.PROBLEMS[refused.problem]))  # fmt: skip
                except Exception:
                    log.exception("onboarding: role of interest %s for member %s", interest.id, member_id)
        return problems

    async def restore_roles(self, community_id: int, member_id: int) -> None:
        """A rejoin on Discord: their interests' roles come back."""
        chosen = await self.ctx.repo.member_interests(community_id, member_id)
        if chosen:
            interests = await self.ctx.repo.interests(community_id)
            await self.sync_roles(community_id, member_id, interests, set(), chosen)

    async def press(self, member_id: int, rest: str) -> tuple[int, list[Interest], set[int], list[Text]]:
        """`<community>:+<id>` flips one interest, `<community>:=<id>,<id>` sets the whole choice."""
        raw_cid, _, change = rest.partition(":")
        if not raw_cid.isdigit() or change[:1] not in ("+", "="):
            raise BadArgument(t_("This button no longer works. Run the command again."))
        community_id = int(raw_cid)
        if not await self.ctx.repo.is_member(community_id, member_id):
            raise PermissionDenied(t_("These interests belong to a community you are not in."))
        current = await self.ctx.repo.member_interests(community_id, member_id)
        values = [v for v in change[1:].split(",") if v]
        if not all(v.isdigit() for v in values):
            raise BadArgument(t_("This button no longer works. Run the command again."))
        picked = {int(v) for v in values}
        chosen = current ^ picked if change[0] == "+" else picked
        interests, problems = await self.choose(community_id, member_id, chosen)
        return community_id, interests, chosen, problems

    # -- announcing events --------------------------------------------------------------------------
    async def on_event(self, created: EventCreated) -> None:
        event = created.event
        if not event.interest:
            return
        ctx, now = self.ctx, self.ctx.clock.now()
        interests = await ctx.repo.interests(event.community_id)
        interest = find(interests, event.interest)
        community = await ctx.community(event.community_id)
        if interest is None:
            await self._tell_organizer_unknown(event, interests, community.locale)
            await ctx.outbox.deliver_due()
            return
        copies = []
        for member_id in await ctx.repo.members_with_interest(interest.id):
            target = await ctx.dm_target(member_id, event.channel.platform.value)
            if target is None:
                continue
            locale = await ctx.locale_of(member_id, community.locale)
            zone = (await ctx.members.settings(member_id)).timezone
            message = render.interest_news(interest.name, event.title, Moment(event.starts_at, event.timezone, zone),
                                           self._answer_with(target.platform))  # fmt: skip
            copies.append((OutboxKey(FEATURE, str(event.id), ANNOUNCE_PART, member_id), target, message, locale, now))
        await ctx.outbox.enqueue_many(copies)
        await ctx.outbox.deliver_due()

    def _answer_with(self, platform: Platform) -> str:
        spec = self.ctx.registry.by_key("event.list")
        return usage(spec, platform) if spec is not None else "/events"

    async def _tell_organizer_unknown(self, event: Event, interests: Sequence[Interest], locale: str) -> None:
        target = await self.ctx.dm_target(event.organizer_id, event.channel.platform.value)
        if target is None:
            return
        names = ", ".join(i.name for i in interests) or "–"
        message = OutMessage.of(
            t_(
                "Event #{id} is for the interest “{interest}”, but this community has no such interest ({names}), "
                "so nobody was told about it.",
                id=event.id,
                interest=event.interest,
                names=names,
            )  # fmt: skip
        )
        key = OutboxKey(FEATURE, str(event.id), "unknown-interest", event.organizer_id)
        await self.ctx.outbox.enqueue(key, target, message, await self.ctx.locale_of(event.organizer_id, locale),
                                      self.ctx.clock.now())  # fmt: skip

    async def dm_refused(self, item: OutboxItem) -> None:
        """An announcement DM refused: mention the member in the event's channel instead."""
        key = item.key
        if key.part != ANNOUNCE_PART or key.member_id is None or key.fallback or not key.subject.isdigit():
            return
        event = await self.ctx.events.get(int(key.subject))
        if event is None:
            return
        name = next((i.username for i in await self.ctx.members.identities(key.member_id) if i.username), None)
        who = UserRef(item.target.chat_id, name or f"#{key.member_id}")
        message = OutMessage(
            (t_("{member}, this may interest you:", member=who), *item.message.lines),
            mentions=MentionPolicy.USERS,
            mention_ids=(item.target.chat_id,),
        )
        await self.ctx.outbox.enqueue(key.as_fallback(), event.channel, message, item.locale, self.ctx.clock.now())
