"""`hearth demo`: a demo community with realistic synthetic history, fed through the real ingestion
path, then its headline numbers. Fixed seed, so every run tells the same story."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from bot.app import build_services
from bot.console.repl import SCOPE_ID
from bot.core.commands import Caller, Place
from bot.core.identity import Platform, PlatformId
from bot.core.permissions import PlatformFacts
from bot.core.targets import Target
from bot.demo_features import INTERESTS, MATCHED_INTEREST, Resident, Seeding, seed_features
from bot.digest_cli import show_digest
from cogs.analytics.metrics.models import Period
from cogs.analytics.models import MembershipSeen, MessageSeen, ReactionSeen
from cogs.digest.ports import ChannelNames
from config.settings import Settings
from storage.analytics_refresh import CURSOR as DERIVED_CURSOR
from storage.tables import activity_events, community_links, cursors, metadata

CONSOLE_SCOPE = SCOPE_ID  # the console community joins the demo community
KEEP = {"community_links", "community_members", "digest_settings", "digest_subscriptions", "digest_watch_terms"}
DISCORD_CHANNELS = ("900000000000000101", "900000000000000102", "900000000000000103", "900000000000000104")
CHANNEL_NAMES = dict(zip(DISCORD_CHANNELS, ("#general", "#help", "#showcase", "#random"), strict=True))


class DemoChannelNames:
    """What the Discord adapter would tell from its cache: the demo guild's channel names."""

    def channel_name(self, channel_id: str) -> str | None:
        return CHANNEL_NAMES.get(channel_id)


DEMO_SCOPES = (("discord", "900000000000000001", "Hearth Demo"), ("telegram", "-1009000000001", "Hearth Demo chat"))


async def _wipe_demo(services: object) -> None:
    """Re-running the demo replaces the demo community's history instead of doubling it."""
    engine = services.engine  # type: ignore[attr-defined]
    async with engine.begin() as conn:
        ids = (
            (
                await conn.execute(
                    sa.select(community_links.c.community_id).where(
                        sa.tuple_(community_links.c.platform, community_links.c.scope_id).in_(
                            [(p, s) for p, s, _ in DEMO_SCOPES]
                        )
                    )
                )
            )
            .scalars()
            .all()
        )
        for table in metadata.sorted_tables:  # the history of every feature, never the community itself
            if "community_id" in table.c and table.name not in KEEP:
                await conn.execute(sa.delete(table).where(table.c.community_id.in_(ids)))
        # The digest's per-week tables fold raw activity past a cursor (a row id). SQLite hands the deleted ids out
        # again: a cursor past the rows left would skip the new history (no channels, questions or ties).
        left = (await conn.execute(sa.select(sa.func.max(activity_events.c.id)))).scalar() or 0
        await conn.execute(
            sa.update(cursors).where(cursors.c.name == DERIVED_CURSOR, cursors.c.value > left).values(value=left)
        )


def _console() -> tuple[Place, Caller]:
    """The console community's general channel, and the demo's organizer (a manager) in it."""
    place = Place(Platform.CONSOLE, CONSOLE_SCOPE, "Console community", Target.channel("console", "general"))
    organizer = Caller(
        PlatformId(Platform.CONSOLE, "demo-organizer"),
        "Demo organizer",
        "en",
        PlatformFacts(can_moderate=True, can_manage=True),
    )
    return place, organizer


async def _demo_events(services: Any, members: list[tuple[str, str]], now: datetime) -> list[str]:
    """Three upcoming events (one for an interest), answered by some demo members (platform, user id), unless the
    demo made them before."""
    from cogs.events.models import RsvpStatus

    place, organizer = _console()
    specs = [
        ("Community call", 2, 40, None),
        ("Board games night", 5, 8, MATCHED_INTEREST),
        ("Release party", 9, None, None),
    ]
    community_id = (await services.directory.community("console", CONSOLE_SCOPE, "Console community", now)).id
    existing = {e.title for e in await services.reminders.repo.upcoming(community_id, now, limit=50)}
    rng = random.Random(11)
    for title, days, capacity, interest in specs:
        if title in existing:
            continue
        when = (now + timedelta(days=days)).strftime("%Y-%m-%d 18:00")
        text = f"{title} | {when} | Made by hearth demo | Online | {capacity or ''} | | | | | {interest or ''}"
        answer = await services.dispatcher.run_text(place, organizer, "newevent", text)
        if answer.error:
            continue
        event = (await services.reminders.repo.upcoming(community_id, now, limit=50))[-1]
        ids = await services.directory.member_ids([(p, u, None) for p, u in rng.sample(members, 15)], now)
        async with services.reminders.repo.rsvp_transaction(event.id) as tx:
            going = 0
            for i, member_id in enumerate(ids.values()):
                if i % 4 == 0:
                    await tx.set(member_id, RsvpStatus.MAYBE, now)
                    continue
                full = capacity is not None and going >= capacity
                await tx.set(member_id, RsvpStatus.WAITLIST if full else RsvpStatus.GOING, now)
                going += not full
    await services.hub.drain()  # the interest's announcement finds nobody yet: members pick interests later
    return [title for title, *_spec in specs]


