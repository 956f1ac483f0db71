"""Community events: posting, importing, listing, answering, reminders, follow-ups."""

import dataclasses
import random
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.app import known_channels
from flows.catalogue import create_engine
from flows.community.calendar_import import read_calendar
from flows.community.reminders import day_before_at, followup_at, hour_before_at
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.engine import NOT_TEXT, Engine
from flows.core.quiet_hours import QuietHours
from flows.core.values import Input
from storage import Account, Database, Event
from tests.chat_driver import Room
from tests.event_helpers import ADMIN, Timeline, all_events, event, join, member, post

RIVER = Account("console", "river")  # New York
LAKE = Account("console", "lake")  # Berlin
STONE = Account("console", "stone")
ONE_LINER = "2026-12-05 18:30 | Recovery walk | Riverside Park gate"


@pytest.fixture
def flow_config(flow_config: FlowConfig) -> FlowConfig:
    # Events are posted in New York time in this file.
    return dataclasses.replace(
        flow_config, admins=frozenset({"console:900"}), default_timezone="America/New_York"
    )


@pytest.fixture
def room(engine: Engine) -> Room:
    return Room(engine)


# -- posting ---------------------------------------------------------------------
async def test_admin_posts_in_one_line_and_members_see_their_own_time(
    room: Room, engine: Engine, db: Database
) -> None:
    await join(engine, RIVER, zone="America/New_York")
    await join(engine, LAKE, zone="Europe/Berlin")
    event_id = await post(room, f"{ONE_LINER} | Bring water | tags: walk, social | capacity: 12")
    posted = await event(db, event_id)
    # 18:30 in New York on 5 December is 23:30 UTC.
    assert posted.starts_at == datetime(2026, 12, 5, 23, 30, tzinfo=UTC)
    assert (posted.title, posted.place, posted.description) == (
        "Recovery walk",
        "Riverside Park gate",
        "Bring water",
    )
    assert posted.tags == ("walk", "social") and posted.capacity == 12

    await room.say(RIVER, "/events")
    listing = room.inbox(RIVER)[-1]
    assert "Sat 5 Dec, 18:30 · Recovery walk" in listing.text
    assert "📍 Riverside Park gate" in listing.text and "12 places left" in listing.text
    assert [c.label for c in listing.choices] == ["I'll go", "Maybe", "Not this time"]
    await room.say(LAKE, "/events")
    assert "Sun 6 Dec, 00:30 · Recovery walk" in room.inbox(LAKE)[-1].text
    assert "(Berlin)" in room.texts(LAKE)


@pytest.mark.parametrize(
    ("line", "reply"),
    [
        ("2026-13-05 18:30 | Walk | Park", "isn't a date"),
        ("2026-12-05 25:00 | Walk | Park", "isn't a time"),
        ("2026-11-01 18:30 | Walk | Park", "in the past"),
        ("tomorrow 18:30 | Walk | Park", "I need a date and a time"),
        ("2026-12-05 18:30 | Walk", "in one line"),
        ("2026-12-05 18:30 | Walk | Park | capacity: 0", "Capacity should be"),
        ("2026-12-05 18:30 | Walk | Park | tags: !!", "Tags are"),
    ],
)
async def test_bad_one_liner_gets_a_clear_reply_and_changes_nothing(
    room: Room, db: Database, line: str, reply: str
) -> None:
    await room.say(ADMIN, f"/newevent {line}")
    assert reply in room.inbox(ADMIN)[-1].text
    assert await all_events(db) == []


async def test_only_admins_post_edit_or_cancel(room: Room, engine: Engine, db: Database) -> None:
    await join(engine, RIVER)
    for command in (f"/newevent {ONE_LINER}", "/editevent 1", "/cancelevent 1"):
        await room.say(RIVER, command)
        assert "That command is for admins" in room.inbox(RIVER)[-1].text
    assert await all_events(db) == []


