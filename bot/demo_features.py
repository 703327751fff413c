"""`hearth demo`, the features beyond activity: an NPS survey and a poll, feedback with votes and replies,
moderation (warnings, a mute, reports, automod hits) and members' interests — so the demo's weekly digest shows
every section. Most of it happens in the digest's week (the last complete one); the trend's earlier survey and
older feedback come from the weeks before.

Feedback items go through FeedbackService.submit, which takes the time as an argument. The rest is written through
the features' repositories with explicit times: the poll, survey, moderation and status-change code acts "now",
needs a platform (native polls, mutes, roles for interests) or queues notices (DMs, results, mod-log posts) for
accounts that do not exist; upvotes skip the service's lookups (hundreds of them, in a 400-member demo). Nothing is
queued in the outbox, so a later `hearth run` on the same database sends nothing about the demo. Where the services
publish hub events (a vote, an answer, an upvote or a report counts as activity; reports, automod hits and problem
feedback feed the risk alerts' baselines), the demo publishes the same ones."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.core.hub import MemberActed
from bot.core.targets import Target
from cogs.analytics.metrics.models import Period
from cogs.feedback.models import Category
from cogs.feedback.models import Status as FeedbackStatus
from cogs.moderation.models import (
    AutomodAction,
    AutomodHit,
    InfractionKind,
    InfractionState,
    NewInfraction,
    NewReport,
    ReportFiled,
    ReportStatus,
    Rule,
    Source,
)
from cogs.moderation.render import report_reason
from cogs.polls.models import NewPoll, PollDraft, PollMode, SurveyKind
from cogs.polls.service import tally_of

INTERESTS = ("Board games", "Programming", "Design", "Music")
MATCHED_INTEREST = INTERESTS[0]  # the demo's "Board games night" is for it (bot/demo.py)


@dataclass(frozen=True, slots=True)
class Resident:
    """A demo member as the seeding needs them: who, where they write, when they were around."""

    member_id: int
    platform: str
    user_id: str
    scope_id: str
    channel: Target  # where they usually write (a Discord channel, the Telegram chat)
    joined: datetime | None  # None: there before the demo's history begins
    left: datetime | None
    staff: bool = False

    def present(self, at: datetime) -> bool:
        return (self.joined is None or self.joined <= at) and (self.left is None or at < self.left)


@dataclass
class Seeding:
    services: Any  # bot.app.Services (typed loosely, as bot/demo.py does)
    community_id: int
    residents: list[Resident]
    period: Period  # the digest's week
    history_start: datetime  # activity before it would stand alone in the charts
    rng: random.Random
    timezone: str = "UTC"
    _message_ids: Iterator[int] = field(default_factory=lambda: iter(range(9 * 10**17, 10**18)))

    @property
    def staff(self) -> list[Resident]:
        return [r for r in self.residents if r.staff]

    def at(self, days: float, hours: float = 0) -> datetime:
        """A moment in the digest's week: days and hours after its Monday 00:00."""
        return self.period.start + timedelta(days=days, hours=hours)

    def around(self, at: datetime, platform: str | None = None, staff: bool = False) -> list[Resident]:
        """Members present at `at` (on `platform`), staff left out unless asked for."""
        return [
            r
            for r in self.residents
            if r.present(at) and (platform is None or r.platform == platform) and (staff or not r.staff)
        ]

    def pick(self, at: datetime, platform: str | None = None, but: Sequence[Resident] = ()) -> Resident:
        pool = [r for r in self.around(at, platform) if r not in but] or [r for r in self.around(at) if r not in but]
        return self.rng.choice(pool)

    def message_id(self) -> str:
        return str(next(self._message_ids))

    def acted(self, who: Resident, channel: Target, kind: str, at: datetime) -> None:
        """The activity a vote, answer or report counts as (as the features publish it)."""
        if at >= self.history_start:
            self.services.hub.publish(
                MemberActed(self.community_id, who.member_id, channel.platform.value, channel.chat_id, kind, at)
            )

    def spread(self, first: datetime, last: datetime, n: int) -> list[datetime]:
        """n moments in [first, last), in order."""
        span = (last - first).total_seconds()
        return sorted(first + timedelta(seconds=self.rng.uniform(0, span)) for _ in range(n))


# -- polls and surveys ---------------------------------------------------------------------------------------------

NPS_GROUPS = ((9, 10, 10), (7, 8, 8), (2, 4, 5, 6, 6, 6))  # promoters, passives, detractors (scores drawn)
SURVEY_COMMENTS = (  # (the scores it goes with, the comment)
    (range(9, 11), "The community calls are the best part: I learn something every time."),
    (range(7, 9), "More sessions for beginners, please."),
    (range(0, 7), "Hard to keep up with everything on mobile."),
)


