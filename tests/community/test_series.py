"""Repeating events: rules and their dates across daylight saving, /newevent in one line
and step by step, answering one date or the series, reminders, nudges and cancellations
per date."""

import dataclasses
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from flows.community.series import HORIZON, Rule, occurrence_starts, parse_repeat, rule_dates
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.engine import Engine
from storage import Account, Database, Event, RsvpAnswer
from tests.chat_driver import Room
from tests.community.test_nudges import feel_lonely
from tests.event_helpers import ADMIN, Timeline, all_events, join, post

RIVER = Account("console", "river")
LAKE = Account("console", "lake")
STONE = Account("console", "stone")
FERN = Account("console", "fern")
LONDON = "Europe/London"
# A Sunday in October, a week before the clocks go back in London (25 October 2026).
BEFORE_DST_END = datetime(2026, 10, 18, 12, 0, tzinfo=UTC)


@pytest.fixture
def flow_config(flow_config: FlowConfig) -> FlowConfig:
    # Events are posted in London time in this file.
    return dataclasses.replace(
        flow_config, admins=frozenset({"console:900"}), default_timezone=LONDON
    )


@pytest.fixture
def room(engine: Engine) -> Room:
    return Room(engine)


async def dates(db: Database, title: str = "NA meeting") -> list[Event]:
    return [e for e in await all_events(db) if e.title == title]


# -- rules and their dates --------------------------------------------------------------
def test_a_weekly_meeting_keeps_its_wall_clock_time_across_a_dst_change() -> None:
    starts = occurrence_starts(
        Rule("weekly", (1,)),
        first=date(2026, 10, 20),
        local_time="19:00",
        timezone=LONDON,
        after=BEFORE_DST_END,
        until=BEFORE_DST_END + timedelta(days=15),
    )
    # 19:00 BST is 18:00 UTC; after the clocks go back, 19:00 GMT is 19:00 UTC.
    assert starts == [
        datetime(2026, 10, 20, 18, 0, tzinfo=UTC),
        datetime(2026, 10, 27, 19, 0, tzinfo=UTC),
    ]
    # New York changes a week later (1 November): its meeting moves in UTC then.
    ny = occurrence_starts(
        Rule("weekly", (1,)),
        first=date(2026, 10, 20),
        local_time="19:00",
        timezone="America/New_York",
        after=BEFORE_DST_END,
        until=BEFORE_DST_END + timedelta(days=22),
    )
    assert [s.hour for s in ny] == [23, 23, 0]


def test_every_other_week_and_monthly_by_weekday() -> None:
    fortnightly = list(
        rule_dates(
            Rule("weekly", (5,), interval=2),
            date(2026, 11, 28),
            date(2026, 11, 1),
            date(2027, 1, 1),
        )
    )
    assert fortnightly == [date(2026, 11, 28), date(2026, 12, 12), date(2026, 12, 26)]
    first_friday = list(
        rule_dates(
            Rule("monthly", (4,), nth=1), date(2026, 11, 1), date(2026, 11, 1), date(2027, 2, 28)
        )
    )
    assert first_friday == [
        date(2026, 11, 6),
        date(2026, 12, 4),
        date(2027, 1, 1),
        date(2027, 2, 5),
    ]
    last_sunday = list(
        rule_dates(
            Rule("monthly", (6,), nth=-1), date(2026, 11, 1), date(2026, 11, 1), date(2027, 1, 31)
        )
    )
    assert last_sunday == [date(2026, 11, 29), date(2026, 12, 27), date(2027, 1, 31)]