async def test_guided_newevent(room: Room, db: Database) -> None:
    await room.say(ADMIN, "/newevent")
    assert "When is it?" in room.inbox(ADMIN)[-1].text
    await room.say(ADMIN, "next friday")
    assert "I need a date and a time" in room.inbox(ADMIN)[-1].text
    await room.say(ADMIN, "2026-12-04 10:00")
    await room.say(ADMIN, "Coffee morning")
    await room.say(ADMIN, "Community hall")
    await room.tap(ADMIN, "Skip")
    await room.tap(ADMIN, "Social")
    await room.tap(ADMIN, "Done")
    await room.say(ADMIN, "lots")
    assert "A number from 1" in room.inbox(ADMIN)[-1].text
    await room.say(ADMIN, "20")
    assert "Post this event?" in room.inbox(ADMIN)[-1].text
    await room.tap(ADMIN, "Post it")
    assert "Posted" in room.inbox(ADMIN)[-1].text
    [posted] = await all_events(db)
    assert posted.title == "Coffee morning" and posted.tags == ("social",)
    assert posted.capacity == 20 and posted.description is None
    assert posted.starts_at == datetime(2026, 12, 4, 15, 0, tzinfo=UTC)


async def test_guided_newevent_takes_a_capacity_of_one(room: Room, db: Database) -> None:
    """ "1" at "How many people can come?" is one person, not the first option (No limit)."""
    await room.say(ADMIN, "/newevent")
    for line in ("2026-12-04 10:00", "Coffee morning", "Community hall"):
        await room.say(ADMIN, line)
    await room.tap(ADMIN, "Skip")
    await room.tap(ADMIN, "Done")
    question = room.inbox(ADMIN)[-1]
    assert "How many people can come?" in question.text and not question.numbered
    await room.say(ADMIN, "1")
    await room.tap(ADMIN, "Post it")
    [posted] = await all_events(db)
    assert posted.capacity == 1


async def test_cancel_in_an_event_edit_says_nothing_was_saved(room: Room, db: Database) -> None:
    event_id = await post(room, ONE_LINER)
    await room.say(ADMIN, f"/editevent {event_id}")
    await room.say(ADMIN, "/cancel")
    assert "The event is as it was" in room.inbox(ADMIN)[-1].text
    await room.say(ADMIN, f"/editevent {event_id}")
    await room.tap(ADMIN, "Title")
    await room.say(ADMIN, "Evening walk")
    await room.say(ADMIN, "/cancel")
    # Changes are held until Done: stopping keeps none of them, and says so.
    assert "Nothing from it was saved" in room.inbox(ADMIN)[-1].text
    assert (await event(db, event_id)).title != "Evening walk"


# -- answering -------------------------------------------------------------------
async def test_rsvp_buttons_unknown_event_and_capacity(
    room: Room, engine: Engine, db: Database
) -> None:
    await join(engine, RIVER)
    await join(engine, LAKE)
    event_id = await post(room, f"{ONE_LINER} | capacity: 1")
    await room.say(RIVER, "/rsvp 999 going")
    assert "can't find that event" in room.inbox(RIVER)[-1].text
    await room.say(RIVER, "/rsvp")
    # The console lists command buttons as lines to send: it has no buttons to tap.
    assert room.inbox(RIVER)[-1].text == (
        "To answer, send one of the commands listed under an event in /events."
    )

    await room.say(RIVER, "/events")
    outcome = await room.tap(RIVER, "I'll go")
    assert outcome.answered == "✅ I'll go"
    assert "you're going to Recovery walk" in room.inbox(RIVER)[-1].text
    assert (await event(db, event_id)).going == 1

    await room.say(LAKE, "/events")
    assert "full" in room.inbox(LAKE)[-1].text
    await room.tap(LAKE, "I'll go")
    assert "is full" in room.inbox(LAKE)[-1].text
    assert (await event(db, event_id)).going == 1
    await room.tap(LAKE, "Maybe")
    assert (await event(db, event_id)).maybe == 1

    await room.say(RIVER, f"/rsvp {event_id} no")
    assert "taken you off the list" in room.inbox(RIVER)[-1].text
    assert (await event(db, event_id)).going == 0


