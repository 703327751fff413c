"""Feedback commands, buttons and the submit form. Handlers unpack arguments, call the typed services and
render the answer; every rule lives in `service.py` and `manage.py`."""

from __future__ import annotations

from typing import Any

from bot.core.commands import (
    Arg,
    ArgKind,
    ButtonRoute,
    CommandSpec,
    Form,
    FormField,
    FormRoute,
    Invocation,
    Registry,
    Reply,
    Where,
)
from bot.core.errors import BadArgument
from bot.core.i18n import Text, t_, tn_
from bot.core.identity import Platform
from bot.core.outbound import Attachment, Button, OutMessage
from bot.core.permissions import Role
from bot.core.targets import Target
from cogs.feedback import render
from cogs.feedback.manage import FeedbackAdmin
from cogs.feedback.models import REPLY_MAX, SETTABLE, TEXT_MAX, TITLE_MAX, Category, Item, Status
from cogs.feedback.service import FeedbackService, parse_category

BAD_BUTTON = t_("This button no longer works. Run the command again.")
CATEGORY_CHOICES = tuple((c.value, render.CATEGORY_LABELS[c]) for c in Category)
STATUS_CHOICES = tuple((s.value, render.STATUS_LABELS[s]) for s in SETTABLE)


def _community(inv: Invocation) -> int:
    assert inv.community_id is not None  # the dispatcher refuses needs_community commands without one
    return inv.community_id


def origin_of(inv: Invocation) -> Target:
    """Where feedback was sent from. A private chat is recorded as the author's own DM (on Telegram a private
    chat's channel looks like any chat): refused notices never fall back into someone's private chat."""
    if inv.place.is_private:
        return Target.direct(inv.platform, inv.caller.identity.id)
    return inv.place.channel


def submit_form(category: Category, anonymous: bool) -> Form:
    return Form(
        t_("Feedback: {category}", category=render.CATEGORY_LABELS[category]),
        f"fb:new:{category.value}:{int(anonymous)}",
        (
            FormField(
                "title",
                t_("Title"),
                max_length=TITLE_MAX,
                prompt=t_("Sum your feedback up in a few words: what is it about?"),
            ),
            FormField(
                "text",
                t_("Your feedback"),
                long=True,
                max_length=TEXT_MAX,
                prompt=t_("Now tell us more: what happened, what would help?"),
            ),
        ),
    )


def confirmation(inv: Invocation, item: Item, posted: Target | None) -> OutMessage:
    lines: list[Text] = [
        t_(
            "Thank you! Your feedback is **#{number}** ({category}): {title}",
            number=item.number,
            category=render.CATEGORY_LABELS[item.category],
            title=item.title,
        )
    ]
    if posted is not None:
        lines.append(t_("It is posted in the feedback channel, where members can upvote it."))
    lines.append(t_("I will tell you privately when its status changes."))
    if item.anonymous:
        lines.append(
            t_(
                "It is anonymous: no member and no manager can see that it is yours. I keep the link to you only "
                "to tell you about its progress."
            )
        )
        if not inv.place.is_private and inv.platform is not Platform.DISCORD:
            lines.append(
                t_("This group saw you send the command, though: for full anonymity, send feedback to me privately.")
            )
    button = Button(t_("📄 #{number} in full", number=item.number), f"fb:view:{item.id}")
    # Anonymous: the confirmation is the one message that links the author to the number; never in a group.
    return OutMessage(tuple(lines), buttons=((button,),), ephemeral=True, private=item.anonymous)


def view_hint(inv: Invocation) -> Text:
    if inv.platform is Platform.DISCORD:
        return t_("Press 👍 to upvote; /feedback view shows an item in full.")
    return t_("Press 👍 to upvote; /idea and a number shows an item in full.")


