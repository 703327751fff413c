"""One path for every command and button on every platform: resolve who and where, check the role,
validate arguments, run the handler, and turn any failure into a translated answer.

Adapters call `run`/`run_text`/`press` and render the returned `Answer`; they never decide a rule."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from bot.core.capabilities import Capabilities
from bot.core.clock import Clock
from bot.core.commands import Caller, CommandSpec, Form, Invocation, MessageRef, Place, Registry, Reply, Where
from bot.core.errors import MissingArgument, PermissionDenied, UnknownCommand, UserError
from bot.core.hub import EventHub, StaffSeen
from bot.core.i18n import normalise_locale, pick_locale, t_
from bot.core.identity import Platform, PlatformId
from bot.core.outbound import OutMessage
from bot.core.permissions import Role, resolve_role
from cogs.community.directory import Directory
from cogs.dispatch.answer import Answer
from cogs.dispatch.args import split_text, validate
from cogs.dispatch.dialogue import Dialogue, Dialogues
from cogs.dispatch.private import PrivateChats

log = logging.getLogger(__name__)


class Dispatcher:
    def __init__(
        self,
        registry: Registry,
        directory: Directory,
        clock: Clock,
        owners: Sequence[str] = (),
        capabilities: Capabilities | None = None,
    ) -> None:
        self.registry = registry
        self.directory = directory
        self.clock = clock
        self.owners = frozenset(owners)
        self.capabilities = capabilities or Capabilities()
        self.timings_ms: list[float] = []  # handler latency, read by the command benchmark
        self.hub: EventHub | None = None  # set by the composition root: staff callers are published (StaffSeen)
        self.dialogues = Dialogues()
        self.private = PrivateChats(directory, registry, self.capabilities, self.run)
        registry.add(
            CommandSpec(
                key="cancel",
                description=t_("Stop the question I am asking you"),
                handler=self._cancel,
                telegram=("cancel",),
                where=Where.ANYWHERE,
                needs_community=False,
            )
        )

    async def resolve(
        self,
        place: Place,
        caller: Caller,
        target_member: PlatformId | None = None,
        target_message: MessageRef | None = None,
    ) -> Invocation:
        now = self.clock.now()
        platform = place.platform.value
        member_id = await self.directory.member_id(platform, caller.identity.id, caller.display_name, now)
        community = None
        settings = await self.directory.members.settings(member_id)
        facts = caller.facts
        if place.scope_id is not None:
            community = await self.directory.community(platform, place.scope_id, place.scope_title, now)
            await self.directory.ensure_memberships([(community.id, member_id)], now)
        else:  # a private chat: the member's own community, and their standing in its group
            community = await self.private.community_of(member_id, settings.private_community_id)
            if community is not None:
                facts = await self.private.facts(community.id, place.platform, caller) or facts
        seen = normalise_locale(caller.platform_locale)
        if seen and seen != settings.seen_locale:  # remembered for reminders and other later sends
            await self.directory.members.set_seen_locale(member_id, seen)
        role = resolve_role(
            str(caller.identity),
            facts,
            self.owners,
            community.moderator_roles if community else (),
            community.manager_roles if community else (),
        )
        locale = pick_locale(settings.locale, caller.platform_locale, community.locale if community else None)
        if self.hub is not None and community is not None and role >= Role.MODERATOR:
            self.hub.publish(StaffSeen(community.id, member_id, role, now))
        organizer = (
            role >= Role.MANAGER
            or facts.can_organize
            or bool(community and facts.role_ids & frozenset(community.organizer_roles))
        )
        return Invocation(
            place=place,
            caller=caller,
            community_id=community.id if community else None,
            member_id=member_id,
            role=role,
            locale=locale,
            now=now,
            target_member=target_member,
            target_message=target_message,
            is_organizer=organizer,
            timezone=community.timezone if community else "UTC",
        )

    async def run(
        self,
        place: Place,
        caller: Caller,
        spec: CommandSpec,
        raw_args: dict[str, Any],
        target_member: PlatformId | None = None,
        target_message: MessageRef | None = None,
    ) -> Answer:
        started = time.perf_counter()
        inv: Invocation | None = None
        try:
            inv = await self.resolve(place, caller, target_member, target_message)
            if place.is_private and spec.needs_community and spec.where.in_private and inv.community_id is None:
                return await self.private.choose_first(place, caller, inv, spec, raw_args, target_member)
            self.check(spec, inv)
            try:
                args = validate(spec, raw_args, place.platform, target_member)
            except MissingArgument as missing:
                if not spec.guided or place.platform is Platform.DISCORD:
                    raise
                return self._ask(place, caller, inv, spec, raw_args, target_member, missing.arg_name)
            reply = await spec.handler(inv, args)
            return self._answer(place, caller, inv, reply)
        except UserError as exc:
            return self._error(inv, caller, exc)
        except Exception:
            log.exception("command %s failed for %s in %s", spec.key, caller.identity, place.scope_id)
            return self._apology(inv, caller)
        finally:
            self.timings_ms.append((time.perf_counter() - started) * 1000)
            if len(self.timings_ms) > 10_000:
                del self.timings_ms[:5_000]

    async def run_text(
        self,
        place: Place,
        caller: Caller,
        name: str,
        text: str,
        target_member: PlatformId | None = None,
        target_message: MessageRef | None = None,
    ) -> Answer:
        """Telegram and console: `/name a | b`. Unknown names and malformed text get a clear answer."""
        found = self.registry.by_telegram_text(name, text)
        if found is None:
            inv = None
            try:
                inv = await self.resolve(place, caller)
            except Exception:
                log.exception("resolving caller for unknown command failed")
            unknown = t_("Unknown command /{name}. Send /help to see what you can do.", name=name)
            if subcommands := self.registry.telegram_subcommands(name):  # `/export` without a known second word
                unknown = t_("Use /{name} with one of: {choices}.", name=name, choices=", ".join(subcommands))
            return self._error(inv, caller, UnknownCommand(unknown))
        spec, text = found
        return await self.run_spec_text(place, caller, spec, text, target_member, target_message)

    async def run_spec_text(
        self,
        place: Place,
        caller: Caller,
        spec: CommandSpec,
        text: str,
        target_member: PlatformId | None = None,
        target_message: MessageRef | None = None,
    ) -> Answer:
        """A known command with its arguments as typed text (`a | b`); malformed text gets a clear answer.
        With a reply target, a leading member argument is the replied-to member and the text fills the rest."""
        try:
            raw = split_text(spec, text, has_target=target_member is not None)
        except UserError as exc:
            return self._error(await self.resolve(place, caller), caller, exc)
        return await self.run(place, caller, spec, raw, target_member, target_message)

    async def suggest(
        self, place: Place, caller: Caller, spec: CommandSpec, arg_name: str, typed: str
    ) -> list[tuple[str, str]]:
        """Suggestions while typing an argument (Discord autocomplete): (value, label in the caller's
        language), at most 25. Whoever may not use the command gets none; a failure gets none too."""
        arg = next((a for a in spec.args if a.name == arg_name), None)
        if arg is None or arg.suggest is None:
            return []
        try:
            inv = await self.resolve(place, caller)
            self.check(spec, inv)
            found = await arg.suggest(inv, typed)
        except UserError:
            return []
        except Exception:
            log.exception("suggestions for %s.%s failed for %s", spec.key, arg_name, caller.identity)
            return []
        return [(value, label.render(inv.locale)) for value, label in found[:25]]

    # -- guided dialogues -----------------------------------------------------------------------
    @staticmethod
    def _key(place: Place, caller: Caller) -> tuple[str, str, str]:
        return place.platform.value, place.channel.chat_id, caller.identity.id

    def _ask(
        self,
        place: Place,
        caller: Caller,
        inv: Invocation,
        spec: CommandSpec,
        raw: dict[str, Any],
        target: PlatformId | None,
        arg_name: str,
    ) -> Answer:
        arg = next(a for a in spec.args if a.name == arg_name)
        self.dialogues.start(self._key(place, caller), Dialogue(spec, dict(raw), arg_name, target, inv.now))
        question = arg.prompt or t_("Please send the {name}.", name=arg.name)
        return Answer(inv.locale, (OutMessage.of(question, t_("(Send /cancel to stop.)")),))

    def waiting(self, place: Place, user_id: str) -> bool:
        key = (place.platform.value, place.channel.chat_id, user_id)
        return self.dialogues.get(key, self.clock.now()) is not None

    async def continue_text(self, place: Place, caller: Caller, text: str) -> Answer | None:
        """A plain message: the answer to an open dialogue, or None when there is none."""
        key = self._key(place, caller)
        dialogue = self.dialogues.get(key, self.clock.now())
        if dialogue is None:
            return None
        self.dialogues.end(key)
        if dialogue.form is not None:
            return await self._continue_form(place, caller, dialogue, text)
        assert dialogue.spec is not None
        raw = {**dialogue.raw, dialogue.waiting_for: text}
        answer = await self.run(place, caller, dialogue.spec, raw, dialogue.target_member)
        if answer.error and self.dialogues.get(key, self.clock.now()) is None and dialogue.answers < 5:
            # A bad answer: say why and ask the same question again (at most a few times).
            dialogue.answers += 1
            dialogue.started = self.clock.now()
            self.dialogues.start(key, dialogue)
            arg = next(a for a in dialogue.spec.args if a.name == dialogue.waiting_for)
            again = arg.prompt or t_("Please send the {name}.", name=arg.name)
            return Answer(answer.locale, (*answer.messages, OutMessage.of(again)), error=True)
        return answer

    async def _cancel(self, inv: Invocation, _args: dict[str, Any]) -> Reply:
        key = (inv.platform.value, inv.place.channel.chat_id, inv.caller.identity.id)
        if self.dialogues.end(key):
            return Reply.of(OutMessage.of(t_("Stopped. Nothing was saved.")))
        return Reply.of(OutMessage.of(t_("There is nothing to stop.")))

    async def press(self, place: Place, caller: Caller, action: str) -> Answer:
        prefix, _, rest = action.partition(":")
        route = self.registry.buttons.get(prefix)
        inv: Invocation | None = None
        try:
            inv = await self.resolve(place, caller)
            if route is None:
                raise UnknownCommand(t_("This button no longer works. Run the command again."))
            reply = await route.handler(inv, rest)
            return self._answer(place, caller, inv, reply)
        except UserError as exc:
            return self._error(inv, caller, exc)
        except Exception:
            log.exception("button %s failed for %s", action, caller.identity)
            return self._apology(inv, caller)

    # -- forms ----------------------------------------------------------------------------------
    def _answer(self, place: Place, caller: Caller, inv: Invocation, reply: Reply) -> Answer:
        locale = reply.locale or inv.locale
        if reply.form is None:
            return Answer(locale, reply.messages)
        if place.platform is Platform.DISCORD:
            return Answer(locale, reply.messages, form=reply.form)
        first = reply.form.fields[0]
        self.dialogues.start(self._key(place, caller), Dialogue(None, {}, first.name, None, inv.now, form=reply.form))
        return Answer(locale, (*reply.messages, self._field_question(reply.form, first.name)))

    @staticmethod
    def _field_question(form: Form, name: str) -> OutMessage:
        field = next(f for f in form.fields if f.name == name)
        question = field.prompt or t_("Please send the {name}.", name=field.label)
        skip = () if field.required else (t_("(Send - to leave it empty.)"),)
        return OutMessage.of(question, *skip, t_("(Send /cancel to stop.)"))

    async def submit(self, place: Place, caller: Caller, action: str, values: dict[str, str]) -> Answer:
        """A filled form (a Discord modal, or the last answer of a form dialogue)."""
        prefix, _, rest = action.partition(":")
        route = self.registry.forms.get(prefix)
        inv: Invocation | None = None
        try:
            inv = await self.resolve(place, caller)
            if route is None:
                raise UnknownCommand(t_("This form no longer works. Run the command again."))
            reply = await route.handler(inv, rest, values)
            return self._answer(place, caller, inv, reply)
        except UserError as exc:
            return self._error(inv, caller, exc)
        except Exception:
            log.exception("form %s failed for %s", action, caller.identity)
            return self._apology(inv, caller)

    async def _continue_form(self, place: Place, caller: Caller, dialogue: Dialogue, text: str) -> Answer:
        assert dialogue.form is not None
        form, key = dialogue.form, self._key(place, caller)
        field = next(f for f in form.fields if f.name == dialogue.waiting_for)
        value = "" if (not field.required and text.strip() == "-") else text.strip()
        if (field.required and not value) or len(value) > field.max_length:
            inv = await self.resolve(place, caller)
            dialogue.started = inv.now
            self.dialogues.start(key, dialogue)
            problem = (
                t_("That is too long: at most {limit} characters.", limit=field.max_length)
                if value
                else t_("That was empty.")
            )
            return Answer(inv.locale, (OutMessage.of(problem), self._field_question(form, field.name)), error=True)
        dialogue.raw[field.name] = value
        remaining = [f for f in form.fields if f.name not in dialogue.raw]
        if remaining:
            dialogue.waiting_for = remaining[0].name
            dialogue.started = self.clock.now()
            self.dialogues.start(key, dialogue)
            inv = await self.resolve(place, caller)
            return Answer(inv.locale, (self._field_question(form, remaining[0].name),))
        return await self.submit(place, caller, form.action, dict(dialogue.raw))

    def check(self, spec: CommandSpec, inv: Invocation) -> None:
        # Where first: "use it in the group" is the useful answer even for someone who lacks the role.
        if not spec.where.in_group and not inv.place.is_private:
            raise PermissionDenied(t_("Use this command in a private chat with me."))
        if not spec.where.in_private and inv.place.is_private:
            raise PermissionDenied(t_("Use this command in your community's group or server, not here."))
        if spec.organizer and inv.is_organizer:
            pass
        elif spec.organizer and inv.role < spec.role:
            raise PermissionDenied(
                t_("Only event organizers can use this command. Send /help to see the commands you can use.")
            )
        elif inv.role < spec.role:
            raise PermissionDenied(
                t_(
                    "Only a {role} can use this command. Send /help to see the commands you can use.",
                    role=spec.role.label,
                )
            )
        if spec.needs_community and inv.community_id is None:
            raise PermissionDenied(t_("Use this command in your community's group or server, not here."))

    def _locale(self, inv: Invocation | None, caller: Caller) -> str:
        return inv.locale if inv else pick_locale(caller.platform_locale)

    def _error(self, inv: Invocation | None, caller: Caller, exc: UserError) -> Answer:
        return Answer(self._locale(inv, caller), (OutMessage.of(exc.text, ephemeral=True),), error=True)

    def _apology(self, inv: Invocation | None, caller: Caller) -> Answer:
        text = t_("Sorry, something went wrong on my side. Please try again in a moment.")
        return Answer(self._locale(inv, caller), (OutMessage.of(text, ephemeral=True),), error=True)
