"""The fake Discord against the real discord.py client: login, gateway, intents, slash commands, 429s."""

from __future__ import annotations

import asyncio
import datetime as dt
import warnings
from collections.abc import AsyncIterator

import pytest

from .discord import FakeDiscord, InvalidInteraction, InvalidOption, UnsyncedCommand

with warnings.catch_warnings():  # discord.py imports audioop, deprecated (tests run with -W error)
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord
    from discord import app_commands

GUILD = 100
GENERAL = 200
OWNER = 1
ALICE = 2
BOB = 3
MOD_ROLE = 300
ADMIN_ROLE = 301


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        fake.add_guild(
            GUILD,
            "Hearth Test",
            OWNER,
            channels=[{"id": GENERAL, "name": "general"}],
            roles=[
                {"id": MOD_ROLE, "name": "Mod", "permissions": ["kick_members"], "position": 1},
                {"id": ADMIN_ROLE, "name": "Boss", "permissions": ["administrator"], "position": 5},
            ],
            bot_role_position=3,  # above Mod, below Boss
        )
        fake.add_member(GUILD, ALICE, "alice", locale="fi")
        fake.add_member(GUILD, BOB, "bob", roles=[ADMIN_ROLE])
        with fake.patch_discord():
            yield fake


def make_client(
    *, members: bool = True, message_content: bool = True
) -> tuple[discord.Client, app_commands.CommandTree]:
    intents = discord.Intents.default()
    intents.members = members
    intents.message_content = message_content
    client = discord.Client(intents=intents, guild_ready_timeout=0.01)
    return client, app_commands.CommandTree(client)


def add_event_group(tree: app_commands.CommandTree, seen: list[tuple[str, object, str]]) -> None:
    group = app_commands.Group(name="event", description="Events")

    @group.command(name="create", description="Create an event")
    async def create(interaction: discord.Interaction, title: str, host: discord.Member | None = None) -> None:
        seen.append((title, host, str(interaction.locale)))
        await interaction.response.send_message(f"Created {title}", allowed_mentions=discord.AllowedMentions.none())

    tree.add_command(group, guild=discord.Object(GUILD))


async def test_client_logs_in_and_on_ready_sees_the_configured_guild(fake: FakeDiscord) -> None:
    client, _ = make_client()
    ready = asyncio.Event()

    @client.event
    async def on_ready() -> None:
        ready.set()

    async with fake.running(client):
        await asyncio.wait_for(ready.wait(), 1)
        guild = client.get_guild(GUILD)
        assert client.user is not None and client.user.id == fake.bot_id
        assert guild is not None and guild.name == "Hearth Test" and guild.owner_id == OWNER
        assert guild.get_channel(GENERAL) is not None
        assert {m.id for m in guild.members} == {OWNER, ALICE, BOB, fake.bot_id}
        assert guild.me.top_role.id == fake.bot_role_id(GUILD)
        assert guild.me.guild_permissions.kick_members and not guild.me.guild_permissions.administrator
    assert fake.identified_intents == client.intents.value
    assert fake.gateway_queries[0]["compress"] == "zlib-stream"  # and the client decoded it
    assert fake.calls_to("GET", "/users/@me") and fake.calls_to("GET", "/oauth2/applications/@me")


async def test_tree_sync_records_the_guild_bulk_overwrite(fake: FakeDiscord) -> None:
    client, tree = make_client()
    add_event_group(tree, [])
    async with fake.running(client):
        synced = await tree.sync(guild=discord.Object(GUILD))
    (call,) = fake.calls_to("PUT", rf"/applications/{fake.application_id}/guilds/{GUILD}/commands")
    assert [c["name"] for c in call.json] == ["event"]
    assert [c.id for c in synced] == [int(c["id"]) for c in fake.commands[GUILD]]
    assert fake.commands[GUILD][0]["options"][0]["name"] == "create"


