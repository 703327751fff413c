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


def test_database_urls_mean_the_async_drivers_or_are_refused_with_the_fix() -> None:
    assert load_settings(database_url="postgres://u:pw@db/hearth").database_url == "postgresql+asyncpg://u:pw@db/hearth"
    assert load_settings(database_url="sqlite:///x.db").database_url == "sqlite+aiosqlite:///x.db"
    with pytest.raises(SettingsError, match=r"^HEARTH_DATABASE_URL: postgresql through 'psycopg2' is not supported"):
        load_settings(database_url="postgresql+psycopg2://u:secret@db/hearth")
    with pytest.raises(SettingsError, match=r"^HEARTH_DATABASE_URL: unsupported database 'mysql'") as err:
        load_settings(database_url="mysql://u:secret@db/hearth")
    assert "secret" not in str(err.value)  # a password in the URL is never repeated


def test_missing_postgres_driver_stops_migrate_and_run_with_one_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # A machine installed without the postgres extra: asyncpg cannot be imported.
    blocker = tmp_path / "no_asyncpg"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text("import sys\nsys.modules['asyncpg'] = None\n")
    env = {
        "HEARTH_DATABASE_URL": "postgresql+asyncpg://hearth:secret@127.0.0.1:1/hearth",
        "PYTHONPATH": str(blocker),
        "PATH": "/usr/bin:/bin",
    }
    for command in ("migrate", "run"):
        done = subprocess.run(
            [sys.executable, "-m", "bot", command], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 2, done.stderr
        assert done.stderr.splitlines() == [
            "hearth: configuration error",
            "HEARTH_DATABASE_URL: postgresql needs the asyncpg driver, which is not installed: "
            "pip install 'hearth[postgres]'",
        ]
