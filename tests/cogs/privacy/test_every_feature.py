"""Acceptance for issue 14 (privacy): a member active in every feature, on Discord and Telegram (linked), in one
community. `/privacy export` holds each item; `/privacy delete` erases or anonymises table by table exactly as the
README's data statement says; afterwards the digest names them nowhere and the community's totals are the same.

Runs through the dispatcher and the hub as the adapters do, on both engines (the `services` fixture)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from bot.app import Services
from bot.core.clock import FakeClock
from bot.core.commands import Caller, MessageRef, Place
from bot.core.hub import MembershipSeen, MessageSeen, ReactionSeen
from cogs.analytics.metrics.models import Period, WeekMetrics
from cogs.dispatch.dispatcher import Answer
from cogs.moderation.ports import ModerationActions
from cogs.onboarding.ports import GroupGate, Headcount
from cogs.polls.models import NativeVoteSeen
from cogs.polls.ports import NativePolls
from cogs.privacy.service import GENERIC
from storage.tables import (
    activity_daily,
    activity_events,
    activity_questions,
    activity_weekly,
    digest_subscriptions,
    event_rsvps,
    feedback_items,
    feedback_votes,
    members,
    metadata,
    mod_infractions,
    mod_reports,
    onboarding_gates,
    onboarding_journeys,
    onboarding_member_interests,
    outbox,
    poll_votes,
    survey_answers,
)
from tests.cogs.moderation.conftest import FakeActions
from tests.cogs.onboarding.conftest import FakeGroupGate, FixedHeadcount
from tests.cogs.polls.test_polls_service import RecordingNative
from tests.cogs.test_dispatch import texts
from tests.cogs.test_outbox import RecordingMessenger
from tests.conftest import START, caller, group, private
from tests.storage.test_member_data import member_columns

TG, DC, SIDE = group("telegram", "-1001", "Group"), group("discord", "55", "Guild"), group("discord", "77", "Side")
OWNER = caller("telegram", "1", "Owner", manager=True)  # HEARTH_OWNERS in the settings fixture
DC_OWNER = caller("discord", "9", "Owner", manager=True)
MOD = caller("telegram", "50", "Mona", moderator=True)
BOB = caller("telegram", "101", "Bob")
# The member: ids and a name found nowhere else, so any leftover is found by a plain search of every text column.
ZEPH_TG = caller("telegram", "4242001", "Zephyrine")
ZEPH_DC = caller("discord", "9090002", "Zephyrine Q")
ZEPH_DM = private("telegram", "4242001")
TRACES = ("4242001", "9090002", "Zephyrine")
WEEK = date(2026, 3, 30)  # the digest's week: the fifth after START's (Monday 2026-03-02)
ERASED_AT = datetime(2026, 4, 6, 12, 0, tzinfo=UTC)  # the Monday after it


def at(week: int, weekday: int, hour: int) -> datetime:
    """A time in the `week`-th week from START's (0 = START's own), UTC."""
    return datetime.combine(START.date() + timedelta(weeks=week, days=weekday), time(hour), UTC)


def ok(answer: Answer | None) -> Answer:
    assert answer is not None and not answer.error, answer and texts(answer)
    return answer


def buttons(answer: Answer) -> list[str]:
    return [b.action for m in answer.messages for row in m.buttons for b in row]


async def rows(services: Services, query: Any) -> list[Any]:
    async with services.engine.connect() as conn:
        return list((await conn.execute(query)).all())


@dataclass
class Scene:
    community: int
    side: int  # another server where she is a manager (her digest subscription)
    member: int  # after /link: one member for both accounts
    discord_before_link: int  # the Discord account's own member id before /link merged it


def wire_platforms(services: Services) -> None:
    """Recording messengers and platform capabilities, as each feature's own tests use them."""
    services.messengers["telegram"] = services.messengers["discord"] = RecordingMessenger()
    gate: GroupGate = FakeGroupGate()
    headcount: Headcount = FixedHeadcount(42)
    moderation: ModerationActions = FakeActions()
    services.capabilities.provide("telegram", GroupGate, gate)
    services.capabilities.provide("telegram", Headcount, headcount)
    services.capabilities.provide("telegram", ModerationActions, moderation)
    services.capabilities.provide("telegram", NativePolls, RecordingNative(hides_voters=True))


