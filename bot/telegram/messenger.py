"""Messenger for Telegram: HTML parse mode, inline keyboards, photos/documents, topics."""

from __future__ import annotations

import logging

from telegram import Bot, InputFile, LinkPreviewOptions, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError

from bot.core.outbound import DeliveryRefused, OutMessage, PlatformUnavailable
from bot.core.targets import Target
from bot.telegram.network import describe
from bot.telegram.render import html_parts, keyboard, split_html, to_html

log = logging.getLogger(__name__)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class TelegramMessenger:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, target: Target, message: OutMessage, locale: str, reply_to: int | None = None) -> str | None:
        chat_id = int(target.chat_id)
        thread = int(target.thread_id) if target.thread_id else None
        markup = keyboard(message, locale)
        sent: Message | None = None
        try:
            parts = html_parts(message, locale)
            for i, part in enumerate(parts):
                last = i == len(parts) - 1
                sent = await self.bot.send_message(
                    chat_id,
                    part,
                    parse_mode=ParseMode.HTML,
                    message_thread_id=thread,
                    reply_markup=markup if last else None,
                    reply_parameters=(
                        ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to and i == 0 else None
                    ),
                    link_preview_options=NO_PREVIEW,
                )
            for attachment in message.attachments:
                file = InputFile(attachment.data, filename=attachment.filename)
                if attachment.is_image:
                    await self.bot.send_photo(chat_id, file, message_thread_id=thread)
                else:
                    await self.bot.send_document(chat_id, file, message_thread_id=thread)
        except Forbidden as exc:
            # Blocked by the user, never started, or removed from the group: retrying will not help.
            raise DeliveryRefused(f"telegram refused: {exc.message}") from exc
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                raise DeliveryRefused(f"telegram: {exc.message}") from exc
            raise
        except NetworkError as exc:  # 5xx, dropped connection, timeout (BadRequest was handled above)
            raise PlatformUnavailable(describe(exc)) from exc
        return str(sent.message_id) if sent else None

    async def edit(self, target: Target, message_id: str, message: OutMessage, locale: str) -> None:
        text = split_html(to_html(message, locale))[0]
        try:
            await self.bot.edit_message_text(
                text,
                chat_id=int(target.chat_id),
                message_id=int(message_id),
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(message, locale),
                link_preview_options=NO_PREVIEW,
            )
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return  # same counts as before: nothing to do
            raise
        except NetworkError as exc:
            raise PlatformUnavailable(describe(exc)) from exc