async def test_rsvp_with_the_event_alone_shows_it_with_its_buttons(
    room: Room, engine: Engine, db: Database
) -> None:
    await join(engine, RIVER, zone="America/New_York")
    event_id = await post(room, ONE_LINER)
    for typed in (f"/rsvp {event_id}", f"/rsvp {event_id} yes"):
        await room.say(RIVER, typed)
        offered = room.inbox(RIVER)[-1]
        assert offered.text.startswith("Would you like to go?")
        assert "Sat 5 Dec, 18:30 · Recovery walk" in offered.text
        assert [c.value for c in offered.choices] == [
            f"rsvp {event_id} going", f"rsvp {event_id} maybe", f"rsvp {event_id} no",
        ]  # fmt: skip
    assert (await event(db, event_id)).going == 0  # nothing was answered for them
    await room.tap(RIVER, "Maybe")
    assert (await event(db, event_id)).maybe == 1
    await room.say(RIVER, f"/rsvp {event_id} GOING")  # the typed answer, in any case
    assert (await event(db, event_id)).going == 1
    await room.say(RIVER, "/rsvp 999")
    assert "can't find that event" in room.inbox(RIVER)[-1].text


async def test_telegram_members_are_told_to_tap(room: Room, engine: Engine) -> None:
    member = Account("telegram", "555")
    await join(engine, member)
    await room.say(member, "/rsvp")
    assert room.inbox(member)[-1].text == "To answer, tap a button under an event in /events."


async def test_an_empty_events_list_promises_nothing(room: Room, engine: Engine) -> None:
    await join(engine, RIVER)
    await room.say(RIVER, "/events")
    text = room.inbox(RIVER)[-1].text
    assert "no community events in the next two weeks" in text
    assert "let you know" not in text and "/newevent" not in text
    await room.say(ADMIN, "/events")
    assert "/newevent posts one" in room.inbox(ADMIN)[-1].text


async def test_people_who_have_not_joined_are_not_shown_events(room: Room) -> None:
    await post(room, ONE_LINER)
    stranger = Account("console", "stranger")
    await room.say(stranger, "/events")
    assert "Send /start" in room.texts(stranger)
    assert "Recovery walk" not in room.texts(stranger)
    assert "Riverside" not in room.texts(stranger)
    await room.say(stranger, "/help")
    assert "/events" not in room.inbox(stranger)[-1].text


async def test_admins_who_are_not_members_see_events_without_buttons(room: Room) -> None:
    await post(room, ONE_LINER)
    await room.say(ADMIN, "/events")
    assert any("Recovery walk" in r.text and not r.choices for r in room.inbox(ADMIN))
    assert "Send /start" in room.inbox(ADMIN)[-1].text


async def test_events_lists_only_the_next_two_weeks(
    room: Room, engine: Engine, clock: ManualClock
) -> None:
    await join(engine, RIVER)
    await post(room, "2026-11-25 18:00 | Soon | Hall")
    await post(room, "2026-12-20 18:00 | Later | Hall")
    await room.say(RIVER, "/events")
    assert "Soon" in room.texts(RIVER) and "Later" not in room.texts(RIVER)


# -- reminders and follow-ups ------------------------------------------------------
async def test_reminders_land_at_local_time_in_two_zones_across_dst(
    engine: Engine, db: Database, clock: ManualClock
) -> None:
    # US clocks go back on 1 November 2026 (Europe's went back on 25 October).
    clock.set(datetime(2026, 10, 28, 12, 0, tzinfo=UTC))
    room = Room(engine)
    await join(engine, RIVER, zone="America/New_York", at="07:00")
    await join(engine, LAKE, zone="Europe/Berlin", at="07:00")
    event_id = await post(room, "2026-11-01 12:00 | Sunday walk | Pier 1")
    for who in (RIVER, LAKE):
        await room.say(who, f"/rsvp {event_id} going")
    timeline = Timeline(engine, clock, room)
    await timeline.run_until(datetime(2026, 11, 2, 12, 0, tzinfo=UTC))

    # The day before at the event's local time: 12:00 EDT (UTC-4) in New York,
    # 18:00 CET in Berlin — 25 hours and 24 hours before the event.
    assert timeline.times(RIVER, "Tomorrow") == [datetime(2026, 10, 31, 16, 0, tzinfo=UTC)]
    assert timeline.times(LAKE, "Tomorrow") == [datetime(2026, 10, 31, 17, 0, tzinfo=UTC)]
    # An hour before: 11:00 EST (UTC-5) is 16:00 UTC, 17:00 in Berlin.
    for who in (RIVER, LAKE):
        assert timeline.times(who, "starts in an hour") == [
            datetime(2026, 11, 1, 16, 0, tzinfo=UTC)
        ]
    # An hour after it ends (14:00 EST): 15:00 in New York; 21:00 is quiet in Berlin,
    # so the follow-up waits for 09:00 there.
    assert timeline.times(RIVER, "Did you make it") == [datetime(2026, 11, 1, 20, 0, tzinfo=UTC)]
    assert timeline.times(LAKE, "Did you make it") == [datetime(2026, 11, 2, 8, 0, tzinfo=UTC)]