async def test_invoking_a_synced_slash_command_runs_the_callback_and_records_its_response(fake: FakeDiscord) -> None:
    client, tree = make_client()
    seen: list[tuple[str, object, str]] = []
    add_event_group(tree, seen)
    async with fake.running(client):
        await tree.sync(guild=discord.Object(GUILD))
        interaction = await fake.invoke_slash(
            GUILD, GENERAL, ALICE, "event create", {"title": "Picnic @everyone", "host": BOB}
        )
        record = await fake.wait_for_callback(interaction)
    (title, host, locale) = seen[0]
    assert title == "Picnic @everyone" and isinstance(host, discord.Member) and host.id == BOB
    assert locale == "fi"
    assert record.callback_type == 4 and record.callback_data["content"] == "Created Picnic @everyone"
    (callback,) = fake.interaction_responses(interaction)
    assert callback.path.endswith("/callback") and callback.query.get("with_response") in ("1", "true")
    response = fake.messages[record.original_id]  # type: ignore[index]
    assert response.allowed_mentions == {"parse": []} and response.data["mention_everyone"] is False


async def test_invoking_an_unsynced_command_or_option_is_refused(fake: FakeDiscord) -> None:
    client, tree = make_client()
    add_event_group(tree, [])
    async with fake.running(client):
        with pytest.raises(UnsyncedCommand):
            await fake.invoke_slash(GUILD, GENERAL, ALICE, "event create", {"title": "x"})  # added, not synced
        await tree.sync(guild=discord.Object(GUILD))
        with pytest.raises(UnsyncedCommand):
            await fake.invoke_slash(GUILD, GENERAL, ALICE, "event create", {"title": "x", "colour": "red"})
        with pytest.raises(UnsyncedCommand):
            await fake.invoke_slash(GUILD, GENERAL, ALICE, "event delete", {})
        with pytest.raises(InvalidInteraction):
            await fake.invoke_slash(GUILD, GENERAL, 999, "event create", {"title": "x"})  # not a member
    assert not [e for e, _ in fake.dispatched if e == "INTERACTION_CREATE"]


async def test_a_send_answered_with_429_is_retried_and_the_message_arrives(fake: FakeDiscord) -> None:
    client, _ = make_client()
    fake.fail_next("POST", rf"/channels/{GENERAL}/messages", retry_after=0.01)
    async with fake.running(client):
        channel = client.get_channel(GENERAL)
        assert isinstance(channel, discord.TextChannel)
        sent = await channel.send("hello @everyone", allowed_mentions=discord.AllowedMentions.none())
    calls = fake.calls_to("POST", rf"/channels/{GENERAL}/messages")
    assert [c.status for c in calls] == [429, 200]
    assert calls[0].response == {"message": "You are being rate limited.", "retry_after": 0.01, "global": False}
    (stored,) = fake.bot_messages(GENERAL)
    assert stored.id == sent.id and stored.content == "hello @everyone"
    assert stored.allowed_mentions == {"parse": []} and stored.data["mention_everyone"] is False


@pytest.mark.parametrize("content_intent", [True, False])
async def test_message_create_reaches_on_message_with_content_only_under_the_content_intent(
    fake: FakeDiscord, content_intent: bool
) -> None:
    client, _ = make_client(message_content=content_intent)
    received: asyncio.Queue[discord.Message] = asyncio.Queue()

    @client.event
    async def on_message(message: discord.Message) -> None:
        if message.author.id != fake.bot_id:
            await received.put(message)

    async with fake.running(client):
        await fake.message_create(GUILD, GENERAL, ALICE, "when is the next meetup?")
        message = await asyncio.wait_for(received.get(), 1)
    assert message.author.id == ALICE and message.channel.id == GENERAL
    assert message.content == ("when is the next meetup?" if content_intent else "")


@pytest.mark.parametrize("members_intent", [True, False])
async def test_member_join_is_dispatched_only_with_the_members_intent(fake: FakeDiscord, members_intent: bool) -> None:
    client, _ = make_client(members=members_intent)
    joined: list[int] = []

    @client.event
    async def on_member_join(member: discord.Member) -> None:
        joined.append(member.id)

    async with fake.running(client):
        delivered = await fake.member_join(GUILD, 4, "carol")
        await fake.gateway_roundtrip()
        await asyncio.sleep(0)  # let the on_member_join task run
    assert delivered is members_intent
    assert joined == ([4] if members_intent else [])
    assert [e for e, _ in fake.dropped] == ([] if members_intent else ["GUILD_MEMBER_ADD"])


