"""Every command and button, generically: Telegram update → Place/Caller → dispatcher → reply."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram import Chat, Message, Update
from telegram.constants import ChatType
from telegram.ext import CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.core.commands import Caller, MessageRef, Place
from bot.core.i18n import t_
from bot.core.identity import Platform, PlatformId
from bot.core.outbound import DeliveryRefused, OutMessage, PlatformUnavailable
from bot.core.targets import Target
from bot.telegram.render import to_html

if TYPE_CHECKING:
    from bot.telegram.host import TelegramHost
    from cogs.dispatch.answer import Answer

log = logging.getLogger(__name__)
TOAST_LIMIT = 190  # answerCallbackQuery text limit is 200


def place_of(message: Message) -> Place:
    chat: Chat = message.chat
    private = chat.type == ChatType.PRIVATE
    thread = message.message_thread_id if message.is_topic_message else None
    replied = message.reply_to_message
    # In forum topics every message "replies" to the topic's first service message: not a real reply.
    reply_to = str(replied.message_id) if replied is not None and not replied.forum_topic_created else None
    return Place(
        platform=Platform.TELEGRAM,
        scope_id=None if private else str(chat.id),
        scope_title=chat.title or chat.username or str(chat.id),
        channel=Target.channel(Platform.TELEGRAM, chat.id, thread),
        is_private=private,
        reply_to=reply_to,
        message_id=str(message.message_id),
    )


def replied_ref(message: Message) -> MessageRef | None:
    """The message a command replies to (not the topic's first service message), as the command sees it."""
    replied = message.reply_to_message
    if replied is None or replied.forum_topic_created is not None:
        return None
    author = PlatformId.of(Platform.TELEGRAM, replied.from_user.id) if replied.from_user else None
    text = replied.text or replied.caption or ""
    return MessageRef(str(replied.message_id), str(message.chat.id), author, text, replied.date)


async def caller_of(runtime: TelegramHost, message: Message, user_id: int) -> Caller:
    user = message.from_user if message.from_user and message.from_user.id == user_id else None
    facts = await runtime.facts.facts(message.chat.id, user_id, message.chat.type == ChatType.PRIVATE)
    return Caller(
        identity=PlatformId.of(Platform.TELEGRAM, user_id),
        display_name=user.full_name if user else str(user_id),
        platform_locale=user.language_code if user else None,
        facts=facts,
        username=user.username if user else None,
    )


def parse_command(text: str, bot_username: str) -> tuple[str, str, bool] | None:
    """`/name@bot rest` → (name, rest, addressed_to_us); None when addressed to another bot."""
    head, _, rest = text.partition(" ")
    if "\n" in head:
        head, _, more = head.partition("\n")
        rest = f"{more} {rest}".strip()
    name, _, target = head[1:].partition("@")
    if target and target.lower() != bot_username.lower():
        return None
    return name.lower(), rest.strip(), bool(target)


def make_handlers(runtime: TelegramHost) -> list[object]:
    async def on_command(update: Update, _ctx: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or message.from_user is None or message.text is None or message.from_user.is_bot:
            return
        parsed = parse_command(message.text, runtime.username)
        if parsed is None:
            return
        name, rest, addressed = parsed
        if name == "start":
            rest = ""  # a deep link's payload (t.me/bot?start=…) is Telegram's, not an argument
        place = place_of(message)
        known = runtime.deps.registry.knows_telegram(name)
        if not known and not (place.is_private or addressed):
            return  # another bot's command in a group: not ours to answer
        target = None
        replied = message.reply_to_message
        if (
            replied
            and replied.from_user
            and not replied.forum_topic_created
            and replied.from_user.id != message.from_user.id
        ):
            target = PlatformId.of(Platform.TELEGRAM, replied.from_user.id)
        caller = await caller_of(runtime, message, message.from_user.id)
        answer = await runtime.deps.dispatcher.run_text(place, caller, name, rest, target, replied_ref(message))
        await send_answer(runtime, place.channel, answer, reply_to=message.message_id, person=message.from_user.id)
        await runtime.mark_done(update.update_id, durable=True)

    async def on_button(update: Update, _ctx: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or query.data is None:
            return
        message = query.message
        if not isinstance(message, Message):
            await query.answer()
            return
        place = place_of(message)
        facts = await runtime.facts.facts(message.chat.id, query.from_user.id, message.chat.type == ChatType.PRIVATE)
        caller = Caller(
            PlatformId.of(Platform.TELEGRAM, query.from_user.id),
            query.from_user.full_name,
            query.from_user.language_code,
            facts,
            query.from_user.username,
        )
        answer = await runtime.deps.dispatcher.press(place, caller, query.data)
        toast = _toast(answer)
        await query.answer(toast, show_alert=answer.error and toast is not None)
        if toast is None:
            await send_answer(runtime, place.channel, answer, reply_to=None, person=query.from_user.id)
        await runtime.mark_done(update.update_id, durable=True)

    async def on_text(update: Update, _ctx: ContextTypes.DEFAULT_TYPE) -> None:
        """A plain message may answer a guided dialogue's question (e.g. /newevent asking the title)."""
        message = update.message
        if message is None or message.from_user is None or message.from_user.is_bot or not message.text:
            return
        place = place_of(message)
        dispatcher = runtime.deps.dispatcher
        if not dispatcher.waiting(place, str(message.from_user.id)):
            return  # the common case: no API call for role facts on every group message
        caller = await caller_of(runtime, message, message.from_user.id)
        answer = await dispatcher.continue_text(place, caller, message.text)
        if answer is not None:
            await send_answer(runtime, place.channel, answer, reply_to=message.message_id, person=message.from_user.id)
            await runtime.mark_done(update.update_id, durable=True)

    return [
        MessageHandler(filters.COMMAND & ~filters.UpdateType.EDITED, on_command),
        MessageHandler(filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE, on_text),
        CallbackQueryHandler(on_button),
    ]


def _toast(answer: Answer) -> str | None:
    """A short, button-less single answer fits a callback toast (no chat noise); otherwise None."""
    if len(answer.messages) != 1 or answer.messages[0].buttons or answer.messages[0].attachments:
        return None
    text = answer.messages[0].render_text(answer.locale, str, str)
    return text if len(text) <= TOAST_LIMIT else None


async def send_answer(runtime: TelegramHost, target: Target, answer: Answer, reply_to: int | None, person: int) -> None:
    for i, message in enumerate(answer.messages):
        try:
            if message.private and not target.dm and int(target.chat_id) != person:
                await _send_privately(runtime, target, message, answer.locale, person, reply_to)
                continue
            await runtime.messenger.send(target, message, answer.locale, reply_to=reply_to if i == 0 else None)
        except PlatformUnavailable as exc:  # the runtime's OutageLog has said it once; no traceback per answer
            log.info("could not deliver an answer to %s: Telegram unreachable (%s)", target.chat_id, exc)
        except Exception:
            log.exception("could not deliver an answer to %s: %.80s", target.chat_id, to_html(message, answer.locale))


async def _send_privately(
    runtime: TelegramHost, group: Target, message: OutMessage, locale: str, person: int, reply_to: int | None
) -> None:
    """Private texts (link codes) go by DM; a bot cannot DM someone who never started it, so say how."""
    try:
        await runtime.messenger.send(Target.direct(Platform.TELEGRAM, person), message, locale)
        note = t_("I sent you a private message.")
    except DeliveryRefused:
        note = t_(
            "I can't message you privately yet: open {link}, press Start, and send the command there.",
            link=f"https://t.me/{runtime.username}",
        )
    await runtime.messenger.send(group, OutMessage.of(note), locale, reply_to=reply_to)
