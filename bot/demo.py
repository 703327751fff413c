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
from rich.table import Table

from bot.app import build_services
from bot.console.repl import SCOPE_ID
from bot.core.commands import Caller, Place
from bot.core.i18n import format_number, format_share
from bot.core.identity import Platform, PlatformId
from bot.core.permissions import PlatformFacts
from bot.core.targets import Target
from cogs.analytics.headline import headline
from cogs.analytics.models import MembershipSeen, MessageSeen, ReactionSeen
from config.settings import Settings
from storage.tables import activity_daily, activity_events, activity_weekly, community_links, membership_events

CONSOLE_SCOPE = SCOPE_ID  # the console community joins the demo community
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
        for table in (activity_events, activity_daily, activity_weekly, membership_events):
            await conn.execute(sa.delete(table).where(table.c.community_id.in_(ids)))


async def _demo_events(services: Any, member_uids: list[str], now: datetime) -> list[str]:
    """Three upcoming events, answered by some demo members, unless the demo made them before."""
    from cogs.events.models import RsvpStatus

    place = Place(Platform.CONSOLE, CONSOLE_SCOPE, "Console community", Target.channel("console", "general"))
    organizer = Caller(
        PlatformId(Platform.CONSOLE, "demo-organizer"),
        "Demo organizer",
        "en",
        PlatformFacts(can_moderate=True, can_manage=True),
    )
    specs = [("Community call", 2, 40), ("Board games night", 5, 8), ("Release party", 9, None)]
    community_id = (await services.directory.community("console", CONSOLE_SCOPE, "Console community", now)).id
    existing = {e.title for e in await services.reminders.repo.upcoming(community_id, now, limit=50)}
    rng = random.Random(11)
    for title, days, capacity in specs:
        if title in existing:
            continue
        when = (now + timedelta(days=days)).strftime("%Y-%m-%d 18:00")
        text = f"{title} | {when} | Made by hearth demo | Online | {capacity or ''}"
        answer = await services.dispatcher.run_text(place, organizer, "newevent", text)
        if answer.error:
            continue
        event = (await services.reminders.repo.upcoming(community_id, now, limit=50))[-1]
        ids = await services.directory.member_ids([("discord", u, None) for u in rng.sample(member_uids, 15)], now)
        async with services.reminders.repo.rsvp_transaction(event.id) as tx:
            going = 0
            for i, member_id in enumerate(ids.values()):
                if i % 4 == 0:
                    await tx.set(member_id, RsvpStatus.MAYBE, now)
                    continue
                full = capacity is not None and going >= capacity
                await tx.set(member_id, RsvpStatus.WAITLIST if full else RsvpStatus.GOING, now)
                going += not full
    return [title for title, _d, _c in specs]


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

    total_days = days
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("Building 90 days of history", total=total_days)
        for uid, platform, scope, title, joined, *_rest in people:
            if joined > start:
                await services.ingest.membership(MembershipSeen(platform, scope, title, uid, None, joined, True))
        for d in range(total_days):
            day_start = start + timedelta(days=d)
            weekday_factor = 0.7 if day_start.weekday() >= 5 else 1.0
            recent: dict[str, list[str]] = {"discord": [], "telegram": []}
            for uid, platform, scope, title, joined, rate, activity, quits, name in people:
                if day_start < joined or (quits and day_start > quits):
                    continue
                fading = 0.5 if quits and (quits - day_start).days < 14 else 1.0
                if rng.random() > activity * weekday_factor * fading:
                    continue
                for _ in range(max(1, math.ceil(rng.expovariate(1 / max(rate, 0.2))))):
                    at = day_start + timedelta(seconds=rng.uniform(8 * 3600, 23 * 3600))
                    pool = recent[platform]
                    reply_to = rng.choice(pool) if pool and rng.random() < 0.35 else None
                    services.ingest.message(
                        MessageSeen(
                            platform,
                            scope,
                            title,
                            f"c{rng.randint(1, 4)}",
                            uid,
                            name,
                            at,
                            reply_to_user_id=reply_to if reply_to != uid else None,
                            is_question=rng.random() < 0.12,
                            length_bucket=rng.randint(0, 4),
                        )
                    )
                    pool.append(uid)
                    if len(pool) > 30:
                        pool.pop(0)
                    if pool and rng.random() < 0.25:
                        services.ingest.reaction(
                            ReactionSeen(platform, scope, title, "c1", rng.choice(pool), None, at, author_user_id=uid)
                        )
                if quits and quits <= day_start + timedelta(days=1) and quits > day_start:
                    await services.ingest.membership(MembershipSeen(platform, scope, title, uid, None, quits, False))
            await services.ingest.flush()
            progress.advance(task)

    rows = await services.ingest.repo.daily(community.id)  # type: ignore[attr-defined]
    h = headline(rows, (now - timedelta(days=1)).date())
    joins, leaves = await services.ingest.repo.membership_counts(community.id, start)  # type: ignore[attr-defined]
    loc = settings.locale
    table = Table(title=f"Hearth Demo — last {days} days", show_header=False)
    wow = (h.wau - h.wau_previous) / h.wau_previous if h.wau_previous else 0.0
    for label, value in (
        ("Messages", format_number(h.messages, loc)),
        (
            "  on Discord / Telegram",
            f"{format_number(h.messages_by_platform.get('discord', 0), loc)} / "
            f"{format_number(h.messages_by_platform.get('telegram', 0), loc)}",
        ),
        ("Members who took part", format_number(h.members_active_ever, loc)),
        ("Joined / left", f"{format_number(joins, loc)} / {format_number(leaves, loc)} (net {joins - leaves:+d})"),
        ("Weekly active (WAU)", f"{format_number(h.wau, loc)} ({wow:+.0%} week over week)"),
        ("Monthly active (MAU, 28 days)", format_number(h.mau, loc)),
        ("Daily active, mean of 28 days", format_number(round(h.dau_mean, 1), loc)),
        ("Stickiness (DAU / MAU)", format_share(h.stickiness, loc)),
    ):
        table.add_row(label, value)
    console.print(table)
    titles = await _demo_events(services, [p[0] for p in people], now)
    console.print(f"Upcoming events with RSVPs: {', '.join(titles)} (try /events in the console)")
    console.print(f"Database: {settings.resolved_database_url}")
    console.print("Next: [bold]hearth console[/bold] to try the commands against this database.")
    await services.engine.dispose()
