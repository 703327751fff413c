"""Ring 1: welcome posts and DMs from templates, the DM fallback, batching, templates that cannot ping or
break markup, and the manager commands around them."""

from __future__ import annotations

import html
from datetime import timedelta

import sqlalchemy as sa

from bot.app import Services
from bot.core.clock import FakeClock
from bot.core.i18n import translate
from bot.core.outbound import MentionPolicy, OutMessage
from storage.tables import onboarding_journeys, onboarding_templates, outbox
from tests.cogs.onboarding.conftest import GROUP, FakeGroupGate, join
from tests.cogs.test_dispatch import texts
from tests.cogs.test_outbox import RecordingMessenger
from tests.conftest import caller, group, private

MANAGER = caller(uid="1")  # an owner: manager everywhere


def shown(message: OutMessage, locale: str = "en") -> str:
    return message.render_text(locale, str, str)


def posts(messenger: RecordingMessenger, chat: str = GROUP) -> list[OutMessage]:
    return [m for t, m, _ in messenger.sent if not t.dm and t.chat_id == chat]


def dms(messenger: RecordingMessenger, user: str) -> list[tuple[OutMessage, str]]:
    return [(m, loc) for t, m, loc in messenger.sent if t.dm and t.chat_id == user]


async def test_a_join_gets_a_welcome_post_and_a_dm_in_the_members_language(
    services: Services, telegram: RecordingMessenger
) -> None:
    await join(services, "200", "Aino", locale="fi")
    (post,) = posts(telegram)
    assert shown(post) == "Welcome to Group, Aino! 👋 Say hello, and see /rules for how we do things here."
    assert post.mentions is MentionPolicy.USERS and post.mention_ids == ("200",)  # only the newcomer may be pinged
    ((dm, locale),) = dms(telegram, "200")
    assert locale == "fi"  # the member's client language, though the community speaks English
    finnish = translate("fi", dm.lines[0].msgid)
    assert finnish != dm.lines[0].msgid and shown(dm, "fi").startswith(finnish.split("{")[0])


async def test_a_refused_dm_is_posted_in_the_group_instead_and_recorded(
    services: Services, telegram: RecordingMessenger
) -> None:
    telegram.refuse.add("200")  # a Telegram user who never started the bot
    await join(services, "200", "Aino")
    await services.outbox.deliver_due()
    fallback = [m for m in posts(telegram) if m.mention_ids == ("200",) and "privately" in shown(m)]
    assert len(fallback) == 1 and "welcome to **Group**" in fallback[0].render_text("en", str, lambda s: f"**{s}**")
    async with services.engine.connect() as conn:
        recorded = (await conn.execute(sa.select(onboarding_journeys.c.welcome_fallback_at))).scalar_one()
        keys = dict((await conn.execute(sa.select(outbox.c.key, outbox.c.status))).all())
    assert recorded is not None
    assert keys["onboarding:1:welcome:telegram:m1"] == "failed"
    assert keys["onboarding:1:welcome:telegram:m1:fallback"] == "sent"


async def test_joins_within_a_minute_are_welcomed_together(
    services: Services, telegram: RecordingMessenger, clock: FakeClock
) -> None:
    await join(services, "201", "Ann")
    clock.advance(timedelta(seconds=20))
    await join(services, "202", "Ben")
    clock.advance(timedelta(seconds=20))
    await join(services, "203", "Cat")
    assert [shown(p).split("!")[0] for p in posts(telegram)] == ["Welcome to Group, Ann"]  # the first at once
    clock.advance(timedelta(seconds=20))
    await services.onboarding.tick()
    second = posts(telegram)[1]
    assert shown(second).startswith("Welcome to Group, Ben and Cat!")
    assert second.mention_ids == ("202", "203")
    clock.advance(timedelta(minutes=5))
    await join(services, "204", "Dan")  # a quiet minute later: at once again
    assert shown(posts(telegram)[2]).startswith("Welcome to Group, Dan!")


async def test_a_rejoin_keeps_history_and_is_not_welcomed_again(
    services: Services, telegram: RecordingMessenger, clock: FakeClock
) -> None:
    await join(services, "200", "Aino")
    clock.advance(timedelta(days=2))
    await join(services, "200", "Aino", joined=False)
    clock.advance(timedelta(days=2))
    await join(services, "200", "Aino")
    assert len(posts(telegram)) == 1 and len(dms(telegram, "200")) == 1
    journey = await services.onboarding.ctx.repo.journey(1, 1)
    assert journey is not None and journey.joins == 2 and journey.joined_at == clock.now() - timedelta(days=4)
    assert journey.present


async def test_an_unknown_placeholder_is_refused_with_the_valid_ones_and_nothing_is_saved(services: Services) -> None:
    answer = await services.dispatcher.run_text(group(), MANAGER, "setwelcome", "Hi {name}, welcome to {community}")
    assert answer.error
    assert texts(answer) == "Unknown placeholder {name}. You can use: {member}, {community}, {member_count}, {rules}."
    async with services.engine.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(onboarding_templates))).scalar() == 0


