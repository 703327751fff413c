"""`hearth check`: configuration, database and platform access, each with advice."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from config.settings import Settings
from storage.db import (
    create_engine,
    current_revision,
    head_revision,
    integrity_ok,
    server_version,
    unreachable_advice,
    where,
)

OK, WARN, BAD = "ok  ", "warn", "FAIL"

# Discord application flags: GATEWAY_PRESENCE…, members = 1<<14 | 1<<15, message content = 1<<18 | 1<<19.
_MEMBERS_FLAGS = (1 << 14) | (1 << 15)
_CONTENT_FLAGS = (1 << 18) | (1 << 19)


async def run_checks(settings: Settings, echo: Callable[[str], None]) -> int:
    problems = 0

    def report(level: str, what: str, advice: str = "") -> None:
        nonlocal problems
        problems += level == BAD
        echo(f"[{level}] {what}" + (f"\n       → {advice}" if advice else ""))

    report(OK, f"configuration read (time zone {settings.timezone}, language {settings.locale})")
    if not settings.platforms:
        report(BAD, "no platform token set", "set HEARTH_DISCORD_TOKEN and/or HEARTH_TELEGRAM_TOKEN (see .env.example)")
    if not settings.owners:
        report(WARN, "HEARTH_OWNERS is empty", "add your own ids (discord:123,telegram:456) to be a manager everywhere")

    engine = create_engine(settings.resolved_database_url)
    try:
        report(OK, f"database reachable: {await server_version(engine)} at {where(engine)}")
        current, head = await current_revision(engine), head_revision()
        if current == head:
            report(OK, f"database schema at {current}, the newest: migrations are current")
        elif current is None:
            report(WARN, f"database schema empty, newest is {head}", "run `hearth migrate` (`hearth run` also does)")
        else:
            report(WARN, f"database schema at {current}, newest is {head}", "run `hearth migrate`")
        if not await integrity_ok(engine):
            report(BAD, "database integrity check failed", "restore from a backup")
    except Exception as exc:  # noqa: BLE001 - any failure here is the answer
        report(BAD, f"database unreachable: {type(exc).__name__}: {exc}", unreachable_advice(engine))
    finally:
        await engine.dispose()

    async with httpx.AsyncClient(timeout=10) as http:
        if settings.discord_token:
            await _check_discord(http, settings, report)
        if settings.telegram_token:
            await _check_telegram(http, settings, report)
    return problems


async def _check_discord(http: httpx.AsyncClient, settings: Settings, report: Callable[..., None]) -> None:
    assert settings.discord_token is not None
    headers = {"Authorization": f"Bot {settings.discord_token.get_secret_value()}"}
    base = settings.discord_api_base.rstrip("/")
    try:
        me = await http.get(f"{base}/users/@me", headers=headers)
        if me.status_code == 401:
            report(BAD, "Discord token rejected", "copy the bot token again from the Developer Portal → Bot")
            return
        me.raise_for_status()
        report(OK, f"Discord: logged in as {me.json().get('username')}")
        app = await http.get(f"{base}/applications/@me", headers=headers)
        if app.status_code == 200:
            flags = int(app.json().get("flags") or 0)
            if not flags & _MEMBERS_FLAGS:
                report(
                    WARN,
                    "Discord: Server Members intent not enabled",
                    "Developer Portal → Bot → Privileged Gateway Intents → Server Members (joins/leaves)",
                )
            if not flags & _CONTENT_FLAGS:
                report(
                    WARN, "Discord: Message Content intent not enabled", "enable it for question detection and automod"
                )
    except httpx.HTTPError as exc:
        report(BAD, f"Discord API unreachable: {type(exc).__name__}", f"check network access to {base}")


async def _check_telegram(http: httpx.AsyncClient, settings: Settings, report: Callable[..., None]) -> None:
    assert settings.telegram_token is not None
    root = settings.telegram_api_base.rstrip("/")
    try:
        resp = await http.get(f"{root}/bot{settings.telegram_token.get_secret_value()}/getMe")
        if resp.status_code in (401, 404):
            report(BAD, "Telegram token rejected", "ask @BotFather for the token again (/token)")
            return
        resp.raise_for_status()
        me = resp.json()["result"]
        report(OK, f"Telegram: logged in as @{me.get('username')}")
        if not me.get("can_read_all_group_messages"):
            report(
                WARN,
                "Telegram: privacy mode is on",
                "@BotFather → /setprivacy → Disable, or make the bot an administrator, to see group messages",
            )
    except httpx.HTTPError as exc:
        report(BAD, f"Telegram API unreachable: {type(exc).__name__}", f"check network access to {root}")
