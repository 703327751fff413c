"""What polls and surveys need (storage, the platforms' native polls, a timer) and what they offer other
features (`PollResults`, read by the weekly digest)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Protocol

from bot.core.outbound import OutMessage
from bot.core.targets import Target
from cogs.polls.models import (
    NativePollRef,
    NewPoll,
    Poll,
    PollResult,
    Survey,
    SurveyAnswer,
    SurveyKind,
    SurveyResult,
    Tally,
)


class PollRepo(Protocol):
    async def create(self, poll: NewPoll, now: datetime) -> Poll: ...

    async def delete(self, poll_id: int) -> None:
        """Remove a poll that never became visible (its post failed)."""
        ...

    async def get(self, poll_id: int) -> Poll | None: ...

    async def by_native(self, platform: str, native_id: str) -> Poll | None: ...

    async def by_message(self, platform: str, chat_id: str, message_id: str) -> Poll | None: ...

    async def set_post(self, poll_id: int, message_id: str, native_id: str | None) -> None: ...

    async def open_polls(self, community_id: int, limit: int = 25) -> list[Poll]:
        """Open polls, newest first."""
        ...

    async def recent(self, community_id: int, limit: int = 25) -> list[Poll]:
        """Polls open or closed, newest first."""
        ...

    async def due(self, now: datetime) -> list[Poll]:
        """Open polls whose close time has come."""
        ...

    async def next_close(self) -> datetime | None: ...

    async def unannounced(self) -> list[Poll]:
        """Closed polls whose results were not queued yet (a crash between closing and announcing)."""
        ...

    async def votes(self, poll_id: int) -> dict[int, tuple[int, ...]]:
        """member id → the positions they voted for."""
        ...

    async def set_votes(self, poll_id: int, member_id: int, positions: Sequence[int], now: datetime) -> bool:
        """Replace the member's votes (empty: the vote is taken back). Only while the poll is open (else False)."""
        ...

    async def add_vote(self, poll_id: int, member_id: int, position: int, now: datetime) -> bool: ...

    async def remove_vote(self, poll_id: int, member_id: int, position: int) -> bool: ...

    async def set_platform_counts(self, poll_id: int, counts: Sequence[int], voters: int) -> None: ...

    async def close(self, poll_id: int, tally: Tally, now: datetime) -> bool:
        """Open → closed with the final counts, once; False if it was already closed."""
        ...

    async def mark_announced(self, poll_id: int) -> None: ...

    async def closed_between(self, community_id: int, start: datetime, end: datetime) -> list[Poll]: ...

    async def named_votes(self, poll_id: int) -> list[tuple[str, str, int, datetime]]:
        """(display name, platform:user id, position, when) of every vote (the CSV of a named poll)."""
        ...


class SurveyRepo(Protocol):
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
    ) -> Survey: ...

    async def delete(self, survey_id: int) -> None: ...

    async def get(self, survey_id: int) -> Survey | None: ...

    async def by_message(self, platform: str, chat_id: str, message_id: str) -> Survey | None: ...

    async def set_post(self, survey_id: int, message_id: str) -> None: ...

    async def open_surveys(self, community_id: int, limit: int = 25) -> list[Survey]: ...

    async def recent(self, community_id: int, limit: int = 25) -> list[Survey]: ...

    async def due(self, now: datetime) -> list[Survey]: ...

    async def next_close(self) -> datetime | None: ...

    async def unannounced(self) -> list[Survey]: ...

    async def answer(self, survey_id: int, member_id: int, score: int, now: datetime) -> bool:
        """Record or change the member's score; True if it changed."""
        ...

    async def comment(self, survey_id: int, member_id: int, comment: str, now: datetime) -> bool:
        """Attach a comment to the member's answer; False if they have not answered."""
        ...

    async def answers(self, survey_id: int) -> list[SurveyAnswer]: ...

    async def answer_of(self, survey_id: int, member_id: int) -> SurveyAnswer | None: ...

    async def close(self, survey_id: int, now: datetime) -> bool: ...

    async def mark_announced(self, survey_id: int) -> None: ...

    async def previous(self, survey: Survey, limit: int = 5) -> list[Survey]:
        """Earlier surveys of the same kind in the same community, newest first."""
        ...

    async def run_between(self, community_id: int, start: datetime, end: datetime) -> list[Survey]:
        """Surveys open at some time in [start, end)."""
        ...


class NativePolls(Protocol):
    """A platform's own polls, provided by its glue (`capabilities.provide(platform, NativePolls, impl)`)."""

    @property
    def hides_voters(self) -> bool:
        """True if the platform can run an anonymous poll (Telegram); Discord always shows voters."""
        ...

    async def send_poll(self, target: Target, poll: Poll, note: OutMessage, locale: str) -> NativePollRef:
        """Open the poll in `target`; `note` is a line shown with it (close time). Raises DeliveryRefused
        when the platform refuses (no permission to post polls)."""
        ...

    async def stop_poll(self, poll: Poll) -> Tally | None:
        """Stop it; the final counts, or None when the platform gives none (already stopped, deleted)."""
        ...


class Timer(Protocol):
    def at(self, job_id: str, when: datetime, job: Callable[[], Awaitable[object]], grace_seconds: int) -> None: ...


class PollResults(Protocol):
    """The read port for the weekly digest: polls closed and surveys run in a period, with their results
    (NPS/CSAT with margin and trend). Implemented by `cogs.polls.results.Results`."""

    async def polls_closed(self, community_id: int, start: datetime, end: datetime) -> list[PollResult]: ...

    async def surveys_run(self, community_id: int, start: datetime, end: datetime) -> list[SurveyResult]: ...
