"""`hearth export`: a community's CSVs written to a folder, streamed chunk by chunk with a progress bar."""

from __future__ import annotations

import csv
from pathlib import Path

import sqlalchemy as sa
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn

from bot.app import build_services
from config.settings import Settings
from storage.tables.community import communities


async def run_export(settings: Settings, community: int | None, out: Path, with_names: bool) -> list[tuple[Path, int]]:
    screen = Console()
    services = await build_services(settings)
    try:
        async with services.engine.connect() as conn:
            rows = (
                await conn.execute(sa.select(communities.c.id, communities.c.name).order_by(communities.c.id))
            ).all()
        if not rows:
            screen.print("No community yet: nothing to export.")
            return []
        if community is None:
            if len(rows) > 1:
                listing = ", ".join(f"{cid} ({name})" for cid, name in rows)
                screen.print(f"Several communities: choose one with --community: {listing}")
                return []
            community = rows[0][0]
        elif community not in {cid for cid, _ in rows}:
            screen.print(f"No community {community}. Known: {', '.join(str(cid) for cid, _ in rows)}")
            return []
        out.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 — a CLI, nothing else waits
        written: list[tuple[Path, int]] = []
        with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,} rows"),
                      console=screen) as bar:  # fmt: skip
            for export in services.exports.exports:
                task = bar.add_task(export.name, total=None)
                path = out / f"{export.name}.csv"
                count = 0
                with path.open("w", newline="", encoding="utf-8") as fh:  # noqa: ASYNC230 — a CLI, nothing else waits
                    writer = csv.writer(fh)
                    writer.writerow(export.header)
                    async for chunk in export.rows(community, with_names):
                        writer.writerows(chunk)
                        count += len(chunk)
                        bar.update(task, completed=count)
                written.append((path, count))
        for path, count in written:
            screen.print(f"{path}  {count:,} rows")
        return written
    finally:
        await services.engine.dispose()
