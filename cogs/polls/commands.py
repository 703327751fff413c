"""Poll and survey commands. Discord: /poll create|close, /survey nps|csat|close, /export poll|survey.
Telegram and the console: /poll, /closepoll (a reply to the poll or survey), /survey, /exportpoll,
/exportsurvey. Organizers create; the creator, moderators and managers close; managers export."""

from __future__ import annotations

from typing import Any

from bot.core.commands import Arg, ArgKind, ButtonRoute, CommandSpec, FormRoute, Invocation, Registry, Reply, Where
from bot.core.i18n import t_
from bot.core.permissions import Role
from cogs.polls.service import PollService
from cogs.polls.surveys import SurveyService

QUESTION = Arg("question", ArgKind.TEXT, t_("what you ask"), max_length=300, prompt=t_("What is the question?"))
DURATION = Arg(
    "duration",
    ArgKind.TEXT,
    t_("how long it stays open, e.g. 2h or 3d, or when it closes, e.g. tomorrow 18:00"),
    required=False,
    max_length=100,
)


def register(registry: Registry, polls: PollService, surveys: SurveyService) -> None:
    async def close_replied(inv: Invocation, args: dict[str, Any]) -> Reply:
        """Telegram: /closepoll as a reply to a poll or a survey (or with a poll number)."""
        if not (args.get("poll") or "").strip():
            survey = await surveys.replied(inv)
            if survey is not None and await polls.replied(inv) is None:
                return await surveys.close_by(inv, survey)
        return await polls.close_by(inv, await polls.find(inv, args.get("poll")))

    registry.add(
        CommandSpec(
            key="poll.create",
            description=t_("Start a poll: native where the platform allows, buttons when anonymous"),
            handler=polls.create,
            role=Role.MANAGER,
            organizer=True,
            discord=("poll", "create"),
            args=(
                QUESTION,
                Arg(
                    "answers",
                    ArgKind.TEXT,
                    t_("2 to 10 answers separated by |, e.g. Pizza | Sushi | Tacos"),
                    max_length=1000,
                ),  # fmt: skip
                Arg("multiple", ArgKind.BOOL, t_("members may pick several answers"), required=False),
                Arg("anonymous", ArgKind.BOOL, t_("nobody can see who voted"), required=False),
                DURATION,
            ),
        ),
        CommandSpec(
            key="poll.new",
            description=t_("Start a poll: /poll Question | answer | answer [| +multiple +anonymous +2h]"),
            handler=polls.create_typed,
            role=Role.MANAGER,
            organizer=True,
            guided=True,
            telegram=("poll",),
            args=(
                QUESTION,
                Arg(
                    "answers",
                    ArgKind.TEXT,
                    t_("answers separated by |, then options: +multiple, +anonymous, +2h"),
                    max_length=2000,
                    prompt=t_(
                        "Send the answers separated by |, for example: Pizza | Sushi | Tacos. Options may follow, "
                        "each starting with +: +multiple, +anonymous, a duration like +2h or a close time like "
                        "+tomorrow 18:00."
                    ),
                ),
            ),
        ),
        CommandSpec(
            key="poll.close",
            description=t_("Close a poll now and post its results"),
            handler=polls.close_command,
            discord=("poll", "close"),
            args=(Arg("poll", ArgKind.TEXT, t_("the poll number"), max_length=12, suggest=polls.suggest_closable),),
        ),
        CommandSpec(
            key="poll.closereply",
            description=t_("Reply to a poll or survey to close it now and post its results"),
            handler=close_replied,
            telegram=("closepoll",),
            args=(
                Arg(
                    "poll",
                    ArgKind.TEXT,
                    t_("the poll number, if you do not reply to it"),
                    required=False,
                    max_length=12,
                ),
            ),  # fmt: skip
        ),
        CommandSpec(
            key="survey.nps",
            description=t_("Ask how likely members are to recommend the community (NPS, 0–10)"),
            handler=surveys.create_nps,
            role=Role.MANAGER,
            organizer=True,
            discord=("survey", "nps"),
            args=(DURATION,),
        ),
        CommandSpec(
            key="survey.csat",
            description=t_("Ask how satisfied members are (CSAT, 1–5)"),
            handler=surveys.create_csat,
            role=Role.MANAGER,
            organizer=True,
            discord=("survey", "csat"),
            args=(
                Arg(
                    "question",
                    ArgKind.TEXT,
                    t_("your question (default: satisfaction with the community)"),
                    required=False,
                    max_length=300,
                ),  # fmt: skip
                DURATION,
            ),
        ),
        CommandSpec(
            key="survey.new",
            description=t_("Start a survey: /survey nps or /survey csat | 7d | How was the meetup?"),
            handler=surveys.create_typed,
            role=Role.MANAGER,
            organizer=True,
            guided=True,
            telegram=("survey",),
            args=(
                Arg(
                    "kind",
                    ArgKind.CHOICE,
                    t_("nps or csat"),
                    choices=(("nps", t_("NPS, 0–10")), ("csat", t_("CSAT, 1–5"))),
                    prompt=t_(
                        "Which survey? Send nps (how likely members are to recommend the community, 0–10) or "
                        "csat (how satisfied they are, 1–5)."
                    ),
                ),
                DURATION,
                Arg("question", ArgKind.TEXT, t_("CSAT: your question"), required=False, max_length=300),
            ),
        ),
        CommandSpec(
            key="survey.close",
            description=t_("Close a survey now and post its results"),
            handler=surveys.close_command,
            discord=("survey", "close"),
            args=(
                Arg("survey", ArgKind.TEXT, t_("the survey number"), max_length=12, suggest=surveys.suggest_closable),
            ),
        ),
        CommandSpec(
            key="export.poll",
            description=t_("A poll's results as CSV files"),
            handler=polls.export,
            role=Role.MANAGER,
            where=Where.ANYWHERE,
            discord=("export", "poll"),
            telegram=("exportpoll",),
            args=(
                Arg(
                    "poll",
                    ArgKind.TEXT,
                    t_("the poll number (or reply to the poll)"),
                    required=False,
                    max_length=12,
                    suggest=polls.suggest_recent,
                ),
            ),  # fmt: skip
        ),
        CommandSpec(
            key="export.survey",
            description=t_("A survey's results and answers as CSV files"),
            handler=surveys.export,
            role=Role.MANAGER,
            where=Where.ANYWHERE,
            discord=("export", "survey"),
            telegram=("exportsurvey",),
            args=(
                Arg(
                    "survey",
                    ArgKind.TEXT,
                    t_("the survey number (or reply to the survey)"),
                    required=False,
                    max_length=12,
                    suggest=surveys.suggest_recent,
                ),
            ),  # fmt: skip
        ),
    )
    registry.add_button(ButtonRoute("pl", polls.press))
    registry.add_button(ButtonRoute("sv", surveys.press))
    registry.add_form(FormRoute("svc", surveys.save_comment))