async def community_id(services: Services, place: Place) -> int:
    found = await services.directory.communities.find_by_scope(place.platform.value, place.scope_id or "")
    assert found is not None
    return found.id


async def member_id(services: Services, who: Caller) -> int:
    return await services.directory.member_id(who.identity.platform.value, who.identity.id, None, services.clock.now())


async def every_feature(services: Services, clock: FakeClock) -> Scene:
    """Zephyrine takes part in everything, from both accounts, at START."""
    wire_platforms(services)
    run, press, discord = services.dispatcher.run_text, services.dispatcher.press, services.registry.by_discord
    # One community on both platforms (`/setup link`), with a moderation log in the group.
    issued = ok(await services.dispatcher.run(DC, DC_OWNER, discord(["setup", "link"]), {}))  # type: ignore[arg-type]
    ok(await run(TG, OWNER, "setuplink", issued.messages[0].lines[0].params["code"]))
    ok(await run(TG, OWNER, "setmodlog", ""))
    # Onboarding: rules (the gate holds newcomers) and interests; she joins on both platforms.
    ok(await run(TG, OWNER, "setrules", "Be kind | No spam"))
    ok(await run(TG, OWNER, "setinterests", "Games | Music"))
    for who in (ZEPH_TG, ZEPH_DC):
        platform, scope = who.identity.platform.value, "-1001" if who is ZEPH_TG else "55"
        await services.hub.deliver(MembershipSeen(platform, scope, "G", who.identity.id, who.display_name,
                                                  clock.now(), joined=True))  # fmt: skip
        await services.hub.drain()
    discord_before_link = await member_id(services, ZEPH_DC)
    # Bob is seen before /link, so the Discord account is not the newest member when /link deletes it (SQLite
    # would give the newest id to the next new member, and this test checks that id names nobody afterwards).
    ok(await run(TG, BOB, "help", ""))
    # /link: the code from Telegram, redeemed on Discord.
    code = ok(await run(TG, ZEPH_TG, "link", "")).messages[0].lines[0].params["code"]
    ok(await services.dispatcher.run(DC, ZEPH_DC, discord(["link"]), {"code": code}))  # type: ignore[arg-type]
    sent = services.messengers["telegram"].sent  # type: ignore[attr-defined]
    accept = next(b.action for _t, m, _l in sent for row in m.buttons for b in row if b.action.startswith("onb:acc:"))
    ok(await press(TG, ZEPH_TG, accept))
    ok(await run(TG, ZEPH_TG, "interests", "Music"))
    ok(await run(DC, ZEPH_DC, "timezone", "Europe/Helsinki"))
    # Events: the picnic will have been held when she erases her data; the quiz is still ahead then.
    ok(await run(TG, OWNER, "newevent", "Picnic | 2026-03-10 18:00"))
    ok(await run(TG, OWNER, "newevent", "Quiz | 2026-05-01 18:00"))
    for who, action in ((ZEPH_TG, "ev:rsvp:1:going"), (BOB, "ev:rsvp:1:going"), (ZEPH_TG, "ev:rsvp:2:maybe"),
                        (BOB, "ev:rsvp:2:going")):  # fmt: skip
        ok(await press(TG, who, action))
    # A named Telegram poll (votes come as the platform reports them), and a CSAT survey with a comment.
    ok(await run(TG, OWNER, "poll", "Lunch? | Pizza | Sushi"))
    for who, choice in ((ZEPH_TG, 1), (BOB, 0)):
        vote = NativeVoteSeen("telegram", "native-1", who.identity.id, who.display_name, (choice,), clock.now())
        await services.hub.deliver(vote)
    ok(await run(TG, OWNER, "survey", "csat | 2d | How was the meetup?"))
    ok(await press(TG, ZEPH_TG, "sv:a:1:4"))
    ok(await press(TG, BOB, "sv:a:1:5"))
    ok(await press(ZEPH_DM, ZEPH_TG, "sv:c:1"))
    ok(await services.dispatcher.continue_text(ZEPH_DM, ZEPH_TG, "More evening meetups"))
    # Feedback: her idea (#1), Bob's (#2), and her upvote on Bob's from Discord.
    for who, text in ((ZEPH_TG, "Dark mode | My eyes hurt at night"), (BOB, "Search is slow")):
        typed = ok(await run(TG, who, "feedback", text))
        ok(await press(TG, who, next(a for a in buttons(typed) if a.endswith(":idea"))))
    community = await community_id(services, TG)
    bobs = await services.feedback.repo.by_number(community, 2)  # type: ignore[attr-defined]
    assert bobs is not None
    ok(await press(DC, ZEPH_DC, f"fb:up:{bobs.id}"))
    # Moderation: a warning and a note about her; she reports Bob, Bob reports her (each by reply).
    ok(await run(TG, MOD, "warn", "4242001 spamming links"))
    ok(await run(TG, MOD, "note", "4242001 watch them"))
    for who, about, message_id in ((ZEPH_TG, BOB, "41"), (BOB, ZEPH_TG, "42")):
        ref = MessageRef(message_id, "-1001", about.identity, "the words (never stored)", clock.now())
        ok(await run(TG, who, "report", "rude", target_member=about.identity, target_message=ref))
    # The digest: she manages a small server of her own and subscribed to its digest there.
    subscribe = discord(["digest", "subscribe"])
    ok(await services.dispatcher.run(SIDE, caller("discord", "9090002", "Zephyrine Q", manager=True), subscribe, {}))  # type: ignore[arg-type]
    await services.hub.drain()
    member = await member_id(services, ZEPH_TG)
    return Scene(community, await community_id(services, SIDE), member, discord_before_link)


