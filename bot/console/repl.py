"""`hearth console`: a terminal chat against the same database, acting as member, moderator or manager.

Commands are typed as on Telegram (`/language fi`, `/settimezone Europe/Helsinki`) or as Discord's
grouped names (`/setup timezone Europe/Helsinki`). Plain lines count as messages for analytics."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from bot.app import Services, build_services
from bot.console.messenger import ConsoleMessenger
from bot.core.commands import Caller, Place
from bot.core.identity import Platform, PlatformId
from bot.core.permissions import PlatformFacts
from bot.core.targets import Target
from cogs.analytics.models import MessageSeen
from cogs.analytics.text_signals import is_question, length_bucket
from config.settings import Settings

SCOPE_ID = "local"
SCOPE_TITLE = "Console community"
PERSONAS = {
    "member": PlatformFacts(),
    "moderator": PlatformFacts(can_moderate=True),
    "manager": PlatformFacts(can_moderate=True, can_manage=True),
}
HELP = (
    "[dim]Type /help for commands. Console commands: :as member|moderator|manager, :name NAME, "
    ":dm (toggle private chat), a number to press a button, :quit[/dim]"
)


class ConsoleSession:
    def __init__(self, services: Services, write: Callable[[str], None], persona: str = "member", name: str = "you"):
        self.services = services
        self.messenger = ConsoleMessenger(write)
        services.messengers["console"] = self.messenger
        self.write = write
        self.persona = persona
        self.name = name
        self.private = False

    @property
    def caller(self) -> Caller:
        return Caller(PlatformId(Platform.CONSOLE, self.name), self.name, None, PERSONAS[self.persona])

    @property
    def place(self) -> Place:
        if self.private:
            return Place(Platform.CONSOLE, None, "", Target.direct(Platform.CONSOLE, self.name), is_private=True)
        return Place(Platform.CONSOLE, SCOPE_ID, SCOPE_TITLE, Target.channel(Platform.CONSOLE, "general"))

    async def handle(self, line: str) -> bool:
        """Process one input line; False when the user wants to leave."""
        line = line.strip()
        if not line:
            return True
        if line.startswith(":"):
            return self._meta(line[1:])
        if line.isdigit() and self.messenger.buttons:
            index = int(line) - 1
            if 0 <= index < len(self.messenger.buttons):
                answer = await self.services.dispatcher.press(
                    self.place, self.caller, self.messenger.buttons[index].action
                )
                await self._show(answer)
                return True
        if line.startswith("/"):
            await self._command(line[1:])
            return True
        reply = await self.services.dispatcher.continue_text(self.place, self.caller, line)
        if reply is not None:
            await self._show(reply)
            return True
        if self.place.scope_id is not None:
            self.services.ingest.message(
                MessageSeen(
                    "console",
                    SCOPE_ID,
                    SCOPE_TITLE,
                    "general",
                    self.name,
                    self.name,
                    self.services.clock.now(),
                    is_question=is_question(line),
                    length_bucket=length_bucket(line),
                )
            )
            self.write("[dim](message recorded as activity; the text itself is not stored)[/dim]")
        return True

    async def _command(self, text: str) -> None:
        words = text.split(maxsplit=2)
        registry = self.services.registry
        if len(words) >= 2 and (spec := registry.by_discord(words[:2])) is not None:
            rest = words[2] if len(words) > 2 else ""
            answer = await self.services.dispatcher.run_spec_text(self.place, self.caller, spec, rest)
        else:
            name, _, rest = text.partition(" ")
            answer = await self.services.dispatcher.run_text(self.place, self.caller, name, rest)
        await self._show(answer)

    async def _show(self, answer: object) -> None:
        if any(m.buttons for m in answer.messages):  # type: ignore[attr-defined]
            self.messenger.buttons = []  # a new set of buttons replaces the old one
        for message in answer.messages:  # type: ignore[attr-defined]
            await self.messenger.send(self.place.channel, message, answer.locale)  # type: ignore[attr-defined]

    def _meta(self, text: str) -> bool:
        verb, _, arg = text.partition(" ")
        if verb in ("q", "quit", "exit"):
            return False
        if verb == "as" and arg in PERSONAS:
            self.persona = arg
            self.write(f"[dim]You are now a {arg}.[/dim]")
        elif verb == "name" and arg.strip():
            self.name = arg.strip()[:32]
            self.write(f"[dim]You are now {self.name}.[/dim]")
        elif verb == "dm":
            self.private = not self.private
            self.write("[dim]Private chat with the bot.[/dim]" if self.private else "[dim]Back in the community.[/dim]")
        else:
            self.write(HELP)
        return True


async def run_console(settings: Settings, persona: str | None, name: str | None) -> None:
    console = Console()
    services = await build_services(settings)
    persona = persona or await _ask(console, "Who are you? member / moderator / manager", "member", set(PERSONAS))
    name = name or await _ask(console, "Your name", "alice", None)
    session = ConsoleSession(services, console.print, persona, name)
    session.messenger.save_dir = Path.cwd()  # calendar files (.ics) land where you started the console
    console.print(f"[bold]Hearth console[/bold] — {SCOPE_TITLE}, as {persona} {name}. {HELP}")
    try:
        while True:
            try:
                line = await asyncio.to_thread(console.input, "[bold green]> [/bold green]")
            except (EOFError, KeyboardInterrupt):
                break
            if not await session.handle(line):
                break
    finally:
        await services.ingest.flush()
        await services.engine.dispose()


async def _ask(console: Console, question: str, default: str, allowed: set[str] | None) -> str:
    while True:
        try:
            answer = (await asyncio.to_thread(console.input, f"{question} [{default}]: ")).strip() or default
        except EOFError:
            return default
        if allowed is None or answer in allowed:
            return answer
        console.print(f"Please answer one of: {', '.join(sorted(allowed))}")