async def run_demo(settings: Settings, seed: int = 7, member_count: int = 400, days: int = 90) -> None:
    console = Console()
    rng = random.Random(seed)
    services = await build_services(settings)
    await _wipe_demo(services)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = now - timedelta(days=days)
    # Link the Telegram chat into the Discord guild's community, as /setup link would.
    community = await services.directory.community(*DEMO_SCOPES[0], now=start)
    await services.directory.communities.relink_scope(*DEMO_SCOPES[1], community.id, start)
    # `hearth console` talks in this community too, so the demo's members and events are there to try.
    await services.directory.communities.relink_scope(
        "console", CONSOLE_SCOPE, "Console community", community.id, start
    )
    services.directory.forget()

    # Members: a third were there before the window, the rest join over it; each has a habit.
    people = []
    for i in range(member_count):
        platform, scope, title = DEMO_SCOPES[0] if rng.random() < 0.6 else DEMO_SCOPES[1]
        joined = start if i < member_count // 3 else start + timedelta(days=rng.uniform(0, days))
        rate = rng.lognormvariate(-0.6, 1.1)  # messages per active day, heavy-tailed
        activity = min(0.95, rng.betavariate(1.2, 3.5))  # chance of being active on a day
        quits = joined + timedelta(days=rng.expovariate(1 / 60)) if rng.random() < 0.35 else None
        people.append(
            (
                f"{7000 + i}" if platform == "discord" else f"{5000 + i}",
                platform,
                scope,
                title,
                joined,
                rate,
                activity,
                quits,
                f"Member {i + 1}",
            )
        )

    services.capabilities.provide("discord", ChannelNames, DemoChannelNames())
    names = {p[0]: p[8] for p in people}
    # The three busiest early members help run the community (moderators and managers).
    staff = sorted((p for p in people if p[4] == start), key=lambda p: -p[5] * p[6])[:3]
    for uid, platform, scope, title, *_rest, name in staff:
        facts = PlatformFacts(can_moderate=True, can_manage=True)
        place = Place(Platform(platform), scope, title, Target.channel(platform, scope))
        await services.dispatcher.run_text(
            place, Caller(PlatformId(Platform(platform), uid), name, "en", facts), "help", ""
        )
    shy = people[member_count // 2]  # one member opted out of analytics: counted, never named
    shy_place = Place(Platform(shy[1]), shy[2], shy[3], Target.channel(shy[1], shy[2]))
    await services.dispatcher.run_text(
        shy_place, Caller(PlatformId(Platform(shy[1]), shy[0]), shy[8], "en"), "privacy", "optout"
    )

    message_ids = iter(range(10**17, 10**18))
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    ) as progress:
        task = progress.add_task(f"Building {days} days of history", total=days)
        for d in range(days):
            day_start = start + timedelta(days=d)
            for uid, platform, scope, title, joined, *_habit, name in people:
                if joined > start and day_start <= joined < day_start + timedelta(days=1):
                    await services.ingest.membership(MembershipSeen(platform, scope, title, uid, name, joined, True))
            weekday_factor = 0.7 if day_start.weekday() >= 5 else 1.0
            recent: dict[str, list[tuple[str, str, bool]]] = {"discord": [], "telegram": []}
            slots = []  # the day's messages in time order: anyone may answer anyone who spoke before them
            for person in people:
                uid, platform, scope, title, joined, rate, activity, quits, name = person
                if day_start < joined or (quits and day_start > quits):
                    continue
                fading = 0.5 if quits and (quits - day_start).days < 14 else 1.0
                if rng.random() > activity * weekday_factor * fading:
                    continue
                for _ in range(max(1, math.ceil(rng.expovariate(1 / max(rate, 0.2))))):
                    slots.append((day_start + timedelta(seconds=rng.uniform(8 * 3600, 23 * 3600)), person))
            for at, (uid, platform, scope, title, _joined, _rate, _activity, _quits, name) in sorted(slots):
                pool = recent[platform]
                questions = [p for p in pool if p[2] and p[0] != uid]
                target = None
                if questions and rng.random() < 0.3:  # questions draw replies
                    target = rng.choice(questions)
                elif pool and rng.random() < 0.3:
                    target = rng.choice(pool)
                own_channel = rng.choice(DISCORD_CHANNELS) if platform == "discord" else scope
                channel = target[1] if target else own_channel
                question = rng.random() < 0.12
                services.ingest.message(
                    MessageSeen(
                        platform,
                        scope,
                        title,
                        channel,
                        uid,
                        name,
                        at,
                        reply_to_user_id=target[0] if target and target[0] != uid else None,
                        is_question=question,
                        length_bucket=rng.randint(0, 4),
                        message_id=str(next(message_ids)),
                    )
                )
                pool.append((uid, channel, question))
                if len(pool) > 30:
                    pool.pop(0)
                if rng.random() < 0.25:
                    fan = rng.choice(pool)[0]
                    if fan != uid:
                        reaction = ReactionSeen(
                            platform, scope, title, channel, fan, names[fan], at, author_user_id=uid
                        )
                        services.ingest.reaction(reaction)
            for uid, platform, scope, title, _joined, _rate, _activity, quits, _name in people:
                if quits and day_start < quits <= day_start + timedelta(days=1):
                    await services.ingest.membership(MembershipSeen(platform, scope, title, uid, None, quits, False))
            await services.ingest.flush()
            progress.advance(task)

    # The interests members can pick, before the events: the board games night is for one of them.
    place, organizer = _console()
    await services.dispatcher.run_text(place, organizer, "setinterests", " | ".join(INTERESTS))
    members = [(p[1], p[0]) for p in people]
    titles = await _demo_events(services, members, now)
    held = await _held_event(services, community.id, members, now)
    console.print(f"Events: {held} last week; upcoming, with RSVPs: {', '.join(titles)} (try /events in the console)")
    seeded = await seed_features(await _seeding(services, community.id, people, staff, start, now, seed))
    console.print(f"Also last week: {'; '.join(seeded)} (try /ideas and /reports in the console)")
    console.print()
    out = settings.data_dir / "demo-digest"
    written = await show_digest(services, console, community.id, None, out, settings.locale)
    console.print(f"Charts and numbers: {', '.join(str(p) for p in written)}")
    console.print(f"Database: {settings.resolved_database_url}")
    console.print(
        "Next: [bold]hearth console --as manager[/bold] and /digest, /stats, /atrisk — or "
        "[bold]hearth digest[/bold] for this report again."
    )
    await services.engine.dispose()


