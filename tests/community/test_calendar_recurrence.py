"""Repeating events from an .ics file as Google Calendar exports it: RRULE, EXDATE and
RECURRENCE-ID overrides (a moved date, a cancelled date), expanded over the rolling
horizon, re-imported with a change, and rolled on by the sweep in the capped process."""

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flows.community.calendar_import import read_calendar, read_calendar_within
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.engine import Engine
from flows.core.values import Input
from storage import Account, Database, Event
from tests.chat_driver import Room
from tests.event_helpers import ADMIN, Timeline, all_events, join

GOOGLE = (Path(__file__).parent / "fixtures" / "google_calendar.ics").read_bytes()
RIVER = Account("console", "river")
LAKE = Account("console", "lake")
MEETING = "Tuesday NA meeting"


@pytest.fixture
def flow_config(flow_config: FlowConfig) -> FlowConfig:
    return dataclasses.replace(
        flow_config, admins=frozenset({"console:900"}), default_timezone="Europe/London"
    )


@pytest.fixture
def room(engine: Engine) -> Room:
    return Room(engine)


def _ics(engine: Engine, data: bytes) -> Input:
    calendar = read_calendar(data, timezone=engine.config.default_timezone, now=engine.clock.now())
    return Input(media="document", calendar=calendar)


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


async def titled(db: Database, title: str) -> list[Event]:
    return [e for e in await all_events(db) if e.title == title]


async def test_google_export_with_rrule_exdate_and_overrides(
    room: Room, engine: Engine, db: Database
) -> None:
    room.collect(await engine.handle(ADMIN, _ics(engine, GOOGLE)))
    reply = room.inbox(ADMIN)[-1].text
    assert "1 added" in reply  # the one-off social
    assert "🔁 2 repeating events" in reply
    assert "Skipped 1 event: all-day" in reply

    tuesdays = await titled(db, MEETING)
    starts = [e.starts_at for e in tuesdays]
    # Weekly at 19:00 London (GMT in winter) from 24 Nov, for the 8 weeks ahead:
    assert utc(2026, 11, 24, 19, 0) in starts
    assert utc(2026, 12, 1, 19, 0) not in starts  # EXDATE
    assert utc(2026, 12, 15, 19, 0) not in starts  # cancelled by its override
    assert utc(2026, 12, 8, 19, 0) not in starts  # moved by its override...
    moved = next(e for e in tuesdays if e.starts_at == utc(2026, 12, 9, 19, 30))
    # ...to Wednesday, in the library, still the same date of the series.
    assert moved.place == "Riverside Library, Room 2"
    assert moved.occurrence == utc(2026, 12, 8, 19, 0)
    assert starts[-1] <= engine.clock.now() + timedelta(days=56)
    assert len({e.series_id for e in tuesdays}) == 1
    walks = await titled(db, "Recovery walk")
    assert [e.starts_at.date().isoformat() for e in walks][:3] == [
        "2026-11-28",
        "2026-12-12",
        "2026-12-26",
    ]

    # The same file again changes nothing.
    room.collect(await engine.handle(ADMIN, _ics(engine, GOOGLE)))
    again = room.inbox(ADMIN)[-1].text
    assert "0 dates added, 0 moved or changed, 0 cancelled" in again


async def test_a_new_exdate_cancels_that_date_for_those_going_only(
    room: Room, engine: Engine, db: Database
) -> None:
    await join(engine, RIVER)
    await join(engine, LAKE)
    room.collect(await engine.handle(ADMIN, _ics(engine, GOOGLE)))
    first, second = (await titled(db, MEETING))[:2]
    await room.say(RIVER, f"/rsvp {first.id} usually")
    await room.say(LAKE, f"/rsvp {first.id} going")  # this Tuesday only
    # The coordinator cancels 22 December in Google Calendar and exports again.
    changed = GOOGLE.replace(
        b"EXDATE;TZID=Europe/London:20261201T190000",
        b"EXDATE;TZID=Europe/London:20261201T190000,20261222T190000",
    )
    room.collect(await engine.handle(ADMIN, _ics(engine, changed)))
    assert "1 cancelled" in room.inbox(ADMIN)[-1].text
    told = [r.text for r in room.inbox(RIVER) if "has been cancelled" in r.text]
    assert len(told) == 1 and "Tue 22 Dec, 19:00" in told[0]
    assert "cancelled" not in room.texts(LAKE)
    assert second.starts_at in [e.starts_at for e in await titled(db, MEETING)]


async def test_the_import_runs_in_the_capped_process_and_the_sweep_rolls_it_on(
    room: Room, engine: Engine, db: Database, clock: ManualClock
) -> None:
    calendar = await read_calendar_within(
        GOOGLE,
        timezone="Europe/London",
        now=clock.now(),
        max_bytes=engine.config.calendar_max_bytes,
        cpu_seconds=engine.config.calendar_cpu_seconds,
    )
    assert not isinstance(calendar, str)
    room.collect(await engine.handle(ADMIN, Input(media="document", calendar=calendar)))
    await join(engine, RIVER)
    first = (await titled(db, MEETING))[0]
    await room.say(RIVER, f"/rsvp {first.id} usually")
    last = (await titled(db, MEETING))[-1].starts_at
    clock.advance(timedelta(days=7))
    await Timeline(engine, clock, room).sweep()
    rolled = await titled(db, MEETING)
    assert rolled[-1].starts_at == last + timedelta(days=7)
    async with db.transaction() as tx:
        river = await tx.members.find_by_account(RIVER)
        assert river is not None
        answers = await tx.events.answers_of(river.id, [rolled[-1].id])
    assert rolled[-1].id in answers  # River usually goes: the new date is answered too