async def test_a_privileged_intent_that_is_not_granted_closes_the_gateway_with_4014(fake: FakeDiscord) -> None:
    fake.privileged_intents_granted["members"] = False
    client, _ = make_client(members=True)
    with pytest.raises(discord.PrivilegedIntentsRequired):
        async with fake.running(client, reconnect=True):
            pass
    assert fake.gateway_close_codes == [4014]
    assert client.is_closed()


async def test_dm_to_a_user_who_blocks_dms_is_forbidden_with_50007(fake: FakeDiscord) -> None:
    fake.dm_blocked(ALICE)
    client, _ = make_client()
    async with fake.running(client):
        user = await client.fetch_user(ALICE)
        with pytest.raises(discord.Forbidden) as excinfo:
            await user.send("welcome!")
        await (await client.fetch_user(BOB)).send("welcome!")
    assert excinfo.value.code == 50007
    assert [m.content for m in fake.dms_to(BOB)] == ["welcome!"] and fake.dms_to(ALICE) == []


async def test_defer_then_followup_fills_the_thinking_message_and_buttons_dispatch(fake: FakeDiscord) -> None:
    client, tree = make_client()
    clicks: list[int] = []
    asked = asyncio.Event()

    class Rsvp(discord.ui.View):
        @discord.ui.button(label="Going", custom_id="rsvp:yes")
        async def yes(self, interaction: discord.Interaction, button: discord.ui.Button[Rsvp]) -> None:
            clicks.append(interaction.user.id)
            await interaction.response.edit_message(content="1 going", view=None)

    @tree.command(name="rsvp", description="Ask for RSVPs", guild=discord.Object(GUILD))
    async def rsvp(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.followup.send("Coming?", view=Rsvp(timeout=None))
        asked.set()  # the view is registered only once send() returns

    async with fake.running(client):
        await tree.sync(guild=discord.Object(GUILD))
        record = await fake.wait_for_callback(await fake.invoke_slash(GUILD, GENERAL, ALICE, "rsvp"))
        await asyncio.wait_for(asked.wait(), 2)
        (followup,) = fake.calls_to("POST", rf"/webhooks/{fake.application_id}/{record.token}")
        assert followup.query["wait"] in ("1", "true")
        original = fake.messages[record.original_id]  # type: ignore[index]
        assert original.content == "Coming?" and not original.flags & (1 << 7)  # no longer "thinking"
        click = await fake.invoke_button(GUILD, GENERAL, BOB, "rsvp:yes")
        await fake.wait_for_callback(click)
    assert clicks == [BOB]
    assert original.content == "1 going" and original.components == []


async def test_unknown_routes_answer_404_and_wait_for_lists_calls_on_timeout(fake: FakeDiscord) -> None:
    client, _ = make_client()
    async with fake.running(client):
        with pytest.raises(discord.NotFound):
            await client.http.request(discord.http.Route("GET", "/nope/{x}", x=1))
        with pytest.raises(AssertionError, match=r"GET /nope/1 -> 404"):
            await fake.wait_for("POST", r"/never", timeout=0.05)
    (call,) = fake.calls_to("GET", r"/nope/\d+")
    assert call.response == {"message": "404: Not Found", "code": 0}
    (violation,) = fake.take_violations()  # not in Discord's OpenAPI either: claimed, it was on purpose
    assert violation.rule == "GET /nope/1: no such route in Discord's OpenAPI"


async def test_moderation_routes_enforce_permissions_and_role_hierarchy(fake: FakeDiscord) -> None:
    client, _ = make_client()
    async with fake.running(client):
        guild = client.get_guild(GUILD)
        assert guild is not None
        alice, bob = guild.get_member(ALICE), guild.get_member(BOB)
        assert alice is not None and bob is not None
        await alice.timeout(dt.timedelta(minutes=10), reason="flood")
        await alice.add_roles(discord.Object(MOD_ROLE))
        with pytest.raises(discord.Forbidden) as above_bot:
            await alice.add_roles(discord.Object(ADMIN_ROLE))  # Boss is above the bot's role
        with pytest.raises(discord.Forbidden) as higher_member:
            await bob.kick()
    assert above_bot.value.code == higher_member.value.code == 50013
    (patch,) = fake.calls_to("PATCH", rf"/guilds/{GUILD}/members/{ALICE}")
    assert patch.json["communication_disabled_until"] is not None and patch.headers["X-Audit-Log-Reason"] == "flood"
    assert fake.guilds[GUILD].members[ALICE]["roles"] == [str(MOD_ROLE)]
    assert BOB in fake.guilds[GUILD].members


@pytest.mark.allow_violations  # a deliberately invalid level: the spec check and the fake both refuse it
async def test_guild_verification_level_needs_manage_server_and_a_valid_level(fake: FakeDiscord) -> None:
    client, _ = make_client()
    async with fake.running(client):
        guild = client.get_guild(GUILD)
        assert guild is not None
        with pytest.raises(discord.Forbidden):  # the default bot role lacks Manage Server
            await guild.edit(verification_level=discord.VerificationLevel.high)
        role = fake.guilds[GUILD].roles[fake.bot_role_id(GUILD)]  # type: ignore[index]
        role["permissions"] = int(role["permissions"]) | (1 << 5)  # manage_guild
        await guild.edit(verification_level=discord.VerificationLevel.high)
        with pytest.raises(discord.HTTPException) as bad:
            await client.http.request(
                discord.http.Route("PATCH", "/guilds/{g}", g=GUILD), json={"verification_level": 9}
            )
    assert fake.guilds[GUILD].verification_level == 3 and bad.value.code == 50035


async def test_autocomplete_and_modal_round_trips_and_invalid_choices(fake: FakeDiscord) -> None:
    client, tree = make_client()
    submitted: list[str] = []

    class Feedback(discord.ui.Modal, title="Feedback"):
        text: discord.ui.TextInput[Feedback] = discord.ui.TextInput(label="Text", custom_id="feedback:text")

        async def on_submit(self, interaction: discord.Interaction) -> None:
            submitted.append(self.text.value)
            await interaction.response.send_message("Thanks!", ephemeral=True)

    async def topics(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=t, value=t) for t in ("events", "polls") if t.startswith(current)]

    @tree.command(name="feedback", description="Send feedback", guild=discord.Object(GUILD))
    @app_commands.autocomplete(topic=topics)
    @app_commands.choices(mood=[app_commands.Choice(name="Happy", value=1), app_commands.Choice(name="Sad", value=2)])
    async def feedback(interaction: discord.Interaction, topic: str, mood: int = 1) -> None:
        await interaction.response.send_modal(Feedback(custom_id="feedback:modal"))

    async with fake.running(client):
        await tree.sync(guild=discord.Object(GUILD))
        typed = await fake.invoke_autocomplete(GUILD, GENERAL, ALICE, "feedback", {"topic": "ev"}, focused="topic")
        assert (await fake.wait_for_callback(typed)).callback_data == {
            "choices": [{"name": "events", "value": "events"}]
        }
        with pytest.raises(InvalidOption):
            await fake.invoke_slash(GUILD, GENERAL, ALICE, "feedback", {"topic": "events", "mood": 3})
        with pytest.raises(InvalidInteraction):  # a modal that was never shown cannot be submitted
            await fake.invoke_modal_submit(GUILD, GENERAL, ALICE, "feedback:modal", {"feedback:text": "x"})
        shown = await fake.wait_for_callback(
            await fake.invoke_slash(GUILD, GENERAL, ALICE, "feedback", {"topic": "events"})
        )
        assert shown.callback_type == 9
        answer = await fake.invoke_modal_submit(
            GUILD, GENERAL, ALICE, "feedback:modal", {"feedback:text": "More picnics"}
        )
        reply = await fake.wait_for_callback(answer)
    assert submitted == ["More picnics"]
    assert reply.callback_type == 4 and fake.messages[reply.original_id].ephemeral  # type: ignore[index]