class FeedbackCommands:
    def __init__(self, service: FeedbackService, admin: FeedbackAdmin) -> None:
        self.service = service
        self.admin = admin

    # -- submit --------------------------------------------------------------------------------------------
    async def open_form(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        return Reply.ask(submit_form(parse_category(args["category"]), args.get("anonymous") == "yes"))

    async def form_submitted(self, inv: Invocation, rest: str, values: dict[str, str]) -> Reply:
        verb, _, tail = rest.partition(":")
        raw_category, _, anonymous = tail.partition(":")
        if verb != "new" or anonymous not in ("0", "1"):
            raise BadArgument(t_("This form no longer works. Run the command again."))
        item, posted = await self.service.submit(
            _community(inv),
            inv.member_id,
            parse_category(raw_category),
            values.get("title", ""),
            values.get("text", ""),
            anonymous == "1",
            origin_of(inv),
            inv.locale,
            inv.now,
        )
        return Reply.of(confirmation(inv, item, posted))

    async def send(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        draft = await self.service.draft(_community(inv), inv.member_id, args["text"], origin_of(inv), inv.now)
        return Reply.of(render.category_question(draft))

    # -- browse --------------------------------------------------------------------------------------------
    async def top(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        category = parse_category(args["category"]) if args.get("category") else None
        page = await self.service.top(_community(inv), inv.member_id, category, 0)
        return Reply.of(render.page(page, view_hint(inv)))

    async def view(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        item, history, voted = await self.service.view(_community(inv), inv.member_id, args["item"])
        return Reply.of(render.detail(item, history, inv.timezone, voted))

    async def suggest_items(self, inv: Invocation, typed: str) -> list[tuple[str, Text]]:
        if inv.community_id is None:
            return []
        return [
            (
                str(i.number),
                t_(
                    "#{number} {title} · {status}",
                    number=i.number,
                    title=render.title_of(i, 60),
                    status=render.STATUS_LABELS[i.status],
                ),
            )  # fmt: skip
            for i in await self.service.suggest(inv.community_id, typed)
        ]

    # -- managers ------------------------------------------------------------------------------------------
    async def status(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        outcome = await self.admin.set_status(
            _community(inv), args["item"], Status(args["status"]), args.get("reply") or "", inv.member_id, inv.now
        )
        item = outcome.item
        lines = [
            t_("#{number} is now {status}.", number=item.number, status=render.STATUS_LABELS[item.status]),
            tn_(
                "{count} member was told privately (author, followers and upvoters).",
                "{count} members were told privately (author, followers and upvoters).",
                outcome.told,
            ),
        ]
        return Reply.of(OutMessage(tuple(lines), ephemeral=True))

    async def merge(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        outcome = await self.admin.merge(_community(inv), args["from"], args["into"], inv.member_id, inv.now)
        text = t_(
            "Merged #{source} into #{into}: #{into} now has {votes} votes ({moved} moved over, {already} already "
            "counted). Its author was told where their feedback went.",
            source=outcome.source.number,
            into=outcome.into.number,
            votes=outcome.into.votes,
            moved=outcome.moved,
            already=outcome.already,
        )
        return Reply.of(OutMessage.of(text, ephemeral=True))

    async def themes(self, inv: Invocation, _args: dict[str, Any]) -> Reply:
        found, total = await self.admin.themes(_community(inv))
        return Reply.of(render.themes_message(found, total))

    async def export(self, inv: Invocation, _args: dict[str, Any]) -> Reply:
        data, count = await self.admin.export(_community(inv))
        name = f"feedback-{inv.now:%Y-%m-%d}.csv"
        text = tn_(
            "Product proposals: {count} feedback item with votes, category, status, replies and quotes.",
            "Product proposals: {count} feedback items with votes, category, status, replies and quotes.",
            count,
        )
        return Reply.of(OutMessage((text,), attachments=(Attachment(name, data),), ephemeral=True, private=True))

    async def channel(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        if args.get("mode") == "off":
            await self.service.set_channel(_community(inv), None)
            return Reply.of(OutMessage.of(t_("New feedback is no longer posted in a channel."), ephemeral=True))
        await self.service.set_channel(_community(inv), inv.place.channel)
        return Reply.of(
            OutMessage.of(
                t_("New feedback is posted in this channel from now on, with an upvote button."), ephemeral=True
            )
        )

    # -- buttons -------------------------------------------------------------------------------------------
    async def press(self, inv: Invocation, rest: str) -> Reply:
        verb, _, tail = rest.partition(":")
        first, _, second = tail.partition(":")
        if verb in ("up", "un", "view") and first.isdigit():
            return await self._on_item(inv, verb, int(first))
        if verb == "cat" and first.isdigit():
            item, posted, _draft = await self.service.submit_draft(
                int(first), inv.member_id, parse_category(second), inv.locale, inv.now
            )
            return Reply.of(confirmation(inv, item, posted))
        if verb == "anon" and first.isdigit():
            draft = await self.service.toggle_anonymous(int(first), inv.member_id, inv.now)
            text = (
                t_("Anonymous: nobody will see that this feedback is yours. Now choose its category.")
                if draft.anonymous
                else t_("Your name will be shown with this feedback. Now choose its category.")
            )
            return Reply.of(OutMessage.of(text, ephemeral=True))
        if verb == "top" and second.isdigit() and inv.community_id is not None:
            category = None if first == "all" else parse_category(first)
            page = await self.service.top(inv.community_id, inv.member_id, category, int(second))
            return Reply.of(render.page(page, view_hint(inv)))
        raise BadArgument(BAD_BUTTON)

    async def _on_item(self, inv: Invocation, verb: str, item_id: int) -> Reply:
        if verb == "view":
            item = await self.service.by_id(inv.community_id, item_id)
            return await self.view(inv, {"item": item.number})
        if verb == "un":
            result = await self.service.unvote(inv.community_id, inv.member_id, item_id)
            number = result.item.number
            if not result.changed:
                return Reply.of(OutMessage.of(t_("You had not upvoted #{number}.", number=number), ephemeral=True))
            return Reply.of(OutMessage.of(t_("Your vote for #{number} was removed.", number=number), ephemeral=True))
        vote = await self.service.upvote(inv.community_id, inv.member_id, item_id, inv.place.channel, inv.now)
        item = vote.item
        lines: list[Text] = []
        if vote.redirected_from is not None:
            lines.append(t_("#{old} was merged into #{number}.", old=vote.redirected_from, number=item.number))
        if not vote.changed:
            lines.append(
                tn_(
                    "You already upvoted #{number} ({count} vote). One vote per member.",
                    "You already upvoted #{number} ({count} votes). One vote per member.",
                    item.votes,
                    number=item.number,
                )
            )
            remove = Button(t_("Remove my vote"), f"fb:un:{item.id}")
            return Reply.of(OutMessage(tuple(lines), buttons=((remove,),), ephemeral=True))
        lines.append(
            tn_(
                "Upvoted #{number}: {count} vote now.",
                "Upvoted #{number}: {count} votes now.",
                item.votes,
                number=item.number,
            )  # fmt: skip
        )
        return Reply.of(OutMessage(tuple(lines), ephemeral=True))


def register(registry: Registry, commands: FeedbackCommands) -> None:
    item_arg = Arg(
        "item",
        ArgKind.TEXT,
        t_("the feedback number, e.g. 3"),
        max_length=12,
        prompt=t_("Which feedback? Send its number (see /ideas)."),
        suggest=commands.suggest_items,
    )
    category_filter = Arg("category", ArgKind.CHOICE, t_("only this category"), required=False,
                          choices=CATEGORY_CHOICES)  # fmt: skip
    registry.add(
        CommandSpec(
            key="feedback.submit",
            description=t_("Give feedback: an idea, a problem, praise or a question"),
            handler=commands.open_form,
            where=Where.ANYWHERE,
            discord=("feedback", "submit"),
            args=(
                Arg("category", ArgKind.CHOICE, t_("what kind of feedback"), choices=CATEGORY_CHOICES),
                Arg(
                    "anonymous",
                    ArgKind.CHOICE,
                    t_("hide your name from members and managers"),
                    required=False,
                    choices=(("no", t_("no, show my name")), ("yes", t_("yes, send it anonymously"))),
                ),
            ),
        ),
        CommandSpec(
            key="feedback.send",
            description=t_("Give feedback: an idea, a problem, praise or a question"),
            handler=commands.send,
            where=Where.ANYWHERE,
            guided=True,
            telegram=("feedback",),
            args=(
                Arg(
                    "text",
                    ArgKind.TEXT,
                    t_("your feedback (a title, then | and more text, if you like)"),
                    max_length=10_000,  # longer than any platform message: the service explains the real limit
                    prompt=t_("What would you like to tell the team? Write your feedback in one message."),
                ),
            ),
        ),
        CommandSpec(
            key="feedback.top",
            description=t_("Open feedback, most upvoted first; upvote with the buttons"),
            handler=commands.top,
            where=Where.ANYWHERE,
            discord=("feedback", "top"),
            telegram=("ideas",),
            args=(category_filter,),
        ),
        CommandSpec(
            key="feedback.view",
            description=t_("One feedback item in full, with its status history"),
            handler=commands.view,
            where=Where.ANYWHERE,
            guided=True,
            discord=("feedback", "view"),
            telegram=("idea",),
            args=(item_arg,),
        ),
        CommandSpec(
            key="feedback.status",
            description=t_("Set a feedback item's status and reply; its author and upvoters are told"),
            handler=commands.status,
            role=Role.MANAGER,
            where=Where.ANYWHERE,
            guided=True,
            discord=("feedback", "status"),
            telegram=("fbstatus",),
            args=(
                item_arg,
                Arg(
                    "status",
                    ArgKind.CHOICE,
                    t_("new, review, planned, done or declined"),
                    choices=STATUS_CHOICES,
                    prompt=t_("Which status? One of: new, review, planned, done, declined."),
                ),
                Arg(
                    "reply",
                    ArgKind.TEXT,
                    t_("a reply sent to the author and upvoters"),
                    required=False,
                    max_length=REPLY_MAX,
                ),  # fmt: skip
            ),
        ),
        CommandSpec(
            key="feedback.merge",
            description=t_("Merge a duplicate into another item: votes and followers combine"),
            handler=commands.merge,
            role=Role.MANAGER,
            where=Where.ANYWHERE,
            guided=True,
            discord=("feedback", "merge"),
            telegram=("fbmerge",),
            args=(
                Arg(
                    "from",
                    ArgKind.TEXT,
                    t_("the duplicate's number"),
                    max_length=12,
                    suggest=commands.suggest_items,
                    prompt=t_("Which item is the duplicate? Send its number."),
                ),  # fmt: skip
                Arg(
                    "into",
                    ArgKind.TEXT,
                    t_("the number of the item to keep"),
                    max_length=12,
                    suggest=commands.suggest_items,
                    prompt=t_("Into which item? Send its number."),
                ),  # fmt: skip
            ),
        ),
        CommandSpec(
            key="feedback.themes",
            description=t_("Recurring themes in open feedback, per language"),
            handler=commands.themes,
            role=Role.MANAGER,
            where=Where.ANYWHERE,
            discord=("feedback", "themes"),
            telegram=("fbthemes",),
        ),
        CommandSpec(
            key="feedback.channel",
            description=t_("Post new feedback in this channel (or stop: off)"),
            handler=commands.channel,
            role=Role.MANAGER,
            discord=("feedback", "channel"),
            telegram=("fbchannel",),
            args=(
                Arg(
                    "mode",
                    ArgKind.CHOICE,
                    t_("here (default) or off"),
                    required=False,
                    choices=(("here", t_("post new feedback here")), ("off", t_("stop posting new feedback"))),
                ),
            ),
        ),
        CommandSpec(
            key="feedback.export",
            description=t_("Feedback as a CSV of product proposals"),
            handler=commands.export,
            role=Role.MANAGER,
            where=Where.ANYWHERE,
            discord=("export", "feedback"),
            telegram=("export feedback",),
        ),
    )
    registry.add_button(ButtonRoute("fb", commands.press))
    registry.add_form(FormRoute("fb", commands.form_submitted))
