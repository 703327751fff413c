"""`hearth` command line (also `python -m bot`)."""

from __future__ import annotations

import asyncio
import signal
from datetime import datetime
from pathlib import Path

import click

from config.settings import Settings, SettingsError, load_settings


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
    except RuntimeError as exc:  # a platform refused to start (bad token, unreachable): one clear line
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
@click.option("--community", type=int, default=None, help="Community id (needed when there are several).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("export"), show_default=True)
@click.option("--names", is_flag=True, help="Name members instead of pseudonymous ids.")
@click.pass_context
def export(ctx: click.Context, community: int | None, out: Path, names: bool) -> None:
    """Write a community's data as CSV files (members, activity, events, …) into a folder."""
    settings = _settings(ctx)
    from bot.export_cli import run_export

    written = asyncio.run(run_export(settings, community, out.resolve(), names))
    ctx.exit(0 if written else 1)


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


@cli.command()
@click.pass_context
def migrate(ctx: click.Context) -> None:
    """Bring the database schema up to date."""
    settings = _settings(ctx)
    from storage.db import create_engine, current_revision
    from storage.db import migrate as do_migrate

    async def main() -> None:
        engine = create_engine(settings.resolved_database_url)
        await do_migrate(engine)
        click.echo(f"database at revision {await current_revision(engine)}")
        await engine.dispose()

    asyncio.run(main())


@cli.command()
@click.pass_context
def check(ctx: click.Context) -> None:
    """Check configuration, database and platform access; exit non-zero on problems."""
    settings = _settings(ctx)
    from bot.check import run_checks

    problems = asyncio.run(run_checks(settings, click.echo))
    ctx.exit(1 if problems else 0)


def main() -> None:
    cli(prog_name="hearth")


if __name__ == "__main__":
    main()