async def test_content_is_kept_without_the_content_intent_when_the_bot_is_mentioned(fake: FakeDiscord) -> None:
    client, _ = make_client(message_content=False)
    received: asyncio.Queue[discord.Message] = asyncio.Queue()

    @client.event
    async def on_message(message: discord.Message) -> None:
        await received.put(message)

    async with fake.running(client):
        await fake.message_create(GUILD, GENERAL, ALICE, f"<@{fake.bot_id}> help", mentions=[fake.bot_id])
        message = await asyncio.wait_for(received.get(), 1)
    assert message.content == f"<@{fake.bot_id}> help" and client.user in message.mentions


async def test_the_client_resumes_after_a_reconnect_request_and_gets_later_events(fake: FakeDiscord) -> None:
    client, _ = make_client()
    resumed = asyncio.Event()
    received: asyncio.Queue[str] = asyncio.Queue()

    @client.event
    async def on_resumed() -> None:
        resumed.set()

    @client.event
    async def on_message(message: discord.Message) -> None:
        await received.put(message.content)

    async with fake.running(client):
        await fake.request_reconnect()
        await asyncio.wait_for(resumed.wait(), 2)
        await fake.message_create(GUILD, GENERAL, ALICE, "still here")
        assert await asyncio.wait_for(received.get(), 1) == "still here"
    assert len(fake.gateway_queries) == 2 and len(fake.identify_payloads) == 1  # resumed, not re-identified


