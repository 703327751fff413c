"""Surveys: NPS (0–10) and CSAT (1–5) posted with buttons; one answer per member, changeable until the survey
closes; an optional comment (a modal on Discord, a private dialogue on Telegram); results with the margin
of error and the trend against the previous survey of the same kind."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.core.clock import Clock
from bot.core.commands import Form, FormField, Invocation, Reply
from bot.core.errors import BadArgument, NotFound, PermissionDenied, PlatformLimitation
from bot.core.hub import EventHub, MemberActed
from bot.core.i18n import Text, t_
from bot.core.identity import Platform
from bot.core.outbound import Attachment, Button, ButtonStyle, DeliveryRefused, Messenger, OutMessage
from bot.core.permissions import Role
from bot.core.targets import Target
from cogs.outbox.models import OutboxKey
from cogs.outbox.service import Outbox
from cogs.polls import export, limits, render
from cogs.polls.models import Survey, SurveyKind
from cogs.polls.ports import SurveyRepo, Timer
from cogs.polls.results import previous_score, survey_score
from cogs.polls.timing import CloseTimer

log = logging.getLogger(__name__)

FEATURE = "survey"
DEFAULT_OPEN = timedelta(days=7)
QUESTION_MAX = 300
COMMENT_MAX = 1000
# Where the answer to a button press is seen by the presser alone, so it may carry a button of its own
# (Discord: ephemeral; the console: one person). Elsewhere (Telegram groups) the comment is offered privately.
PRIVATE_ANSWERS = frozenset({Platform.DISCORD, Platform.CONSOLE})


class SurveyService:
    def __init__(
        self,
        repo: SurveyRepo,
        messengers: Callable[[str], Messenger | None],
        outbox: Outbox,
        timer: Timer,
        clock: Clock,
        hub: EventHub,
    ) -> None:
        self.repo = repo
        self.messengers = messengers
        self.outbox = outbox
        self.clock = clock
        self.hub = hub
        self.closer = CloseTimer("surveys:tick", timer, clock, repo.next_close, self._close_due)
        self._refreshing: dict[int, asyncio.Task[None]] = {}
        self._dirty: set[int] = set()

    # -- create --------------------------------------------------------------------------------------------
    async def create_nps(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        return await self._create(inv, SurveyKind.NPS, "", args.get("duration"))

    async def create_csat(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        return await self._create(inv, SurveyKind.CSAT, args.get("question") or "", args.get("duration"))

    async def create_typed(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        """Telegram and the console: /survey nps [| duration] or /survey csat [| duration] [| question]."""
        kind = SurveyKind(args["kind"])
        return await self._create(inv, kind, args.get("question") or "", args.get("duration"))

    async def _create(self, inv: Invocation, kind: SurveyKind, question: str, when: str | None) -> Reply:
        assert inv.community_id is not None
        question = limits.clean(question)
        if len(question) > QUESTION_MAX:
            raise BadArgument(
                t_("The question is too long: {length} characters, at most {limit}.", length=len(question),
                   limit=QUESTION_MAX)
            )  # fmt: skip
        rules = limits.limits_for(inv.platform.value)
        when = (when or "").strip()
        closes_at = (
            limits.close_time(when, now=inv.now, locale=inv.locale, timezone=inv.timezone, limits=rules)
            if when
            else inv.now + DEFAULT_OPEN
        )
        survey = await self.repo.create(inv.community_id, inv.member_id, kind, question, inv.place.scope_title,
                                        inv.place.channel, inv.locale, inv.timezone, closes_at, inv.now)  # fmt: skip
        messenger = self.messengers(survey.platform)
        try:
            if messenger is None:
                raise RuntimeError(f"no messenger for {survey.platform}")
            message_id = await messenger.send(survey.channel, render.survey_post(survey, 0), survey.locale)
            if message_id is None:
                raise RuntimeError("the post was not sent")
        except Exception as exc:
            await self.repo.delete(survey.id)
            log.warning("survey %s removed: it could not be posted (%s)", survey.id, exc)
            raise PlatformLimitation(
                t_(
                    "I can't post in this channel, so the survey was not created. Give me permission to send "
                    "messages here, or start it in another channel."
                )
            ) from exc
        await self.repo.set_post(survey.id, message_id)
        await self.closer.arm()
        return Reply.of(
            OutMessage.of(
                t_("Survey #{id} posted: {question}", id=survey.id, question=render.survey_question(survey)),
                render.closes(closes_at, inv.timezone),
                ephemeral=True,
            )
        )

    # -- answers -------------------------------------------------------------------------------------------
    async def press(self, inv: Invocation, rest: str) -> Reply:
        verb, _, tail = rest.partition(":")
        raw_id, _, raw_score = tail.partition(":")
        if verb == "c" and raw_id.isdigit():
            return await self.offer_comment(inv, int(raw_id))
        if verb != "a" or not raw_id.isdigit() or not raw_score.lstrip("-").isdigit():
            raise BadArgument(t_("This button no longer works. Run the command again."))
        return await self.answer(inv, await self._here(raw_id, inv), int(raw_score))

    async def answer(self, inv: Invocation, survey: Survey, score: int) -> Reply:
        if not survey.is_open:
            raise BadArgument(t_("Survey #{id} is closed.", id=survey.id))
        if score not in survey.scale:
            raise BadArgument(
                t_("Answers to survey #{id} go from {low} to {high}.", id=survey.id, low=survey.scale[0],
                   high=survey.scale[-1])
            )  # fmt: skip
        before = await self.repo.answer_of(survey.id, inv.member_id)
        if not await self.repo.answer(survey.id, inv.member_id, score, inv.now):
            if before is not None and before.score == score:
                return Reply.of(OutMessage.of(t_("Your answer is already {score}.", score=score), ephemeral=True))
            raise BadArgument(t_("Survey #{id} is closed.", id=survey.id))
        self.hub.publish(MemberActed(survey.community_id, inv.member_id, survey.platform, survey.channel.chat_id,
                                     "survey", inv.now))  # fmt: skip
        self.refresh_soon(survey.id)
        thanks = t_("Thanks! Your answer to survey #{id}: {score}. You can change it until the survey closes.",
                    id=survey.id, score=score)  # fmt: skip
        add = Button(t_("Add a comment"), f"sv:c:{survey.id}", ButtonStyle.SECONDARY)
        if inv.platform in PRIVATE_ANSWERS:
            return Reply.of(OutMessage((thanks,), buttons=((add,),), ephemeral=True))
        if before is not None:
            return Reply.of(OutMessage.of(t_("Thanks! Your answer is now {score}.", score=score)))
        # A group sees every answer to a button press: the offer to comment goes by private message.
        offer = OutMessage.of(
            t_("You answered {score} to survey #{id}: {question}", score=score, id=survey.id,
               question=render.survey_question(survey)),
            t_("Would you like to add a comment for the managers? They see it with your score, never your name."),
        )  # fmt: skip
        offer = OutMessage(offer.lines, buttons=((add,),))
        try:
            messenger = self.messengers(survey.platform)
            if messenger is None:
                raise DeliveryRefused("no messenger")
            await messenger.send(Target.direct(inv.platform, inv.caller.identity.id), offer, inv.locale)
        except DeliveryRefused:  # never started a chat with the bot: no comment, the answer counts all the same
            return Reply.of(OutMessage.of(t_("Thanks! Your answer: {score}.", score=score)))
        except Exception:
            log.warning("survey %s: the comment offer could not be sent", survey.id, exc_info=True)
            return Reply.of(OutMessage.of(t_("Thanks! Your answer: {score}.", score=score)))
        return Reply.of(
            OutMessage.of(t_("Thanks! Your answer: {score}. I sent you a private message for a comment.", score=score))
        )

    async def offer_comment(self, inv: Invocation, survey_id: int) -> Reply:
        """The "Add a comment" button: a form (a modal on Discord; a private dialogue elsewhere)."""
        survey = await self.repo.get(survey_id)
        mine = await self.repo.answer_of(survey_id, inv.member_id) if survey is not None else None
        if survey is None or mine is None:
            raise BadArgument(t_("Answer the survey with one of its buttons first."))
        if not survey.is_open:
            raise BadArgument(t_("Survey #{id} is closed.", id=survey.id))
        form = Form(
            t_("Your comment"),
            f"svc:{survey.id}",
            (
                FormField(
                    "comment",
                    t_("comment"),
                    long=True,
                    max_length=COMMENT_MAX,
                    default=mine.comment or "",
                    prompt=t_("What would you like to tell the managers? Send your comment as one message."),
                ),
            ),
        )
        intro = OutMessage.of(t_("Your comment goes to the managers with your score, never with your name."))
        return Reply((intro,) if inv.platform not in PRIVATE_ANSWERS else (), None, form)

    async def save_comment(self, inv: Invocation, rest: str, values: dict[str, str]) -> Reply:
        if not rest.isdigit():
            raise BadArgument(t_("This form no longer works. Run the command again."))
        survey = await self.repo.get(int(rest))
        text = " ".join((values.get("comment") or "").split())
        if survey is None:
            raise NotFound(t_("This form no longer works. Run the command again."))
        if not text:
            raise BadArgument(t_("The comment was empty, so nothing was saved."))
        if len(text) > COMMENT_MAX:
            raise BadArgument(t_("That is too long: at most {limit} characters.", limit=COMMENT_MAX))
        if not await self.repo.comment(survey.id, inv.member_id, text, inv.now):
            if not survey.is_open:
                raise BadArgument(t_("Survey #{id} is closed.", id=survey.id))
            raise BadArgument(t_("Answer the survey with one of its buttons first."))
        return Reply.of(OutMessage.of(t_("Thank you: your comment on survey #{id} is saved.", id=survey.id),
                                      ephemeral=True))  # fmt: skip

    # -- live answer count ---------------------------------------------------------------------------------
    def refresh_soon(self, survey_id: int) -> None:
        if survey_id in self._refreshing:
            self._dirty.add(survey_id)
            return
        self._refreshing[survey_id] = asyncio.ensure_future(self._refresh_loop(survey_id))

    async def _refresh_loop(self, survey_id: int) -> None:
        try:
            while True:
                self._dirty.discard(survey_id)
                await self.refresh_post(survey_id)
                if survey_id not in self._dirty:
                    return
        finally:
            self._refreshing.pop(survey_id, None)

    async def refresh_post(self, survey_id: int) -> None:
        survey = await self.repo.get(survey_id)
        messenger = self.messengers(survey.platform) if survey is not None else None
        if survey is None or survey.message_id is None or messenger is None:
            return
        try:
            post = render.survey_post(survey, len(await self.repo.answers(survey.id)))
            await messenger.edit(survey.channel, survey.message_id, post, survey.locale)
        except Exception:
            log.warning("could not update the post of survey %s", survey_id, exc_info=True)

    async def drain(self) -> None:
        while self._refreshing:
            await asyncio.gather(*list(self._refreshing.values()), return_exceptions=True)
        await self.closer.drain()

    # -- close ---------------------------------------------------------------------------------------------
    async def close_command(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        return await self.close_by(inv, await self._here(args["survey"], inv))

    async def close_by(self, inv: Invocation, survey: Survey) -> Reply:
        if not survey.is_open:
            raise BadArgument(t_("Survey #{id} is already closed.", id=survey.id))
        if inv.member_id != survey.creator_id and inv.role < Role.MODERATOR:
            raise PermissionDenied(
                t_("Only the creator of survey #{id}, moderators and managers can close it.", id=survey.id)
            )
        if not await self.close(survey.id):
            raise BadArgument(t_("Survey #{id} is already closed.", id=survey.id))
        return Reply.of(
            OutMessage.of(t_("Survey #{id} is closed; the results are posted in its chat.", id=survey.id),
                          ephemeral=True)
        )  # fmt: skip

    async def close(self, survey_id: int) -> bool:
        if not await self.repo.close(survey_id, self.clock.now()):
            return False
        await self.announce(survey_id)
        return True

    async def _close_due(self, now: datetime) -> bool:
        for survey in await self.repo.due(now):
            await self.close(survey.id)
        for survey in await self.repo.unannounced():
            await self.announce(survey.id)
        return True

    async def rehydrate(self) -> None:
        await self.closer.tick()

    async def announce(self, survey_id: int) -> None:
        survey = await self.repo.get(survey_id)
        if survey is None or survey.is_open or survey.results_queued:
            return
        answers = await self.repo.answers(survey.id)
        score = await survey_score(self.repo, survey)
        previous, previous_id = await previous_score(self.repo, survey)
        comments = sum(1 for a in answers if a.comment)
        message = OutMessage(tuple(render.survey_results(survey, score, previous, previous_id, comments)))
        await self.outbox.enqueue(OutboxKey(FEATURE, str(survey.id), "results"), survey.channel, message,
                                  survey.locale, self.clock.now())  # fmt: skip
        await self.repo.mark_announced(survey.id)
        await self.refresh_post(survey.id)
        await self.outbox.deliver_due()

    # -- finding, export -----------------------------------------------------------------------------------
    async def _here(self, raw: Any, inv: Invocation) -> Survey:
        text = str(raw or "").strip().lstrip("#")
        survey = await self.repo.get(int(text)) if text.isdigit() else None
        if survey is None or survey.community_id != inv.community_id:
            raise NotFound(t_("There is no survey #{id} here.", id=text or "?"))
        return survey

    async def replied(self, inv: Invocation) -> Survey | None:
        if inv.place.reply_to is None:
            return None
        found = await self.repo.by_message(inv.platform.value, inv.place.channel.chat_id, inv.place.reply_to)
        return found if found is not None and found.community_id == inv.community_id else None

    async def find(self, inv: Invocation, raw: Any) -> Survey:
        if str(raw or "").strip():
            return await self._here(raw, inv)
        survey = await self.replied(inv)
        if survey is None:
            raise BadArgument(t_("Reply to the survey with this command, or give its number, for example 3."))
        return survey

    async def suggest_closable(self, inv: Invocation, typed: str) -> list[tuple[str, Text]]:
        if inv.community_id is None:
            return []
        found = await self.repo.open_surveys(inv.community_id)
        if inv.role < Role.MODERATOR:
            found = [s for s in found if s.creator_id == inv.member_id]
        return _matching(found, typed)

    async def suggest_recent(self, inv: Invocation, typed: str) -> list[tuple[str, Text]]:
        return _matching(await self.repo.recent(inv.community_id), typed) if inv.community_id is not None else []

    async def export(self, inv: Invocation, args: dict[str, Any]) -> Reply:
        survey = await self.find(inv, args.get("survey"))
        files = await self.export_files(survey)
        return Reply.of(
            OutMessage(
                (t_("Survey #{id} as CSV: the result, and every answer with its comment (no names).", id=survey.id),),
                attachments=tuple(Attachment(name, data) for name, data in files),
                ephemeral=True,
                private=True,
            )
        )

    async def export_files(self, survey: Survey) -> list[tuple[str, bytes]]:
        answers = await self.repo.answers(survey.id)
        score = await survey_score(self.repo, survey)
        previous, previous_id = await previous_score(self.repo, survey)
        return [
            (f"survey-{survey.id}-summary.csv", export.survey_summary(survey, score, previous, previous_id)),
            (f"survey-{survey.id}-answers.csv", export.survey_answers(survey, answers)),
        ]


def _matching(found: list[Survey], typed: str) -> list[tuple[str, Text]]:
    needle = typed.strip().lstrip("#").casefold()
    out = []
    for survey in found:
        label = survey.kind.value.upper() + (f" {survey.question}" if survey.question else "")
        if not needle or needle in str(survey.id) or needle in label.casefold():
            out.append((str(survey.id), t_("#{id} {label}", id=survey.id, label=label[:90])))
    return out[:25]
