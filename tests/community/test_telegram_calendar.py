"""Calendar files over Telegram: only an admin's are fetched, and reading one has a budget.

The file is read before the engine's transaction, in a process of its own that is stopped
after `calendar_cpu_seconds` of parsing, so a crafted file can neither stall the bot nor
hold the database; the transaction only applies the events read.
"""

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flows.core.clock import ManualClock
from tests.community.test_telegram_events import CALENDAR
from tests.event_helpers import all_events
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import Person, RunningBot, start_bot, text_of

ALEX, ADMIN = 4242, 9001
# Far more than a calendar needs, far less than the crafted file below costs to parse
# (over a second of CPU on the development machine).
TINY_CPU_SECONDS = 0.05
# One event with 70,000 extra properties: under 512 KB, slow to parse.
HEAVY = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:heavy@example.org\r\n"
    b"SUMMARY:Heavy\r\nDTSTART:20261201T180000Z\r\n"
    + b"X-A:b\r\n" * 70_000
    + b"END:VEVENT\r\nEND:VCALENDAR\r\n"
)


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    running = await start_bot(fake, db_path, clock)
    running.engine.config = dataclasses.replace(
        running.engine.config,
        admins=frozenset({f"telegram:{ADMIN}"}),
        calendar_cpu_seconds=TINY_CPU_SECONDS,
    )
    yield running
    await running.stop()


def send_calendar(fake: FakeTelegram, user_id: int, data: bytes) -> None:
    fake.user_sends_document(user_id, file_name="events.ics", mime_type="text/calendar", data=data)


async def test_only_an_admins_calendar_file_is_fetched(
    fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    alex = Person(fake, ALEX)
    await alex.onboard()
    send_calendar(fake, ALEX, CALENDAR)
    await fake.wait_for_message(ALEX, "I can only read text messages")
    assert fake.calls_to("getFile") == [] and fake.downloads == []
    assert await all_events(bot.db) == []

    send_calendar(fake, ADMIN, CALENDAR)
    imported = await fake.wait_for_message(ADMIN, "Calendar imported")
    assert "1 added" in text_of(imported)
    assert len(fake.calls_to("getFile")) == 1 and len(fake.downloads) == 1


async def test_a_heavy_file_hits_the_budget_and_changes_nothing(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    assert len(HEAVY) <= bot.engine.config.calendar_max_bytes
    send_calendar(fake, ADMIN, HEAVY)
    refused = text_of(await fake.wait_for_message(ADMIN, "couldn't import that file"))
    assert "it took too long to read" in refused and "Nothing was changed" in refused
    assert await all_events(bot.db) == []

    # The same budget is plenty for a real calendar.
    send_calendar(fake, ADMIN, CALENDAR)
    imported = await fake.wait_for_message(ADMIN, "Calendar imported")
    assert "1 added" in text_of(imported)
    assert [e.title for e in await all_events(bot.db)] == ["Sharing circle"]


async def test_a_file_over_the_size_budget_is_not_fetched(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    bot.engine.config = dataclasses.replace(bot.engine.config, calendar_max_bytes=4096)
    send_calendar(fake, ADMIN, CALENDAR + b" " * 5000)
    refused = text_of(await fake.wait_for_message(ADMIN, "couldn't import that file"))
    assert "larger than 4 KB" in refused and "Nothing was changed" in refused
    assert fake.calls_to("getFile") == [] and fake.downloads == []
    assert await all_events(bot.db) == []
