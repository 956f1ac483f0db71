"""Milestones over Telegram, end to end: the real python-telegram-bot Application against the
fake Bot API. A member sets a recovery date with buttons and typed words, the sweep sends the
milestone through the outbox on its morning, and neither a restart nor a failed send makes
it come twice."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from flows.core.clock import ManualClock
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import Person, start_bot, text_of

ALEX = 4242
WEEK = "🌿 1 week today"


def milestones_sent(fake: FakeTelegram) -> list[str]:
    return [m.body for m in fake.messages(ALEX) if "(/milestones to change" in m.body]


async def test_a_date_set_over_telegram_brings_its_milestone_once(
    fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> None:
    # Only the test sweeps.
    bot = await start_bot(fake, db_path, clock, first_sweep_seconds=3600.0)
    alex = Person(fake, ALEX)
    try:
        await alex.onboard(at="No daily reminder")
        intro = await alex.send("/milestones", expect="Some people like to count days")
        assert [label for label, _ in intro.buttons] == ["📅 Set a date", "Not now"]
        asked = await alex.tap("Set a date", expect="From which day")
        assert asked is not None
        assert [label for label, _ in asked.buttons] == ["Today", "Yesterday"]
        # Words that aren't a date: asked again, nothing saved.
        hint = await alex.send("last spring", expect="couldn't read that as a date")
        assert "14 March 2026" in text_of(hint)
        saved = await alex.send("21 November 2026", expect="Saved")
        said = text_of(saved)
        assert "counting from Sat 21 Nov 2026: 1 day so far" in said
        assert "That's 1 day today — congratulations!" in said
        assert "Next milestone: 1 week, on Sat 28 Nov 2026" in said

        clock.set(datetime(2026, 11, 28, 9, 0, tzinfo=UTC))
        await bot.sweep_now()
        assert milestones_sent(fake) == []
        clock.set(datetime(2026, 11, 28, 10, 0, tzinfo=UTC))
        await bot.sweep_now()
        note = await fake.wait_for_message(ALEX, WEEK)
        assert text_of(note).startswith(WEEK)
        await bot.sweep_now()
        await alex.send("/help", expect="Here's what I can do")
    finally:
        await bot.stop()

    clock.advance(timedelta(hours=2))
    again = await start_bot(fake, db_path, clock, first_sweep_seconds=3600.0)
    try:
        await again.sweep_now()
        await alex.send("/milestones", expect="You're counting from")
    finally:
        await again.stop()
    assert [body.split(".")[0] for body in milestones_sent(fake)] == [WEEK]


async def test_a_milestone_whose_send_failed_arrives_once_after_a_restart(
    fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> None:
    bot = await start_bot(fake, db_path, clock, first_sweep_seconds=3600.0)
    alex = Person(fake, ALEX)
    try:
        await alex.onboard(at="No daily reminder")
        await alex.send("/milestones", expect="Some people like to count days")
        await alex.tap("Set a date", expect="From which day")
        await alex.tap("Yesterday", expect="Saved")
        clock.set(datetime(2026, 11, 28, 10, 0, tzinfo=UTC))
        # Telegram fails the send: the milestone waits in the outbox, already done.
        fake.fail_next("sendMessage", "500", chat_id=ALEX)
        await bot.sweep_now()
        failed = await fake.next_call("sendMessage", chat_id=ALEX, status=500)
        assert str(failed.params["text"]).startswith(WEEK)
    finally:
        await bot.stop()

    clock.advance(timedelta(minutes=1))
    again = await start_bot(fake, db_path, clock, first_sweep_seconds=3600.0)
    try:
        await fake.wait_for_message(ALEX, WEEK)
        await again.sweep_now()
        await alex.send("/help", expect="Here's what I can do")
    finally:
        await again.stop()
    assert [body.split(".")[0] for body in milestones_sent(fake)] == [WEEK]
