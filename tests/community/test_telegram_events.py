"""Community events end to end over Telegram: post, list, RSVP, reminder, .ics import."""

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flows.core.clock import ManualClock
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import Person, RunningBot, start_bot, text_of

ALEX, ADMIN = 4242, 9001
CALENDAR = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Test//Events//EN\r
BEGIN:VEVENT\r
UID:circle-1@example.org\r
SUMMARY:Sharing circle\r
DTSTART:20261127T180000Z\r
LOCATION:Community hall\r
CATEGORIES:meeting\r
END:VEVENT\r
END:VCALENDAR\r
"""


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    running = await start_bot(fake, db_path, clock)
    # This deployment's admin, as ADMINS=telegram:9001 would make them.
    running.engine.config = dataclasses.replace(
        running.engine.config, admins=frozenset({f"telegram:{ADMIN}"})
    )
    yield running
    await running.stop()


async def test_post_list_rsvp_remind_and_import(
    fake: FakeTelegram, bot: RunningBot, clock: ManualClock
) -> None:
    admin, alex = Person(fake, ADMIN, "Robin"), Person(fake, ALEX)
    await alex.onboard(at="No daily reminder")

    posted = await admin.send(
        "/newevent 2026-11-25 18:30 | Recovery walk | Riverside Park gate",
        expect="Posted",
    )
    assert "Wed 25 Nov, 18:30 · Recovery walk" in text_of(posted)

    await alex.send("/events", expect="Community events")
    card = await fake.wait_for_message(ALEX, "Recovery walk")
    assert [label for label, _ in card.buttons] == ["✅ I'll go", "🤔 Maybe", "➖ Not this time"]
    await alex.tap("I'll go", expect="you're going to Recovery walk")
    answered = fake.message(ALEX, card.message_id)
    assert text_of(answered).endswith("→ ✅ I'll go") and answered.reply_markup is None

    # The day before, at the event's time in Alex's zone, the sweep reminds them.
    clock.set(datetime(2026, 11, 24, 18, 30, tzinfo=UTC))
    await bot.sweep_now()
    reminder = await fake.wait_for_message(ALEX, "Tomorrow: Recovery walk")
    assert [label for label, _ in reminder.buttons] == ["➖ Can't make it now"]

    # An admin sends a calendar file: a broken one first, then a good one.
    fake.user_sends_document(
        ADMIN, file_name="broken.ics", mime_type="text/calendar", data=b"not a calendar"
    )
    refused = await fake.wait_for_message(ADMIN, "couldn't import")
    assert "Nothing was changed" in text_of(refused)
    fake.user_sends_document(
        ADMIN, file_name="events.ics", mime_type="text/calendar", data=CALENDAR
    )
    imported = await fake.wait_for_message(ADMIN, "Calendar imported")
    assert "1 added" in text_of(imported) and "Sharing circle" in text_of(imported)

    # A member's file is not read.
    fake.user_sends_document(
        ALEX, file_name="events.ics", mime_type="text/calendar", data=CALENDAR
    )
    await fake.wait_for_message(ALEX, "I can only read text messages")

    await alex.send("/events", expect="Community events")
    await fake.wait_for_message(ALEX, "Sharing circle")
