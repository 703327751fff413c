"""How feedback looks in messages: the channel post, lists, one item with its history, notices.

An anonymous item never shows an author: `Item.author_name` is empty for it (storage never reads it), and
nothing here looks the author up."""

from __future__ import annotations

from bot.core.i18n import Moment, Text, t_, tn_
from bot.core.outbound import Button, ButtonStyle, OutMessage
from cogs.feedback.models import (
    QUOTE_MAX,
    Category,
    Draft,
    Item,
    Page,
    Status,
    StatusChange,
    Theme,
)

CATEGORY_LABELS: dict[Category, Text] = {
    Category.IDEA: t_("idea"),
    Category.PROBLEM: t_("problem"),
    Category.PRAISE: t_("praise"),
    Category.QUESTION: t_("question"),
    Category.OTHER: t_("other"),
}
CATEGORY_ICONS = {
    Category.IDEA: "💡",
    Category.PROBLEM: "🐞",
    Category.PRAISE: "👏",
    Category.QUESTION: "❓",
    Category.OTHER: "💬",
}
STATUS_LABELS: dict[Status, Text] = {
    Status.NEW: t_("new"),
    Status.REVIEW: t_("under review"),
    Status.PLANNED: t_("planned"),
    Status.DONE: t_("done"),
    Status.DECLINED: t_("declined"),
    Status.MERGED: t_("merged"),
}
LANGUAGE_LABELS: dict[str, Text] = {
    "en": t_("In English"),
    "fi": t_("In Finnish"),
    "de": t_("In German"),
    "ru": t_("In Russian"),
}
POST_BODY_MAX = 600


