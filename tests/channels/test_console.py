"""The console channel: `python -m bot` without a token chats in the terminal."""

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

from bot.settings import Settings
from flows.core.engine import Engine
from flows.core.values import Reply
from handlers.console.capabilities import CHANNEL
from handlers.console.console import render
from storage import Account, Database
from tests.chat_driver import ChatDriver

ROOT = Path(__file__).resolve().parents[2]


def console_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.upper() not in _SETTING_NAMES}
    env["PYTHONPATH"] = str(ROOT)
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'console.db'}"
    return env


_SETTING_NAMES = {name.upper() for name in Settings.model_fields}


def run_console(tmp_path: Path, lines: list[str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=console_env(tmp_path),
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_onboard_and_check_in_at_the_terminal(tmp_path: Path) -> None:
    out = run_console(
        tmp_path,
        ["/start", "1", "River", "Dublin", "8pm", "1", "😄", "family", "done", "skip", "/quit"],
    )
    first_line = out.splitlines()[0]
    assert "console" in first_line and "no TELEGRAM_BOT_TOKEN" in first_line
    assert "  1) Yes, that's okay" in out
    assert "every day at 20:00 (Dublin time)" in out
    assert "Chosen: Family" in out
    assert "That's your 1st check-in" in out
    assert "Goodbye" in out


def test_state_survives_a_restart(tmp_path: Path) -> None:
    run_console(tmp_path, ["/start", "1", "River", "UTC", "9", "1", "4"])  # ends mid check-in
    out = run_console(tmp_path, ["done", "skip", "/history"])
    assert "That's your 1st check-in" in out
    assert "🙂 4" in out


def test_act_as_another_user(tmp_path: Path) -> None:
    out = run_console(tmp_path, ["/start", "1", "River", "UTC", "9", "2", "/as 2", "/checkin"])
    assert "You are now user 2." in out
    assert "Let's get you set up first" in out


def test_sigterm_shuts_down_cleanly(tmp_path: Path) -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "bot", "--console"],
        cwd=tmp_path,
        env=console_env(tmp_path),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout is not None
        # The banner is printed after the signal handlers are in place.
        assert "as asked (--console)" in process.stdout.readline()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0


def test_logs_go_to_a_private_file_beside_the_database(tmp_path: Path) -> None:
    """The chat owns the terminal: a safety event's log line must not land between the
    messages, but in `<database file>.log` (0600), unless CONSOLE_LOGS=terminal asks."""
    lines = ["/start", "1", "River", "UTC", "9", "2", "I want to kill myself", "/quit"]
    done = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=console_env(tmp_path),
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    log_file = tmp_path / "console.db.log"
    assert "safety_event" not in done.stdout + done.stderr
    assert f"Logs go to {log_file}" in done.stdout.splitlines()[2]
    assert "safety_event member=" in log_file.read_text()
    assert stat.S_IMODE(log_file.stat().st_mode) == 0o600

    asked = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env={**console_env(tmp_path), "CONSOLE_LOGS": "terminal"},
        input="I want to kill myself\n/quit\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert asked.returncode == 0, asked.stderr
    assert "safety_event member=" in asked.stderr
    assert "Logs are shown here" in asked.stdout


def test_the_console_never_asks_anyone_to_tap(tmp_path: Path) -> None:
    """The terminal has no buttons: hints say to type a number or send a listed command."""
    out = run_console(tmp_path, ["/start", "banana", "1", "River", "UTC", "9", "2", "/rsvp"])
    assert "Please choose one of the options: type its number or its words." in out
    assert "send one of the commands listed under an event in /events" in out
    assert "tap a button" not in out.lower()


def test_as_needs_its_space_and_other_commands_are_not_taken_for_it(tmp_path: Path) -> None:
    out = run_console(tmp_path, ["/as12", "/assist", "/as 12", "/quit"])
    assert "You're still user 1. To act as user 12, put a space after /as: /as 12" in out
    assert "/as: /as 12\n\nyou (user 1)> " in out  # nobody was switched
    # A command that merely starts with "as" goes to Hearthside, which doesn't know it.
    assert "I don't know that command" in out
    assert out.count("You are now user 12.") == 1


async def test_numbers_as_answers_are_not_numbered_options(engine: Engine, db: Database) -> None:
    """Where the answer is itself a number or a time, the console shows the options without
    numbers ("1) 0" would read as "type 1 for none"), and a typed number is that number."""
    alex = Account(CHANNEL, "1")
    chat = ChatDriver(engine, alex)
    await chat.say("/start")
    await chat.tap("yes")
    await chat.say("River")
    await chat.say("UTC")
    shown = render(Reply.from_json(chat.question.to_json()))  # as the outbox hands it over
    assert "1) 09:00" not in shown and "09:00  ·  13:00" in shown
    await chat.say("4")  # four o'clock, not the fourth option (20:00)
    assert "every day at 04:00" in chat.last_text()
    await chat.tap("later")
    await chat.say("/connect")
    for _ in range(3):
        await chat.tap("Often")
    shown = render(Reply.from_json(chat.question.to_json()))
    assert "1) 0" not in shown and "0  ·  1  ·  2  ·  3  ·  4  ·  5 or more" in shown
    assert "reply with a number" not in shown
    await chat.say("1")
    async with db.transaction() as tx:
        member = await tx.members.find_by_account(alex)
        assert member is not None
        [entry] = await tx.checkins.recent_connections(member.id, limit=1)
    assert entry.community_contacts == 1
    # Elsewhere the options stay numbered, and a number picks one.
    await chat.say("/checkin")
    assert "  4) 🙂 Good" in render(chat.question)