async def chatter(services: Services) -> None:
    """Four regular weeks (Mon, Wed, Fri; Wednesdays on Discord), then only Monday in the digest's week, when she
    answers Bob's question first and Bob reacts: a drifting regular, and an advocate."""
    tg, dc = ("telegram", "-1001", "Group", "-1001"), ("discord", "55", "Guild", "c1")
    seen: list[MessageSeen | ReactionSeen] = []

    def say(where: tuple[str, str, str, str], who: str, when: datetime, **kw: Any) -> None:
        seen.append(MessageSeen(*where, who, None, when, length_bucket=2, **kw))

    for week in range(4):
        say(tg, "4242001", at(week, 0, 14))
        say(dc, "9090002", at(week, 2, 14))
        say(tg, "4242001", at(week, 4, 14))
    say(tg, "4242001", at(1, 0, 15), is_question=True, message_id="7001")  # she asks once; Bob answers
    say(tg, "101", at(1, 0, 16), reply_to_user_id="4242001")
    say(tg, "101", at(4, 0, 10), is_question=True, message_id="7002")
    say(tg, "4242001", at(4, 0, 11), reply_to_user_id="101")
    seen.append(ReactionSeen(*tg, "101", None, at(4, 0, 12), author_user_id="4242001"))
    for event in sorted(seen, key=lambda e: e.at):  # in time order, as the platforms deliver them
        services.hub.publish(event)
    await services.hub.drain()
    await services.ingest.flush()
    await services.hub.drain()


@pytest.fixture
async def scene(services: Services, clock: FakeClock) -> Scene:
    made = await every_feature(services, clock)
    clock.set(ERASED_AT)
    await chatter(services)
    # A mute still running when she erases her data (the one thing that keeps her platform id, to end on time).
    ok(await services.dispatcher.run_text(TG, MOD, "mute", "4242001 1d | flooding"))
    await services.ingest.repo.refresh()  # what the periodic job does every minute: the week tables, questions
    assert await member_id(services, ZEPH_DC) == made.member  # linked: one member
    return made


async def export(services: Services) -> dict[str, Any]:
    answer = ok(await services.dispatcher.run_text(ZEPH_DM, ZEPH_TG, "privacy", "export"))
    (message,) = answer.messages
    assert message.private
    return json.loads(message.attachments[0].data)  # type: ignore[no-any-return]


