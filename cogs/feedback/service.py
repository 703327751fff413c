"""Feedback for members: submit (a form on Discord; text, then a category button on Telegram and the
console), upvote and take a vote back, browse open items by votes, read one item with its history.

Managers' side (status and replies, merges, themes, the export) lives in `manage.py`; the channel posts in
`posts.py`; the private notices in `notices.py`; how things look in `render.py`."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from bot.core.errors import BadArgument, NotFound, PermissionDenied
from bot.core.hub import EventHub, MemberActed
from bot.core.i18n import t_
from bot.core.targets import Target
from cogs.feedback.models import (
    TEXT_MAX,
    TITLE_MAX,
    Category,
    Draft,
    FeedbackSubmitted,
    Item,
    NewItem,
    Page,
    Status,
    StatusChange,
    VoteResult,
)
from cogs.feedback.ports import FeedbackRepo
from cogs.feedback.posts import Posts
from cogs.feedback.themes import detect_language

PAGE_SIZE = 5
DRAFT_TTL = timedelta(days=1)


def parse_category(raw: str) -> Category:
    try:
        return Category(raw.strip().lower())
    except ValueError:
        raise BadArgument(
            t_(
                "Unknown category “{value}”. Choose one of: {choices}.",
                value=raw,
                choices=", ".join(c.value for c in Category),
            )
        ) from None


def parse_number(raw: object) -> int:
    text = str(raw).strip().lstrip("#")
    if not text.isdigit() or len(text) > 9:
        raise BadArgument(t_("“{value}” is not a feedback number. Use the number shown as #3, like 3.", value=raw))
    return int(text)


def split_text(raw: str) -> tuple[str, str]:
    """Typed feedback → (title, text). "Title | text" when the part before the bar is short enough; otherwise
    the first line (or sentence), cut at a word, is the title and everything is the text."""
    text = raw.strip()
    if not text:
        check_text(text)
    head, bar, rest = text.partition("|")
    if bar and head.strip() and rest.strip() and len(head.strip()) <= TITLE_MAX:
        title, body = head.strip(), rest.strip()
        check_text(body)
        return title, body
    check_text(text)
    first = text.splitlines()[0].strip()
    for stop in (". ", "! ", "? "):
        if stop in first:
            first = first.split(stop, 1)[0] + stop.strip()
            break
    if len(first) > TITLE_MAX:
        first = first[: TITLE_MAX - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return first, text


def check_text(text: str) -> None:
    if not text.strip():
        raise BadArgument(t_("Your feedback is empty: write at least a few words."))
    if len(text) > TEXT_MAX:
        raise BadArgument(
            t_(
                "Your feedback is {length} characters long; at most {limit} fit. Shorten it, or send it in two parts.",
                length=len(text),
                limit=TEXT_MAX,
            )
        )


def check_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise BadArgument(t_("The title is empty: sum your feedback up in a few words."))
    if len(title) > TITLE_MAX:
        raise BadArgument(
            t_("The title is {length} characters long; at most {limit} fit.", length=len(title), limit=TITLE_MAX)
        )
    return title


class FeedbackService:
    def __init__(self, repo: FeedbackRepo, posts: Posts, hub: EventHub) -> None:
        self.repo = repo
        self.posts = posts
        self.hub = hub

    # -- submit --------------------------------------------------------------------------------------------
    async def submit(
        self,
        community_id: int,
        author_id: int,
        category: Category,
        title: str,
        body: str,
        anonymous: bool,
        origin: Target,
        locale: str,
        now: datetime,
    ) -> tuple[Item, Target | None]:
        """Save the item (it has its number from then on), post it in the feedback channel, count it as the
        author's activity. Returns the item and the channel it was posted in (None: not posted)."""
        title, body = check_title(title), body.strip()
        check_text(body)
        language = detect_language(f"{title}\n{body}", locale)
        item = await self.repo.create(
            NewItem(community_id, author_id, anonymous, category, title, body, language, origin), now
        )
        self.hub.publish(MemberActed(community_id, author_id, origin.platform.value, origin.chat_id, "feedback", now))
        self.hub.publish(FeedbackSubmitted(community_id, item.id, item.number, item.category.value, now))
        return item, await self.posts.publish(item)

    async def draft(self, community_id: int, member_id: int, text: str, origin: Target, now: datetime) -> Draft:
        title, body = split_text(text)
        return await self.repo.create_draft(community_id, member_id, title, body, origin, now)

    async def erase_content(self, member_id: int) -> int:
        """`/privacy delete` with content: the member's feedback loses its title and text (numbers, votes and
        history stay, so others' votes and the team's replies keep their place); channel posts follow."""
        erased = await self.repo.erase_texts(member_id)
        await self.refresh_posts(erased)
        return len(erased)

    async def refresh_posts(self, item_ids: list[int]) -> None:
        """Bring channel posts up to date (after an author's data was erased, their name goes from them)."""
        for item_id in item_ids:
            await self.posts.refresh(item_id)

    async def purge_drafts(self, now: datetime) -> int:
        """Forget typed feedback whose category was never chosen within a day."""
        return await self.repo.purge_drafts(now - DRAFT_TTL)

    async def toggle_anonymous(self, draft_id: int, member_id: int, now: datetime) -> Draft:
        draft = await self._own_draft(draft_id, member_id, now)
        await self.repo.set_draft_anonymous(draft.id, not draft.anonymous)
        return dataclasses.replace(draft, anonymous=not draft.anonymous)

    async def submit_draft(
        self, draft_id: int, member_id: int, category: Category, locale: str, now: datetime
    ) -> tuple[Item, Target | None, Draft]:
        draft = await self._own_draft(draft_id, member_id, now)
        if not await self.repo.take_draft(draft.id):  # pressed twice at once: the first press sends it
            raise BadArgument(t_("This feedback was already sent, or it waited too long. Send /feedback again."))
        item, posted = await self.submit(
            draft.community_id,
            member_id,
            category,
            draft.title,
            draft.body,
            draft.anonymous,
            draft.origin,
            locale,
            now,
        )
        return item, posted, draft

    async def _own_draft(self, draft_id: int, member_id: int, now: datetime) -> Draft:
        draft = await self.repo.get_draft(draft_id)
        if draft is None or draft.created_at < now - DRAFT_TTL:
            raise BadArgument(t_("This feedback was already sent, or it waited too long. Send /feedback again."))
        if draft.member_id != member_id:
            raise PermissionDenied(t_("This is someone else's feedback: send /feedback to write your own."))
        return draft

    # -- votes ---------------------------------------------------------------------------------------------
    async def upvote(
        self, community_id: int | None, member_id: int, item_id: int, place: Target, now: datetime
    ) -> VoteResult:
        pressed = await self.by_id(community_id, item_id)
        item, redirected = pressed, None
        if pressed.status is Status.MERGED and pressed.merged_into is not None:
            item, redirected = await self.by_id(community_id, pressed.merged_into), pressed.number
        if item.author_id == member_id:
            raise BadArgument(t_("#{number} is your own feedback: you follow it already, no vote needed.",
                                 number=item.number))  # fmt: skip
        changed = await self.repo.add_vote(item.id, member_id, now)
        if changed:
            self.hub.publish(
                MemberActed(item.community_id, member_id, place.platform.value, place.chat_id, "upvote", now)
            )
            await self.posts.refresh(item.id)
        fresh = await self.repo.get(item.id) or item
        return VoteResult(fresh, changed, redirected)

    async def unvote(self, community_id: int | None, member_id: int, item_id: int) -> VoteResult:
        item = await self.by_id(community_id, item_id)
        changed = await self.repo.remove_vote(item.id, member_id)
        if changed:
            await self.posts.refresh(item.id)
        return VoteResult(await self.repo.get(item.id) or item, changed)

    # -- browse --------------------------------------------------------------------------------------------
    async def top(self, community_id: int, member_id: int, category: Category | None, page: int) -> Page:
        items, total = await self.repo.open_items(community_id, category, max(page, 0) * PAGE_SIZE, PAGE_SIZE)
        pages = max(1, -(-total // PAGE_SIZE))
        if page >= pages and total:  # the list got shorter since the button was made: show the last page
            return await self.top(community_id, member_id, category, pages - 1)
        voted = await self.repo.voted(member_id, [i.id for i in items])
        return Page(tuple(items), max(page, 0), pages, total, category, frozenset(voted))

    async def find(self, community_id: int, raw_number: object) -> Item:
        number = parse_number(raw_number)
        item = await self.repo.by_number(community_id, number)
        if item is None:
            raise NotFound(t_("There is no feedback #{number} in this community.", number=number))
        return item

    async def view(
        self, community_id: int, member_id: int, raw_number: object
    ) -> tuple[Item, list[StatusChange], bool]:
        item = await self.find(community_id, raw_number)
        voted = bool(await self.repo.voted(member_id, [item.id]))
        return item, await self.repo.history(item.id), voted

    async def suggest(self, community_id: int, typed: str) -> list[Item]:
        return await self.repo.suggest(community_id, typed, 25)

    async def set_channel(self, community_id: int, channel: Target | None) -> None:
        await self.repo.set_channel(community_id, channel)

    async def by_id(self, community_id: int | None, item_id: int) -> Item:
        item = await self.repo.get(item_id)
        if item is None or item.community_id != community_id:
            raise NotFound(t_("This feedback is not in this community any more. Send /ideas to see the open items."))
        return item
