"""Platform-tagged identities: `discord:1234`, `telegram:-100987`, `console:alice`."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Platform(StrEnum):
    DISCORD = "discord"
    TELEGRAM = "telegram"
    CONSOLE = "console"


@dataclass(frozen=True, slots=True)
class PlatformId:
    platform: Platform
    id: str

    def __str__(self) -> str:
        return f"{self.platform.value}:{self.id}"

    @classmethod
    def parse(cls, text: str) -> PlatformId:
        """Parse `platform:id`; raises ValueError with a readable reason."""
        platform, sep, raw = text.strip().partition(":")
        if not sep or not raw:
            raise ValueError(f"{text!r} is not of the form platform:id")
        try:
            plat = Platform(platform.lower())
        except ValueError:
            raise ValueError(f"{platform!r} is not one of discord, telegram, console") from None
        if plat is not Platform.CONSOLE and not raw.lstrip("-").isdigit():
            raise ValueError(f"{raw!r} is not a numeric {plat.value} id")
        return cls(plat, raw)

    @classmethod
    def of(cls, platform: Platform | str, raw: int | str) -> PlatformId:
        return cls(Platform(platform), str(raw))
