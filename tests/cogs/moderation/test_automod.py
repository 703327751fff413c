"""Automod: every rule fires on a positive example and stays quiet on near misses (word boundaries and
Unicode in en, fi, de, ru); hits are recorded, acted on, and staff are exempt. The text is never stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.app import Services
from bot.core.clock import FakeClock
from bot.core.hub import MessageSeen
from bot.core.permissions import PlatformFacts
from cogs.moderation import automod, textmatch
from cogs.moderation.models import AutomodAction, AutomodConfig, AutomodHit, Rule, RuleSetting
from storage.tables import mod_automod_hits, mod_infractions, outbox
from tests.cogs.moderation.conftest import MOD, FakeActions, run
from tests.cogs.test_outbox import RecordingMessenger

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
WORDS = ("ass", "vittu", "perkele*", "scheiße", "arschloch", "сука", "хуй*", "kill yourself", "idiot")


def message(text: str = "", user: str = "100", at: datetime = T0, mentions: tuple[str, ...] = ()) -> MessageSeen:
    return MessageSeen("telegram", "-1001", "G", "-1001", user, "Alice", at, mentioned_user_ids=mentions,
                       message_id="77", text=text)  # fmt: skip


def only(rule: Rule, **setting: object) -> automod.CompiledConfig:
    rules = {r: RuleSetting(False, AutomodAction.DELETE) for r in Rule}
    defaults = {"limit": 0, "seconds": 0, **setting}
    rules[rule] = RuleSetting(True, AutomodAction.DELETE, int(defaults["limit"]), int(defaults["seconds"]))  # type: ignore[call-overload]
    config = AutomodConfig(rules=rules, words=WORDS, allow_domains=("example.com",), deny_domains=("evil.ru",))
    return automod.CompiledConfig.of(config)


def rules_hit(compiled: automod.CompiledConfig, *events: MessageSeen, created: datetime | None = None) -> list[Rule]:
    trackers = automod.Trackers()
    found: list[Rule] = []
    for event in events:
        found += [h.rule for h in automod.check(compiled, trackers, 1, event, created)]
    return found


# -- banned words: whole words, any script, folded ------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "you ass",  # en
        "what an ASS!",
        "a\u200bss",  # a zero-width space inside
        "a55",  # leetspeak
        "assssss",  # stretched
        "vittu mitä",  # fi
        "perkeleen hyvä",  # fi, inflected: the entry is a prefix
        "so eine Scheiße",  # de
        "SCHEISSE",  # de, ß case-folded to ss
        "du Arschloch",
        "ты сука",  # ru
        "ты cyкa",  # ru written with Latin look-alikes
        "хуйня какая-то",  # ru prefix entry
        "just kill   yourself",  # a phrase across spaces
        "Kill Yourself.",
    ],
)
def test_banned_words_match_whole_words_in_four_languages(text: str) -> None:
    assert rules_hit(only(Rule.WORDS), message(text)) == [Rule.WORDS], text


@pytest.mark.parametrize(
    "text",
    [
        "assistance is on its way",  # en: inside a longer word
        "the class assembled",
        "bass guitar",
        "passé",
        "vitun",  # fi: "vittu" is a whole-word entry, not a prefix
        "perkel",  # shorter than the prefix
        "Scheißwetter heute",  # de: a compound, not the word itself
        "сукно и кусок",  # ru: near misses
        "skill yourself up",  # the phrase needs both whole words
        "idiotic",
        "as",
    ],
)
def test_near_misses_never_match(text: str) -> None:
    assert rules_hit(only(Rule.WORDS), message(text)) == [], text


def test_an_entry_with_no_word_in_it_is_ignored() -> None:
    assert textmatch.parse_entry("  !!! ") is None
    assert not textmatch.WordList.of(["***", ""])


# -- the other rules -------------------------------------------------------------------------------------------
def test_flood_fires_on_the_nth_message_within_the_window_and_not_when_spread_out() -> None:
    compiled = only(Rule.FLOOD, limit=5, seconds=10)
    burst = [message(f"m{i}", at=T0 + timedelta(seconds=i)) for i in range(5)]
    assert rules_hit(compiled, *burst) == [Rule.FLOOD]
    calm = [message(f"m{i}", at=T0 + timedelta(seconds=3 * i)) for i in range(8)]
    assert rules_hit(compiled, *calm) == []
    others = [message("x", user=str(i), at=T0) for i in range(10)]  # many people at once is not a flood
    assert rules_hit(compiled, *others) == []
    # A late update (a backlog after an outage) followed by older ones, spread over an hour: no burst.
    late = message("late", at=T0 + timedelta(hours=1))
    backlog = [message(f"m{i}", at=T0 + timedelta(minutes=10 * i)) for i in range(6)]
    assert rules_hit(compiled, late, *backlog) == []
    # Out of order but truly within ten seconds: still a flood.
    shuffled = [message(f"m{i}", at=T0 + timedelta(seconds=s)) for i, s in enumerate((4, 0, 3, 1, 2))]
    assert rules_hit(compiled, *shuffled) == [Rule.FLOOD]


def test_repeated_messages_fire_on_the_third_copy_and_not_on_different_ones() -> None:
    compiled = only(Rule.REPEAT, limit=3, seconds=60)
    copies = [message("Buy cheap coins now", at=T0 + timedelta(seconds=i)) for i in range(3)]
    assert rules_hit(compiled, *copies) == [Rule.REPEAT]
    varied = [message(f"thanks {i} everyone", at=T0 + timedelta(seconds=i)) for i in range(3)]
    assert rules_hit(compiled, *varied) == []
    slow = [message("same words again", at=T0 + timedelta(minutes=2 * i)) for i in range(3)]
    assert rules_hit(compiled, *slow) == []


def test_mass_mentions_count_distinct_members() -> None:
    compiled = only(Rule.MENTIONS, limit=4)
    assert rules_hit(compiled, message("hi @anna @bert @carl @dora")) == [Rule.MENTIONS]
    assert rules_hit(compiled, message("hi all", mentions=("1", "2", "3", "4"))) == [Rule.MENTIONS]
    assert rules_hit(compiled, message("@anna @anna @anna @anna thanks")) == []
    assert rules_hit(compiled, message("mail me at anna@example.com")) == []


def test_invite_links_to_other_servers_and_groups() -> None:
    compiled = only(Rule.INVITES)
    for text in ("join discord.gg/abc123", "https://discord.com/invite/xyz", "t.me/+AbCdEf", "t.me/joinchat/x"):
        assert rules_hit(compiled, message(text)) == [Rule.INVITES], text
    for text in ("see discord.com/channels/1/2", "our site example.com", "t.me"):
        assert rules_hit(compiled, message(text)) == [], text


def test_links_follow_the_allow_and_deny_lists() -> None:
    compiled = only(Rule.LINKS)
    assert rules_hit(compiled, message("docs at https://docs.example.com/x")) == []  # a subdomain of an allowed one
    assert rules_hit(compiled, message("free stuff: evil.ru/promo")) == [Rule.LINKS]
    assert rules_hit(compiled, message("look www.other.org")) == [Rule.LINKS]  # not on the allow list
    assert rules_hit(compiled, message("e.g. this, file.txt and v1.2")) == []  # not links


def test_excessive_capitals_need_a_longer_message() -> None:
    compiled = only(Rule.CAPS, limit=70)
    assert rules_hit(compiled, message("WHY IS NOBODY ANSWERING ME")) == [Rule.CAPS]
    assert rules_hit(compiled, message("ПОЧЕМУ НИКТО НЕ ОТВЕЧАЕТ")) == [Rule.CAPS]
    assert rules_hit(compiled, message("OK NASA")) == []  # too short to judge
    assert rules_hit(compiled, message("I use HTML, CSS and JS every day at work")) == []


def test_new_accounts_may_not_post_links_or_mentions() -> None:
    compiled = only(Rule.NEW_ACCOUNTS, limit=7)
    young, old = T0 - timedelta(days=2), T0 - timedelta(days=400)
    assert rules_hit(compiled, message("visit example.com"), created=young) == [Rule.NEW_ACCOUNTS]
    assert rules_hit(compiled, message("hello everyone"), created=young) == []
    assert rules_hit(compiled, message("visit example.com"), created=old) == []
    assert rules_hit(compiled, message("visit example.com"), created=None) == []  # unknown age (Telegram)


def test_a_50_kb_adversarial_message_is_linear_and_stays_correct() -> None:
    hostile = ("a" * 5000 + ".") * 5 + ("@x" * 3000) + ("ass" * 5000) + " " + ("x." * 5000)
    assert len(hostile) > 50_000
    compiled = automod.CompiledConfig.of(AutomodConfig(words=WORDS))
    assert rules_hit(compiled, message(hostile)) == []  # nothing banned as a whole word


# -- through the hub ---------------------------------------------------------------------------------------------
async def words_on(services: Services, action: str = "delete") -> None:
    assert "!ERROR" not in await run(services, MOD, "automod", "words add ass, vittu")
    assert "!ERROR" not in await run(services, MOD, "automod", f"words on {action}")


async def hits(services: Services) -> list[tuple[str, str]]:
    async with services.engine.connect() as conn:
        return [tuple(r) for r in await conn.execute(sa.select(mod_automod_hits.c.rule, mod_automod_hits.c.action))]


async def test_a_hit_deletes_the_message_records_the_rule_and_publishes_it(
    services: Services, actions: FakeActions, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    await words_on(services)
    published: list[AutomodHit] = []
    services.hub.subscribe(AutomodHit, published.append)
    services.hub.publish(message("you ass", at=clock.now()))
    services.hub.publish(message("assistance please", at=clock.now()))
    await services.hub.drain()
    assert actions.of("delete") == [("delete", "-1001", "-1001", "77")]
    assert await hits(services) == [("words", "delete")]
    assert [p.rule for p in published] == ["words"]
    async with services.engine.connect() as conn:  # the text is nowhere in the database
        stored = " ".join(str(v) for r in await conn.execute(sa.select(outbox.c.payload)) for v in r)
        stored += " ".join(str(v) for r in await conn.execute(sa.select(mod_infractions)) for v in r)
    assert "you ass" not in stored


async def test_automod_mute_is_an_infraction_and_warns_count_towards_the_ladder(
    services: Services, actions: FakeActions, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    await words_on(services, "warn")
    for i in range(3):
        clock.advance(timedelta(minutes=1))
        services.hub.publish(message(f"vittu {i}", at=clock.now()))
        await services.hub.drain()
    async with services.engine.connect() as conn:
        kinds = [tuple(r) for r in await conn.execute(sa.select(mod_infractions.c.kind, mod_infractions.c.source))]
    assert kinds == [("warn", "automod")] * 3 + [("mute", "escalation")]
    assert len(actions.of("mute")) == 1 and len(actions.of("delete")) == 3


async def test_moderators_and_managers_are_exempt(
    services: Services, actions: FakeActions, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    await words_on(services)
    actions.staff["100"] = PlatformFacts(can_moderate=True)
    services.hub.publish(message("you ass", at=clock.now()))
    await services.hub.drain()
    assert actions.of("delete") == [] and await hits(services) == []


async def test_flood_mutes_by_default(
    services: Services, actions: FakeActions, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    for i in range(6):
        services.hub.publish(message(f"spam {i}", at=clock.now() + timedelta(seconds=i)))
        await services.hub.drain()
    assert len(actions.of("mute")) == 1
    assert await hits(services) == [("flood", "mute")]


async def test_automod_switched_off_checks_nothing(
    services: Services, actions: FakeActions, messenger: RecordingMessenger, clock: FakeClock
) -> None:
    await words_on(services)
    assert "!ERROR" not in await run(services, MOD, "automod", "off")
    services.hub.publish(message("you ass", at=clock.now()))
    await services.hub.drain()
    assert actions.calls == []


async def test_settings_changed_elsewhere_are_picked_up_without_a_reload_per_message(
    services: Services, actions: FakeActions, messenger: RecordingMessenger, clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    from dataclasses import replace

    from cogs.moderation import store

    await words_on(services)
    services.hub.publish(message("hello", at=clock.now()))  # the chat is known and its settings cached
    await services.hub.drain()
    current = await services.moderation.enforcer.repo.settings(1)
    changed = replace(current, automod=replace(current.automod, words=("frobnicate",)))
    await services.moderation.enforcer.repo.save_settings(changed, clock.now())  # another process did this
    monkeypatch.setattr(store, "TTL", -1.0)  # every cached entry is now stale
    services.hub.publish(message("frobnicate", at=clock.now()))  # checked with what is cached; one reload starts
    await services.hub.drain()
    assert actions.of("delete") == []
    services.hub.publish(message("frobnicate", at=clock.now()))
    await services.hub.drain()
    assert len(actions.of("delete")) == 1