@pytest.mark.parametrize(
    ("typed", "rule", "first"),
    [
        ("every Tue 19:00", Rule("weekly", (1,)), date(2026, 11, 24)),
        ("every other Sat 10:00", Rule("weekly", (5,), interval=2), date(2026, 11, 28)),
        ("every Mon and Thu 6.30pm", Rule("weekly", (0, 3)), date(2026, 11, 23)),
        ("first Fri 19:30", Rule("monthly", (4,), nth=1), date(2026, 12, 4)),
        ("last sunday 11am", Rule("monthly", (6,), nth=-1), date(2026, 11, 29)),
        # Sunday 22 November, 14:00: today's 15:00 is still to come, 13:00 is not.
        ("every Sunday 15:00", Rule("weekly", (6,)), date(2026, 11, 22)),
        ("every Sunday 13:00", Rule("weekly", (6,)), date(2026, 11, 29)),
    ],
)
def test_typed_rules(typed: str, rule: Rule, first: date, clock: ManualClock) -> None:
    parsed = parse_repeat(typed, LONDON, clock.now())
    assert not isinstance(parsed, str), parsed
    assert (parsed.rule, parsed.first) == (rule, first)


# -- /newevent -------------------------------------------------------------------------
async def test_newevent_every_tuesday_makes_dates_in_london_time_across_the_change(
    room: Room, engine: Engine, db: Database, clock: ManualClock
) -> None:
    clock.set(BEFORE_DST_END)
    await join(engine, RIVER, zone="America/New_York")
    await post(room, "every Tue 19:00 | NA meeting | St Mary's hall")
    posted = room.inbox(ADMIN)[-1].text
    assert "Tue 20 Oct, 19:00 · NA meeting" in posted
    assert "🔁 Repeats every Tuesday at 19:00, London time" in posted
    found = await dates(db)
    assert len(found) == HORIZON.days // 7
    assert [e.starts_at for e in found[:2]] == [
        datetime(2026, 10, 20, 18, 0, tzinfo=UTC),
        datetime(2026, 10, 27, 19, 0, tzinfo=UTC),
    ]
    assert len({e.series_id for e in found}) == 1

    # Each date is in /events, in the member's own time, with its repeat and both answers.
    await room.say(RIVER, "/events")
    first = next(r for r in room.inbox(RIVER) if "NA meeting" in r.text)
    assert "Tue 20 Oct, 14:00 · NA meeting" in first.text and "every Tuesday" in first.text
    assert [c.label for c in first.choices] == [
        "I'll go this time",
        "Maybe",
        "Not this time",
        "I usually go",
    ]


async def test_newevent_every_other_saturday_and_first_friday(
    room: Room, engine: Engine, db: Database
) -> None:
    await post(room, "every other Sat 10:00 | SMART walk | Park gate")
    assert [e.starts_at.date() for e in await dates(db, "SMART walk")] == [
        date(2026, 11, 28) + timedelta(days=14 * n) for n in range(4)
    ]
    await post(room, "first Fri 19:30 | Open share | Hall")
    assert [e.starts_at for e in await dates(db, "Open share")] == [
        datetime(2026, 12, 4, 19, 30, tzinfo=UTC),
        datetime(2027, 1, 1, 19, 30, tzinfo=UTC),
    ]


@pytest.mark.parametrize(
    ("line", "reply"),
    [
        ("every day 19:00 | NA | Hall", "which day of the week"),
        ("daily 19:00 | NA | Hall", "I can repeat an event weekly"),
        ("every Tue | NA | Hall", "one time after the day"),
        ("every Tue 25:00 | NA | Hall", "isn't a time I know"),
        ("first Mon and Fri 19:00 | NA | Hall", "on one weekday"),
        ("every other 19:00 | NA | Hall", "I can repeat an event weekly"),
    ],
)
async def test_a_rule_it_cannot_read_gets_a_clear_reply_and_changes_nothing(
    room: Room, db: Database, line: str, reply: str
) -> None:
    await room.say(ADMIN, f"/newevent {line}")
    assert reply in room.inbox(ADMIN)[-1].text
    assert await all_events(db) == []


