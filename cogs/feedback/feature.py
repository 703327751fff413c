"""The feedback feature assembled from its parts, so the composition root wires it in a few lines."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.core.commands import Registry
from bot.core.hub import EventHub
from bot.core.outbound import Messenger
from cogs.community.ports import CommunityRepo
from cogs.feedback import commands
from cogs.feedback.digest import FeedbackDigest
from cogs.feedback.export import FeedbackExport
from cogs.feedback.manage import FeedbackAdmin
from cogs.feedback.notices import Notices, Spawn
from cogs.feedback.ports import FeedbackRepo
from cogs.feedback.posts import Posts
from cogs.feedback.service import FeedbackService
from cogs.outbox.service import Outbox


@dataclass(frozen=True)
class Feedback:
    service: FeedbackService  # members: submit, upvote, browse
    admin: FeedbackAdmin  # managers: status, merge, themes, export (also `hearth export feedback`)
    report: FeedbackDigest  # the weekly digest's read port (ports.FeedbackReport)
    export: FeedbackExport  # feedback.csv in the community export (/export, hearth export)
    repo: FeedbackRepo

    def register(self, registry: Registry) -> None:
        commands.register(registry, commands.FeedbackCommands(self.service, self.admin))


def build_feedback(
    repo: FeedbackRepo,
    communities: CommunityRepo,
    outbox: Outbox,
    messengers: Callable[[str], Messenger | None],
    hub: EventHub,
    spawn: Spawn,
) -> Feedback:
    posts = Posts(repo, communities, messengers)
    service = FeedbackService(repo, posts, hub)
    admin = FeedbackAdmin(repo, service, posts, Notices(repo, communities, outbox, spawn), communities)
    return Feedback(service, admin, FeedbackDigest(repo), FeedbackExport(repo, communities), repo)