def _event_at(local: str, zone: str) -> Event:
    from zoneinfo import ZoneInfo

    start = datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    return Event(1, "u", "Walk", "", None, start, None, (), None, None)


def test_reminder_times_keep_out_of_quiet_hours() -> None:
    quiet = QuietHours.parse("21:00-09:00")
    zone = "Europe/London"
    early = _event_at("2026-12-05T08:00", zone)
    # 08:00 the day before is quiet: moved to 09:00 that day; an hour before is skipped.
    assert day_before_at(early, zone, quiet) == datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    assert hour_before_at(early, zone, quiet) is None
    late = _event_at("2026-12-05T22:00", zone)
    # 22:00 the day before and 21:00 the same day are quiet: half an hour before they begin.
    assert day_before_at(late, zone, quiet) == datetime(2026, 12, 4, 20, 30, tzinfo=UTC)
    assert hour_before_at(late, zone, quiet) == datetime(2026, 12, 5, 20, 30, tzinfo=UTC)
    # Its follow-up (midnight + 1 h) waits for the morning.
    assert followup_at(late, zone, quiet) == datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    half_past = _event_at("2026-12-05T09:30", zone)
    assert hour_before_at(half_past, zone, quiet) == datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


async def test_followup_records_attendance_as_connection(
    room: Room, engine: Engine, db: Database, clock: ManualClock
) -> None:
    await join(engine, RIVER, zone="America/New_York")
    event_id = await post(room, "2026-11-24 18:00 | Meeting | Hall")
    await room.say(RIVER, f"/rsvp {event_id} going")
    await room.say(RIVER, f"/attended {event_id} good")
    assert "hasn't happened yet" in room.inbox(RIVER)[-1].text
    timeline = Timeline(engine, clock, room)
    await timeline.run_until(datetime(2026, 11, 26, 0, 0, tzinfo=UTC))
    # It ended at 20:00 in New York; 21:00 is quiet, so the question comes at 09:00.
    assert timeline.times(RIVER, "Did you make it to Meeting?") == [
        datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
    ]
    outcome = await room.tap(RIVER, "I went — it was good")
    assert outcome.answered is not None
    assert "showing up is a big deal" in room.inbox(RIVER)[-1].text
    river = await member(db, RIVER)
    assert river.last_contact_at == datetime(2026, 11, 24, 23, 0, tzinfo=UTC)
    await room.say(RIVER, f"/attended {event_id} no")
    assert "already have your answer" in room.inbox(RIVER)[-1].text


async def test_paused_or_declined_members_get_no_reminders(
    room: Room, engine: Engine, clock: ManualClock
) -> None:
    await join(engine, RIVER)
    await join(engine, LAKE)
    event_id = await post(room, "2026-11-26 18:00 | Meeting | Hall")
    await room.say(RIVER, f"/rsvp {event_id} going")
    await room.say(RIVER, "/pause")
    await room.say(LAKE, f"/rsvp {event_id} going")
    await room.say(LAKE, f"/rsvp {event_id} no")
    timeline = Timeline(engine, clock, room)
    await timeline.run_until(datetime(2026, 11, 28, 0, 0, tzinfo=UTC), step=timedelta(hours=1))
    assert not timeline.times(RIVER, "🔔") and not timeline.times(LAKE, "🔔")
    assert not timeline.times(LAKE, "Did you make it")


