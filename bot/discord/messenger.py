"""Messenger for Discord: channel, thread or DM sends of an OutMessage (outbox, reminders, digests)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.core.outbound import DeliveryRefused, OutMessage, PlatformUnavailable
from bot.core.targets import Target
from bot.discord import render
from bot.discord.outages import describe, is_outage

if TYPE_CHECKING:
    from bot.discord.host import DiscordHost

log = logging.getLogger(__name__)


class DiscordMessenger:
    def __init__(self, runtime: DiscordHost) -> None:
        self.runtime = runtime  # the client may be replaced (reconnect without a refused intent)

    async def send(self, target: Target, message: OutMessage, locale: str) -> str | None:
        """Send and return the first message id. Raises DeliveryRefused when Discord refuses for good
        (DMs closed: 50007, missing access or permissions, unknown channel or user) and
        PlatformUnavailable when it cannot be reached."""
        try:
            channel = await self._channel(target)
            first: str | None = None
            for payload in render.payloads(message, locale):
                sent = await channel.send(**payload)
                first = first or str(sent.id)
            return first
        except discord.Forbidden as exc:
            raise DeliveryRefused(f"discord refused ({exc.code}): {exc.text}") from exc
        except discord.NotFound as exc:
            raise DeliveryRefused(f"discord: not found ({exc.code}): {exc.text}") from exc
        except Exception as exc:
            if is_outage(exc):  # 5xx after discord.py's own retries, no connection, timeout: retried later
                raise PlatformUnavailable(describe(exc)) from exc
            raise

    async def edit(self, target: Target, message_id: str, message: OutMessage, locale: str) -> None:
        """Replace a message the bot sent (live counts). Only one Discord message can be replaced: a
        text longer than one message keeps its first part."""
        parts = render.payloads(message, locale)
        payload = dict(parts[0])
        if len(parts) > 1:
            log.warning("Discord: edit of message %s keeps only the first of %d parts", message_id, len(parts))
            payload.update({k: v for k, v in parts[-1].items() if k in ("view", "files")})
        files = payload.pop("files", None)
        if files:
            payload["attachments"] = files
        for key in ("content", "view"):  # what the new version lacks is removed
            payload.setdefault(key, None)
        if "embeds" not in payload:
            payload.setdefault("embed", None)
        try:
            channel = await self._channel(target)
            await channel.get_partial_message(int(message_id)).edit(**payload)
        except discord.Forbidden as exc:
            raise DeliveryRefused(f"discord refused ({exc.code}): {exc.text}") from exc
        except discord.NotFound as exc:
            raise DeliveryRefused(f"discord: not found ({exc.code}): {exc.text}") from exc
        except Exception as exc:
            if is_outage(exc):
                raise PlatformUnavailable(describe(exc)) from exc
            raise

    async def _channel(self, target: Target) -> Any:
        client = self.runtime.client
        if target.dm:
            user_id = int(target.chat_id)
            # One request (open the DM) instead of two (fetch the user, then open): reminder fan-outs are big.
            return await client.create_dm(discord.Object(id=user_id))
        channel_id = int(target.thread_id or target.chat_id)  # a thread is a channel of its own
        channel = client.get_channel(channel_id) or await client.fetch_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            raise DeliveryRefused(f"discord: channel {channel_id} cannot receive messages")
        return channel
