"""FeedbackRepo on SQLAlchemy Core, and the feedback part of the member-data contract."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.core.targets import Target
from cogs.feedback.models import (
    OPEN,
    Category,
    Draft,
    ExportRow,
    Item,
    NewItem,
    Post,
    Recipient,
    Status,
    StatusChange,
)
from storage.db import lock_for_update
from storage.member_data import reassign, reassign_unique, rows_json
from storage.tables.community import communities
from storage.tables.feedback import (
    feedback_drafts,
    feedback_followers,
    feedback_items,
    feedback_posts,
    feedback_settings,
    feedback_status_log,
    feedback_votes,
)
from storage.tables.members import member_identities, member_settings, members

_i, _v, _f, _log = feedback_items.c, feedback_votes.c, feedback_followers.c, feedback_status_log.c
_OPEN = [s.value for s in OPEN]
_target = feedback_items.alias("target")


def _votes() -> sa.Label[Any]:
    return (
        sa.select(sa.func.count())
        .select_from(feedback_votes)
        .where(_v.item_id == _i.id)
        .scalar_subquery()
        .label("votes")
    )


def _item_query() -> sa.Select[Any]:
    """Items with their vote count, the number of the item they were merged into, and the author's name for
    items that are not anonymous (an anonymous author's name is never read)."""
    name = sa.case((_i.anonymous, sa.null()), else_=members.c.display_name).label("author_name")
    return (
        sa.select(feedback_items, _votes(), _target.c.number.label("merged_into_number"), name)
        .select_from(
            feedback_items.outerjoin(_target, _target.c.id == _i.merged_into).outerjoin(
                members, members.c.id == _i.author_id
            )
        )
    )  # fmt: skip


def _item(r: Any) -> Item:
    return Item(
        id=r.id,
        community_id=r.community_id,
        number=r.number,
        author_id=r.author_id,
        anonymous=bool(r.anonymous),
        category=Category(r.category),
        title=r.title,
        body=r.body,
        language=r.language,
        status=Status(r.status),
        origin=Target.from_json(r.origin),
        created_at=r.created_at,
        updated_at=r.updated_at,
        votes=r.votes or 0,
        merged_into=r.merged_into,
        merged_into_number=r.merged_into_number,
        author_name=None if r.anonymous else r.author_name,
    )


def _change(r: Any) -> StatusChange:
    return StatusChange(r.id, r.item_id, Status(r.status), Status(r.previous), r.reply, r.actor_id, r.at)


def _draft(r: Any) -> Draft:
    return Draft(
        r.id, r.community_id, r.member_id, r.title, r.body, bool(r.anonymous), Target.from_json(r.origin), r.created_at
    )


class SqlFeedbackRepo:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    # -- items ---------------------------------------------------------------------------------------------
    async def create(self, new: NewItem, now: datetime) -> Item:
        values = {
            "community_id": new.community_id,
            "author_id": new.author_id,
            "anonymous": new.anonymous,
            "category": new.category.value,
            "title": new.title,
            "body": new.body,
            "language": new.language,
            "status": Status.NEW.value,
            "origin": new.origin.to_json(),
            "created_at": now,
            "updated_at": now,
        }
        for attempt in range(3):  # two writers on PostgreSQL may pick the same next number: retry
            try:
                async with self.engine.begin() as conn:
                    # Numbering per community is serialised on the community's row (PostgreSQL; SQLite has one
                    # writer anyway): without it 20 simultaneous submits exhausted the retries.
                    await lock_for_update(conn, sa.select(communities.c.id).where(communities.c.id == new.community_id))
                    number = (
                        await conn.execute(
                            sa.select(sa.func.coalesce(sa.func.max(_i.number), 0) + 1).where(
                                _i.community_id == new.community_id
                            )
                        )
                    ).scalar_one()
                    item_id = (
                        await conn.execute(sa.insert(feedback_items).values(number=number, **values).returning(_i.id))
                    ).scalar_one()
                break
            except IntegrityError:
                if attempt == 2:
                    raise
        found = await self.get(item_id)
        assert found is not None
        return found

    async def get(self, item_id: int) -> Item | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(_item_query().where(_i.id == item_id))).first()
        return _item(row) if row else None

    async def by_number(self, community_id: int, number: int) -> Item | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(_item_query().where(_i.community_id == community_id, _i.number == number))
            ).first()
        return _item(row) if row else None

    async def open_items(
        self, community_id: int, category: Category | None, offset: int, limit: int
    ) -> tuple[list[Item], int]:
        where = [_i.community_id == community_id, _i.status.in_(_OPEN)]
        if category is not None:
            where.append(_i.category == category.value)
        query = _item_query().where(*where).order_by(sa.desc("votes"), _i.number).offset(offset).limit(limit)
        async with self.engine.connect() as conn:
            items = [_item(r) for r in await conn.execute(query)]
            total = (await conn.execute(sa.select(sa.func.count()).select_from(feedback_items).where(*where))).scalar()
        return items, int(total or 0)

    async def suggest(self, community_id: int, typed: str, limit: int) -> list[Item]:
        typed = typed.strip().lstrip("#")
        where = [_i.community_id == community_id, _i.status != Status.MERGED.value]
        if typed.isdigit():
            where.append(sa.cast(_i.number, sa.String).like(f"{typed}%"))
        elif typed:
            pattern = "%" + typed.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where.append(sa.func.lower(_i.title).like(pattern, escape="\\"))
        query = _item_query().where(*where).order_by(_i.status.in_(_OPEN).desc(), _i.number.desc()).limit(limit)
        async with self.engine.connect() as conn:
            return [_item(r) for r in await conn.execute(query)]

    async def items_between(self, community_id: int, since: datetime, until: datetime) -> list[Item]:
        query = (
            _item_query()
            .where(_i.community_id == community_id, _i.created_at >= since, _i.created_at < until)
            .order_by(_i.number)
        )
        async with self.engine.connect() as conn:
            return [_item(r) for r in await conn.execute(query)]

    async def open_texts(self, community_id: int) -> list[Item]:
        query = _item_query().where(_i.community_id == community_id, _i.status.in_(_OPEN)).order_by(_i.number)
        async with self.engine.connect() as conn:
            return [_item(r) for r in await conn.execute(query)]

    async def export_rows(self, community_id: int) -> list[ExportRow]:
        last = (
            sa.select(_log.reply)
            .where(_log.item_id == _i.id, _log.reply != "")
            .order_by(_log.at.desc(), _log.id.desc())
            .limit(1)
            .scalar_subquery()
            .label("last_reply")
        )
        query = _item_query().add_columns(last).where(_i.community_id == community_id).order_by(_i.number)
        async with self.engine.connect() as conn:
            return [ExportRow(_item(r), r.last_reply or "") for r in await conn.execute(query)]

    async def erase_texts(self, author_id: int) -> list[int]:
        async with self.engine.begin() as conn:
            ids = list((await conn.execute(sa.select(_i.id).where(_i.author_id == author_id))).scalars())
            if ids:
                await conn.execute(sa.update(feedback_items).where(_i.id.in_(ids)).values(title="", body=""))
        return ids

    async def problems_per_day(self, community_id: int, since: datetime, until: datetime) -> dict[date, int]:
        query = sa.select(_i.created_at).where(
            _i.community_id == community_id,
            _i.category == Category.PROBLEM.value,
            _i.created_at >= since,
            _i.created_at < until,
        )
        out: dict[date, int] = {}
        async with self.engine.connect() as conn:
            for (created,) in await conn.execute(query):
                out[created.date()] = out.get(created.date(), 0) + 1
        return out

    # -- votes and followers -------------------------------------------------------------------------------
    async def add_vote(self, item_id: int, member_id: int, now: datetime) -> bool:
        async with self.engine.begin() as conn:
            exists = (
                await conn.execute(sa.select(_v.item_id).where(_v.item_id == item_id, _v.member_id == member_id))
            ).first()
            if exists:
                return False
            await conn.execute(sa.insert(feedback_votes).values(item_id=item_id, member_id=member_id, voted_at=now))
            return True

    async def remove_vote(self, item_id: int, member_id: int) -> bool:
        async with self.engine.begin() as conn:
            done = await conn.execute(sa.delete(feedback_votes).where(_v.item_id == item_id, _v.member_id == member_id))
            return done.rowcount == 1

    async def voted(self, member_id: int, item_ids: Sequence[int]) -> set[int]:
        if not item_ids:
            return set()
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(_v.item_id).where(_v.member_id == member_id, _v.item_id.in_(list(item_ids)))
            )
            return {r.item_id for r in rows}

    async def audience(self, item_id: int) -> list[int]:
        author = sa.select(_i.author_id.label("member_id")).where(_i.id == item_id)
        followers = sa.select(_f.member_id).where(_f.item_id == item_id)
        voters = sa.select(_v.member_id).where(_v.item_id == item_id)
        async with self.engine.connect() as conn:
            rows = await conn.execute(sa.union(author, followers, voters))
            return sorted({r.member_id for r in rows})

    async def recipients(self, member_ids: Sequence[int], platform: str) -> list[Recipient]:
        if not member_ids:
            return []
        ids, s = member_identities.c, member_settings.c
        query = (
            sa.select(ids.member_id, ids.platform, ids.user_id, ids.username, s.locale, s.seen_locale)
            .select_from(member_identities.outerjoin(member_settings, s.member_id == ids.member_id))
            .where(ids.member_id.in_(list(member_ids)))
            .order_by(ids.member_id, ids.platform != platform, ids.platform, ids.user_id)
        )
        found: dict[int, Recipient] = {}
        async with self.engine.connect() as conn:
            for r in await conn.execute(query):
                if r.member_id not in found:  # the first row is the preferred platform's account
                    found[r.member_id] = Recipient(
                        r.member_id, r.platform, r.user_id, r.username, r.locale or r.seen_locale
                    )
        return [found[m] for m in member_ids if m in found]

    # -- status and merges ---------------------------------------------------------------------------------
    async def set_status(
        self, item_id: int, status: Status, reply: str, actor_id: int | None, now: datetime
    ) -> StatusChange:
        async with self.engine.begin() as conn:
            previous = (await conn.execute(sa.select(_i.status).where(_i.id == item_id))).scalar_one()
            await conn.execute(
                sa.update(feedback_items).where(_i.id == item_id).values(status=status.value, updated_at=now)
            )
            change_id = await _log_change(conn, item_id, status, Status(previous), reply, actor_id, now)
        return StatusChange(change_id, item_id, status, Status(previous), reply, actor_id, now)

    async def history(self, item_id: int) -> list[StatusChange]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(feedback_status_log).where(_log.item_id == item_id).order_by(_log.at, _log.id)
            )
            return [_change(r) for r in rows]

    async def changes_between(
        self, community_id: int, since: datetime, until: datetime
    ) -> list[tuple[Item, StatusChange]]:
        query = (
            sa.select(feedback_status_log)
            .join(feedback_items, _i.id == _log.item_id)
            .where(_i.community_id == community_id, _log.at >= since, _log.at < until)
            .order_by(_log.at, _log.id)
        )
        async with self.engine.connect() as conn:
            changes = [_change(r) for r in await conn.execute(query)]
            ids = sorted({c.item_id for c in changes})
            items = {r.id: _item(r) for r in await conn.execute(_item_query().where(_i.id.in_(ids)))} if ids else {}
        return [(items[c.item_id], c) for c in changes]

    async def merge(self, source_id: int, into_id: int, actor_id: int | None, now: datetime) -> tuple[int, int]:
        async with self.engine.begin() as conn:
            source = (await conn.execute(sa.select(feedback_items).where(_i.id == source_id))).one()
            into_author = (await conn.execute(sa.select(_i.author_id).where(_i.id == into_id))).scalar_one()
            voters = await _members_of(conn, _v.member_id, _v.item_id == source_id)
            there = await _members_of(conn, _v.member_id, _v.item_id == into_id)
            moving = [m for m in sorted(voters - there) if m != into_author]
            if moving:
                await conn.execute(
                    sa.insert(feedback_votes),
                    [{"item_id": into_id, "member_id": m, "voted_at": now} for m in moving],
                )
            await conn.execute(sa.delete(feedback_votes).where(_v.item_id == source_id))
            followers = {source.author_id}
            followers |= {
                r.member_id for r in await conn.execute(sa.select(_f.member_id).where(_f.item_id == source_id))
            }
            following = {r.member_id for r in await conn.execute(sa.select(_f.member_id).where(_f.item_id == into_id))}
            new_followers = sorted(followers - following - {into_author})
            if new_followers:
                await conn.execute(
                    sa.insert(feedback_followers),
                    [{"item_id": into_id, "member_id": m, "since": now} for m in new_followers],
                )
            await conn.execute(
                sa.update(feedback_items)
                .where(_i.id == source_id)
                .values(status=Status.MERGED.value, merged_into=into_id, updated_at=now)
            )
            await conn.execute(sa.update(feedback_items).where(_i.id == into_id).values(updated_at=now))
            await _log_change(conn, source_id, Status.MERGED, Status(source.status), "", actor_id, now)
        return len(moving), len(voters) - len(moving)

    # -- posts, drafts, settings ---------------------------------------------------------------------------
    async def add_post(self, item_id: int, target: Target, message_id: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.insert(feedback_posts).values(item_id=item_id, target=target.to_json(), message_id=message_id)
            )

    async def posts(self, item_id: int) -> list[Post]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(sa.select(feedback_posts).where(feedback_posts.c.item_id == item_id))
            return [Post(r.item_id, Target.from_json(r.target), r.message_id) for r in rows]

    async def create_draft(
        self, community_id: int, member_id: int, title: str, body: str, origin: Target, now: datetime
    ) -> Draft:
        async with self.engine.begin() as conn:
            draft_id = (
                await conn.execute(
                    sa.insert(feedback_drafts)
                    .values(
                        community_id=community_id,
                        member_id=member_id,
                        title=title,
                        body=body,
                        origin=origin.to_json(),
                        created_at=now,
                    )
                    .returning(feedback_drafts.c.id)
                )
            ).scalar_one()
        return Draft(draft_id, community_id, member_id, title, body, False, origin, now)

    async def get_draft(self, draft_id: int) -> Draft | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(sa.select(feedback_drafts).where(feedback_drafts.c.id == draft_id))).first()
        return _draft(row) if row else None

    async def set_draft_anonymous(self, draft_id: int, anonymous: bool) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.update(feedback_drafts).where(feedback_drafts.c.id == draft_id).values(anonymous=anonymous)
            )

    async def take_draft(self, draft_id: int) -> bool:
        async with self.engine.begin() as conn:
            done = await conn.execute(sa.delete(feedback_drafts).where(feedback_drafts.c.id == draft_id))
            return done.rowcount == 1

    async def purge_drafts(self, before: datetime) -> int:
        async with self.engine.begin() as conn:
            done = await conn.execute(sa.delete(feedback_drafts).where(feedback_drafts.c.created_at < before))
            return done.rowcount

    async def channel(self, community_id: int) -> Target | None:
        async with self.engine.connect() as conn:
            raw = (
                await conn.execute(
                    sa.select(feedback_settings.c.channel).where(feedback_settings.c.community_id == community_id)
                )
            ).scalar()
        return Target.from_json(raw) if raw else None

    async def set_channel(self, community_id: int, channel: Target | None) -> None:
        value = channel.to_json() if channel else None
        async with self.engine.begin() as conn:
            done = await conn.execute(
                sa.update(feedback_settings)
                .where(feedback_settings.c.community_id == community_id)
                .values(channel=value)
            )
            if done.rowcount == 0:
                await conn.execute(sa.insert(feedback_settings).values(community_id=community_id, channel=value))


