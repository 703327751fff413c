"""The console platform's Messenger: prints to the terminal with rich markup (user text escaped)."""

from __future__ import annotations

from collections.abc import Callable

from rich.markup import escape

from bot.core.outbound import Button, OutMessage
from bot.core.targets import Target


def render(message: OutMessage, locale: str) -> str:
    return message.render_text(locale, escape, lambda s: f"[bold]{s}[/bold]")


class ConsoleMessenger:
    def __init__(self, write: Callable[[str], None]) -> None:
        self.write = write
        self.buttons: list[Button] = []  # the last message's buttons, pressable by number

    async def send(self, target: Target, message: OutMessage, locale: str) -> str | None:
        prefix = "[dim](DM)[/dim] " if target.dm else ""
        self.write(prefix + render(message, locale))
        flat = [b for row in message.buttons for b in row]
        if flat:
            self.buttons = flat
            self.write("  ".join(f"[cyan][{i}] {escape(b.label.render(locale))}[/cyan]" for i, b in enumerate(flat, 1)))
        for attachment in message.attachments:
            self.write(f"[dim](file {escape(attachment.filename)}, {len(attachment.data)} bytes)[/dim]")
        return None
