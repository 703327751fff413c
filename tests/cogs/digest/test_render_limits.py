"""The digest at its largest (every optional section, long names full of markup) rendered by both adapters in all
four languages: Discord messages within Discord's embed limits, Telegram parts within 4,096 characters, cut between
sections, valid HTML with user text escaped; and the outbox's JSON keeps every section."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import discord
import pytest

from bot.core.i18n import LOCALES, t_
from bot.core.outbound import Attachment
from bot.core.serialize import message_from_json, message_to_json
from bot.discord import render as discord_render
from bot.telegram.render import MAX_TEXT, html_parts
from cogs.analytics.metrics.models import (
    Advocate,
    ChannelCount,
    ChannelStat,
    Cohort,
    Dialogue,
    DriftingMember,
    Headline,
    Newcomers,
    Period,
    Person,
    PlatformWeek,
    Quarter,
    QuestionRef,
    Ties,
    WeekMetrics,
    WeekPoint,
)
from cogs.digest.actions import suggest
from cogs.digest.models import (
    Digest,
    DriftAdvice,
    EventLine,
    FeedbackDigest,
    FeedbackItem,
    Funnel,
    FunnelStep,
    ModerationDigest,
    PollResult,
    RiskAlert,
    RiskExample,
    Satisfaction,
    Scope,
    StatusChange,
    SurveyResult,
)
from cogs.digest.render import digest_message
from tests.fakes.telegram_wire import parse_html

WEEK = date(2026, 2, 23)
EVIL = "<b>*_~`|>@everyone &amp; [x](http://e.vil)"


def person(i: int) -> Person:
    return Person(i, f"{EVIL} member {i} " + "Ä" * 40, f"discord:{10**17 + i}", ("discord",))


def biggest() -> Digest:
    period = Period.of(WEEK, "Europe/Helsinki")
    at = datetime(2026, 2, 25, 12, tzinfo=UTC)
    headline = Headline(4_321, 4_000, 98_765, 90_000, 20_000, 15_000, 321, 300, 123, 150, 1_234.5, 12_345, 1_100.2,
                        (PlatformWeek("discord", 3_000, 60_000, 2_800, 55_000),
                         PlatformWeek("telegram", 2_000, 38_765, 1_900, 35_000)))  # fmt: skip
    metrics = WeekMetrics(
        community_id=1,
        period=period,
        computed_at=at,
        headline=headline,
        series=tuple(WeekPoint(WEEK - timedelta(weeks=k), 4000 + k, 90_000, 300, 100) for k in range(12, -1, -1)),
        quarter=Quarter(4_000, 1_500, 3_000, 1_400, 4_100.5, 3_900.2, 1_200_000, 1_100_000, True),
        cohorts=tuple(
            Cohort(WEEK - timedelta(weeks=k), 300 + k, tuple(200 - 10 * i for i in range(k + 1)))
            for k in range(7, -1, -1)
        ),  # fmt: skip
        drifting=tuple(DriftingMember(person(i), 5.5, 1, WEEK - timedelta(days=i), 20 + i, True) for i in range(10)),
        drifting_total=57,
        regulars=900,
        dialogue=Dialogue(
            5_000,
            4_000,
            700,
            300,
            5_400,
            tuple(QuestionRef("discord", "200", str(10**17 + i), at) for i in range(5)),
            tuple(ChannelCount("discord", str(200 + i), 100 - i) for i in range(5)),
        ),  # fmt: skip
        ties=Ties(20_000, 18_000, 3_000, 1_200, 250),
        advocates=tuple(Advocate(person(100 + i), 40, 20, 150, 300) for i in range(5)),
        channels=tuple(ChannelStat("discord", str(200 + i), 9_000 - i, 8_000, 500) for i in range(5)),
        channel_messages=98_765,
        newcomers=Newcomers(600, 250, tuple(person(200 + i) for i in range(10))),
        staff=12,
    )
    events = tuple(
        EventLine(i, f"{EVIL} event {i} " + "ß" * 60, at + timedelta(days=i), 40, 10, 5, 50) for i in range(5)
    )
    scopes = (Scope("discord", "100", "Guild"), Scope("telegram", "-1001234", "Chat"))
    drift = tuple(DriftAdvice(d, events[0]) for d in metrics.drifting)
    funnel = Funnel(tuple(FunnelStep(t_("joined"), 600 - 100 * i) for i in range(6)))
    satisfaction = Satisfaction(
        tuple(SurveyResult("nps", f"{EVIL} survey", at, 300, 31.5, 6.2, 40.0) for _ in range(3)),
        tuple(PollResult(f"{EVIL} poll", at, 900, f"{EVIL} option", 0.41) for _ in range(3)),
    )
    item = FeedbackItem(12, f"{EVIL} idea " + "é" * 80, 88, t_("planned"))
    feedback = FeedbackDigest(30, (item,) * 3, (StatusChange(item, t_("new"), t_("planned")),) * 5,
                              tuple((f"{EVIL} term", 9) for _ in range(6)), 7)  # fmt: skip
    moderation = ModerationDigest(((t_("warnings"), 30), (t_("mutes"), 5)), 40, 6, 300,
                                  tuple((f"{EVIL} rule", 50) for _ in range(4)))  # fmt: skip
    alerts = tuple(
        RiskAlert(i, 1, "leave", at, 30, 2.0, 9.5, (RiskExample("discord", "100", "200", "5"),), at) for i in range(5)
    )
    actions = suggest(metrics, drift, events, scopes, {}, funnel, feedback, moderation, satisfaction)
    return Digest(1, f"{EVIL} community", "Europe/Helsinki", metrics, scopes, drift, events, events, actions, alerts,
                  funnel, satisfaction, feedback, moderation)  # fmt: skip


CHARTS = tuple(Attachment(name, b"\x89PNG fake", True) for name in ("digest-growth.png", "digest-cohorts.png"))


@pytest.mark.parametrize("locale", LOCALES)
def test_discord_messages_stay_within_embed_limits(locale: str) -> None:
    message = digest_message(biggest(), CHARTS)
    payloads = discord_render.payloads(message, locale)
    assert len(payloads) >= 2  # this much does not fit one message
    seen_files = []
    for payload in payloads:
        embeds: list[discord.Embed] = payload.get("embeds", [])
        assert 1 <= len(embeds) <= 10
        total = 0
        for embed in embeds:
            data = embed.to_dict()
            assert len(data.get("title", "")) <= 256 and len(data.get("description", "")) <= 4096
            assert len(data.get("fields", [])) <= 25
            total += len(data.get("title", "")) + len(data.get("description", ""))
            total += len(data.get("footer", {}).get("text", ""))
            image = data.get("image", {}).get("url")
            if image:  # an embed shows a chart attached to the same message
                assert image.removeprefix("attachment://") in [f.filename for f in payload.get("files", [])]
        assert total <= 6000
        seen_files += [f.filename for f in payload.get("files", [])]
        assert (
            isinstance(payload["allowed_mentions"], discord.AllowedMentions)
            and not payload["allowed_mentions"].everyone
        )
    assert sorted(seen_files) == ["digest-cohorts.png", "digest-growth.png"]
    text = "\n".join(e.description or "" for p in payloads for e in p.get("embeds", []))
    assert "@everyone" not in text.replace("@\u200beveryone", "")  # mentions broken
    assert f"<@{10**17 + 100}>" in text  # an advocate, as a mention that cannot ping inside an embed


@pytest.mark.parametrize("locale", LOCALES)
def test_telegram_parts_fit_cut_between_sections_and_are_valid_html(locale: str) -> None:
    message = digest_message(biggest(), CHARTS)
    parts = html_parts(message, locale)
    assert len(parts) >= 3
    for part in parts:
        assert len(part) <= MAX_TEXT
        assert part.startswith("<b>")  # a section's heading: cut between sections
        parse_html(part)  # raises on invalid markup, as Telegram does
    assert EVIL in parse_html(parts[0])  # the community's name, shown exactly as typed
    joined = "\n".join(parts)
    assert "<b>*_~" not in joined and "&lt;b&gt;*_~" in joined


def test_the_outbox_keeps_every_section() -> None:
    message = digest_message(biggest(), CHARTS)
    again = message_from_json(message_to_json(message))
    for locale in LOCALES:
        assert again.render_text(locale, str, str) == message.render_text(locale, str, str)
    assert again.sections == message.sections and [a.filename for a in again.attachments] == [
        a.filename for a in message.attachments
    ]