async def test_newevent_step_by_step_takes_a_rule(room: Room, db: Database) -> None:
    await room.say(ADMIN, "/newevent")
    assert "every Tue 19:00" in room.inbox(ADMIN)[-1].text
    await room.say(ADMIN, "every Sunday")
    assert "one time after the day" in room.inbox(ADMIN)[-1].text
    await room.say(ADMIN, "every Wed 18:00")
    await room.say(ADMIN, "Wednesday group")
    await room.say(ADMIN, "Library room 2")
    await room.tap(ADMIN, "Skip")
    await room.tap(ADMIN, "Meeting")
    await room.tap(ADMIN, "Done")
    await room.tap(ADMIN, "No limit")
    assert "🔁 Repeats every Wednesday at 18:00" in room.inbox(ADMIN)[-1].text
    await room.tap(ADMIN, "Post it")
    assert "Posted" in room.inbox(ADMIN)[-1].text
    found = await dates(db, "Wednesday group")
    assert [e.starts_at.date() for e in found[:2]] == [date(2026, 11, 25), date(2026, 12, 2)]
    assert all(e.tags == ("meeting",) for e in found)


# -- answering one date or the series ------------------------------------------------------
async def answers(db: Database, who: Account) -> dict[date, RsvpAnswer]:
    async with db.transaction() as tx:
        member = await tx.members.find_by_account(who)
        assert member is not None
        events = await tx.events.upcoming(
            datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC), limit=1000
        )
        given = await tx.events.answers_of(member.id, (e.id for e in events))
    return {e.starts_at.date(): given[e.id] for e in events if e.id in given}


async def test_i_usually_go_answers_every_date_and_one_date_can_differ(
    room: Room, engine: Engine, db: Database, clock: ManualClock
) -> None:
    await join(engine, RIVER)
    await join(engine, LAKE)
    first_id = await post(room, "every Tue 19:00 | NA meeting | St Mary's hall")
    found = await dates(db)
    second_id = found[1].id

    await room.say(RIVER, f"/rsvp {first_id} usually")
    assert "you usually go to NA meeting (every Tuesday at 19:00)" in room.inbox(RIVER)[-1].text
    assert set((await answers(db, RIVER)).values()) == {RsvpAnswer.GOING}
    assert len(await answers(db, RIVER)) == len(found)
    # This Tuesday only, for Lake.
    await room.say(LAKE, f"/rsvp {first_id} going")
    assert list((await answers(db, LAKE)).values()) == [RsvpAnswer.GOING]

    # River can't make the second date: that one changes, the series stays.
    await room.say(RIVER, f"/rsvp {second_id} no")
    mine = await answers(db, RIVER)
    assert mine[found[1].starts_at.date()] is RsvpAnswer.NO
    assert mine[found[2].starts_at.date()] is RsvpAnswer.GOING

    # New dates as the horizon rolls on are answered for River, not for Lake.
    timeline = Timeline(engine, clock, room)
    clock.advance(timedelta(days=7))
    await timeline.sweep()
    later = await dates(db)
    assert later[-1].starts_at > found[-1].starts_at
    assert (await answers(db, RIVER))[later[-1].starts_at.date()] is RsvpAnswer.GOING
    assert later[-1].starts_at.date() not in await answers(db, LAKE)

    # No longer usually: the coming dates lose the series' answer; River's own "no" stays.
    await room.say(RIVER, f"/rsvp {second_id} notusually")
    assert "won't count you in" in room.inbox(RIVER)[-1].text
    coming = {d: a for d, a in (await answers(db, RIVER)).items() if d > clock.now().date()}
    assert list(coming.values()) == [RsvpAnswer.NO]


