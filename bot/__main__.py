"""`hearth` command line (also `python -m bot`)."""

from __future__ import annotations

import asyncio
import signal
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from config.settings import Settings, SettingsError, check_database_url, load_settings


def _settings(ctx: click.Context) -> Settings:
    try:
        settings = load_settings()
    except SettingsError as exc:
        click.echo(f"hearth: configuration error\n{exc}", err=True)
        ctx.exit(2)
    from bot import logs

    logs.configure(settings.log_level, settings.log_format)
    return settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Hearth — a community bot for Discord and Telegram at once."""


@cli.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """Migrate, then run every configured platform and the scheduler until SIGINT/SIGTERM."""
    settings = _settings(ctx)
    from bot.app import run as run_app

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_app(settings, stop)

    try:
        asyncio.run(main())
    except RuntimeError as exc:  # a platform refused the configuration (a bad token): one clear line
        click.echo(f"hearth: {exc}", err=True)
        ctx.exit(1)


@cli.command()
@click.option("--as", "persona", type=click.Choice(["member", "moderator", "manager"]), default=None)
@click.option("--name", default=None, help="Your display name in the console community.")
@click.pass_context
def console(ctx: click.Context, persona: str | None, name: str | None) -> None:
    """A local chat in the terminal: use every command as a member, moderator or manager."""
    settings = _settings(ctx)
    from bot.app import console as run_console

    asyncio.run(run_console(settings, persona, name))


@cli.command()
@click.option("--seed", default=7, show_default=True, help="Random seed for the synthetic history.")
@click.option("--members", "member_count", default=400, show_default=True)
@click.option("--days", default=90, show_default=True)
@click.pass_context
def demo(ctx: click.Context, seed: int, member_count: int, days: int) -> None:
    """Build a demo community with synthetic history and print its headline numbers."""
    settings = _settings(ctx)
    from bot.demo import run_demo

    asyncio.run(run_demo(settings, seed=seed, member_count=member_count, days=days))


@cli.command()
@click.option(
    "--copy-from",
    "copy_from",
    metavar="URL",
    default=None,
    help="Then copy this database (e.g. sqlite+aiosqlite:///data/hearth.db; brought to the newest schema "
    "first) into the configured one, which must be empty.",
)
@click.pass_context
def migrate(ctx: click.Context, copy_from: str | None) -> None:
    """Bring the database schema up to date (and optionally fill it from another database)."""
    settings = _settings(ctx)
    source_url = None
    if copy_from is not None:
        try:
            source_url = check_database_url(copy_from)
        except ValueError as exc:
            click.echo(f"hearth: --copy-from: {exc}", err=True)
            ctx.exit(2)
    from storage.db import create_engine, current_revision
    from storage.db import migrate as do_migrate

    async def main() -> int:
        engine = create_engine(settings.resolved_database_url)
        try:
            if source_url is None:
                await do_migrate(engine)
                click.echo(f"database at revision {await current_revision(engine)}")
                return 0
            return await _copy(source_url, engine)
        finally:
            await engine.dispose()

    ctx.exit(asyncio.run(main()))


async def _copy(source_url: str, target: Any) -> int:
    """`hearth migrate --copy-from`: a progress bar per table, then the row counts side by side."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
    from rich.table import Table

    from storage.copy import CopyRefused, copy_database
    from storage.db import create_engine, current_revision, where

    screen = Console()
    source = create_engine(source_url)
    tasks: dict[str, TaskID] = {}
    try:
        with Progress(
            TextColumn("[bold]{task.description:<20}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            console=screen,
        ) as bar:  # fmt: skip

            def progress(table: str, done: int, total: int) -> None:
                if table not in tasks:
                    tasks[table] = bar.add_task(table, total=total)
                bar.update(tasks[table], completed=done)

            report = await copy_database(source, target, progress)
    except CopyRefused as exc:
        click.echo(f"hearth: copy refused: {exc}", err=True)
        return 1
    finally:
        await source.dispose()
    counts = Table(title=f"Copied into {where(target)}")
    for column in ("table", "rows in source", "rows copied", ""):
        counts.add_column(column, justify="left" if column == "table" else "right")
    for t in report.tables:
        counts.add_row(t.table, f"{t.source:,}", f"{t.target:,}", "✓" if t.source == t.target else "✗")
    screen.print(counts)
    screen.print(
        f"{report.rows:,} rows in {len(report.tables)} tables, every table's count matches; "
        f"id sequences reset: {', '.join(report.sequences_reset) or 'none needed'}; "
        f"database at revision {await current_revision(target)}"
    )
    return 0


@cli.command()
@click.pass_context
def check(ctx: click.Context) -> None:
    """Check configuration, database and platform access; exit non-zero on problems."""
    settings = _settings(ctx)
    from bot.check import run_checks

    problems = asyncio.run(run_checks(settings, click.echo))
    ctx.exit(1 if problems else 0)


@cli.group(invoke_without_command=True)
@click.option("--community", type=int, default=None, help="Community id (needed when there are several).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("export"), show_default=True)
@click.option("--names", is_flag=True, help="Name members instead of pseudonymous ids.")
@click.pass_context
def export(ctx: click.Context, community: int | None, out: Path, names: bool) -> None:
    """A community's data as CSV files (members, activity, events, …) in a folder; `export poll N` and
    `export survey N` write one poll's or survey's results (the same files managers get with /export)."""
    if ctx.invoked_subcommand is not None:
        return
    settings = _settings(ctx)
    from bot.export_cli import run_export

    written = asyncio.run(run_export(settings, community, out.resolve(), names))
    ctx.exit(0 if written else 1)


def _export(ctx: click.Context, kind: str, number: int, out: str) -> None:
    settings = _settings(ctx)
    from pathlib import Path

    from bot.app import build_services

    async def read() -> list[tuple[str, bytes]] | None:
        services = await build_services(settings)
        try:
            if kind == "poll":
                poll = await services.polls.repo.get(number)
                return await services.polls.export_files(poll) if poll else None
            survey = await services.surveys.repo.get(number)
            return await services.surveys.export_files(survey) if survey else None
        finally:
            await services.engine.dispose()

    files = asyncio.run(read())
    if files is None:
        click.echo(f"hearth: there is no {kind} #{number}", err=True)
        ctx.exit(1)
        return
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / name for name, _ in files]
    for path, (_name, data) in zip(written, files, strict=True):
        path.write_bytes(data)
    for path in written:
        click.echo(str(path))


@export.command("poll")
@click.argument("number", type=int)
@click.option("--out", default=".", show_default=True, help="Folder for the CSV files.")
@click.pass_context
def export_poll(ctx: click.Context, number: int, out: str) -> None:
    """A poll's results (and its named votes, unless it was anonymous)."""
    _export(ctx, "poll", number, out)


@export.command("survey")
@click.argument("number", type=int)
@click.option("--out", default=".", show_default=True, help="Folder for the CSV files.")
@click.pass_context
def export_survey(ctx: click.Context, number: int, out: str) -> None:
    """A survey's result with its margin and trend, and every answer with its comment (no names)."""
    _export(ctx, "survey", number, out)


@export.command("feedback")
@click.option("--community", type=int, default=None, help="Community id (needed when there are several).")
@click.option("--out", default=".", show_default=True, help="Folder for the CSV file.")
@click.option("--names", is_flag=True, help="Authors by name instead of pseudonymous ids (never anonymous ones).")
@click.pass_context
def export_feedback(ctx: click.Context, community: int | None, out: str, names: bool) -> None:
    """The feedback "product proposals" CSV: every item with votes, category, status, times, the latest reply
    and a short quote (the same file as feedback.csv in `hearth export`)."""
    settings = _settings(ctx)
    from pathlib import Path

    import sqlalchemy as sa

    from bot.app import build_services
    from storage.tables.community import communities

    async def read() -> tuple[int | None, list[list[str]], str]:
        services = await build_services(settings)
        try:
            async with services.engine.connect() as conn:
                known = list((await conn.execute(sa.select(communities.c.id).order_by(communities.c.id))).scalars())
            chosen = community if community is not None else (known[0] if len(known) == 1 else None)
            if chosen is None or chosen not in known:
                return None, [], ", ".join(map(str, known)) or "none"
            rows = [row async for chunk in services.feedback.export.rows(chosen, names) for row in chunk]
            return chosen, [list(r) for r in rows], ""
        finally:
            await services.engine.dispose()

    chosen, rows, known = asyncio.run(read())
    if chosen is None:
        click.echo(f"hearth: choose a community with --community (known: {known})", err=True)
        ctx.exit(1)
        return
    import csv

    from cogs.feedback.export import COLUMNS

    path = Path(out) / "feedback.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    click.echo(f"{path}  {len(rows):,} feedback item{'' if len(rows) == 1 else 's'}")


@cli.command()
@click.option("--community", type=int, default=None, help="Community id (needed when there are several).")
@click.option("--week", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Any day of the week to report on (default: the last complete week).")  # fmt: skip
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("digest"), show_default=True)
@click.pass_context
def digest(ctx: click.Context, community: int | None, week: datetime | None, out: Path) -> None:
    """Print a community's weekly digest; write its charts (PNG) and numbers (CSV) into a folder."""
    settings = _settings(ctx)
    from bot.digest_cli import run_digest

    written = asyncio.run(run_digest(settings, community, week.date() if week else None, out.resolve()))
    ctx.exit(0 if written else 1)


def main() -> None:
    cli(prog_name="hearth")


if __name__ == "__main__":
    main()
