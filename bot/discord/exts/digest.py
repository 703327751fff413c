"""Discord glue for the digest: channel names from the client's cache, so a digest read on Telegram or in the
terminal names Discord channels (on Discord itself they are `<#id>` links)."""

from __future__ import annotations

from typing import Any

from bot.discord.host import DiscordHost
from cogs.digest.ports import ChannelNames


class DiscordChannelNames:
    def __init__(self, host: DiscordHost) -> None:
        self.host = host

    def channel_name(self, channel_id: str) -> str | None:
        if not channel_id.isdigit():
            return None
        channel = self.host.client.get_channel(int(channel_id))
        name = getattr(channel, "name", None)
        return f"#{name}" if name else None


def setup(host: DiscordHost, tree: Any) -> None:
    host.deps.capabilities.provide("discord", ChannelNames, DiscordChannelNames(host))