@pytest.mark.parametrize("how", ["reconnect", "close 4000", "drop"])
async def test_a_gateway_drop_is_resumed_and_events_sent_meanwhile_arrive(fake: FakeDiscord, how: str) -> None:
    client, _ = make_client()
    resumed = asyncio.Event()
    received: asyncio.Queue[str] = asyncio.Queue()

    @client.event
    async def on_resumed() -> None:
        resumed.set()

    @client.event
    async def on_message(message: discord.Message) -> None:
        await received.put(message.content)

    async with fake.running(client, reconnect=True):
        if how == "reconnect":
            await fake.request_reconnect()
        elif how == "drop":
            await fake.drop_gateway()
        else:
            await fake.close_gateway(4000)
        await fake.wait_for_gateway("resume")
        await asyncio.wait_for(resumed.wait(), 2)
        await fake.message_create(GUILD, GENERAL, ALICE, "still here")
        assert await asyncio.wait_for(received.get(), 1) == "still here"
    assert fake.gateway_events.count("identify") == 1 and fake.gateway_events.count("resume") == 1


class NoIdentifyPause(discord.Client):
    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py waits 5 s before identifying again (Discord's identify rate limit); not here."""


async def test_an_invalid_session_makes_the_client_identify_anew(fake: FakeDiscord) -> None:
    client = NoIdentifyPause(intents=discord.Intents.default(), guild_ready_timeout=0.01)
    readies: asyncio.Queue[None] = asyncio.Queue()

    @client.event
    async def on_ready() -> None:
        await readies.put(None)

    async with fake.running(client, reconnect=True):
        await asyncio.wait_for(readies.get(), 1)
        await fake.invalidate_session()
        await asyncio.wait_for(readies.get(), 2)  # READY and the guilds again, on a new session
        assert client.get_guild(GUILD) is not None
    assert fake.gateway_events[:3] == ["identify", "session invalidated", "identify"]
    assert "resume" not in fake.gateway_events and len(fake.identify_payloads) == 2


async def test_a_rest_outage_answers_5xx_until_it_ends_and_nothing_happens_meanwhile(fake: FakeDiscord) -> None:
    client, _ = make_client()
    async with fake.running(client):
        channel = client.get_channel(GENERAL)
        assert isinstance(channel, discord.TextChannel)
        fake.rest_outage(503, rf"/channels/{GENERAL}/messages")
        with pytest.raises(discord.DiscordServerError) as raised:  # discord.py does not retry a 503
            await channel.send("lost")
        assert raised.value.status == 503
        fake.end_rest_outage()
        await channel.send("after")
    assert [c.status for c in fake.calls_to("POST", rf"/channels/{GENERAL}/messages")] == [503, 200]
    assert [m.content for m in fake.bot_messages(GENERAL)] == ["after"]