# -- editing and cancelling ----------------------------------------------------------
async def test_cancelled_event_notifies_those_going(
    room: Room, engine: Engine, db: Database, clock: ManualClock
) -> None:
    for who in (RIVER, LAKE, STONE):
        await join(engine, who)
    event_id = await post(room, ONE_LINER)
    await room.say(RIVER, f"/rsvp {event_id} going")
    await room.say(LAKE, f"/rsvp {event_id} maybe")
    await room.say(STONE, f"/rsvp {event_id} no")
    await room.say(ADMIN, "/cancelevent")
    await room.tap(ADMIN, f"#{event_id} Sat 5 Dec, 18:30 Recovery walk")
    assert "2 people said they'd go or maybe" in room.inbox(ADMIN)[-1].text
    await room.tap(ADMIN, "Yes, cancel it")
    assert "I've told the 2 people" in room.inbox(ADMIN)[-1].text
    for who in (RIVER, LAKE):
        assert "Recovery walk on Sat 5 Dec, 23:30 has been cancelled" in room.texts(who)
    assert "cancelled" not in room.texts(STONE)
    assert (await event(db, event_id)).is_cancelled
    # Nothing more is sent about it, and it can't be answered.
    timeline = Timeline(engine, clock, room)
    await timeline.run_until(datetime(2026, 12, 7, 0, 0, tzinfo=UTC), step=timedelta(hours=2))
    assert not timeline.times(RIVER, "🔔")
    await room.say(STONE, f"/rsvp {event_id} going")
    assert "was cancelled" in room.inbox(STONE)[-1].text
    await room.say(ADMIN, f"/cancelevent {event_id}")
    assert "already cancelled" in room.inbox(ADMIN)[-1].text


async def test_edit_moves_reminders_and_tells_those_going(
    room: Room, engine: Engine, db: Database, clock: ManualClock
) -> None:
    await join(engine, RIVER, zone="America/New_York")
    event_id = await post(room, "2026-11-27 18:00 | Meeting | Hall")
    await room.say(RIVER, f"/rsvp {event_id} going")
    await room.say(ADMIN, "/editevent 999")
    assert "can't find event" in room.inbox(ADMIN)[-1].text
    await room.say(ADMIN, f"/editevent {event_id}")
    await room.tap(ADMIN, "Date and time")
    await room.say(ADMIN, "2026-13-01 10:00")
    assert "isn't a date" in room.inbox(ADMIN)[-1].text
    await room.say(ADMIN, "2026-11-28 10:00")
    assert "not saved yet: date and time" in room.inbox(ADMIN)[-1].text
    await room.tap(ADMIN, "Place")
    await room.say(ADMIN, "Library, room 2")
    assert "not saved yet: date and time, place" in room.inbox(ADMIN)[-1].text
    assert "tells the 1 person going or maybe, once" in room.inbox(ADMIN)[-1].text
    assert "A change" not in room.texts(RIVER)  # nothing is told before it is saved
    await room.tap(ADMIN, "Done")
    assert "I've told the 1 person going or maybe" in room.inbox(ADMIN)[-1].text
    # One message for the whole edit, with both changes.
    changes = [r.text for r in room.inbox(RIVER) if "A change" in r.text]
    assert changes == [
        "📣 A change to Meeting: it's now Sat 28 Nov, 10:00 — Library, room 2. "
        "/events has the details."
    ]
    edited = await event(db, event_id)
    assert edited.place == "Library, room 2"
    assert edited.starts_at == datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
    timeline = Timeline(engine, clock, room)
    await timeline.run_until(datetime(2026, 11, 28, 16, 0, tzinfo=UTC))
    assert timeline.times(RIVER, "Tomorrow") == [datetime(2026, 11, 27, 15, 0, tzinfo=UTC)]


async def test_a_cancelled_edit_changes_nothing_and_tells_nobody(
    room: Room, engine: Engine, db: Database
) -> None:
    await join(engine, RIVER)
    event_id = await post(room, "2026-11-27 18:00 | Meeting | Hall")
    await room.say(RIVER, f"/rsvp {event_id} going")
    await room.say(ADMIN, f"/editevent {event_id}")
    await room.tap(ADMIN, "Title")
    await room.say(ADMIN, "Open meeting")
    await room.say(ADMIN, "/cancel")
    assert "Nothing from it was saved" in room.inbox(ADMIN)[-1].text
    assert (await event(db, event_id)).title == "Meeting"
    assert "A change" not in room.texts(RIVER)
    # Done with nothing changed tells nobody either.
    await room.say(ADMIN, f"/editevent {event_id}")
    await room.tap(ADMIN, "Done")
    assert "Nothing was changed" in room.inbox(ADMIN)[-1].text
    assert "A change" not in room.texts(RIVER)


