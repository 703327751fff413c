"""Onboarding on the console: rules, interests picked with numbered toggles, welcome texts previewed, the
funnel — as a manager and as a member, in both command spellings."""

from __future__ import annotations

from bot.app import Services
from tests.console.test_console import session


async def test_rules_and_interests_on_the_console(services: Services) -> None:
    manager, out = session(services, "manager")
    await manager.handle("/setup rules Be kind | Stay on topic")
    assert "Saved 2 rules" in out[-1] and "1. Be kind" in out[-1]
    await manager.handle("/setinterests Games | Music")
    assert "Games, Music" in out[-1]
    await manager.handle(":as member")
    await manager.handle("/rules")
    assert "2. Stay on topic" in out[-1]
    await manager.handle("/interests")
    assert "[1] Games" in out[-1] and "[2] Music" in out[-1]
    await manager.handle("2")
    assert out[-1] == "Your interests: Music."
    await manager.handle("/interests")
    assert "[2] ✅ Music" in out[-1]


async def test_welcome_preview_and_funnel_on_the_console(services: Services) -> None:
    manager, out = session(services, "manager")
    await manager.handle("/setwelcome Hello {member}, welcome to {community}!")
    assert any("Hello alice, welcome to Console community!" in line for line in out)
    await manager.handle("/setwelcome Hello {nick}")
    assert "Unknown placeholder {nick}" in out[-1]
    await manager.handle("/funnel")
    assert "no funnel yet" in out[-1]
    await manager.handle(":as member")
    await manager.handle("/funnel")
    assert "Only a manager" in out[-1]


async def test_the_gate_cannot_be_switched_on_without_rules(services: Services) -> None:
    manager, out = session(services, "manager")
    await manager.handle("/setgate off")
    await manager.handle("/setup gate on")
    assert "Set the rules first" in out[-1]
