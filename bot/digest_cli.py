"""`hearth digest`: a community's weekly digest in the terminal (rich), its charts as PNG files and its numbers as a
CSV, in a folder. Shared with `hearth demo`, which prints the demo community's digest the same way."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel

from bot.app import Services, build_services
from bot.core.i18n import pick_locale
from bot.core.outbound import Attachment, OutMessage, render_markup
from cogs.analytics.metrics.models import Period, WeekMetrics
from cogs.digest.models import Digest
from config.settings import Settings
from storage.tables.community import communities


def _bold(text: str) -> str:
    return f"[bold]{text}[/bold]" if text else text


def print_digest(screen: Console, message: OutMessage, locale: str) -> None:
    """Each section as a panel: title, lines, fields, footer."""
    for section in message.sections:
        title = render_markup(section.title, locale, escape, lambda s: s) if section.title else None
        body = [render_markup(line, locale, escape, _bold) for line in section.lines]
        for field in section.fields:
            body += [
                _bold(render_markup(field.name, locale, escape, lambda s: s)),
                render_markup(field.value, locale, escape, _bold),
            ]
        if section.footer is not None:
            body.append(f"[dim]{render_markup(section.footer, locale, escape, _bold)}[/dim]")
        if section.image:
            body.append(f"[dim]({escape(section.image)})[/dim]")
        screen.print(Panel("\n".join(body), title=f"[bold]{title}[/bold]" if title else None, title_align="left",
                           border_style="dark_orange"))  # fmt: skip


def metric_rows(m: WeekMetrics) -> Iterator[tuple[str, str, str, str, Any]]:
    """(section, metric, week, platform, value): every number of the digest, flat, for a spreadsheet."""
    week = m.period.week.isoformat()
    h = m.headline
    for name in ("active", "active_prev", "messages", "messages_prev", "replies", "reactions", "joins", "joins_prev",
                 "leaves", "leaves_prev", "net", "dau_mean", "mau", "dau_mean_28", "stickiness"):  # fmt: skip
        yield "headline", name, week, "all", round(getattr(h, name), 4)
    for p in h.platforms:
        for name in ("active", "messages", "active_prev", "messages_prev"):
            yield "headline", name, week, p.platform, getattr(p, name)
    q = m.quarter
    for name in ("joins", "leaves", "net", "prev_joins", "prev_leaves", "prev_net", "avg_active", "prev_avg_active",
                 "messages", "prev_messages"):  # fmt: skip
        yield "quarter", name, week, "all", round(getattr(q, name), 2)
    for point in m.series:
        for name in ("active", "messages", "joins", "leaves"):
            yield "series", name, point.week.isoformat(), "all", getattr(point, name)
    for cohort in m.cohorts:
        yield "cohorts", "size", cohort.week.isoformat(), "all", cohort.size
        for k, share in enumerate(cohort.retention):
            yield "cohorts", f"retention_week_{k}", cohort.week.isoformat(), "all", round(share, 4)
    d = m.dialogue
    for name in ("questions", "answered", "unanswered", "still_open", "median_response_seconds"):
        yield "dialogue", name, week, "all", getattr(d, name)
    t = m.ties
    for name in ("replies", "member_replies", "member_share", "reciprocated", "newcomers", "newcomers_connected"):
        yield "ties", name, week, "all", round(getattr(t, name), 4)
    yield "drifting", "regulars", week, "all", m.regulars
    yield "drifting", "drifting", week, "all", m.drifting_total
    yield "newcomers", "joined_14_days", week, "all", m.newcomers.joined
    yield "newcomers", "not_posted", week, "all", m.newcomers.silent
    for c in m.channels:
        yield "channels", f"messages:{c.channel_id}", week, c.platform, c.messages
    for a in m.advocates:
        yield "advocates", f"score:member-{a.person.member_id}", week, "all", a.score


def write_outputs(out: Path, digest: Digest, attachments: tuple[Attachment, ...]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for attachment in attachments:
        path = out / attachment.filename
        path.write_bytes(attachment.data)
        written.append(path)
    path = out / "digest-metrics.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(("section", "metric", "week", "platform", "value"))
        writer.writerows(metric_rows(digest.metrics))
    written.append(path)
    return written


async def show_digest(
    services: Services, screen: Console, community_id: int, week: date | None, out: Path, locale: str | None = None
) -> list[Path]:
    """Compose, print and write one community's digest (the last complete week unless `week` names a day in one)."""
    community = await services.communities.get(community_id)
    assert community is not None
    now = services.clock.now()
    period = Period.of(week, community.timezone) if week else Period.last_complete(now, community.timezone)
    digest = await services.digest.composer.compose(community_id, period, now)
    reader = pick_locale(locale, community.locale)
    message = await services.digest.delivery.render(digest, reader)
    print_digest(screen, message, reader)
    return write_outputs(out, digest, message.attachments)


async def run_digest(settings: Settings, community: int | None, week: date | None, out: Path) -> list[Path]:
    screen = Console()
    services = await build_services(settings)
    try:
        async with services.engine.connect() as conn:
            rows = (
                await conn.execute(sa.select(communities.c.id, communities.c.name).order_by(communities.c.id))
            ).all()
        if not rows:
            screen.print("No community yet: nothing to report. Try [bold]hearth demo[/bold].")
            return []
        if community is None:
            if len(rows) > 1:
                screen.print(
                    "Several communities: choose one with --community: "
                    + ", ".join(f"{i} ({escape(n)})" for i, n in rows)
                )
                return []
            community = rows[0][0]
        elif community not in {cid for cid, _ in rows}:
            screen.print(f"No community {community}. Known: {', '.join(str(cid) for cid, _ in rows)}")
            return []
        written = await show_digest(services, screen, community, week, out)
        for path in written:
            screen.print(f"wrote {escape(str(path))}")
        return written
    finally:
        await services.engine.dispose()