async def erase(services: Services) -> int:
    """`/privacy delete`, then "Delete my data" (her feedback stays as anonymous text). The anonymous member."""
    known = set(await rows(services, sa.select(members.c.id)))
    asked = ok(await services.dispatcher.run_text(ZEPH_DM, ZEPH_TG, "privacy", "delete"))
    ok(await services.dispatcher.press(ZEPH_DM, ZEPH_TG, next(a for a in buttons(asked) if a.startswith("pv:del:"))))
    ((anonymous,),) = set(await rows(services, sa.select(members.c.id))) - known
    return int(anonymous)


async def totals(services: Services, scene: Scene) -> dict[str, Any]:
    """The community's numbers that must not change when a member erases their data."""
    c = scene.community
    d, w, e = activity_daily.c, activity_weekly.c, activity_events.c
    counters = [sa.func.sum(d.messages), sa.func.sum(d.replies), sa.func.sum(d.reactions), sa.func.sum(d.actions)]
    (daily,) = await rows(services, sa.select(*counters).where(d.community_id == c))
    (weekly,) = await rows(services, sa.select(sa.func.sum(w.messages)).where(w.community_id == c))
    raw = await rows(services, sa.select(e.kind, sa.func.count()).where(e.community_id == c).group_by(e.kind))
    rsvps = await rows(services, sa.select(event_rsvps.c.event_id, event_rsvps.c.status))
    moderation = await services.moderation.reader.summary(c, START, ERASED_AT + timedelta(days=1))
    return {
        "daily messages, replies, reactions, actions": tuple(daily),
        "weekly messages": weekly[0],
        "raw activity by kind": sorted(raw),
        "poll votes by answer": sorted(p for (p,) in await rows(services, sa.select(poll_votes.c.position))),
        "survey scores": sorted(s for (s,) in await rows(services, sa.select(survey_answers.c.score))),
        "picnic (held) answers": sorted(s for event, s in rsvps if event == 1),
        "feedback items": len(await rows(services, sa.select(feedback_items.c.id))),
        "infractions by kind": moderation.actions,
        "reports filed": moderation.reports_filed,
    }


async def metrics(services: Services, scene: Scene) -> WeekMetrics:
    return await services.digest.metrics.week(scene.community, Period.of(WEEK, "UTC"), services.clock.now())


def named(m: WeekMetrics) -> dict[str, list[tuple[int, str]]]:
    """Who the digest's per-member lists name."""
    return {
        "drifting": [(d.person.member_id, d.person.name) for d in m.drifting],
        "advocates": [(a.person.member_id, a.person.name) for a in m.advocates],
        "silent newcomers": [(p.member_id, p.name) for p in m.newcomers.silent_people],
    }


async def traces(services: Services) -> dict[str, list[Any]]:
    """Every text cell of every table that holds one of her platform ids or her name."""
    found: dict[str, list[Any]] = {}
    for table in metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, sa.String):  # Text is a String too
                continue
            hit = sa.or_(*(column.contains(t, autoescape=True) for t in TRACES))
            for (value,) in await rows(services, sa.select(column).where(hit)):
                found.setdefault(f"{table.name}.{column.name}", []).append(value)
    return found


