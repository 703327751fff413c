"""The console platform's Messenger: prints to the terminal with rich markup (user text escaped)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.markup import escape

from bot.core.i18n import Text
from bot.core.outbound import Button, OutMessage
from bot.core.targets import Target


def toggles(message: OutMessage) -> list[Button]:
    """A `Select` shown as one numbered toggle per option (✅ on the chosen ones)."""
    select = message.select
    if select is None:
        return []
    return [
        Button(Text("✅ {label}" if o.selected else "{label}", {"label": o.label}), select.toggle_action(o.value))
        for o in select.options
    ]


def render(message: OutMessage, locale: str) -> str:
    return message.render_text(locale, escape, lambda s: f"[bold]{s}[/bold]")


class ConsoleMessenger:
    def __init__(self, write: Callable[[str], None]) -> None:
        self.write = write
        self.buttons: list[Button] = []  # the last message's buttons, pressable by number
        self.sent = 0
        self.save_dir: Path | None = None  # where attachments (.ics) are written

    async def send(self, target: Target, message: OutMessage, locale: str) -> str | None:
        prefix = "[dim](DM)[/dim] " if target.dm else ""
        self.write(prefix + render(message, locale))
        flat = [b for row in message.buttons for b in row] + toggles(message)
        if flat:
            # Numbers run on across one answer's messages, so every button on screen can be pressed.
            first = len(self.buttons) + 1
            self.buttons.extend(flat)
            self.write(
                "  ".join(f"[cyan][{i}] {escape(b.label.render(locale))}[/cyan]" for i, b in enumerate(flat, first))
            )
        for attachment in message.attachments:
            if self.save_dir is not None:
                path = self.save_dir / attachment.filename
                path.write_bytes(attachment.data)
                self.write(f"[dim](file saved: {escape(str(path))})[/dim]")
                continue
            self.write(f"[dim](file {escape(attachment.filename)}, {len(attachment.data)} bytes)[/dim]")
        self.sent += 1
        return str(self.sent)

    async def edit(self, target: Target, message_id: str, message: OutMessage, locale: str) -> None:
        self.write(f"[dim](message {escape(message_id)} updated)[/dim] " + render(message, locale))
