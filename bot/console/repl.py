"""`hearth console`: a terminal chat against the same database, acting as member, moderator or manager.

Commands are typed as on Telegram (`/language fi`, `/settimezone Europe/Helsinki`) or as Discord's
grouped names (`/setup timezone Europe/Helsinki`). Plain lines count as messages for analytics."""

from __future__ import annotations

from collections.abc import Callable

from bot.console.messenger import ConsoleMessenger
from bot.console.moderation import ConsoleModeration
from bot.core.commands import Caller, Place
from bot.core.hub import MessageSeen
from bot.core.identity import Platform, PlatformId
from bot.core.permissions import PlatformFacts
from bot.core.targets import Target
from bot.platform import PlatformDeps
from cogs.analytics.text_signals import is_question, length_bucket
from cogs.moderation.ports import ModerationActions

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
    """The console platform: one person typing. The caller registers `messenger` under "console"."""

    name_of_platform = "console"

    def __init__(self, deps: PlatformDeps, write: Callable[[str], None], persona: str = "member", name: str = "you"):
        self.deps = deps
        self.messenger = ConsoleMessenger(write)
        self.write = write
        self.persona = persona
        self.name = name
        self.private = False
        moderation = ConsoleModeration(write, PERSONAS)
        deps.capabilities.provide("console", ModerationActions, moderation)  # type: ignore[type-abstract]

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
                answer = await self.deps.dispatcher.press(self.place, self.caller, self.messenger.buttons[index].action)
                await self._show(answer)
                return True
        if line.startswith("/"):
            await self._command(line[1:])
            return True
        reply = await self.deps.dispatcher.continue_text(self.place, self.caller, line)
        if reply is not None:
            await self._show(reply)
            return True
        if self.place.scope_id is not None:
            self.deps.hub.publish(
                MessageSeen(
                    "console",
                    SCOPE_ID,
                    SCOPE_TITLE,
                    "general",
                    self.name,
                    self.name,
                    self.deps.clock.now(),
                    is_question=is_question(line),
                    length_bucket=length_bucket(line),
                    text=line,
                )
            )
            self.write("[dim](message recorded as activity; the text itself is not stored)[/dim]")
        return True

    async def _command(self, text: str) -> None:
        words = text.split(maxsplit=2)
        registry = self.deps.registry
        if len(words) >= 2 and (spec := registry.by_discord(words[:2])) is not None:
            rest = words[2] if len(words) > 2 else ""
            answer = await self.deps.dispatcher.run_spec_text(self.place, self.caller, spec, rest)
        else:
            name, _, rest = text.partition(" ")
            answer = await self.deps.dispatcher.run_text(self.place, self.caller, name, rest)
        await self._show(answer)

    async def _show(self, answer: object) -> None:
        if any(m.buttons or m.select for m in answer.messages):  # type: ignore[attr-defined]
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