# -- importing a calendar ----------------------------------------------------------
GOOD_ICS = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Test//Events//EN\r
BEGIN:VEVENT\r
UID:walk-1@example.org\r
SUMMARY:Recovery walk\r
DTSTART;TZID=America/New_York:20261205T183000\r
DTEND;TZID=America/New_York:20261205T200000\r
LOCATION:Riverside Park gate\r
CATEGORIES:walk,social\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:meet-1@example.org\r
SUMMARY:Open meeting\r
DTSTART:20261203T000000Z\r
LOCATION:Community hall\r
DESCRIPTION:All welcome\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:old-1@example.org\r
SUMMARY:Last month\r
DTSTART:20261001T180000Z\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:weekly-1@example.org\r
SUMMARY:Weekly circle\r
DTSTART:20261201T180000Z\r
RRULE:FREQ=WEEKLY\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:broken-1@example.org\r
SUMMARY:Broken\r
DTSTART:tomorrowish\r
END:VEVENT\r
END:VCALENDAR\r
"""


def _ics(engine: Engine, data: bytes) -> Input:
    """An admin's calendar file as the channel hands it on: already read (in-process here;
    the budgeted reading process is tested in tests/community/test_telegram_calendar.py)."""
    calendar = read_calendar(data, timezone=engine.config.default_timezone, now=engine.clock.now())
    return Input(media="document", calendar=calendar)


async def test_calendar_import_bad_file_then_good_file(
    room: Room, engine: Engine, db: Database
) -> None:
    outcome = await engine.handle(ADMIN, _ics(engine, b"this is not a calendar"))
    room.collect(outcome)
    assert "couldn't import that file: it isn't an iCalendar file" in room.texts(ADMIN)
    assert "Nothing was changed" in room.texts(ADMIN)
    empty = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    room.collect(await engine.handle(ADMIN, _ics(engine, empty)))
    assert "it has no events in it" in room.inbox(ADMIN)[-1].text
    assert await all_events(db) == []

    room.collect(await engine.handle(ADMIN, _ics(engine, GOOD_ICS)))
    reply = room.inbox(ADMIN)[-1].text
    assert "2 added, 0 updated, 0 unchanged, 0 cancelled" in reply
    assert "Skipped 1 event: already started or past" in reply
    # The weekly one is a series now (tests/community/test_calendar_recurrence.py).
    assert "🔁 1 repeating event: 7 dates added" in reply
    assert "Skipped 1 event: unreadable" in reply
    walk, meeting = sorted(
        (e for e in await all_events(db) if e.series_id is None),
        key=lambda e: e.uid,
        reverse=True,
    )
    assert walk.uid == "walk-1@example.org" and walk.tags == ("walk", "social")
    assert walk.starts_at == datetime(2026, 12, 5, 23, 30, tzinfo=UTC)
    assert walk.ends_at == datetime(2026, 12, 6, 1, 0, tzinfo=UTC)
    assert meeting.description == "All welcome"

    # The same file again changes nothing; a moved event is updated by UID and those
    # going are told.
    room.collect(await engine.handle(ADMIN, _ics(engine, GOOD_ICS)))
    assert "0 added, 0 updated, 2 unchanged" in room.inbox(ADMIN)[-1].text
    await join(engine, RIVER, zone="America/New_York")
    await room.say(RIVER, f"/rsvp {walk.id} going")
    moved = GOOD_ICS.replace(b"20261205T183000", b"20261206T103000").replace(
        b"20261205T200000", b"20261206T120000"
    )
    room.collect(await engine.handle(ADMIN, _ics(engine, moved)))
    assert "0 added, 1 updated, 1 unchanged" in room.inbox(ADMIN)[-1].text
    assert "I told those going or maybe about the changes (1 message)." in room.texts(ADMIN)
    assert "now Sun 6 Dec, 10:30" in room.texts(RIVER)
    assert len([e for e in await all_events(db) if e.series_id is None]) == 2

    cancelled = moved.replace(b"LOCATION:Riverside", b"STATUS:CANCELLED\r\nLOCATION:Riverside")
    room.collect(await engine.handle(ADMIN, _ics(engine, cancelled)))
    assert "1 cancelled" in room.inbox(ADMIN)[-1].text
    assert "has been cancelled" in room.texts(RIVER)

    # Importing the earlier file again does not bring the cancelled walk back.
    room.collect(await engine.handle(ADMIN, _ics(engine, moved)))
    assert "0 added, 0 updated, 2 unchanged" in room.inbox(ADMIN)[-1].text
    assert (await event(db, walk.id)).is_cancelled


async def test_members_sending_files_get_the_usual_answer(
    room: Room, engine: Engine, db: Database
) -> None:
    await join(engine, RIVER)
    room.collect(await engine.handle(RIVER, _ics(engine, GOOD_ICS)))
    assert room.inbox(RIVER)[-1].text == NOT_TEXT
    room.collect(await engine.handle(ADMIN, Input(media="photo")))
    assert room.inbox(ADMIN)[-1].text == NOT_TEXT
    assert await all_events(db) == []


async def test_deleting_a_member_keeps_events_and_anonymous_counts(
    room: Room, engine: Engine, db: Database
) -> None:
    await join(engine, RIVER)
    event_id = await post(room, ONE_LINER)
    await room.say(RIVER, f"/rsvp {event_id} going")
    await room.say(RIVER, "/delete")
    await room.tap(RIVER, "Yes, delete everything")
    assert (await event(db, event_id)).going == 0


def test_engine_builds_with_event_commands(db: Database, clock: ManualClock) -> None:
    config = FlowConfig(crisis_resources="x")
    engine = create_engine(db, clock, config, rng=random.Random(1), channels=known_channels())
    for name in ("events", "rsvp", "attended", "newevent", "editevent", "cancelevent", "nudges"):
        assert name in engine.commands
    assert engine.hooks.media is not None
    assert timedelta(0) < engine.flows["newevent"].timeout


@pytest.mark.parametrize(
    "line",
    [
        "/rsvp ² going",
        "/rsvp 99999999999999999999 going",
        "/attended ³ good",
        "/buddy ²",
        "/buddyoffer 99999999999999999999",
        "/accept ²",
        "/report 99999999999999999999",
        "/cancelevent ²",
    ],
)
async def test_odd_ids_get_a_kind_reply_not_a_crash(room: Room, engine: Engine, line: str) -> None:
    # "²" is a digit to str.isdigit but not to int(); 20 digits overflow SQLite's integers.
    await join(engine, RIVER, zone="America/New_York")
    outcome = await room.say(RIVER, line)
    assert outcome.deliveries, line
    assert "went wrong" not in room.inbox(RIVER)[-1].text


async def test_a_superscript_digit_answering_a_question_reads_as_that_digit(
    room: Room, engine: Engine, db: Database
) -> None:
    await join(engine, RIVER, zone="America/New_York")
    await room.say(RIVER, "/connect")
    for _ in range(3):
        await room.tap(RIVER, "Often")
    await room.say(RIVER, "²")  # NFKC makes it "2", as it looks
    assert "Thank you for sharing" in room.inbox(RIVER)[-1].text
    async with db.transaction() as tx:
        found = await tx.members.find_by_account(RIVER)
        assert found is not None
        (latest,) = await tx.checkins.connections_since(found.id, date(2000, 1, 1))
    assert latest.community_contacts == 2


FAR_ICS = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Test//Events//EN\r
BEGIN:VEVENT\r
UID:end-of-time@example.org\r
SUMMARY:End of time\r
DTSTART:99991231T235959\r
DURATION:P2D\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:typo-year@example.org\r
SUMMARY:Typo in the year\r
DTSTART:20291205T183000Z\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:walk-9@example.org\r
SUMMARY:Winter walk\r
DTSTART:20261205T183000Z\r
END:VEVENT\r
END:VCALENDAR\r
"""


async def test_calendar_import_skips_dates_at_the_end_of_time_and_years_away(
    room: Room, engine: Engine, db: Database
) -> None:
    room.collect(await engine.handle(ADMIN, _ics(engine, FAR_ICS)))
    reply = room.inbox(ADMIN)[-1].text
    assert "1 added" in reply
    assert "Skipped 1 event: more than two years away" in reply
    assert "Skipped 1 event: unreadable" in reply
    assert [e.title for e in await all_events(db)] == ["Winter walk"]