async def _members_of(conn: AsyncConnection, column: sa.Column[Any], where: Any) -> set[int]:
    return {int(r[0]) for r in await conn.execute(sa.select(column).where(where))}


async def _log_change(
    conn: AsyncConnection,
    item_id: int,
    status: Status,
    previous: Status,
    reply: str,
    actor_id: int | None,
    now: datetime,
) -> int:
    result = await conn.execute(
        sa.insert(feedback_status_log)
        .values(item_id=item_id, status=status.value, previous=previous.value, reply=reply, actor_id=actor_id, at=now)
        .returning(_log.id)
    )
    return int(result.scalar_one())


class FeedbackData:
    """Member-data part for feedback: items written, votes, follows, status changes made, drafts."""

    feature = "feedback"

    def __init__(self) -> None:
        self.erased_items: set[int] = set()  # items of erased authors: their channel posts must drop the name

    def take_erased_items(self) -> list[int]:
        taken, self.erased_items = sorted(self.erased_items), set()
        return taken

    columns = (
        "feedback_items.author_id",
        "feedback_votes.member_id",
        "feedback_followers.member_id",
        "feedback_status_log.actor_id",
        "feedback_drafts.member_id",
    )

    async def merge(self, tx: AsyncConnection, keep_id: int, drop_id: int) -> None:
        await reassign(tx, _i.author_id, keep_id, drop_id)
        await reassign_unique(tx, _v.member_id, keep_id, drop_id, key=[_v.item_id])
        await reassign_unique(tx, _f.member_id, keep_id, drop_id, key=[_f.item_id])
        await reassign(tx, _log.actor_id, keep_id, drop_id)
        await reassign(tx, feedback_drafts.c.member_id, keep_id, drop_id)
        # One person is one voice: a vote for an item the other account wrote is not a vote any more, and the
        # author is told about it anyway.
        own = sa.select(_i.id).where(_i.author_id == keep_id)
        await tx.execute(sa.delete(feedback_votes).where(_v.member_id == keep_id, _v.item_id.in_(own)))
        await tx.execute(sa.delete(feedback_followers).where(_f.member_id == keep_id, _f.item_id.in_(own)))

    async def export(self, tx: AsyncConnection, member_id: int) -> dict[str, Any]:
        written = (
            await tx.execute(
                sa.select(
                    _i.community_id,
                    _i.number,
                    _i.category,
                    _i.title,
                    _i.body,
                    _i.anonymous,
                    _i.status,
                    _i.created_at,
                    _i.updated_at,
                )
                .where(_i.author_id == member_id)
                .order_by(_i.created_at)
            )
        ).all()
        votes = (
            await tx.execute(
                sa.select(_i.community_id, _i.number, _i.title, _v.voted_at)
                .join(feedback_items, _i.id == _v.item_id)
                .where(_v.member_id == member_id)
                .order_by(_v.voted_at)
            )
        ).all()
        following = (
            await tx.execute(
                sa.select(_i.community_id, _i.number, _i.title, _f.since)
                .join(feedback_items, _i.id == _f.item_id)
                .where(_f.member_id == member_id)
            )
        ).all()
        changes = (
            await tx.execute(
                sa.select(_i.community_id, _i.number, _log.status, _log.previous, _log.reply, _log.at)
                .join(feedback_items, _i.id == _log.item_id)
                .where(_log.actor_id == member_id)
                .order_by(_log.at)
            )
        ).all()
        drafts = (
            await tx.execute(
                sa.select(feedback_drafts.c.title, feedback_drafts.c.body, feedback_drafts.c.created_at).where(
                    feedback_drafts.c.member_id == member_id
                )
            )
        ).all()
        return {
            "items": rows_json(written),
            "votes": rows_json(votes),
            "following": rows_json(following),
            "status_changes_made": rows_json(changes),
            "drafts": rows_json(drafts),
        }

    async def erase(self, tx: AsyncConnection, member_id: int, anonymous_id: int) -> None:
        # Feedback stays the community's, as anonymous feedback; the person goes from it.
        self.erased_items |= set((await tx.execute(sa.select(_i.id).where(_i.author_id == member_id))).scalars())
        await tx.execute(
            sa.update(feedback_items).where(_i.author_id == member_id).values(author_id=anonymous_id, anonymous=True)
        )
        await tx.execute(sa.delete(feedback_votes).where(_v.member_id == member_id))  # as /privacy delete says
        await tx.execute(sa.delete(feedback_followers).where(_f.member_id == member_id))
        await tx.execute(sa.delete(feedback_drafts).where(feedback_drafts.c.member_id == member_id))
        await reassign(tx, _log.actor_id, anonymous_id, member_id)