# -- export ---------------------------------------------------------------------------------------------------
async def test_the_export_holds_her_item_of_every_feature_from_both_accounts(services: Services, scene: Scene) -> None:
    doc = await export(services)
    data = doc["data"]
    assert set(data) == {p.feature for p in services.member_data.all_parts}
    # Every part is explained in her language (none falls back to the generic sentence).
    assert set(doc["explanations"]) == set(data)
    generic = GENERIC.msgid.split("“")[0]
    assert not [f for f, text in doc["explanations"].items() if text.startswith(generic)]

    m = data["members"]
    assert {(i["platform"], i["user_id"]) for i in m["identities"]} == {("telegram", "4242001"), ("discord", "9090002")}
    assert m["member"][0]["display_name"] == "Zephyrine" and m["settings"][0]["timezone"] == "Europe/Helsinki"
    assert {ms["community_id"] for ms in m["memberships"]} >= {scene.community, scene.side}

    a = data["activity"]
    assert sum(day["messages"] for day in a["daily_activity"]) == 14  # 12 regular + her question + her answer
    assert {day["platform"] for day in a["daily_activity"] if day["messages"]} == {"telegram", "discord"}
    assert sorted(j["platform"] for j in a["joins_and_leaves"]) == ["discord", "telegram"]
    assert [q["at"] for q in a["questions_asked"]] == [at(1, 0, 15).isoformat()]
    assert [s["community_id"] for s in a["staff_roles"]] == [scene.side]  # a manager there, not here

    assert sorted((r["title"], r["status"]) for r in data["events"]["rsvps"]) == [("Picnic", "going"),
                                                                                 ("Quiz", "maybe")]  # fmt: skip
    p = data["polls"]
    assert [(v["question"], v["answer"]) for v in p["votes"]] == [("Lunch?", "Sushi")]
    assert [(s["score"], s["comment"]) for s in p["survey_answers"]] == [(4, "More evening meetups")]

    f = data["feedback"]
    assert [(i["number"], i["title"], i["body"]) for i in f["items"]] == [(1, "Dark mode", "My eyes hurt at night")]
    assert [(v["number"], v["title"]) for v in f["votes"]] == [(2, "Search is slow")]

    mod = data["moderation"]
    assert sorted((i["kind"], i["reason"]) for i in mod["infractions"]) == [
        ("mute", "flooding"), ("note", "watch them"), ("warn", "spamming links"),
    ]  # fmt: skip
    assert [r["reason"] for r in mod["reports_filed"]] == ["rude"]
    assert [r["reason"] for r in mod["reports_about_you"]] == ["rude"]  # Bob's, without Bob's name

    o = data["onboarding"]
    (journey,) = o["journey"]
    assert journey["gated"] and journey["rules_accepted_at"] and journey["joins"] == 2  # one per platform
    assert [i["name"] for i in o["interests"]] == ["Music"]
    assert [(g["kind"], g["status"]) for g in o["rules_gates"]] == [("restrict", "accepted")]
    assert sorted(n["day"] for n in o["nudges"]) == [3, 7]

    assert [(s["community_id"], s["platform"]) for s in data["digest"]["digest_subscriptions"]] == [
        (scene.side, "discord")
    ]
    out = data["outbox"]
    assert {(s["feature"], s["part"]) for s in out["messages_to_you"]} >= {
        ("onboarding", "welcome:telegram"), ("onboarding", "welcome:discord"), ("mod", "notice"),
    }  # fmt: skip
    # Posts in the group that named her: the welcome, and the moderation log's warning, mute and note.
    assert sorted(s["part"] for s in out["posts_naming_you"]) == ["log:active", "log:active", "log:done", "post:1"]


