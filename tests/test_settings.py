from __future__ import annotations

import subprocess
import sys

import pytest

from config.settings import SettingsError, load_settings


def test_malformed_owner_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEARTH_OWNERS", "discord:abc")
    with pytest.raises(SettingsError, match=r"^HEARTH_OWNERS: 'abc' is not a numeric discord id$"):
        load_settings()


def test_owners_parse_and_tokens_are_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEARTH_OWNERS", "discord:1, telegram:-2")
    monkeypatch.setenv("HEARTH_TELEGRAM_TOKEN", "123:SECRET")
    settings = load_settings()
    assert settings.owners == ("discord:1", "telegram:-2")
    assert "SECRET" not in repr(settings) and settings.platforms == ["telegram"]


def test_unknown_timezone_and_locale_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEARTH_TIMEZONE", "Mars/Base")
    monkeypatch.setenv("HEARTH_LOCALE", "xx")
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert "HEARTH_TIMEZONE" in str(err.value) and "HEARTH_LOCALE" in str(err.value)


def test_dotenv_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / ".env").write_text("HEARTH_TIMEZONE=Europe/Berlin\n")
    assert load_settings().timezone == "Europe/Berlin"


def test_cli_reports_bad_config_in_one_line_without_traceback(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {"HEARTH_OWNERS": "discord:abc", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "HEARTH_OWNERS: 'abc' is not a numeric discord id" in done.stderr
    assert "Traceback" not in done.stderr