def quote(text: str, limit: int = QUOTE_MAX) -> str:
    """One line, cut at a word boundary."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1].rsplit(" ", 1)[0] or flat[: limit - 1]
    return cut + "…"


def title_of(item: Item, limit: int = 100) -> Text | str:
    """The title, or a note where its author deleted it (`/privacy delete` with feedback)."""
    return quote(item.title, limit) if item.title else t_("(deleted by its author)")


def headline(item: Item) -> Text:
    return t_(
        "{icon} **#{number} {title}** · {category}",
        icon=CATEGORY_ICONS[item.category],
        number=item.number,
        title=title_of(item),
        category=CATEGORY_LABELS[item.category],
    )


def byline(item: Item) -> Text:
    if item.anonymous or not item.author_name:
        return t_("— anonymous")
    return t_("— {name}", name=item.author_name)


def standing(item: Item) -> Text:
    if item.status is Status.MERGED and item.merged_into_number is not None:
        return t_("➡️ Merged into #{number}: votes and followers are counted there.", number=item.merged_into_number)
    return t_("👍 {votes} · status: {status}", votes=item.votes, status=STATUS_LABELS[item.status])


def upvote_button(item: Item, voted: bool = False) -> Button:
    if voted:
        return Button(t_("✅ Upvoted"), f"fb:up:{item.id}", ButtonStyle.SUCCESS)
    return Button(t_("👍 Upvote"), f"fb:up:{item.id}", ButtonStyle.PRIMARY)


def post(item: Item, last_reply: str) -> OutMessage:
    """The item as posted in the feedback channel, kept up to date (votes, status, the latest reply)."""
    text = [t_("{text}", text=quote(item.body, POST_BODY_MAX))] if item.body else []
    lines = [headline(item), *text, byline(item), standing(item)]
    if last_reply:
        lines.append(t_("💬 Team reply: {reply}", reply=last_reply))
    buttons = () if item.status is Status.MERGED else ((upvote_button(item),),)
    return OutMessage(tuple(lines), buttons=buttons)


def detail(item: Item, history: list[StatusChange], timezone: str, voted: bool) -> OutMessage:
    text = [t_("{text}", text=item.body)] if item.body else []
    lines = [headline(item), *text, byline(item), standing(item), t_("**History**")]
    lines.append(t_("{when}: submitted", when=Moment(item.created_at, timezone)))
    for change in history:
        lines.append(history_line(change, timezone))
    buttons = () if item.status is Status.MERGED else ((upvote_button(item, voted),),)
    return OutMessage(tuple(lines), buttons=buttons, ephemeral=True)


def history_line(change: StatusChange, timezone: str) -> Text:
    when = Moment(change.at, timezone)
    if change.reply:
        return t_(
            "{when}: {status} — “{reply}”", when=when, status=STATUS_LABELS[change.status], reply=quote(change.reply)
        )
    return t_("{when}: {status}", when=when, status=STATUS_LABELS[change.status])


def page(result: Page, hint: Text) -> OutMessage:
    shown = CATEGORY_LABELS[result.category] if result.category else t_("all categories")
    if not result.items and result.category is None:
        return OutMessage.of(t_("No open feedback yet. /feedback adds yours."), ephemeral=True)
    if not result.items:
        return OutMessage.of(t_("No open feedback in {category} yet. /feedback adds yours.", category=shown),
                             ephemeral=True)  # fmt: skip
    lines = [
        t_(
            "**Open feedback** · {category} · page {page} of {pages}",
            category=shown,
            page=result.page + 1,
            pages=result.pages,
        )
    ]
    for item in result.items:
        lines.append(
            t_(
                "#{number} {icon} {title} — 👍 {votes} · {status}",
                number=item.number,
                icon=CATEGORY_ICONS[item.category],
                title=title_of(item, 60),
                votes=item.votes,
                status=STATUS_LABELS[item.status],
            )
        )
    votes = tuple(
        Button(
            t_("✅ #{number}", number=i.number) if i.id in result.voted else t_("👍 #{number}", number=i.number),
            f"fb:up:{i.id}",
            ButtonStyle.SUCCESS if i.id in result.voted else ButtonStyle.SECONDARY,
        )
        for i in result.items
    )
    category = result.category.value if result.category else "all"
    nav: list[Button] = []
    if result.page > 0:
        nav.append(Button(t_("◀ Previous"), f"fb:top:{category}:{result.page - 1}"))
    if result.page + 1 < result.pages:
        nav.append(Button(t_("Next ▶"), f"fb:top:{category}:{result.page + 1}"))
    lines.append(hint)
    return OutMessage(tuple(lines), buttons=(votes, tuple(nav)) if nav else (votes,), ephemeral=True)


def category_question(draft: Draft) -> OutMessage:
    """Telegram and the console: the category keyboard under a typed feedback, with the anonymous toggle."""
    rows = (
        tuple(_category_button(draft, c) for c in (Category.IDEA, Category.PROBLEM, Category.PRAISE)),
        tuple(_category_button(draft, c) for c in (Category.QUESTION, Category.OTHER)),
        (Button(anonymous_toggle(draft.anonymous), f"fb:anon:{draft.id}"),),
    )
    return OutMessage.of(t_("Which category fits your feedback “{title}”?", title=quote(draft.title, 60)), buttons=rows)


def anonymous_toggle(anonymous: bool) -> Text:
    return t_("🕶 Anonymous: on (press to show my name)") if anonymous else t_("🕶 Send anonymously")


def _category_button(draft: Draft, category: Category) -> Button:
    label = t_("{icon} {category}", icon=CATEGORY_ICONS[category], category=CATEGORY_LABELS[category])
    return Button(label, f"fb:cat:{draft.id}:{category.value}")


def themes_message(by_language: dict[str, list[Theme]], total: int) -> OutMessage:
    if not any(by_language.values()):
        return OutMessage.of(
            tn_(
                "No recurring themes yet in {count} open item: a theme is a term at least two items use.",
                "No recurring themes yet across {count} open items: a theme is a term at least two items use.",
                total,
            ),
            ephemeral=True,
        )
    lines: list[Text] = [
        tn_("**Themes in open feedback** ({count} item)", "**Themes in open feedback** ({count} items)", total)
    ]
    for language, found in by_language.items():
        if not found:
            continue
        lines.append(t_("**{language}**", language=LANGUAGE_LABELS.get(language, LANGUAGE_LABELS["en"])))
        for theme in found:
            lines.append(
                tn_(
                    "“{term}” — {count} item: {numbers}",
                    "“{term}” — {count} items: {numbers}",
                    theme.count,
                    term=theme.term,
                    numbers=", ".join(f"#{n}" for n in theme.numbers),
                )
            )
    return OutMessage(tuple(lines), ephemeral=True)


def status_notice(item: Item, change: StatusChange) -> OutMessage:
    lines = [
        t_("**Update on feedback #{number}: {title}**", number=item.number, title=title_of(item)),
        t_(
            "Status: {status} (was: {previous})",
            status=STATUS_LABELS[change.status],
            previous=STATUS_LABELS[change.previous],
        ),
    ]
    if change.reply:
        lines.append(t_("Reply from the team: {reply}", reply=change.reply))
    lines.append(t_("You get this because you wrote, followed or upvoted it."))
    return OutMessage(tuple(lines))


def merge_notice(source: Item, into: Item) -> OutMessage:
    return OutMessage.of(
        t_(
            "Your feedback #{number} “{title}” asks for the same as #{into} “{into_title}”, so the two were merged. "
            "Votes were combined, and you will hear about #{into}'s progress.",
            number=source.number,
            title=title_of(source),
            into=into.number,
            into_title=title_of(into),
        )
    )