async def _seeding(
    services: Any, community_id: int, people: list[Any], staff: list[Any], start: datetime, now: datetime, seed: int
) -> Seeding:
    """The demo's members as the features' seeding sees them, and the digest's week (the last complete one)."""
    ids = await services.directory.member_ids([(p[1], p[0], p[8]) for p in people], now)
    staff_ids = {p[0] for p in staff}
    residents = [
        Resident(
            ids[(platform, uid)],
            platform,
            uid,
            scope,
            Target.channel(platform, DISCORD_CHANNELS[0] if platform == "discord" else scope),
            joined if joined > start else None,
            quits,
            staff=uid in staff_ids,
        )
        for uid, platform, scope, _title, joined, _rate, _activity, quits, _name in people
    ]
    community = await services.communities.get(community_id)
    period = Period.last_complete(services.clock.now(), community.timezone)
    return Seeding(services, community_id, residents, period, start, random.Random(seed), community.timezone)


async def _held_event(services: Any, community_id: int, members: list[tuple[str, str]], now: datetime) -> str:
    """An event held last week (past events cannot be created by command), answered by some demo members."""
    from cogs.events.models import NewEvent, RsvpStatus
    from cogs.events.recurrence import Recurrence

    title = "Community call"
    when = now - timedelta(days=now.weekday() + 4, hours=now.hour - 18)  # last week's Thursday 18:00
    event = await services.reminders.repo.create(
        NewEvent(community_id, title, "Made by hearth demo", "Online", when, timedelta(hours=1), "UTC", None,
                 Recurrence.NONE, 1, (), None, Target.channel("console", "general"), 1),
        when - timedelta(days=7),
    )  # fmt: skip
    ids = await services.directory.member_ids([(p, u, None) for p, u in random.Random(5).sample(members, 30)], now)
    async with services.reminders.repo.rsvp_transaction(event.id) as tx:
        for i, member_id in enumerate(ids.values()):
            await tx.set(member_id, RsvpStatus.MAYBE if i % 5 == 0 else RsvpStatus.GOING, when - timedelta(days=2))
    return title