def _nps_scores(rng: random.Random, n: int, promoters: float, detractors: float) -> list[int]:
    out = []
    for _ in range(n):
        x = rng.random()
        group = NPS_GROUPS[0] if x < promoters else NPS_GROUPS[2] if x > 1 - detractors else NPS_GROUPS[1]
        out.append(rng.choice(group))
    return out


async def _survey(
    seed: Seeding, opened: datetime, closes: datetime, n: int, promoters: float, detractors: float, comments: int
) -> int:
    """An NPS survey in Discord's #general, answered between opening and closing, closed and announced."""
    s, rng = seed.services, seed.rng
    repo = s.surveys.repo
    community = await s.communities.get(seed.community_id)
    creator = seed.staff[0] if seed.staff else seed.residents[0]
    channel = creator.channel if creator.platform == "discord" else seed.pick(opened, "discord").channel
    survey = await repo.create(seed.community_id, creator.member_id, SurveyKind.NPS, "", community.name, channel, "en",
                               seed.timezone, closes, opened)  # fmt: skip
    pool = seed.around(opened, channel.platform.value, staff=True)
    respondents = rng.sample(pool, min(n, len(pool)))
    times = seed.spread(opened, closes, len(respondents))
    scores = _nps_scores(rng, len(respondents), promoters, detractors)
    answered: list[tuple[Resident, datetime, int]] = []
    for who, at, score in zip(respondents, times, scores, strict=True):
        if who.present(at):
            await repo.answer(survey.id, who.member_id, score, at)
            seed.acted(who, channel, "survey", at)
            answered.append((who, at, score))
    for fitting, text in SURVEY_COMMENTS[:comments]:  # a few answers come with a comment that fits the score
        found = next(((who, at) for who, at, score in answered if score in fitting), None)
        if found is not None:
            await repo.comment(survey.id, found[0].member_id, text, found[1] + timedelta(minutes=2))
    await repo.close(survey.id, closes)
    await repo.mark_announced(survey.id)  # results "went out" back then: nothing left to post
    return len(answered)


async def seed_polls(seed: Seeding) -> str:
    """An NPS survey closed in the digest's week with an earlier one for the trend, and a poll with a winner."""
    s, rng = seed.services, seed.rng
    opened, closes = seed.at(0, 12), seed.at(5, 12)  # Monday noon to Saturday noon
    discord = len(seed.around(opened, "discord", staff=True))
    n = min(discord, max(30, min(60, round(discord * 0.45))))
    # The earlier survey, four weeks before (later when the history is shorter); none without room for it.
    before = max(opened - timedelta(weeks=4), seed.history_start + timedelta(hours=12))
    before_closes = min(before + timedelta(days=5), seed.period.start - timedelta(hours=12))
    earlier = 0
    if before_closes - before >= timedelta(days=1):
        earlier = await _survey(seed, before, before_closes, round(n * 0.8), 0.38, 0.26, 0)
    answers = await _survey(seed, opened, closes, n, 0.5, 0.16, len(SURVEY_COMMENTS))

    # A poll in the Telegram chat (in #general when the chat is too quiet), closed on Friday with a clear winner.
    created, poll_closes = seed.at(1, 17), seed.at(4, 17)
    platform = "telegram" if len(seed.around(created, "telegram")) >= 6 else "discord"
    pool = seed.around(created, platform, staff=True)
    if not pool:
        return f"an NPS survey ({answers} answers)"
    channel = pool[0].channel
    creator = next((r for r in seed.staff if r.platform == platform), seed.staff[0] if seed.staff else pool[0])
    draft = PollDraft("When should the monthly community call be?",
                      ("Thursday evening", "Saturday afternoon", "Tuesday evening"), closes_at=poll_closes)  # fmt: skip
    repo = s.polls.repo
    poll = await repo.create(NewPoll(seed.community_id, creator.member_id, draft, PollMode.NATIVE, channel, "en",
                                     seed.timezone), created)  # fmt: skip
    voters = rng.sample(pool, round(len(pool) * 0.6))
    quotas = [round(len(voters) * share) for share in (0.55, 0.3)]
    for i, (who, at) in enumerate(zip(voters, seed.spread(created, poll_closes, len(voters)), strict=True)):
        choice = 0 if i < quotas[0] else 1 if i < quotas[0] + quotas[1] else 2
        if who.present(at):
            await repo.set_votes(poll.id, who.member_id, [choice], at)
            seed.acted(who, channel, "vote", at)
    tally = tally_of(poll, await repo.votes(poll.id))
    await repo.close(poll.id, tally, poll_closes)  # as the platform's final counts would be stored
    await repo.mark_announced(poll.id)
    trend = f", {earlier} in the one before" if earlier else ""
    return f"an NPS survey ({answers} answers{trend}), a poll ({tally.votes} votes)"


