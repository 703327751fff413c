"""Moderator commands: warn, mute, unmute, kick, ban, unban, note, infractions, purge.

Handlers unpack arguments, find whom they aim at, and hand a `Request` to the `Enforcer` (actions.py),
which checks, records and carries it out. Reports, automod, raids and settings live beside this file."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from bot.core.clock import Clock
from bot.core.commands import Invocation, Reply, UserHandle
from bot.core.errors import BadArgument, NotFound, PermissionDenied, PlatformLimitation
from bot.core.i18n import Text, UserRef, t_, tn_
from bot.core.identity import PlatformId
from bot.core.outbound import OutMessage
from bot.core.permissions import Role, resolve_role
from cogs.community.directory import Directory
from cogs.community.ports import CommunityRepo
from cogs.members.ports import MemberRepo
from cogs.moderation import render
from cogs.moderation.actions import DELETE_PERMISSION, Enforcer, Request, Subject
from cogs.moderation.durations import duration_text, looks_like_duration, parse_duration
from cogs.moderation.models import ActionFailed, Infraction, InfractionKind, Source, TargetFacts
from cogs.moderation.ports import ModerationRepo
from cogs.outbox.models import OutboxKey

PURGE_MAX = 1000
TELEGRAM_DELETE_WINDOW = timedelta(hours=48)
REASON_MAX = 500


class ModerationService:
    def __init__(
        self,
        repo: ModerationRepo,
        enforcer: Enforcer,
        members: MemberRepo,
        communities: CommunityRepo,
        directory: Directory,
        clock: Clock,
        owners: Iterable[str] = (),
    ) -> None:
        self.repo = repo
        self.enforcer = enforcer
        self.members = members
        self.communities = communities
        self.directory = directory
        self.clock = clock
        self.owners = tuple(owners)

    # -- whom a command aims at ------------------------------------------------------------------------
    async def subject(self, inv: Invocation, value: Any) -> tuple[Subject, TargetFacts | None]:
        """The member a command names: a reply, a Discord user option, an @username or a numeric id."""
        platform = inv.platform.value
        if isinstance(value, UserHandle):
            found = await self.members.find_username(platform, value.username)
            if found is None:
                raise NotFound(
                    t_(
                        "I don't know @{name}: I learn usernames when members write here. Reply to one of their "
                        "messages or give their numeric id.",
                        name=value.username,
                    )
                )
            user_id = found.user_id
        elif isinstance(value, PlatformId):
            user_id = value.id
        else:
            raise BadArgument(t_("Reply to the member's message, or give their @username or numeric id."))
        actions = self.enforcer.actions(platform)
        facts = None
        if actions is not None and inv.place.scope_id is not None:
            facts = await actions.target(inv.place.scope_id, inv.caller.identity.id, user_id)
        identities_name = None
        if facts is None or not facts.name:
            member_id = await self.directory.member_id(platform, user_id, None, inv.now)
            identities_name = await self.enforcer.name_of(member_id, user_id)
        name = (facts.name if facts and facts.name else None) or identities_name or user_id
        member_id = await self.directory.member_id(platform, user_id, name, inv.now)
        return Subject(member_id, platform, inv.place.scope_id or "", user_id, name), facts

    def _request(
        self,
        inv: Invocation,
        subject: Subject,
        kind: InfractionKind,
        reason: str,
        duration: timedelta | None = None,
        delete_days: int = 0,
        facts: TargetFacts | None = None,
    ) -> Request:
        assert inv.community_id is not None
        return Request(
            inv.community_id,
            subject,
            kind,
            reason,
            Source.MANUAL,
            moderator_id=inv.member_id,
            moderator=UserRef(inv.caller.identity.id, inv.caller.display_name),
            actor_user_id=inv.caller.identity.id,
            duration=duration,
            delete_days=delete_days,
            facts=facts,
        )

    async def _run(
        self, inv: Invocation, args: dict[str, Any], kind: InfractionKind, **kw: Any
    ) -> tuple[Infraction, UserRef]:
        reason = clean_reason(args.get("reason"))
        subject, facts = await self.subject(inv, args.get("member"))
        request = self._request(inv, subject, kind, reason, facts=facts, **kw)
        if inv.caller.username:  # histories name the moderator by it
            await self.members.set_usernames(inv.platform.value, {inv.caller.identity.id: inv.caller.username})
        return await self.enforcer.act(request), subject.ref

    # -- commands --------------------------------------------------------------------------------------
    async def warn(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        if not (args.get("reason") or "").strip():
            raise BadArgument(t_("Give a reason for the warning: the member is told it."))
        row, who = await self._run(inv, args, InfractionKind.WARN)
        return _done(t_("⚠️ Warning #{id} recorded for {member}; they were told.", id=row.id, member=who))

    async def mute(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        duration = self._mute_duration(inv, args.get("duration"))
        row, who = await self._run(inv, args, InfractionKind.MUTE, duration=duration)
        return _done(
            t_(
                "🔇 {member} is muted for {duration} (#{id}).",
                member=who,
                duration=duration_text(duration),
                id=row.id,
            )
        )

    def _mute_duration(self, inv: Invocation, raw: str | None) -> timedelta:
        if not (raw or "").strip():
            raise BadArgument(t_("Say for how long, like 30m, 2h, 1d or 1w."))
        duration = parse_duration(str(raw))
        actions = self.enforcer.actions(inv.platform.value)
        limit = actions.max_mute if actions is not None else None
        if limit is not None and duration > limit:
            raise BadArgument(t_("A mute can last at most {limit} here.", limit=duration_text(limit)))
        return duration

    async def unmute(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        row, who = await self._run(inv, args, InfractionKind.UNMUTE)
        return _done(t_("🔊 {member} can write again (#{id}).", member=who, id=row.id))

    async def kick(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        row, who = await self._run(inv, args, InfractionKind.KICK)
        return _done(t_("👢 {member} was removed and can join again (#{id}).", member=who, id=row.id))

    async def ban(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        raw, reason = (args.get("duration") or "").strip(), (args.get("reason") or "").strip()
        if raw and not looks_like_duration(raw):  # `/ban spamming links`: no duration, all of it is the reason
            raw, reason = "", " | ".join(p for p in (raw, reason) if p)
        duration = parse_duration(raw) if raw else None
        actions = self.enforcer.actions(inv.platform.value)
        limit = actions.max_temporary if actions is not None else None
        if duration is not None and limit is not None and duration > limit:
            raise BadArgument(
                t_(
                    "A temporary ban can last at most {limit} here; leave the duration out for a permanent ban.",
                    limit=duration_text(limit),
                )  # fmt: skip
            )
        days = args.get("delete_days") or 0
        row, who = await self._run(
            inv, {**args, "reason": reason}, InfractionKind.BAN, duration=duration, delete_days=days
        )
        if duration is None:
            return _done(t_("⛔ {member} is banned permanently (#{id}).", member=who, id=row.id))
        return _done(
            t_(
                "⛔ {member} is banned for {duration} (#{id}).", member=who, duration=duration_text(duration), id=row.id
            )  # fmt: skip
        )

    async def unban(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        row, who = await self._run(inv, args, InfractionKind.UNBAN)
        return _done(t_("✅ {member} is no longer banned (#{id}).", member=who, id=row.id))

    async def note(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        text = (args.get("text") or "").strip()
        if not text:
            raise BadArgument(t_("Write the note after the member."))
        row, who = await self._run(inv, {**args, "reason": text}, InfractionKind.NOTE)
        return _done(t_("📝 Note #{id} added for {member}. Only moderators see it.", id=row.id, member=who))

    # -- history ---------------------------------------------------------------------------------------
    async def infractions(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        assert inv.community_id is not None
        subject, _facts = await self.subject(inv, args.get("member"))
        return Reply.of(await self._page(inv.community_id, subject.member_id, subject.ref, args.get("page") or 1, inv))

    async def _page(self, community_id: int, member_id: int, member: UserRef, page: int, inv: Invocation) -> OutMessage:
        rows, total = await self.repo.history(community_id, member_id, (page - 1) * render.PAGE, render.PAGE)
        if not rows and page > 1:
            raise NotFound(t_("There is no page {page}.", page=page))
        names: dict[int, str] = {}
        for row in rows:
            if row.moderator_id is not None and row.moderator_id not in names:
                names[row.moderator_id] = await self.enforcer.name_of(row.moderator_id, f"#{row.moderator_id}")
        community = await self.communities.get(community_id)
        zone = community.timezone if community else "UTC"
        prefix = f"modinf:{community_id}:{member_id}:{member.user_id}"
        return render.history(member, rows, total, page, inv.now, zone, names, prefix)

    async def press_page(self, inv: Invocation, rest: str) -> Reply:
        parts = rest.split(":")
        if len(parts) != 4 or not all(p.lstrip("-").isdigit() for p in parts):
            raise BadArgument(t_("This button no longer works. Run the command again."))
        community_id, member_id, user_id, page = int(parts[0]), int(parts[1]), parts[2], int(parts[3])
        await self.require_moderator(inv, community_id)
        name = await self.enforcer.name_of(member_id, user_id)
        return Reply.of(await self._page(community_id, member_id, UserRef(user_id, name), max(page, 1), inv))

    async def require_moderator(self, inv: Invocation, community_id: int) -> None:
        """Re-check a button press: in the community's own chat the dispatcher knows the role; in a private
        chat (an answer sent privately) ask the platform about the presser's role in the community's chats."""
        if inv.community_id == community_id:
            if inv.role < Role.MODERATOR:
                raise PermissionDenied(t_("Only moderators can do that."))
            return
        if inv.place.is_private:
            community = await self.communities.get(community_id)
            actions = self.enforcer.actions(inv.platform.value)
            if community is not None and actions is not None:
                for link in await self.communities.links(community_id):
                    if link.platform != inv.platform.value:
                        continue
                    facts = await actions.staff_facts(link.scope_id, inv.caller.identity.id)
                    role = resolve_role(str(inv.caller.identity), facts, self.owners, community.moderator_roles,
                                        community.manager_roles)  # fmt: skip
                    if role >= Role.MODERATOR:
                        return
        raise PermissionDenied(t_("Only moderators can do that."))

    # -- purge -----------------------------------------------------------------------------------------
    async def purge(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        assert inv.community_id is not None and inv.place.scope_id is not None
        platform = inv.platform.value
        actions = self.enforcer.actions(platform)
        if actions is None:
            raise PlatformLimitation(t_("This platform can't do that."))
        count, start = args.get("count"), inv.target_message
        author: str | None = None
        if args.get("member") is not None:
            subject, _facts = await self.subject(inv, args["member"])
            author = subject.user_id
        if start is None and count is None:
            raise BadArgument(
                t_(
                    "Reply to the first message to delete with /purge, or say how many: /purge 20 (at most {limit}).",
                    limit=PURGE_MAX,
                )  # fmt: skip
            )
        up_to = inv.place.message_id
        if platform == "telegram" and inv.place.channel.thread_id is not None:
            raise BadArgument(
                t_(
                    "In a topic I can't tell its messages from the others' by number, so /purge works only in "
                    "groups without topics. Delete the messages by hand here."
                )
            )
        if start is not None:
            if (
                start.sent_at is not None
                and inv.now - start.sent_at > TELEGRAM_DELETE_WINDOW
                and platform == "telegram"
            ):
                raise BadArgument(
                    t_("That message is older than 48 hours: Telegram lets bots delete only newer messages.")
                )
            if up_to and start.message_id.isdigit() and up_to.isdigit():
                span = int(up_to) - int(start.message_id) + 1
                if span > PURGE_MAX:
                    raise BadArgument(
                        t_("That is {count} messages; I delete at most {limit} at once.", count=span, limit=PURGE_MAX)
                    )
        needed = DELETE_PERMISSION.get(platform)
        channel = inv.place.channel.thread_id or inv.place.channel.chat_id
        if needed is not None and needed not in await actions.bot_permissions(inv.place.scope_id, channel):
            raise PlatformLimitation(render.problem_text(f"perm:{needed.value}"))
        try:
            deleted = await actions.purge(
                inv.place.scope_id,
                inv.place.channel.chat_id,
                count=count if start is None else None,
                author_user_id=author,
                from_message_id=start.message_id if start is not None else None,
                up_to_message_id=up_to,
            )
        except ActionFailed as exc:
            code = f"perm:{exc.permission.value}" if exc.permission else f"refused:{exc.detail[:200]}"
            raise PlatformLimitation(render.problem_text(code)) from exc
        stamp = int(inv.now.timestamp() * 1000)
        moderator = UserRef(inv.caller.identity.id, inv.caller.display_name)
        await self.enforcer.post_log(
            inv.community_id,
            OutboxKey("mod", f"purge:{inv.place.channel.chat_id}:{stamp}", "log"),
            OutMessage.of(
                tn_(
                    "🧹 {moderator} deleted {count} message.",
                    "🧹 {moderator} deleted {count} messages.",
                    deleted,
                    moderator=moderator,
                )  # fmt: skip
            ),
        )
        return _done(tn_("🧹 Deleted {count} message.", "🧹 Deleted {count} messages.", deleted))


def clean_reason(raw: Any) -> str:
    reason = " ".join(str(raw or "").split())
    if len(reason) > REASON_MAX:
        raise BadArgument(
            t_("The reason is too long: {length} characters, at most {limit}.", length=len(reason), limit=REASON_MAX)
        )
    return reason


def _done(text: Text) -> Reply:
    return Reply.of(OutMessage.of(text, ephemeral=True))
