"""`kill -9` at an awkward moment, then a restart: nothing lost, nothing applied twice."""

import asyncio
import os
import sys
from pathlib import Path

from bot.settings import Settings
from storage import Account, open_database
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import Person, text_of

ROOT = Path(__file__).resolve().parents[2]
ALEX = 4242


async def start_bot_process(
    fake: FakeTelegram, db_path: Path, log: Path
) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
    env.update(
        PYTHONPATH=str(ROOT),
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_API_BASE_URL=fake.base_url,
        DATABASE_URL=f"sqlite:///{db_path}",
        SCHEDULER_TICK_SECONDS="3600",
    )
    since = len(fake.started)
    with log.open("ab") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=db_path.parent, env=env, stdout=sink, stderr=sink
        )
    # A new process takes seconds to import and open its database, more on a busy machine:
    # wait until it polls, so each test's own waits measure the bot, not its start.
    await fake.wait_for_call_started("getUpdates", since=since, timeout=90)
    return process


async def test_kill_9_mid_checkin_resumes_and_loses_nothing(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    db_path, log = tmp_path / "bot.db", tmp_path / "bot.log"
    process = await start_bot_process(fake, db_path, log)
    alex = Person(fake, ALEX)
    try:
        await alex.onboard()
        await alex.send("/checkin", expect="How are you feeling")
        await alex.tap("Good", expect="weighing on you")
        # The next reply hangs in flight, holding this chat's place in line...
        fake.fail_next("sendMessage", "timeout", chat_id=ALEX, hold_seconds=120)
        since = len(fake.started)
        await alex.tap("Done")
        await fake.wait_for_call_started("sendMessage", chat_id=ALEX, since=since)
        # ...so this message is received and confirmed to Telegram, but not yet handled.
        note = fake.user_sends(ALEX, "a walk with a friend")
        await fake.wait_confirmed(note, timeout=15)
    finally:
        process.kill()  # SIGKILL: no clean-up of any kind
        await process.wait()

    process = await start_bot_process(fake, db_path, log)
    try:
        # The reply committed before the kill is sent, then the note is replayed.
        await fake.wait_for_message(ALEX, "What helped today", timeout=20)
        done = await fake.wait_for_message(ALEX, "check-in", timeout=20)
        assert "That's your 1st check-in" in text_of(done)
    finally:
        process.terminate()
        assert await process.wait() == 0, log.read_text()

    db = await open_database(str(db_path))
    try:
        async with db.transaction() as tx:
            member = await tx.members.find_by_account(Account("telegram", str(ALEX)))
            assert member is not None
            moods = await tx.checkins.recent_moods(member.id, limit=5)
            assert await tx.inbox.unapplied("telegram") == []
    finally:
        await db.close()
    assert [(m.mood, m.helped) for m in moods] == [(4, "a walk with a friend")]
    assert member.checkin_count == 1
    assert sum("What helped today" in line for line in fake.transcript(ALEX)) == 1