# -- delete ---------------------------------------------------------------------------------------------------
async def test_delete_erases_or_anonymises_table_by_table_and_keeps_the_totals(
    services: Services, scene: Scene
) -> None:
    before = await totals(services, scene)
    assert before["picnic (held) answers"] == ["going", "going"] and before["feedback items"] == 2  # hers among them
    assert await traces(services)  # her ids and name are there before
    anonymous = await erase(services)

    # No member column anywhere still holds either of her member ids.
    gone = (scene.member, scene.discord_before_link)
    for name in sorted(member_columns()):
        table, column = name.split(".")
        column_ = metadata.tables[table].c[column]
        assert await rows(services, sa.select(column_).where(column_.in_(gone))) == [], name
    assert await rows(services, sa.select(members.c.id).where(members.c.id.in_(gone))) == []
    # Her platform ids and name survive in exactly one place: the mute still running keeps the platform id it
    # needs to end on time (data statement, Moderation). Everything else — the welcome post and the moderation
    # log entries that named her, the report link to her message — is gone.
    assert await traces(services) == {"mod_infractions.user_id": ["4242001"]}

    # What the data statement keeps, and only that, now belongs to the anonymous member:
    i = mod_infractions.c  # moderation: the warning and the mute, without reason; the note goes
    kept = await rows(services, sa.select(i.kind, i.reason, i.user_id).where(i.member_id == anonymous).order_by(i.id))
    assert kept == [("warn", "", ""), ("mute", "", "4242001")]
    r = mod_reports.c  # her report about Bob keeps its reason; Bob's about her keeps no reason, id or link
    filed = await rows(services, sa.select(r.reason, r.link).where(r.reporter_id == anonymous))
    assert [reason for reason, _link in filed] == ["rude"] and filed[0][1]
    about = await rows(services, sa.select(r.reason, r.target_user_id, r.message_id, r.link)
                       .where(r.target_member_id == anonymous))  # fmt: skip
    assert about == [("", None, None, None)]
    f = feedback_items.c  # her feedback stays, as anonymous feedback; her upvote goes
    assert await rows(services, sa.select(f.number, f.anonymous, f.title).where(f.author_id == anonymous)) == [
        (1, True, "Dark mode")
    ]
    assert await rows(services, sa.select(feedback_votes)) == []
    assert await rows(services, sa.select(poll_votes.c.position).where(poll_votes.c.member_id == anonymous)) == [(1,)]
    a = survey_answers.c  # the score counts, the comment goes
    assert await rows(services, sa.select(a.score, a.comment).where(a.member_id == anonymous)) == [(4, None)]
    e = event_rsvps.c  # the held picnic keeps its attendance; the quiz ahead loses her "maybe" (the place is free)
    assert await rows(services, sa.select(e.event_id, e.status).where(e.member_id == anonymous)) == [(1, "going")]
    assert await rows(services, sa.select(e.status).where(e.event_id == 2)) == [("going",)]
    j = onboarding_journeys.c  # the journey counts for the funnel; interests and gates go
    assert await rows(services, sa.select(j.joins, j.gated).where(j.member_id == anonymous)) == [(2, True)]
    assert await rows(services, sa.select(onboarding_member_interests)) == []
    assert await rows(services, sa.select(onboarding_gates)) == []
    assert await rows(services, sa.select(digest_subscriptions)) == []
    assert await rows(services, sa.select(outbox.c.part).where(outbox.c.member_id == anonymous)) == []
    q = activity_events.c  # her question still counts but links to nothing; Bob's still does
    linked = await rows(services, sa.select(q.member_id, q.message_id).where(q.message_id.is_not(None)))
    assert [m for m, _id in linked if m == anonymous] == [] and [message for _m, message in linked] == ["7002"]
    assert await rows(services, sa.select(activity_questions.c.message_id).order_by(activity_questions.c.at)) == [
        (None,),
        ("7002",),
    ]

    assert await totals(services, scene) == before
    # Her accounts are strangers now: what she asks for next is a new member's export, with none of the old items.
    fresh = (await export(services))["data"]
    assert [ident["user_id"] for ident in fresh["members"]["identities"]] == ["4242001"]
    assert [row["timezone"] for row in fresh["members"]["settings"]] == [None]  # her choice went with the old member
    assert (fresh["events"]["rsvps"], fresh["polls"]["votes"], fresh["feedback"]["items"]) == ([], [], [])
    assert (fresh["moderation"]["infractions"], fresh["onboarding"]["journey"]) == ([], [])


# -- the digest -----------------------------------------------------------------------------------------------
async def test_the_digest_names_her_before_and_nobody_in_her_place_after(services: Services, scene: Scene) -> None:
    before = await metrics(services, scene)
    assert named(before)["drifting"] == [(scene.member, "Zephyrine")]  # 3 days a week, then 1
    assert named(before)["advocates"] == [(scene.member, "Zephyrine")]  # answered Bob's question first
    preview = ok(await services.dispatcher.run_text(TG, OWNER, "digest", ""))
    assert "Zephyrine" in texts(preview)

    await erase(services)

    after = await metrics(services, scene)
    # Neither she nor the anonymous member holding her counts (as "#<id>") is named in any list.
    assert named(after) == {"drifting": [], "advocates": [], "silent newcomers": []}
    # …while every number stays: she is counted, anonymously.
    assert after.headline == before.headline and after.series == before.series
    assert (after.drifting_total, after.regulars, after.ties, after.dialogue) == (
        before.drifting_total, before.regulars, before.ties, before.dialogue,
    )  # fmt: skip
    preview = ok(await services.dispatcher.run_text(TG, OWNER, "digest", ""))
    assert not [t for t in TRACES if t in texts(preview)]