# -- feedback ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoItem:
    days: float  # from the digest week's Monday 00:00 (negative: in the weeks before)
    category: Category
    title: str
    body: str
    votes: float  # share of the members around who upvote it
    anonymous: bool = False
    change: tuple[float, FeedbackStatus, str] | None = None  # (days, status, reply) in the digest's week


FEEDBACK = (
    DemoItem(-19.6, Category.IDEA, "Sync the event calendar with my own calendar",
             "I keep missing calls and meetups because they are not in my own calendar. A link that keeps the "
             "event calendar in sync would fix it.", 0.2,
             change=(2.58, FeedbackStatus.PLANNED, "Planned for the next release: a calendar link for every "
                                                    "community, updated as events change.")),
    DemoItem(-15.3, Category.PROBLEM, "Reminders come late on mobile",
             "The reminder for Thursday's call reached my phone after the call had started. Mobile notifications "
             "seem to be delayed.", 0.14),
    DemoItem(-11.8, Category.IDEA, "Dark mode for the website",
             "The website is very bright at night. A dark mode would make it easier to read.", 0.08,
             change=(4.67, FeedbackStatus.DONE, "Dark mode is live: switch it on at the bottom of any page.")),
    DemoItem(-8.5, Category.QUESTION, "How do I turn off notifications for one channel?",
             "I want mobile notifications for meetups, not for every message in #random. Is there a setting "
             "per channel?", 0.03),
    DemoItem(1.42, Category.IDEA, "Show the event calendar on the welcome page",
             "Newcomers keep asking what is coming up. The welcome page could show the event calendar with the "
             "next three dates.", 0.1),
    DemoItem(2.83, Category.PROBLEM, "Mobile notifications arrive twice",
             "Since the last update every mention gives me two mobile notifications.", 0.07, anonymous=True),
    DemoItem(3.63, Category.IDEA, "A monthly board games night",
             "The board games night was great. Could it be monthly, with its own entry in the event calendar?",
             0.05),
    DemoItem(5.46, Category.PRAISE, "Thanks for the call recordings",
             "The recordings help a lot when I cannot join the call live.", 0.02),
)  # fmt: skip


async def seed_feedback(seed: Seeding) -> str:
    """Ideas, problems and a question over the last weeks, upvoted by members; two answered in the digest's week."""
    s, rng = seed.services, seed.rng
    service, repo = s.feedback.service, s.feedback.repo
    votes = 0
    changes = 0
    for i, demo in enumerate(FEEDBACK):
        created = max(seed.at(demo.days), seed.history_start + timedelta(hours=6 + 5 * i))  # a short history
        author = seed.pick(created)
        item, _posted = await service.submit(seed.community_id, author.member_id, demo.category, demo.title,
                                             demo.body, demo.anonymous, author.channel, "en", created)  # fmt: skip
        last = max(min(created + timedelta(days=10), seed.period.end - timedelta(hours=1)), created)
        pool = [r for r in seed.around(created, staff=True) if r.member_id != author.member_id]
        voters = rng.sample(pool, min(len(pool), max(1, round(len(pool) * demo.votes))))
        for who, at in zip(voters, seed.spread(created, last, len(voters)), strict=True):
            if who.present(at) and await repo.add_vote(item.id, who.member_id, at):
                seed.acted(who, who.channel, "upvote", at)  # FeedbackService.upvote, without its lookups
                votes += 1
        if demo.change is not None and seed.staff:
            days, status, reply = demo.change
            # The repository, not FeedbackAdmin.set_status: that would queue private notices to the demo's
            # made-up accounts.
            await repo.set_status(item.id, status, reply, seed.staff[0].member_id, seed.at(days))
            changes += 1
    return f"{len(FEEDBACK)} feedback items ({votes} upvotes, {changes} answered)"


# -- moderation ----------------------------------------------------------------------------------------------------

AUTOMOD = ((Rule.REPEAT, 4), (Rule.WORDS, 3), (Rule.MENTIONS, 2))  # hits in the digest's week (messages deleted)
MUTE = timedelta(hours=1)
WARNING_DAYS = 30  # EscalationConfig's default window: a warning stays active that long


def _infraction(seed: Seeding, who: Resident, by: Resident | None, kind: InfractionKind, reason: str,
                at: datetime, source: Source, until: datetime | None) -> NewInfraction:  # fmt: skip
    return NewInfraction(seed.community_id, who.member_id, by.member_id if by else None, kind, reason, at, until,
                         InfractionState.ACTIVE, source, who.platform, who.scope_id, who.user_id)  # fmt: skip


