"""Settings: names, defaults, and one clear line for a bad value."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import ConfigError, Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults() -> None:
    settings = load_settings()
    assert settings.telegram_bot_token is None
    assert settings.telegram_api_base_url == "https://api.telegram.org/bot"
    assert settings.database_url == "sqlite:///hearthside.db"
    assert settings.default_timezone == "UTC"
    assert settings.scheduler_tick_seconds == 60
    # No wording of its own: members see the curated lines of CRISIS_COUNTRY, the US's.
    assert settings.crisis_resources is None and settings.crisis_country == "US"
    lines = settings.crisis_lines().lines_text()
    assert "988 Suicide & Crisis Lifeline" in lines and "911" in lines


def test_environment_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:ABC-def")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:8081/bot/")
    monkeypatch.setenv("ADMINS", "telegram:1, telegram:2")
    monkeypatch.setenv("DEFAULT_TIMEZONE", "Europe/Dublin")
    monkeypatch.setenv("SCHEDULER_TICK_SECONDS", "5")
    settings = load_settings()
    assert settings.telegram_bot_token is not None
    assert settings.telegram_bot_token.get_secret_value() == "123456:ABC-def"
    assert settings.telegram_api_base_url == "http://127.0.0.1:8081/bot"
    assert settings.admins == ("telegram:1", "telegram:2")
    assert settings.default_timezone == "Europe/Dublin"
    assert settings.scheduler_tick_seconds == 5


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEFAULT_TIMEZONE", "Mars/Base"),
        ("DATABASE_URL", "postgres://db"),
        ("SCHEDULER_TICK_SECONDS", "0"),
        ("ADMINS", "bob"),
        ("TELEGRAM_BOT_TOKEN", "not-a-token"),
        ("CRISIS_RESOURCES", "   "),
        ("QUIET_HOURS", "9pm-9am"),
        ("NUDGE_MIN_DAYS", "0"),
        ("ISOLATION_UCLA_MIN", "2"),
        ("ISOLATION_DAYS", "-1"),
    ],
)
def test_bad_value_names_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=f"^{name}: "):
        load_settings()


@pytest.mark.parametrize(
    "url",
    [
        "http://api.telegram.org/bot",
        "http://10.0.0.5:8081/bot",
        "http://192.168.1.2/bot",
        "http://localhost.example.com/bot",
        "http://127.0.0.1@example.com/bot",
        "http://[2001:db8::1]:8081/bot",
        "https:///bot",
    ],
)
def test_api_url_in_clear_only_to_this_machine(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    # The token is part of every request's path: plain http would carry it in clear.
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", url)
    with pytest.raises(ConfigError, match=r"^TELEGRAM_API_BASE_URL: "):
        load_settings()


@pytest.mark.parametrize(
    "url",
    [
        "https://api.telegram.org/bot",
        "https://bot-api.example.org:8443/bot",
        "http://127.0.0.1:8081/bot",
        "http://127.8.9.10/bot",
        "http://localhost:8081/bot",
        "http://LocalHost/bot",
        "http://[::1]:8081/bot",
    ],
)
def test_api_url_allowed(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", url)
    assert load_settings().telegram_api_base_url == url


def test_api_url_in_clear_stops_startup_with_one_line(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": "123456:ABC-def",
        "TELEGRAM_API_BASE_URL": "http://bot-api.example.org/bot",
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "hearthside: configuration error: TELEGRAM_API_BASE_URL: must use https:// "
        "(http:// is allowed only for 127.0.0.1, ::1 or localhost)"
    ]


def test_env_example_documents_every_setting() -> None:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    # Set, or shown commented out where a value would change what members see.
    documented = set(re.findall(r"^(?:# )?([A-Z_]+)=", text, flags=re.MULTILINE))
    assert documented == {name.upper() for name in Settings.model_fields}
    for name in documented:  # each with a comment line right above it
        assert re.search(rf"^# .+\n(?:# )?{name}=", text, flags=re.MULTILINE), name


def test_bad_setting_stops_startup_with_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "DEFAULT_TIMEZONE": "Mars/Base", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "hearthside: configuration error: DEFAULT_TIMEZONE: "
        "'Mars/Base' is not an IANA time zone (e.g. Europe/London)"
    ]
    assert "Traceback" not in done.stderr


def test_the_emergency_number_is_its_own_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    # A service outside the shipped countries: GB's catalog, Australia's number.
    monkeypatch.setenv("CRISIS_COUNTRY", "GB")
    monkeypatch.setenv("CRISIS_RESOURCES", "Call Lifeline on 13 11 14, any time.")
    monkeypatch.setenv("EMERGENCY_NUMBER", "000")
    lines = load_settings().crisis_lines()
    assert lines.emergency_number == "000"
    text = lines.lines_text()
    assert "call 000" in text and "999" not in text and "13 11 14" in text
    monkeypatch.setenv("EMERGENCY_NUMBER", "call the police")
    with pytest.raises(ConfigError, match=r"^EMERGENCY_NUMBER: "):
        load_settings()


def test_a_deployment_can_supply_its_whole_crisis_catalog(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    catalog = tmp_path / "lines.toml"
    catalog.write_text(
        '[AU]\nname = "Australia"\nemergency = ["000"]\n'
        'overdose_note = "If you have naloxone, give it."\n\n'
        '[[AU.lines]]\nname = "Lifeline"\ncall = "13 11 14"\nhours = "24/7"\n'
        "last_verified = 2026-11-01\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("CRISIS_RESOURCES_FILE", str(catalog))
    monkeypatch.setenv("CRISIS_COUNTRY", "AU")
    text = load_settings().crisis_lines().lines_text()
    assert "call 000" in text and "Lifeline" in text and "911" not in text
    monkeypatch.setenv("CRISIS_COUNTRY", "US")  # not in that file
    with pytest.raises(ConfigError, match=r"^CRISIS_COUNTRY: .*known: AU"):
        load_settings()
    monkeypatch.setenv("CRISIS_RESOURCES_FILE", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match=r"^CRISIS_RESOURCES_FILE: "):
        load_settings()


def test_copying_env_example_does_not_change_what_members_see(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text(
        (ROOT / ".env.example").read_text(encoding="utf-8"), encoding="utf-8"
    )
    from_example = load_settings().crisis_lines().lines_text()
    (tmp_path / ".env").unlink()
    assert from_example == load_settings().crisis_lines().lines_text()
    assert "988 Suicide & Crisis Lifeline" in from_example


def test_the_readme_and_env_example_say_what_the_defaults_are() -> None:
    """The default crisis lines are CRISIS_COUNTRY's (US) from the catalog, not some
    international wording: the README's table and .env.example say so, and name the
    catalog where it is."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    [row] = [line for line in readme.splitlines() if line.startswith("| `CRISIS_RESOURCES` |")]
    assert "US" in row and "988" in row and "international" not in row.lower()
    assert "# CRISIS_RESOURCES=" in example  # commented out: setting it changes the lines
    assert "CRISIS_COUNTRY=US" in example
    assert "flows/safety/crisis/resources.toml" in example
    assert "flows/crisis/resources.toml" not in example
    assert (ROOT / "flows/safety/crisis/resources.toml").is_file()