async def test_reminders_and_did_you_make_it_come_for_each_weekly_date(
    room: Room, engine: Engine, db: Database, clock: ManualClock
) -> None:
    await join(engine, RIVER, at="No daily reminder")
    first_id = await post(room, "every Tue 19:00 | NA meeting | St Mary's hall")
    await room.say(RIVER, f"/rsvp {first_id} usually")
    timeline = Timeline(engine, clock, room)
    await timeline.run_until(datetime(2026, 12, 2, 12, 0, tzinfo=UTC))
    assert timeline.times(RIVER, "Tomorrow: NA meeting") == [
        datetime(2026, 11, 23, 19, 0, tzinfo=UTC),
        datetime(2026, 11, 30, 19, 0, tzinfo=UTC),
    ]
    assert len(timeline.times(RIVER, "NA meeting starts in an hour")) == 2
    asked = timeline.times(RIVER, "Did you make it to NA meeting?")
    # An hour after each ends (21:00), in quiet hours: the next morning.
    assert asked == [
        datetime(2026, 11, 25, 9, 0, tzinfo=UTC),
        datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
    ]
    # "Did you make it?" answers that date: going counts as connection.
    await room.say(RIVER, f"/attended {first_id} good")
    assert "showing up is a big deal" in room.inbox(RIVER)[-1].text
    async with db.transaction() as tx:
        river = await tx.members.find_by_account(RIVER)
        assert river is not None and river.last_contact_at == datetime(
            2026, 11, 24, 19, 0, tzinfo=UTC
        )


async def test_nudges_suggest_the_next_date_and_a_declined_date_only_for_itself(
    room: Room, engine: Engine, db: Database, clock: ManualClock
) -> None:
    await join(engine, FERN, at="No daily reminder")
    await post(room, "every Wed 19:00 | NA meeting | St Mary's hall")
    found = await dates(db)
    await feel_lonely(room, FERN)
    timeline = Timeline(engine, clock, room)
    await timeline.sweep()
    nudge = room.inbox(FERN)[-1]
    assert "Coming up: NA meeting, Wed 25 Nov, 19:00" in nudge.text
    assert [c.label for c in nudge.choices][:4] == [
        "I'll go this time",
        "Maybe",
        "Not this time",
        "I usually go",
    ]
    await room.say(FERN, f"/rsvp {found[0].id} no")
    # Next window: the next Wednesday is suggested, not the one declined.
    await timeline.run_until(clock.now() + timedelta(days=3, hours=1), step=timedelta(hours=1))
    later = [r.text for _, who, r in timeline.seen if who == FERN and "Coming up" in r.text]
    assert later and "Wed 2 Dec, 19:00" in later[-1]


# -- cancelling -------------------------------------------------------------------------
async def test_cancelling_one_date_or_the_series_tells_exactly_those_going(
    room: Room, engine: Engine, db: Database
) -> None:
    for who in (RIVER, LAKE, STONE, FERN):
        await join(engine, who)
    first_id = await post(room, "every Tue 19:00 | NA meeting | St Mary's hall")
    found = await dates(db)
    await room.say(RIVER, f"/rsvp {first_id} usually")  # every date
    await room.say(LAKE, f"/rsvp {found[1].id} going")  # the second date only
    await room.say(STONE, f"/rsvp {found[0].id} no")  # not going
    # Fern has not answered.

    # One date: the first. Only River is going to it.
    await room.say(ADMIN, f"/cancelevent {first_id}")
    assert "Just this date" in [c.label for c in room.inbox(ADMIN)[-1].choices]
    await room.tap(ADMIN, "Just this date")
    assert "told the 1 person" in room.inbox(ADMIN)[-1].text
    river_told = room.inbox(RIVER)[-1].text
    assert "NA meeting on Tue 24 Nov, 19:00 has been cancelled" in river_told
    assert "the others are still on" in river_told
    for who in (LAKE, STONE, FERN):
        assert "cancelled" not in room.texts(who)
    assert len(await dates(db)) == len(found) - 1  # the rest are on

    # The whole series: River (usually) and Lake (one date) are told, once each.
    await room.say(ADMIN, f"/cancelevent {found[1].id}")
    await room.tap(ADMIN, "The whole series")
    assert "told the 2 people" in room.inbox(ADMIN)[-1].text
    for who in (RIVER, LAKE):
        told = [r.text for r in room.inbox(who) if "every date from now on" in r.text]
        assert len(told) == 1 and "every Tuesday at 19:00" in told[0]
    for who in (STONE, FERN):
        assert "cancelled" not in room.texts(who)
    assert await dates(db) == []
    # Nothing more is due: no reminders for cancelled dates.
    async with db.transaction() as tx:
        assert await tx.events.due(datetime(2100, 1, 1, tzinfo=UTC), limit=100) == []