async def seed_moderation(seed: Seeding) -> str:
    """Automod hits, two warnings and a mute by moderators, and two reports (one handled with a warning, one
    open) in the digest's week. Rows only: no platform is there to mute anyone, and no notice is queued."""
    s = seed.services
    repo = s.moderation.service.repo
    moderator = seed.staff[0] if seed.staff else None
    hits = []
    for rule, count in AUTOMOD:
        for at in seed.spread(seed.at(0, 8), seed.at(6, 23), count):
            who, action = seed.pick(at), AutomodAction.DELETE.value
            hits.append((seed.community_id, who.member_id, rule.value, action, who.platform, at))
            where = (who.scope_id, who.channel.chat_id, seed.message_id())
            s.hub.publish(AutomodHit(seed.community_id, who.member_id, rule.value, action, who.platform, at, *where))
    await repo.add_hits(hits)

    warned = []
    for days, reason in ((0.81, "Advertising another server in #general"), (3.92, "Spoilers in #general")):
        at = seed.at(days)
        warned.append(seed.pick(at))
        await repo.add(_infraction(seed, warned[-1], moderator, InfractionKind.WARN, reason, at, Source.MANUAL,
                                   at + timedelta(days=WARNING_DAYS)))  # fmt: skip
    muted_at = seed.at(5, 20.75)  # Saturday evening: the spoilers again
    muted = warned[-1] if warned[-1].present(muted_at) else seed.pick(muted_at)
    mute = await repo.add(_infraction(seed, muted, moderator, InfractionKind.MUTE, "Kept posting spoilers after a "
                                      "warning", muted_at, Source.MANUAL, muted_at + MUTE))  # fmt: skip
    await repo.set_state(mute.id, InfractionState.EXPIRED, muted_at + MUTE)  # it ran out, as the expiry job does

    reports = 0
    for days, reason, handled in ((1.88, "Rude reply to a newcomer", 0.52), (6.82, "Looks like a scam link", None)):
        at = seed.at(days)
        reporter = seed.pick(at)
        target = seed.pick(at, reporter.platform, but=[reporter])
        message_id = seed.message_id()
        report = await repo.add_report(
            NewReport(seed.community_id, reporter.member_id, target.member_id, target.user_id, reason,
                      target.platform, target.scope_id, target.channel.chat_id, message_id, None, at)
        )  # fmt: skip
        reports += 1
        s.hub.publish(ReportFiled(seed.community_id, report.id, reporter.member_id, target.member_id, at,
                                  target.platform, target.scope_id, target.channel.chat_id, message_id))  # fmt: skip
        seed.acted(reporter, target.channel, "report", at)
        if handled is not None and moderator is not None:
            done = at + timedelta(days=handled)
            await repo.add(_infraction(seed, target, moderator, InfractionKind.WARN, report_reason(report.id, reason),
                                       done, Source.REPORT, done + timedelta(days=WARNING_DAYS)))  # fmt: skip
            await repo.close_report(report.id, ReportStatus.ACTIONED, moderator.member_id, "warn", done)
    return f"{len(hits)} automod hits, 3 warnings, a mute, {reports} reports"


# -- onboarding: interests -----------------------------------------------------------------------------------------


async def seed_interests(seed: Seeding) -> str:
    """Some members pick interests (as /interests stores them); the most regular member drifting in the digest's
    week is a board-game fan, so the digest can invite them to the event for it. Run after all other activity (it
    decides who drifts)."""
    s, rng = seed.services, seed.rng
    interests = {i.name: i.id for i in await s.onboarding.ctx.repo.interests(seed.community_id)}
    if not interests:
        return "no interests"
    chosen: dict[int, set[int]] = {}
    for r in seed.residents:
        if rng.random() < 0.4:
            names = rng.sample(INTERESTS, rng.choice((1, 1, 2)))
            chosen[r.member_id] = {interests[n] for n in names if n in interests}
    metrics = await s.digest.metrics.week(seed.community_id, seed.period, s.clock.now())
    if metrics.drifting and MATCHED_INTEREST in interests:  # the most regular of them, at least
        chosen.setdefault(metrics.drifting[0].person.member_id, set()).add(interests[MATCHED_INTEREST])
    for member_id, ids in chosen.items():  # as /interests stores a choice (no platform here to give roles)
        await s.onboarding.ctx.repo.set_member_interests(seed.community_id, member_id, ids)
    return f"interests for {len(chosen)} members"


async def seed_features(seed: Seeding) -> list[str]:
    """Everything above, then the activity and risk counts they published written, as the bot's flushes would."""
    done = [await seed_polls(seed), await seed_feedback(seed), await seed_moderation(seed)]
    s = seed.services
    await s.hub.drain()
    await s.ingest.flush()
    await s.digest.risk.flush()
    done.append(await seed_interests(seed))
    return done