async def test_a_template_with_everyone_and_markup_pings_nobody_and_stays_valid(
    services: Services, telegram: RecordingMessenger
) -> None:
    template = "**Hi** {member} @everyone @here <@&301> <b>{community}</b> {{ } **unclosed"
    answer = await services.dispatcher.run_text(group(), MANAGER, "setwelcome", template)
    assert not answer.error, texts(answer)
    await join(services, "200", "<i>Eve</i>")
    (post,) = posts(telegram)
    assert post.mentions is MentionPolicy.USERS and post.mention_ids == ("200",)
    as_html = post.render_text("en", lambda s: html.escape(s, quote=False), lambda s: f"<b>{s}</b>")
    assert as_html == (
        "<b>Hi</b> &lt;i&gt;Eve&lt;/i&gt; @everyone @here &lt;@&amp;301&gt; &lt;b&gt;Group&lt;/b&gt; {{ } **unclosed"
    )


async def test_welcome_templates_are_per_language_and_previewed(services: Services) -> None:
    saved = await services.dispatcher.run_text(group(), MANAGER, "setwelcome", "fi | Tervetuloa {member}!")
    assert not saved.error and "Tervetuloa Alice!" in texts(saved)  # the preview, for the manager
    finn = await services.dispatcher.run_text(group(), caller(uid="9", locale="fi", manager=True), "testwelcome", "")
    assert "Tervetuloa Alice!" in texts(finn)
    english = await services.dispatcher.run_text(group(), MANAGER, "testwelcome", "en")
    assert "Welcome to **Group**" not in texts(english) and "Welcome to Group, Alice!" in texts(english)


async def test_setwelcome_alone_asks_for_the_post_and_the_dm_step_by_step(services: Services) -> None:
    first = await services.dispatcher.run_text(group(), MANAGER, "setwelcome", "")
    assert "Send the welcome post" in texts(first) and "{member}" in texts(first)
    second = await services.dispatcher.continue_text(group(), MANAGER, "-")  # keep the post
    assert second is not None and "Send the welcome message" in texts(second)
    bad = await services.dispatcher.continue_text(group(), MANAGER, "Hello {nobody}")
    assert bad is not None and bad.error and "Unknown placeholder {nobody}" in texts(bad)
    assert await services.onboarding.ctx.repo.templates(1) == {}


async def test_welcome_commands_are_for_managers_only(services: Services) -> None:
    answer = await services.dispatcher.run_text(group(), caller(uid="50", locale="ru"), "setwelcome", "Hi {member}")
    assert answer.error and answer.locale == "ru" and "менеджер" in texts(answer)
    assert await services.onboarding.ctx.repo.templates(1) == {}


async def test_welcome_mode_switches_the_post_and_dm_off(services: Services, telegram: RecordingMessenger) -> None:
    answer = await services.dispatcher.run_text(group(), MANAGER, "welcomemode", "off | off")
    assert texts(answer) == "Welcome post: off. Welcome message (DM): off."
    bad = await services.dispatcher.run_text(group(), MANAGER, "welcomemode", "")
    assert bad.error and "post off" in texts(bad)
    await join(services, "200", "Aino")
    assert telegram.sent == []


async def test_setup_commands_refuse_a_private_chat(services: Services) -> None:
    answer = await services.dispatcher.run_text(private(uid="1"), MANAGER, "setwelcome", "Hi {member}")
    assert answer.error and "group" in texts(answer)


async def test_the_gate_button_rides_along_in_the_welcome_dm(
    services: Services, telegram: RecordingMessenger, group_gate: FakeGroupGate
) -> None:
    await services.dispatcher.run_text(group(), MANAGER, "setrules", "Be kind")
    await join(services, "200", "Aino")
    ((dm, _),) = dms(telegram, "200")
    assert [b.action for row in dm.buttons for b in row] == ["onb:acc:1"]


async def test_a_join_reported_hours_late_is_recorded_but_not_welcomed_or_held(
    services: Services, telegram: RecordingMessenger, group_gate: FakeGroupGate, clock: FakeClock
) -> None:
    await services.dispatcher.run_text(group(), MANAGER, "setrules", "Be kind")
    await join(services, "200", "Aino", at=clock.now() - timedelta(hours=2))  # redelivered after downtime
    assert [m for m in posts(telegram) if "Aino" in shown(m)] == [] and dms(telegram, "200") == []
    assert group_gate.calls == []
    journey = await services.onboarding.ctx.repo.journey(1, 2)
    assert journey is not None and journey.joined_at == clock.now() - timedelta(hours=2)
    assert [n.day for n in await services.onboarding.ctx.repo.nudges(1)] == [3, 7]  # still ahead
