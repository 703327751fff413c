"""`hearth migrate --copy-from`: the demo community, built on SQLite, copied into an empty database (PostgreSQL,
or SQLite again) through the real CLI — every table's row count and the headline numbers identical after."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import build_services
from bot.demo import DEMO_SCOPES, run_demo
from config.settings import Settings
from storage.analytics import SqlActivityRepo
from storage.copy import CopyRefused, copy_database
from storage.db import create_engine
from storage.tables import activity_daily, community_links, metadata
from tests.cogs.test_dispatch import texts
from tests.conftest import caller, group
from tests.databases import Database, run_apart
from tests.test_cli import hearth


async def facts(engine: AsyncEngine) -> dict[str, Any]:
    """Every table's row count, and the demo community's numbers as the digest would read them."""
    async with engine.connect() as conn:
        counts = {
            t.name: (await conn.execute(sa.select(sa.func.count()).select_from(t))).scalar_one()
            for t in metadata.sorted_tables
        }
        platform, scope, _title = DEMO_SCOPES[0]
        community = (
            await conn.execute(
                sa.select(community_links.c.community_id).where(
                    community_links.c.platform == platform, community_links.c.scope_id == scope
                )
            )
        ).scalar_one()
        last_day: date = (await conn.execute(sa.select(sa.func.max(activity_daily.c.day)))).scalar_one()
    repo = SqlActivityRepo(engine)
    daily = await repo.daily(community)
    return {
        "counts": counts,
        "headline": (
            sum(d.messages for d in daily),
            len({d.member_id for d in daily if d.day > last_day - timedelta(days=28)}),
        ),
        "joins_and_leaves": await repo.membership_counts(community, datetime(2000, 1, 1, tzinfo=UTC)),
        "daily": daily,
        "weekly": await repo.weekly(community),
    }


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo community on SQLite, built once for both targets (copying only reads it)."""
    folder = tmp_path_factory.mktemp("demo")
    url = f"sqlite+aiosqlite:///{folder / 'hearth.db'}"
    run_apart(run_demo(Settings(data_dir=folder, database_url=url, _env_file=None), member_count=60, days=21))  # type: ignore[call-arg]
    return url


async def test_demo_community_copies_with_identical_counts_and_headline(
    tmp_path: Path, demo_url: str, empty_database: Database
) -> None:
    source = create_engine(demo_url)
    before = await facts(source)
    assert before["counts"]["activity_events"] > 100 and before["counts"]["event_rsvps"] > 0
    assert before["headline"][0] > 0 and before["joins_and_leaves"][0] > 0  # messages, monthly active

    env = {"HEARTH_DATABASE_URL": empty_database.url}
    done = hearth("migrate", "--copy-from", demo_url, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert "every table's count matches" in " ".join(done.stdout.split())
    assert "activity_events" in done.stdout  # its progress bar and its count

    target = create_engine(empty_database.url)
    assert await facts(target) == before

    # The copy is a working database: new rows get new ids (sequences moved past the copied ones).
    services = await build_services(Settings(database_url=empty_database.url, _env_file=None))  # type: ignore[call-arg]
    made = await services.dispatcher.run_text(
        group(), caller(uid="1", manager=True), "newevent", "Quiz | tomorrow 18:00"
    )
    await services.engine.dispose()
    next_id = before["counts"]["events"] + 1
    assert not made.error and f"Event #{next_id} created" in texts(made), texts(made)

    filled = await facts(target)
    with pytest.raises(CopyRefused, match=r"^the target database .* is not empty \(activity_\w+: [\d,]+ rows"):
        await copy_database(source, target)  # a second copy would double everything: refused, nothing written
    assert await facts(target) == filled
    await source.dispose()
    await target.dispose()
