"""PollRepo and SurveyRepo on SQLAlchemy Core, and the member-data part for votes and survey answers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.core.targets import Target
from cogs.polls.models import NewPoll, Poll, PollMode, Status, Survey, SurveyAnswer, SurveyKind, Tally
from storage.db import upsert
from storage.member_data import reassign, reassign_unique, rows_json
from storage.tables.members import member_identities, members
from storage.tables.polls import poll_answers, poll_votes, polls, survey_answers, surveys


def _counts(rows: Sequence[Any], column: str) -> tuple[int, ...] | None:
    values = [getattr(r, column) for r in rows]
    return None if not values or any(v is None for v in values) else tuple(int(v) for v in values)


def _poll(row: Any, answers: Sequence[Any]) -> Poll:
    return Poll(
        id=row.id,
        community_id=row.community_id,
        creator_id=row.creator_id,
        question=row.question,
        answers=tuple(a.text for a in answers),
        multiple=bool(row.multiple),
        anonymous=bool(row.anonymous),
        mode=PollMode(row.mode),
        channel=Target.from_json(row.channel),
        locale=row.locale,
        timezone=row.timezone,
        status=Status(row.status),
        created_at=row.created_at,
        closes_at=row.closes_at,
        closed_at=row.closed_at,
        message_id=row.message_id,
        native_id=row.native_id,
        platform_counts=_counts(answers, "platform_count"),
        final_counts=_counts(answers, "final_count"),
        voters=row.voters,
        results_queued=bool(row.results_queued),
    )


class SqlPollRepo:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def _many(self, conn: AsyncConnection, query: sa.Select[Any]) -> list[Poll]:
        rows = (await conn.execute(query)).all()
        if not rows:
            return []
        ids = [r.id for r in rows]
        answers: dict[int, list[Any]] = {i: [] for i in ids}
        found = await conn.execute(
            sa.select(poll_answers).where(poll_answers.c.poll_id.in_(ids)).order_by(poll_answers.c.position)
        )
        for a in found:
            answers[a.poll_id].append(a)
        return [_poll(r, answers[r.id]) for r in rows]

    async def _select(self, query: sa.Select[Any]) -> list[Poll]:
        async with self.engine.connect() as conn:
            return await self._many(conn, query)

    async def create(self, poll: NewPoll, now: datetime) -> Poll:
        draft = poll.draft
        async with self.engine.begin() as conn:
            new_id = (
                await conn.execute(
                    sa.insert(polls)
                    .values(
                        community_id=poll.community_id,
                        creator_id=poll.creator_id,
                        question=draft.question,
                        multiple=draft.multiple,
                        anonymous=draft.anonymous,
                        mode=poll.mode.value,
                        platform=poll.channel.platform.value,
                        channel=poll.channel.to_json(),
                        locale=poll.locale,
                        timezone=poll.timezone,
                        created_at=now,
                        closes_at=draft.closes_at,
                    )
                    .returning(polls.c.id)
                )
            ).scalar_one()
            await conn.execute(
                sa.insert(poll_answers),
                [{"poll_id": new_id, "position": i, "text": text} for i, text in enumerate(draft.answers)],
            )
        found = await self.get(new_id)
        assert found is not None
        return found

    async def delete(self, poll_id: int) -> None:
        async with self.engine.begin() as conn:
            for table in (poll_votes, poll_answers):
                await conn.execute(sa.delete(table).where(table.c.poll_id == poll_id))
            await conn.execute(sa.delete(polls).where(polls.c.id == poll_id))

    async def get(self, poll_id: int) -> Poll | None:
        found = await self._select(sa.select(polls).where(polls.c.id == poll_id))
        return found[0] if found else None

    async def by_native(self, platform: str, native_id: str) -> Poll | None:
        found = await self._select(sa.select(polls).where(polls.c.platform == platform, polls.c.native_id == native_id))
        return found[0] if found else None

    async def by_message(self, platform: str, chat_id: str, message_id: str) -> Poll | None:
        query = sa.select(polls).where(polls.c.platform == platform, polls.c.message_id == message_id)
        return next((p for p in await self._select(query) if p.channel.chat_id == chat_id), None)

    async def set_post(self, poll_id: int, message_id: str, native_id: str | None) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.update(polls).where(polls.c.id == poll_id).values(message_id=message_id, native_id=native_id)
            )

    async def open_polls(self, community_id: int, limit: int = 25) -> list[Poll]:
        query = (
            sa.select(polls)
            .where(polls.c.community_id == community_id, polls.c.status == Status.OPEN.value)
            .order_by(polls.c.id.desc())
            .limit(limit)
        )
        return await self._select(query)

    async def recent(self, community_id: int, limit: int = 25) -> list[Poll]:
        query = sa.select(polls).where(polls.c.community_id == community_id).order_by(polls.c.id.desc()).limit(limit)
        return await self._select(query)

    async def due(self, now: datetime) -> list[Poll]:
        query = (
            sa.select(polls)
            .where(polls.c.status == Status.OPEN.value, polls.c.closes_at.is_not(None), polls.c.closes_at <= now)
            .order_by(polls.c.closes_at)
        )
        return await self._select(query)

    async def next_close(self) -> datetime | None:
        async with self.engine.connect() as conn:
            return (
                await conn.execute(sa.select(sa.func.min(polls.c.closes_at)).where(polls.c.status == Status.OPEN.value))
            ).scalar()

    async def unannounced(self) -> list[Poll]:
        query = sa.select(polls).where(polls.c.status == Status.CLOSED.value, polls.c.results_queued.is_(False))
        return await self._select(query)

    async def votes(self, poll_id: int) -> dict[int, tuple[int, ...]]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(poll_votes.c.member_id, poll_votes.c.position)
                .where(poll_votes.c.poll_id == poll_id)
                .order_by(poll_votes.c.member_id, poll_votes.c.position)
            )
            out: dict[int, list[int]] = {}
            for r in rows:
                out.setdefault(r.member_id, []).append(r.position)
        return {k: tuple(v) for k, v in out.items()}

    async def _is_open(self, conn: AsyncConnection, poll_id: int) -> bool:
        status = (await conn.execute(sa.select(polls.c.status).where(polls.c.id == poll_id))).scalar()
        return status == Status.OPEN.value

    async def set_votes(self, poll_id: int, member_id: int, positions: Sequence[int], now: datetime) -> bool:
        async with self.engine.begin() as conn:
            if not await self._is_open(conn, poll_id):
                return False
            mine = (poll_votes.c.poll_id == poll_id) & (poll_votes.c.member_id == member_id)
            await conn.execute(sa.delete(poll_votes).where(mine))
            rows = [{"poll_id": poll_id, "member_id": member_id, "position": p, "voted_at": now}
                    for p in sorted(set(positions))]  # fmt: skip
            if rows:
                await conn.execute(sa.insert(poll_votes), rows)
        return True

    async def add_vote(self, poll_id: int, member_id: int, position: int, now: datetime) -> bool:
        async with self.engine.begin() as conn:
            if not await self._is_open(conn, poll_id):
                return False
            row = {"poll_id": poll_id, "member_id": member_id, "position": position, "voted_at": now}
            await conn.execute(upsert(conn.dialect.name, poll_votes, [row], ["poll_id", "member_id", "position"]),
                               [row])  # fmt: skip
        return True

    async def remove_vote(self, poll_id: int, member_id: int, position: int) -> bool:
        async with self.engine.begin() as conn:
            if not await self._is_open(conn, poll_id):
                return False
            await conn.execute(
                sa.delete(poll_votes).where(
                    poll_votes.c.poll_id == poll_id,
                    poll_votes.c.member_id == member_id,
                    poll_votes.c.position == position,
                )
            )
        return True

    async def set_platform_counts(self, poll_id: int, counts: Sequence[int], voters: int) -> None:
        async with self.engine.begin() as conn:
            if not await self._is_open(conn, poll_id):
                return
            for position, count in enumerate(counts):
                await conn.execute(
                    sa.update(poll_answers)
                    .where(poll_answers.c.poll_id == poll_id, poll_answers.c.position == position)
                    .values(platform_count=count)
                )
            await conn.execute(sa.update(polls).where(polls.c.id == poll_id).values(voters=voters))

    async def close(self, poll_id: int, tally: Tally, now: datetime) -> bool:
        async with self.engine.begin() as conn:
            done = await conn.execute(
                sa.update(polls)
                .where(polls.c.id == poll_id, polls.c.status == Status.OPEN.value)
                .values(status=Status.CLOSED.value, closed_at=now, voters=tally.voters)
            )
            if done.rowcount != 1:
                return False
            for position, count in enumerate(tally.counts):
                await conn.execute(
                    sa.update(poll_answers)
                    .where(poll_answers.c.poll_id == poll_id, poll_answers.c.position == position)
                    .values(final_count=count)
                )
        return True

    async def mark_announced(self, poll_id: int) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(sa.update(polls).where(polls.c.id == poll_id).values(results_queued=True))

    async def closed_between(self, community_id: int, start: datetime, end: datetime) -> list[Poll]:
        query = (
            sa.select(polls)
            .where(
                polls.c.community_id == community_id,
                polls.c.status == Status.CLOSED.value,
                polls.c.closed_at >= start,
                polls.c.closed_at < end,
            )
            .order_by(polls.c.closed_at)
        )
        return await self._select(query)

    async def named_votes(self, poll_id: int) -> list[tuple[str, str, int, datetime]]:
        """Each vote with the member's name and their identity on the poll's platform (CSV of named polls)."""
        async with self.engine.connect() as conn:
            platform = (await conn.execute(sa.select(polls.c.platform).where(polls.c.id == poll_id))).scalar()
            identity = (
                sa.select(member_identities.c.user_id)
                .where(member_identities.c.member_id == poll_votes.c.member_id,
                       member_identities.c.platform == platform)
                .limit(1)
                .scalar_subquery()
            )  # fmt: skip
            rows = await conn.execute(
                sa.select(members.c.display_name, identity.label("user_id"), poll_votes.c.position,
                          poll_votes.c.voted_at)
                .join(members, members.c.id == poll_votes.c.member_id)
                .where(poll_votes.c.poll_id == poll_id)
                .order_by(poll_votes.c.voted_at, poll_votes.c.member_id, poll_votes.c.position)
            )  # fmt: skip
            return [
                (r.display_name or "", f"{platform}:{r.user_id}" if r.user_id else "", r.position, r.voted_at)
                for r in rows
            ]


def _survey(r: Any) -> Survey:
    return Survey(
        id=r.id,
        community_id=r.community_id,
        creator_id=r.creator_id,
        kind=SurveyKind(r.kind),
        question=r.question,
        subject=r.subject,
        channel=Target.from_json(r.channel),
        locale=r.locale,
        timezone=r.timezone,
        status=Status(r.status),
        created_at=r.created_at,
        closes_at=r.closes_at,
        closed_at=r.closed_at,
        message_id=r.message_id,
        results_queued=bool(r.results_queued),
    )


def _answer(r: Any) -> SurveyAnswer:
    return SurveyAnswer(r.survey_id, r.member_id, r.score, r.comment, r.answered_at)


class SqlSurveyRepo:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def _select(self, query: sa.Select[Any]) -> list[Survey]:
        async with self.engine.connect() as conn:
            return [_survey(r) for r in await conn.execute(query)]

    async def create(
        self,
        community_id: int,
        creator_id: int,
        kind: SurveyKind,
        question: str,
        subject: str,
        channel: Target,
        locale: str,
        timezone: str,
        closes_at: datetime | None,
        now: datetime,
    ) -> Survey:
        values = {
            "community_id": community_id,
            "creator_id": creator_id,
            "kind": kind.value,
            "question": question,
            "subject": subject[:200],
            "platform": channel.platform.value,
            "channel": channel.to_json(),
            "locale": locale,
            "timezone": timezone,
            "created_at": now,
            "closes_at": closes_at,
        }
        async with self.engine.begin() as conn:
            new_id = (await conn.execute(sa.insert(surveys).values(**values).returning(surveys.c.id))).scalar_one()
        found = await self.get(new_id)
        assert found is not None
        return found

    async def delete(self, survey_id: int) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(sa.delete(survey_answers).where(survey_answers.c.survey_id == survey_id))
            await conn.execute(sa.delete(surveys).where(surveys.c.id == survey_id))

    async def get(self, survey_id: int) -> Survey | None:
        found = await self._select(sa.select(surveys).where(surveys.c.id == survey_id))
        return found[0] if found else None

    async def by_message(self, platform: str, chat_id: str, message_id: str) -> Survey | None:
        query = sa.select(surveys).where(surveys.c.platform == platform, surveys.c.message_id == message_id)
        return next((s for s in await self._select(query) if s.channel.chat_id == chat_id), None)

    async def set_post(self, survey_id: int, message_id: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(sa.update(surveys).where(surveys.c.id == survey_id).values(message_id=message_id))

    async def open_surveys(self, community_id: int, limit: int = 25) -> list[Survey]:
        query = (
            sa.select(surveys)
            .where(surveys.c.community_id == community_id, surveys.c.status == Status.OPEN.value)
            .order_by(surveys.c.id.desc())
            .limit(limit)
        )
        return await self._select(query)

    async def recent(self, community_id: int, limit: int = 25) -> list[Survey]:
        query = (
            sa.select(surveys).where(surveys.c.community_id == community_id).order_by(surveys.c.id.desc()).limit(limit)
        )
        return await self._select(query)

    async def due(self, now: datetime) -> list[Survey]:
        query = (
            sa.select(surveys)
            .where(surveys.c.status == Status.OPEN.value, surveys.c.closes_at.is_not(None), surveys.c.closes_at <= now)
            .order_by(surveys.c.closes_at)
        )
        return await self._select(query)

    async def next_close(self) -> datetime | None:
        async with self.engine.connect() as conn:
            return (
                await conn.execute(
                    sa.select(sa.func.min(surveys.c.closes_at)).where(surveys.c.status == Status.OPEN.value)
                )
            ).scalar()

    async def unannounced(self) -> list[Survey]:
        query = sa.select(surveys).where(surveys.c.status == Status.CLOSED.value, surveys.c.results_queued.is_(False))
        return await self._select(query)

    async def answer(self, survey_id: int, member_id: int, score: int, now: datetime) -> bool:
        async with self.engine.begin() as conn:
            status = (await conn.execute(sa.select(surveys.c.status).where(surveys.c.id == survey_id))).scalar()
            if status != Status.OPEN.value:
                return False
            mine = (survey_answers.c.survey_id == survey_id) & (survey_answers.c.member_id == member_id)
            old = (await conn.execute(sa.select(survey_answers.c.score).where(mine))).scalar()
            if old == score:
                return False
            if old is None:
                await conn.execute(
                    sa.insert(survey_answers).values(
                        survey_id=survey_id, member_id=member_id, score=score, answered_at=now
                    )
                )
            else:
                await conn.execute(sa.update(survey_answers).where(mine).values(score=score, answered_at=now))
        return True

    async def comment(self, survey_id: int, member_id: int, comment: str, now: datetime) -> bool:
        async with self.engine.begin() as conn:
            status = (await conn.execute(sa.select(surveys.c.status).where(surveys.c.id == survey_id))).scalar()
            if status != Status.OPEN.value:
                return False
            mine = (survey_answers.c.survey_id == survey_id) & (survey_answers.c.member_id == member_id)
            done = await conn.execute(sa.update(survey_answers).where(mine).values(comment=comment))
            return done.rowcount == 1

    async def answers(self, survey_id: int) -> list[SurveyAnswer]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(survey_answers)
                .where(survey_answers.c.survey_id == survey_id)
                .order_by(survey_answers.c.answered_at, survey_answers.c.member_id)
            )
            return [_answer(r) for r in rows]

    async def answer_of(self, survey_id: int, member_id: int) -> SurveyAnswer | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    sa.select(survey_answers).where(
                        survey_answers.c.survey_id == survey_id, survey_answers.c.member_id == member_id
                    )
                )
            ).first()
        return _answer(row) if row else None

    async def close(self, survey_id: int, now: datetime) -> bool:
        async with self.engine.begin() as conn:
            done = await conn.execute(
                sa.update(surveys)
                .where(surveys.c.id == survey_id, surveys.c.status == Status.OPEN.value)
                .values(status=Status.CLOSED.value, closed_at=now)
            )
            return done.rowcount == 1

    async def mark_announced(self, survey_id: int) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(sa.update(surveys).where(surveys.c.id == survey_id).values(results_queued=True))

    async def previous(self, survey: Survey, limit: int = 5) -> list[Survey]:
        query = (
            sa.select(surveys)
            .where(
                surveys.c.community_id == survey.community_id,
                surveys.c.kind == survey.kind.value,
                surveys.c.id < survey.id,
            )
            .order_by(surveys.c.id.desc())
            .limit(limit)
        )
        return await self._select(query)

    async def run_between(self, community_id: int, start: datetime, end: datetime) -> list[Survey]:
        query = (
            sa.select(surveys)
            .where(
                surveys.c.community_id == community_id,
                surveys.c.created_at < end,
                sa.or_(surveys.c.closed_at.is_(None), surveys.c.closed_at >= start),
            )
            .order_by(surveys.c.created_at)
        )
        return await self._select(query)


class PollsData:
    """Member-data part for polls and surveys: votes, survey answers and comments, and who created them."""

    feature = "polls"
    columns = ("polls.creator_id", "poll_votes.member_id", "surveys.creator_id", "survey_answers.member_id")

    async def merge(self, tx: AsyncConnection, keep_id: int, drop_id: int) -> None:
        # Where both accounts voted on the same poll, the kept account's vote stands (one vote per member).
        v = poll_votes.c
        both = sa.select(v.poll_id).where(v.member_id == keep_id).scalar_subquery()
        await tx.execute(sa.delete(poll_votes).where(v.member_id == drop_id, v.poll_id.in_(both)))
        await reassign(tx, v.member_id, keep_id, drop_id)
        a = survey_answers.c
        await reassign_unique(tx, a.member_id, keep_id, drop_id, key=[a.survey_id], newer=a.answered_at)
        await reassign(tx, polls.c.creator_id, keep_id, drop_id)
        await reassign(tx, surveys.c.creator_id, keep_id, drop_id)

    async def export(self, tx: AsyncConnection, member_id: int) -> dict[str, Any]:
        p, v, s, a = polls.c, poll_votes.c, surveys.c, survey_answers.c
        votes = (
            await tx.execute(
                sa.select(p.id.label("poll"), p.question, poll_answers.c.text.label("answer"), p.anonymous, v.voted_at)
                .join(polls, p.id == v.poll_id)
                .join(poll_answers, (poll_answers.c.poll_id == v.poll_id) & (poll_answers.c.position == v.position))
                .where(v.member_id == member_id)
                .order_by(v.voted_at)
            )
        ).all()
        answers = (
            await tx.execute(
                sa.select(s.id.label("survey"), s.kind, s.question, a.score, a.comment, a.answered_at)
                .join(surveys, s.id == a.survey_id)
                .where(a.member_id == member_id)
                .order_by(a.answered_at)
            )
        ).all()
        created_polls = (
            await tx.execute(sa.select(p.id.label("poll"), p.question, p.created_at).where(p.creator_id == member_id))
        ).all()
        created_surveys = (
            await tx.execute(sa.select(s.id.label("survey"), s.kind, s.created_at).where(s.creator_id == member_id))
        ).all()
        return {
            "votes": rows_json(votes),
            "survey_answers": rows_json(answers),
            "polls_created": rows_json(created_polls),
            "surveys_created": rows_json(created_surveys),
        }

    async def erase(self, tx: AsyncConnection, member_id: int, anonymous_id: int) -> None:
        # Counts stay (the votes and scores move to the anonymous member); the words they wrote go.
        await tx.execute(sa.update(survey_answers).where(survey_answers.c.member_id == member_id).values(comment=None))
        for column in (poll_votes.c.member_id, survey_answers.c.member_id, polls.c.creator_id, surveys.c.creator_id):
            await reassign(tx, column, anonymous_id, member_id)
