"""A member's own data: export (JSON of everything, every feature, linked accounts included), deletion
(confirmed with a button that expires), and the analytics opt-out."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from bot.core.clock import Clock
from bot.core.commands import Invocation, Reply
from bot.core.errors import BadArgument, PermissionDenied
from bot.core.hub import EventHub, MemberErased
from bot.core.i18n import Text, t_
from bot.core.outbound import Attachment, Button, ButtonStyle, OutMessage
from cogs.members.ports import MemberData, MemberRepo
from cogs.privacy.ports import MemberPrivacy

CONFIRM_SECONDS = 300  # a delete button works this long
EXPORT_EVERY = 60.0  # one export per member per minute

# What each feature's part of the export holds, told to the member in their language.
EXPLANATIONS: dict[str, Text] = {
    "members": t_(
        "Your accounts on Discord and Telegram (ids and names), your settings (language, time zone, "
        "analytics opt-out) and the communities you belong to, with when you were first seen, joined or left."
    ),
    "activity": t_(
        "How many messages, replies, questions, mentions and reactions you made per day, and when you joined "
        "or left. Never the text of your messages."
    ),
    "events": t_("Your answers to events (going, maybe, not going, waiting list) and the events you organised."),
    "outbox": t_(
        "Messages the bot sent or will send you (reminders, notices), and its posts that named you (welcomes, "
        "moderation-log entries): what kind, when, and whether sent."
    ),
    "onboarding": t_(
        "Your first steps: when you joined, accepted the rules, posted and got a first reply; your interests and "
        "the friendly reminders you received."
    ),
    "moderation": t_("Moderation records about you (warnings, mutes, bans, notes) and the reports you made."),
    "polls": t_("Your votes in polls that show voters, and your survey answers."),
    "feedback": t_("Feedback you wrote and the items you upvoted."),
    "digest": t_("Your subscription to the weekly digest, as a manager."),
}
GENERIC = t_("Data kept by the “{feature}” part of Hearth.")

ContentEraser = Callable[[int], Awaitable[int]]


class PrivacyService:
    def __init__(
        self, member_data: MemberData, members: MemberRepo, settings: MemberPrivacy, hub: EventHub, clock: Clock
    ) -> None:
        self.member_data = member_data
        self.members = members
        self.settings = settings
        self.hub = hub
        self.clock = clock
        # Features whose members' own texts can be deleted on request (feedback); default is to keep them
        # as anonymous text, because others voted on and answered them.
        self.content_erasers: list[ContentEraser] = []
        # Writes still buffered in memory (activity not yet flushed, rollups not yet folded) go to the database
        # first: an export shows the last minute too, and an erase reaches rows that would otherwise land after it.
        self.settle: list[Callable[[], Awaitable[object]]] = []
        self._last_export: dict[int, float] = {}

    # -- export ---------------------------------------------------------------------------------------
    async def export_document(self, member_id: int, locale: str, now: datetime) -> bytes:
        await self._settle()
        data = await self.member_data.export(member_id)
        document = {
            "about": t_("Everything Hearth stores about you, across your linked Discord and Telegram accounts.").render(
                locale
            ),
            "generated_at": now.isoformat(),
            "explanations": {
                feature: EXPLANATIONS.get(feature, t_(GENERIC.msgid, feature=feature)).render(locale)
                for feature in data
            },
            "data": data,
        }
        return json.dumps(document, ensure_ascii=False, indent=2, default=str).encode()

    async def export(self, inv: Invocation) -> Reply:
        last = self._last_export.get(inv.member_id)
        if last is not None and time.monotonic() - last < EXPORT_EVERY:
            raise BadArgument(t_("Your export is already on its way. You can ask for a new one in a minute."))
        self._last_export[inv.member_id] = time.monotonic()
        if len(self._last_export) > 10_000:
            self._last_export.clear()
        data = await self.export_document(inv.member_id, inv.locale, inv.now)
        message = OutMessage.of(
            t_("Here is everything Hearth stores about you, with a short explanation of each part."),
            attachments=(Attachment("hearth-my-data.json", data),),
            private=True,  # never in a shared chat: ephemeral on Discord, by private message on Telegram
            ephemeral=True,
        )
        return Reply.of(message)

    # -- delete ---------------------------------------------------------------------------------------
    def delete_question(self, inv: Invocation) -> Reply:
        expires = int(inv.now.timestamp()) + CONFIRM_SECONDS
        lines = (
            t_("**Delete your data?** This erases what Hearth stores about you, on Discord and Telegram:"),
            t_("• your accounts, settings, interests, upvotes and answers to events still ahead are removed;"),
            t_(
                "• your activity, votes, survey scores, journey and answers to past events stay in the community's "
                "totals, without your name or id;"
            ),
            t_("• feedback you wrote stays as anonymous text, unless you choose to delete it too;"),
            t_(
                "• moderation records about you are kept for the community's safety, as the data statement says, "
                "without your name."
            ),
            t_("The buttons work for 5 minutes and only for you."),
        )
        buttons = (
            (Button(t_("Delete my data"), f"pv:del:{inv.member_id}:{expires}", ButtonStyle.DANGER),),
            (Button(t_("Delete it and my feedback"), f"pv:all:{inv.member_id}:{expires}", ButtonStyle.DANGER),),
            (Button(t_("Keep my data"), "pv:keep", ButtonStyle.SECONDARY),),
        )
        return Reply.of(OutMessage(lines, buttons=buttons, ephemeral=True, private=True))

    async def press(self, inv: Invocation, rest: str) -> Reply:
        verb, _, tail = rest.partition(":")
        if verb == "keep":
            return Reply.of(OutMessage.of(t_("Nothing was deleted."), ephemeral=True))
        member, _, expires = tail.partition(":")
        if verb not in ("del", "all") or not member.isdigit() or not expires.isdigit():
            raise BadArgument(t_("This button no longer works. Run the command again."))
        if not await self.members.identities(int(member)):
            return Reply.of(OutMessage.of(t_("That data is already erased."), ephemeral=True))
        if int(member) != inv.member_id:
            raise PermissionDenied(t_("This button is not for you."))
        if inv.now.timestamp() > int(expires):
            raise BadArgument(t_("This confirmation expired. Send /privacy delete again."))
        await self.erase(inv.member_id, with_content=verb == "all")
        return Reply.of(
            OutMessage.of(
                t_("Done: your personal data is erased. If you keep taking part, new activity is counted again."),
                ephemeral=True,
            )
        )

    async def erase(self, member_id: int, with_content: bool = False) -> None:
        if with_content:
            for eraser in self.content_erasers:
                await eraser(member_id)
        await self._settle()
        await self.member_data.erase(member_id)
        await self.hub.deliver(MemberErased(member_id))

    async def _settle(self) -> None:
        for step in self.settle:
            await step()

    # -- opt-out ----------------------------------------------------------------------------------------
    async def opt(self, inv: Invocation, out: bool) -> Reply:
        await self.settings.set_analytics_opt_out(inv.member_id, out)
        text = (
            t_(
                "You are out of per-member analytics: you no longer appear in drifting members, advocates, ties or "
                "onboarding names. Your activity still counts in totals, anonymously. /privacy optin undoes it."
            )
            if out
            else t_("You are back in per-member analytics. /privacy optout stops it again.")
        )
        return Reply.of(OutMessage.of(text, ephemeral=True))

    async def handle(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        action = args.get("action")
        if action == "export":
            return await self.export(inv)
        if action == "delete":
            return self.delete_question(inv)
        if action in ("optout", "optin"):
            return await self.opt(inv, action == "optout")
        raise BadArgument(t_("Choose one of: export, delete, optout, optin. For example: /privacy export"))