async def test_editing_the_whole_series_changes_every_coming_date_and_tells_each_once(
    room: Room, engine: Engine, db: Database, clock: ManualClock
) -> None:
    clock.set(BEFORE_DST_END)
    for who in (RIVER, LAKE, STONE):
        await join(engine, who)
    first_id = await post(room, "every Tue 19:00 | NA meeting | St Mary's hall")
    found = await dates(db)
    await room.say(RIVER, f"/rsvp {first_id} usually")  # every date
    await room.say(LAKE, f"/rsvp {found[1].id} going")  # the second date only
    # Stone has not answered.

    # The third date is changed on its own first: the series' edit leaves it as it is.
    await room.say(ADMIN, f"/editevent {found[2].id}")
    await room.tap(ADMIN, "Just this date")
    await room.tap(ADMIN, "Place")
    await room.say(ADMIN, "Library")
    await room.tap(ADMIN, "Done")
    told_before = {who: len(room.inbox(who)) for who in (RIVER, LAKE, STONE)}

    await room.say(ADMIN, f"/editevent {first_id}")
    assert "every coming date" in room.inbox(ADMIN)[-1].text
    await room.tap(ADMIN, "The whole series")
    await room.tap(ADMIN, "Date and time")
    assert "time of day" in room.inbox(ADMIN)[-1].text
    await room.say(ADMIN, "tomorrow")  # not a time of day: asked again, nothing kept
    assert "time of day, like 19:30" in room.inbox(ADMIN)[-1].text
    await room.say(ADMIN, "7.30pm")
    await room.tap(ADMIN, "Place")
    await room.say(ADMIN, "Community centre")
    assert "Changed, not saved yet: date and time, place" in room.inbox(ADMIN)[-1].text
    await room.tap(ADMIN, "Done")
    saved = room.inbox(ADMIN)[-1].text
    assert f"Saved for the whole series ({len(found) - 1} coming dates changed)" in saved
    assert "told the 2 people" in saved

    after = {e.id: e for e in await dates(db)}
    london = ZoneInfo(LONDON)
    for event in found:
        now = after[event.id]
        if event.id == found[2].id:  # changed on its own: kept
            assert (now.place, now.starts_at) == ("Library", event.starts_at)
            continue
        local = now.starts_at.astimezone(london)
        assert (local.hour, local.minute, now.place) == (19, 30, "Community centre")
        assert local.date() == event.starts_at.astimezone(london).date()
    # Each person going to any changed date is told once, of the soonest one.
    for who in (RIVER, LAKE):
        news = room.inbox(who)[told_before[who] :]
        assert len(news) == 1, [r.text for r in news]
        assert "A change to NA meeting" in news[0].text and "Community centre" in news[0].text
    assert "later dates you're going to change the same way" in room.inbox(RIVER)[-1].text
    assert len(room.inbox(STONE)) == told_before[STONE]
    # Dates made later follow the series as it is now.
    async with db.transaction() as tx:
        series = await tx.events.get_series(found[0].series_id or 0)
    assert series is not None
    assert (series.local_time, series.fields.place) == ("19:30", "Community centre")


async def test_a_cancelled_series_edit_changes_nothing(
    room: Room, engine: Engine, db: Database
) -> None:
    first_id = await post(room, "every Tue 19:00 | NA meeting | St Mary's hall")
    before = await dates(db)
    await room.say(ADMIN, f"/editevent {first_id}")
    await room.tap(ADMIN, "The whole series")
    await room.tap(ADMIN, "Title")
    await room.say(ADMIN, "Open NA meeting")
    await room.say(ADMIN, "/cancel")
    assert "Nothing from it was saved" in room.inbox(ADMIN)[-1].text
    assert await dates(db) == before
