"""OutMessage → Discord payloads, without a client: escaping, mentions, limits, embeds, buttons."""

from __future__ import annotations

from datetime import UTC, datetime

import discord
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Where

from bot.core.commands import Arg, ArgKind
from bot.core.i18n import Moment, UserRef, t_
from bot.core.outbound import Attachment, Button, ButtonStyle, MentionPolicy, OutMessage
from bot.discord.render import MAX_CONTENT, payloads, split_text, to_markdown
from bot.discord.slash_commands import ArgOption, HearthTranslator, localised


def test_user_text_is_escaped_and_cannot_ping_or_add_markup() -> None:
    text = OutMessage.of(t_("Time zone set to {timezone}.", timezone="**@everyone** <@&123456789012345678> _x_"))
    rendered = to_markdown(text, "en")
    assert rendered == "Time zone set to \\*\\*@\u200beveryone\\*\\* <@\u200b&123456789012345678> \\_x\\_."


def test_template_bold_becomes_discord_bold_while_params_stay_plain() -> None:
    template = (
        "Your link code is **{code}**. Within 15 minutes, send /link {code} to me on your other "
        "platform (Discord or Telegram) and both accounts will count as one member."
    )
    code = OutMessage.of(t_(template, code="AB_CD"))
    assert to_markdown(code, "en").startswith("Your link code is **AB\\_CD**.")


def test_a_member_reference_is_a_real_mention_only_where_the_message_may_ping_them() -> None:
    alice, bob = UserRef("111111111111111111", "Alice_A"), UserRef("222222222222222222", "Bob")
    text = t_("{language}", language=t_("Time zone set to {timezone}.", timezone=alice))
    pinging = OutMessage.of(text, t_("{language}", language=bob), mentions=MentionPolicy.USERS,
                            mention_ids=("discord:111111111111111111",))  # fmt: skip
    assert to_markdown(pinging, "en") == "Time zone set to <@111111111111111111>.\nBob"
    assert to_markdown(OutMessage.of(text), "en") == "Time zone set to Alice\\_A."
    (payload,) = payloads(pinging, "en")
    assert payload["allowed_mentions"].to_dict() == {"parse": [], "users": [111111111111111111]}
    (quiet,) = payloads(OutMessage.of(text), "en")
    assert quiet["allowed_mentions"].to_dict() == {"parse": []}


def test_long_text_is_split_at_line_breaks_within_discords_limit() -> None:
    lines = [f"line {i} " + "x" * 90 for i in range(60)]
    parts = split_text("\n".join(lines))
    assert len(parts) > 1 and all(len(p) <= MAX_CONTENT for p in parts)
    assert "\n".join(parts) == "\n".join(lines)
    assert all(len(p) <= MAX_CONTENT for p in split_text("y" * 4500))


def test_a_title_becomes_an_embed_and_buttons_and_files_go_with_the_last_part() -> None:
    message = OutMessage.of(
        t_("Time zone: {timezone}", timezone="Europe/Helsinki"),
        title=t_("**Settings of {name}**", name="Hearth"),
        buttons=((Button(t_("{language}", language="Suomi"), "lang:fi", ButtonStyle.PRIMARY),),),
        attachments=(Attachment("chart.png", b"\x89PNG", is_image=True),),
    )
    (payload,) = payloads(message, "en")
    embed: discord.Embed = payload["embed"]
    assert embed.title == "**Settings of Hearth**" and embed.description == "Time zone: Europe/Helsinki"
    (button,) = payload["view"].children
    assert button.custom_id == "h:lang:fi" and button.item.style is discord.ButtonStyle.primary
    assert [f.filename for f in payload["files"]] == ["chart.png"]


def test_moments_are_discord_timestamps() -> None:
    when = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    text = OutMessage.of(t_("Time zone set to {timezone}.", timezone=Moment(when, "Europe/Helsinki")))
    assert to_markdown(text, "en") == f"Time zone set to <t:{int(when.timestamp())}:F>."


async def test_choice_labels_and_descriptions_are_localised_but_names_stay_english() -> None:
    arg = Arg("who", ArgKind.CHOICE, t_("Show the commands you can use"), choices=(("m", t_("member")),))
    option = ArgOption(arg)
    (choice,) = option.choices or []
    translator = HearthTranslator()

    async def shown(string: app_commands.locale_str, locale: str, where: Where) -> str | None:
        context = app_commands.TranslationContext(where, None)  # type: ignore[call-overload]
        return await translator.translate(string, discord.Locale(locale), context)

    assert choice.name == "member" and choice.value == "m"
    assert await shown(choice._locale_name or localised(t_("member")), "fi", Where.choice_name) == "jäsen"
    assert await shown(localised(arg.description), "de", Where.parameter_description) == (
        t_("Show the commands you can use").render("de")
    )
    assert await shown(localised(t_("member")), "fi", Where.command_name) is None  # names stay English
    assert await shown(localised(t_("member")), "fr", Where.choice_name) is None  # no French catalog
    assert option.type is discord.AppCommandOptionType.string and option.max_value is None
