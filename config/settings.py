"""All settings (SPEC §4), from the environment and a `.env` file. Built once in bot/__main__.py."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.core.i18n import LOCALES
from bot.core.identity import PlatformId

DEFAULT_DATA_DIR = Path("data")

# backend → (driver module, the URL scheme Hearth uses, how to get the driver)
_DATABASES = {
    "sqlite": ("aiosqlite", "sqlite+aiosqlite", "pip install aiosqlite"),
    "postgresql": ("asyncpg", "postgresql+asyncpg", "pip install 'hearth[postgres]'"),
}
_ALIASES = {"postgres": "postgresql"}  # as some hosting providers write it


def check_database_url(value: str) -> str:
    """A database URL Hearth can use, with its async driver installed; `postgresql://` and `postgres://`
    mean asyncpg. Raises ValueError with one line saying what to change or install."""
    scheme, sep, rest = value.partition("://")
    if not sep:
        raise ValueError(
            "not a database URL: use sqlite+aiosqlite:///path/hearth.db or postgresql+asyncpg://user@host/db"
        )
    backend, _, driver = scheme.lower().partition("+")
    backend = _ALIASES.get(backend, backend)
    if backend not in _DATABASES:
        raise ValueError(f"unsupported database {backend!r}: use sqlite+aiosqlite:///… or postgresql+asyncpg://…")
    module, wanted, install = _DATABASES[backend]
    if driver and driver != module:
        raise ValueError(f"{backend} through {driver!r} is not supported: use {wanted}://…")
    if find_spec(module) is None:
        raise ValueError(f"{backend} needs the {module} driver, which is not installed: {install}")
    return f"{wanted}://{rest}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="HEARTH_", env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    discord_token: SecretStr | None = None
    telegram_token: SecretStr | None = None
    database_url: str = ""
    data_dir: Path = DEFAULT_DATA_DIR
    owners: Annotated[tuple[str, ...], NoDecode] = ()
    timezone: str = "UTC"
    locale: str = "en"
    discord_api_base: str = "https://discord.com/api/v10"
    discord_gateway_url: str = "wss://gateway.discord.gg/"
    telegram_api_base: str = "https://api.telegram.org"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    activity_flush_seconds: float = Field(default=5.0, gt=0)
    activity_flush_rows: int = Field(default=5000, gt=0)
    raw_retention_days: int = Field(default=400, gt=0)

    @field_validator("owners", mode="before")
    @classmethod
    def _parse_owners(cls, value: object) -> tuple[str, ...]:
        if value is None or value == "":
            return ()
        items = value.split(",") if isinstance(value, str) else list(value)  # type: ignore[call-overload]
        out = []
        for item in items:
            if not str(item).strip():
                continue
            out.append(str(PlatformId.parse(str(item))))
        return tuple(out)

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        return check_database_url(value) if value else value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/Helsinki)") from None
        return value

    @field_validator("locale")
    @classmethod
    def _check_locale(cls, value: str) -> str:
        if value not in LOCALES:
            raise ValueError(f"unsupported locale {value!r} (one of {', '.join(LOCALES)})")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'hearth.db').resolve()}"

    @property
    def platforms(self) -> list[str]:
        out = []
        if self.discord_token:
            out.append("discord")
        if self.telegram_token:
            out.append("telegram")
        return out


class SettingsError(Exception):
    """One clear line per bad variable, for start-up."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "?"
            msg = str(err["msg"]).removeprefix("Value error, ")
            lines.append(f"HEARTH_{field.upper()}: {msg}")
        raise SettingsError("\n".join(lines)) from None
