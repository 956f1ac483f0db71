"""Isolation-aware nudges: who gets one, when, how often, to what, and what came of it."""

import dataclasses
from datetime import UTC, datetime, time, timedelta

import pytest

from flows.community.isolation import IsolationRule, isolation_reasons, next_nudge_time
from flows.community.nudges import choose_event
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.engine import Engine
from flows.core.quiet_hours import QuietHours
from storage import Account, Database, Event, Member
from tests.chat_driver import Room
from tests.event_helpers import ADMIN, Timeline, join, member, post

RIVER = Account("console", "river")  # New York
LAKE = Account("console", "lake")
SAM = Account("console", "sam")  # a peer volunteer
NO_PROMPTS = "No daily reminder"


@pytest.fixture
def flow_config(flow_config: FlowConfig) -> FlowConfig:
    return dataclasses.replace(flow_config, admins=frozenset({"console:900"}))


@pytest.fixture
def room(engine: Engine) -> Room:
    return Room(engine)


async def feel_lonely(room: Room, who: Account, *, contacts: str = "0") -> None:
    """A connection check-in with a UCLA-3 total of 9."""
    await room.say(who, "/connect")
    for _ in range(3):
        await room.tap(who, "Often")
    await room.say(who, contacts)


def nudges(timeline: Timeline, who: Account) -> list[datetime]:
    return timeline.times(who, "Would you like to go?")


# -- the window, the cap and the night ------------------------------------------------
async def test_isolated_member_gets_one_nudge_per_window_and_none_at_night(
    room: Room, engine: Engine, clock: ManualClock, db: Database
) -> None:
    await join(engine, RIVER, zone="America/New_York", at=NO_PROMPTS)
    await post(room, "2026-11-28 16:00 | Recovery walk | Riverside Park gate")
    await post(room, "2026-11-30 23:00 | Open meeting | Community hall")
    clock.set(datetime(2026, 11, 23, 3, 0, tzinfo=UTC))  # 22:00 in New York
    await feel_lonely(room, RIVER)
    timeline = Timeline(engine, clock, room)
    await timeline.sweep()
    assert nudges(timeline, RIVER) == []  # quiet hours
    await timeline.run_until(datetime(2026, 11, 26, 13, 45, tzinfo=UTC))
    # Exactly one, at 09:00 New York time, in three days of sweeps every 15 minutes.
    assert nudges(timeline, RIVER) == [datetime(2026, 11, 23, 14, 0, tzinfo=UTC)]
    first = room.inbox(RIVER)[-1]
    assert "Coming up: Recovery walk, Sat 28 Nov, 11:00 — Riverside Park gate." in first.text
    labels = [c.label for c in first.choices]
    assert labels == ["I'll go", "Maybe", "Not this time", "Stop suggestions"]
    assert "UCLA" not in first.text and "isolat" not in first.text and "lonel" not in first.text
    # NUDGE_MIN_DAYS later, again at 09:00, for the other event.
    await timeline.run_until(datetime(2026, 11, 26, 16, 0, tzinfo=UTC))
    assert nudges(timeline, RIVER)[1:] == [datetime(2026, 11, 26, 14, 0, tzinfo=UTC)]
    assert "Open meeting" in room.inbox(RIVER)[-1].text
    assert sum(r.nudged for r in timeline.reports) == 2


async def test_no_nudge_after_opting_out_until_turned_back_on(
    room: Room, engine: Engine, clock: ManualClock, db: Database
) -> None:
    await join(engine, RIVER, at=NO_PROMPTS)
    await post(room, "2026-11-28 16:00 | Recovery walk | Park")
    await post(room, "2026-11-29 16:00 | Coffee | Hall")
    await feel_lonely(room, RIVER)
    timeline = Timeline(engine, clock, room)
    await timeline.sweep()
    assert len(nudges(timeline, RIVER)) == 1
    outcome = await room.tap(RIVER, "Stop suggestions")
    assert outcome.answered == "🔕 Stop suggestions"
    assert "no more event suggestions" in room.inbox(RIVER)[-1].text
    assert (await member(db, RIVER)).next_nudge_at is None
    await timeline.run_until(datetime(2026, 11, 27, 0, 0, tzinfo=UTC), step=timedelta(hours=1))
    assert len(nudges(timeline, RIVER)) == 1
    async with db.transaction() as tx:
        assert await tx.events.nudge_counts(datetime(2026, 1, 1, tzinfo=UTC)) == {"stopped": 1}

    await room.say(RIVER, "/nudges on")
    assert "Suggestions are on" in room.inbox(RIVER)[-1].text
    clock.set(datetime(2026, 11, 27, 10, 0, tzinfo=UTC))
    await timeline.sweep()
    assert len(nudges(timeline, RIVER)) == 2
    assert "Coffee" in room.inbox(RIVER)[-1].text  # not the walk suggested before


async def test_past_and_imminent_events_are_never_suggested(
    room: Room, engine: Engine, clock: ManualClock
) -> None:
    await join(engine, RIVER, at=NO_PROMPTS)
    await post(room, "2026-11-22 20:00 | Tonight | Hall")
    await post(room, "2026-11-22 16:00 | Soon | Hall")
    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    await post(room, "2026-11-23 12:30 | In two and a half hours | Hall")
    await feel_lonely(room, RIVER)
    timeline = Timeline(engine, clock, room)
    await timeline.sweep()
    assert nudges(timeline, RIVER) == []  # the first two are over, the third too close
    await post(room, "2026-11-25 18:00 | Next week | Hall")
    await timeline.run_until(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
    assert nudges(timeline, RIVER) == [datetime(2026, 11, 23, 16, 0, tzinfo=UTC)]
    assert "Next week" in room.inbox(RIVER)[-1].text


async def test_declined_event_is_not_suggested(
    room: Room, engine: Engine, clock: ManualClock
) -> None:
    await join(engine, RIVER, at=NO_PROMPTS)
    walk = await post(room, "2026-11-24 16:00 | Walk | Park")
    await post(room, "2026-11-26 16:00 | Workshop | Hall")
    await room.say(RIVER, f"/rsvp {walk} no")
    await feel_lonely(room, RIVER)
    timeline = Timeline(engine, clock, room)
    await timeline.sweep()
    assert "Workshop" in room.inbox(RIVER)[-1].text


async def test_members_with_plans_are_not_nudged(
    room: Room, engine: Engine, clock: ManualClock
) -> None:
    await join(engine, RIVER, at=NO_PROMPTS)
    walk = await post(room, "2026-11-24 16:00 | Walk | Park")
    await post(room, "2026-11-25 16:00 | Workshop | Hall")
    await room.say(RIVER, f"/rsvp {walk} going")
    await feel_lonely(room, RIVER)
    timeline = Timeline(engine, clock, room)
    await timeline.run_until(datetime(2026, 11, 24, 17, 0, tzinfo=UTC), step=timedelta(hours=1))
    assert nudges(timeline, RIVER) == []
    # Once the walk is over (and they're still lonely), the workshop is suggested.
    await timeline.run_until(datetime(2026, 11, 24, 19, 0, tzinfo=UTC))
    assert nudges(timeline, RIVER) == [datetime(2026, 11, 24, 18, 0, tzinfo=UTC)]


# -- the isolation rule -----------------------------------------------------------
async def test_no_contact_for_two_weeks_counts_as_isolated(
    room: Room, engine: Engine, clock: ManualClock
) -> None:
    await join(engine, RIVER, at=NO_PROMPTS)
    await join(engine, LAKE, at=NO_PROMPTS)
    await post(room, "2026-12-09 16:00 | Walk | Park")
    clock.set(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    # Lake talked with two people from the community last week, and feels fine.
    await room.say(LAKE, "/connect")
    for _ in range(3):
        await room.tap(LAKE, "Hardly ever")
    await room.say(LAKE, "2")
    timeline = Timeline(engine, clock, room)
    await timeline.run_until(datetime(2026, 12, 6, 13, 45, tzinfo=UTC), step=timedelta(hours=1))
    assert nudges(timeline, RIVER) == [datetime(2026, 12, 6, 14, 0, tzinfo=UTC)]
    assert nudges(timeline, LAKE) == []


async def test_a_run_of_low_moods_counts_as_isolated(
    room: Room, engine: Engine, clock: ManualClock, db: Database
) -> None:
    await join(engine, RIVER, at=NO_PROMPTS)
    await post(room, "2026-11-28 16:00 | Walk | Park")
    timeline = Timeline(engine, clock, room)
    for day, mood in enumerate(["2", "4", "1", "2"]):
        clock.set(datetime(2026, 11, 22 + day, 12, 0, tzinfo=UTC))
        await room.say(RIVER, "/checkin")
        await room.say(RIVER, mood)
        await room.say(RIVER, "done")
        await room.say(RIVER, "skip")
        await timeline.sweep()
    assert nudges(timeline, RIVER) == []
    assert (await member(db, RIVER)).low_mood_run == 2
    clock.set(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    await room.say(RIVER, "/checkin")
    await room.say(RIVER, "1")
    await room.say(RIVER, "done")
    await room.say(RIVER, "skip")
    await timeline.sweep()
    assert nudges(timeline, RIVER) == [datetime(2026, 11, 26, 12, 0, tzinfo=UTC)]


async def test_safety_hold_pauses_nudges(
    room: Room, engine: Engine, clock: ManualClock, db: Database
) -> None:
    await join(engine, RIVER, at=NO_PROMPTS)
    await post(room, "2026-11-28 16:00 | Walk | Park")
    await feel_lonely(room, RIVER)
    river = await member(db, RIVER)
    async with db.transaction() as tx:
        await tx.members.hold_after_safety_event(
            river.id, quiet_until=clock.now() + timedelta(hours=24), followup_at=clock.now()
        )
    timeline = Timeline(engine, clock, room)
    await timeline.run_until(datetime(2026, 11, 23, 13, 0, tzinfo=UTC), step=timedelta(hours=1))
    assert nudges(timeline, RIVER) == []
    await timeline.run_until(datetime(2026, 11, 23, 15, 0, tzinfo=UTC))
    assert nudges(timeline, RIVER) == [datetime(2026, 11, 23, 14, 0, tzinfo=UTC)]


def _member(**changes: object) -> Member:
    base = Member(
        id=1,
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
        pseudonym="River",
        timezone="UTC",
        prompt_time=None,
        consent_version=1,
        consented_at=datetime(2026, 11, 1, tzinfo=UTC),
        onboarded_at=datetime(2026, 11, 1, tzinfo=UTC),
        paused=False,
        unreachable_at=None,
        checkin_count=0,
        last_checkin_date=None,
        streak_days=0,
        next_prompt_at=None,
        next_connect_at=None,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_isolation_rule_parts_and_settings() -> None:
    rule = IsolationRule(ucla_min=6, days=14, low_mood_run=3)
    now = datetime(2026, 11, 10, tzinfo=UTC)
    assert isolation_reasons(_member(), now, rule) == ()
    assert isolation_reasons(_member(last_ucla3=6), now, rule) == ("lonely",)
    assert isolation_reasons(_member(last_ucla3=5, low_mood_run=3), now, rule) == ("low_moods",)
    later = datetime(2026, 11, 15, tzinfo=UTC)
    assert isolation_reasons(_member(last_ucla3=9), later, rule) == ("lonely", "no_contact")
    recent = _member(last_contact_at=datetime(2026, 11, 14, tzinfo=UTC))
    assert isolation_reasons(recent, later, rule) == ()
    # 0 turns a part off.
    off = IsolationRule(ucla_min=0, days=0, low_mood_run=0)
    assert isolation_reasons(_member(last_ucla3=9, low_mood_run=9), later, off) == ()
    assert next_nudge_time(_member(), rule=off, min_days=3) is None
    # The next nudge: when contact lapses, at least NUDGE_MIN_DAYS after the last one,
    # not before plans are over, and never with nudges off.
    assert next_nudge_time(_member(), rule=rule, min_days=3) == datetime(2026, 11, 15, tzinfo=UTC)
    nudged = _member(last_ucla3=9, last_nudge_at=datetime(2026, 11, 9, tzinfo=UTC))
    assert next_nudge_time(nudged, rule=rule, min_days=3) == datetime(2026, 11, 12, tzinfo=UTC)
    plans = datetime(2026, 11, 20, tzinfo=UTC)
    assert next_nudge_time(nudged, rule=rule, min_days=3, plans_until=plans) == plans
    assert next_nudge_time(_member(nudges_off=True), rule=rule, min_days=3) is None


def test_best_event_matches_liked_tags_then_soonest() -> None:
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

    def ev(event_id: int, days: float, *tags: str, **changes: object) -> Event:
        made = Event(
            event_id,
            f"u{event_id}",
            "E",
            "",
            None,
            now + timedelta(days=days),
            None,
            tags,
            None,
            None,
        )
        return dataclasses.replace(made, **changes)  # type: ignore[arg-type]

    events = [
        ev(1, 1, "social"),
        ev(2, 2, "walk"),
        ev(3, 0.5, "walk", capacity=2, going=2),
        ev(4, 20, "walk"),
        ev(5, -1, "walk"),
    ]
    assert choose_event(events, now=now, excluded=set(), liked_tags=set()) == events[0]
    assert choose_event(events, now=now, excluded=set(), liked_tags={"walk"}) == events[1]
    assert choose_event(events, now=now, excluded={1, 2}, liked_tags={"walk"}) is None


def test_quiet_hours() -> None:
    quiet = QuietHours.parse("21:00-09:00")
    assert quiet == QuietHours(time(21, 0), time(9, 0))
    assert QuietHours.parse("off") is None
    for bad in ("9pm-9am", "21:00-21:00", "25:00-09:00"):
        with pytest.raises(ValueError):
            QuietHours.parse(bad)
    night = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # 22:00 in New York
    assert quiet.contains(night, "America/New_York")
    assert not quiet.contains(night, "Asia/Tokyo")  # 12:00 there
    assert quiet.next_allowed(night, "America/New_York") == datetime(
        2026, 11, 23, 14, 0, tzinfo=UTC
    )
    day = QuietHours.parse("13:00-14:00")
    assert day is not None and day.contains(datetime(2026, 11, 23, 13, 30, tzinfo=UTC), "UTC")


# -- outcomes and buddy-up -----------------------------------------------------------
async def test_outcomes_are_recorded_from_nudge_to_attendance(
    room: Room, engine: Engine, clock: ManualClock, db: Database
) -> None:
    await join(engine, RIVER, at=NO_PROMPTS)
    await post(room, "2026-11-24 16:00 | Walk | Park")
    await feel_lonely(room, RIVER)
    timeline = Timeline(engine, clock, room)
    await timeline.sweep()
    outcome = await room.tap(RIVER, "I'll go")
    assert outcome.answered == "✅ I'll go"
    async with db.transaction() as tx:
        assert await tx.events.nudge_counts(datetime(2026, 1, 1, tzinfo=UTC)) == {"going": 1}
    await timeline.run_until(datetime(2026, 11, 25, 0, 0, tzinfo=UTC))
    await room.tap(RIVER, "I went — it was hard")
    assert "takes courage" in room.inbox(RIVER)[-1].text
    async with db.transaction() as tx:
        assert await tx.events.nudge_counts(datetime(2026, 1, 1, tzinfo=UTC)) == {"attended": 1}
    await room.say(ADMIN, "/nudgestats")
    stats = room.inbox(ADMIN)[-1].text
    # One nudge is a group of one: shown as such, never exactly.
    assert "Nudges in the last 90 days: fewer than 5" in stats
    assert "said they'd go: fewer than 5" in stats
    assert "went (said so afterwards): fewer than 5" in stats and "no answer yet: 0" in stats
    await room.say(RIVER, "/nudgestats")
    assert "for admins" in room.inbox(RIVER)[-1].text


OTHER_VOLUNTEER = Account("console", "kit")


async def test_buddy_up_with_a_willing_volunteer(
    room: Room, engine: Engine, clock: ManualClock, db: Database
) -> None:
    await join(engine, SAM, at=NO_PROMPTS)
    await join(engine, RIVER, at=NO_PROMPTS)
    async with db.transaction() as tx:
        sam = await tx.members.find_by_account(SAM)
        assert sam is not None
        await tx.volunteers.add(sam.id, display_name="Sam", topics=(), capacity=2, now=clock.now())
    walk = await post(room, "2026-11-24 16:00 | Walk | Park gate")
    await room.say(SAM, f"/rsvp {walk} going")
    assert "meet a member there" in room.inbox(SAM)[-1].text
    await room.tap(SAM, "I can meet someone there")
    await feel_lonely(room, RIVER)
    timeline = Timeline(engine, clock, room)
    await timeline.sweep()
    nudge = room.inbox(RIVER)[-1]
    assert "Go with a peer" in [c.label for c in nudge.choices]
    await room.tap(RIVER, "Go with a peer")
    assert "I've asked the peer volunteers" in room.inbox(RIVER)[-1].text
    assert "would like someone to meet them at Walk" in room.inbox(SAM)[-1].text
    # A volunteer who never offered cannot take it, even by guessing the request's number.
    async with db.transaction() as tx:
        river = await tx.members.find_by_account(RIVER)
        assert river is not None
        asked = await tx.events.rsvp_of(walk, river.id)
        assert asked is not None
    await join(engine, OTHER_VOLUNTEER, at=NO_PROMPTS)
    async with db.transaction() as tx:
        other = await tx.members.find_by_account(OTHER_VOLUNTEER)
        assert other is not None
        await tx.volunteers.add(
            other.id, display_name="Kit", topics=(), capacity=1, now=clock.now()
        )
    await room.say(OTHER_VOLUNTEER, f"/buddymeet {asked.id}")
    assert "passed" in room.inbox(OTHER_VOLUNTEER)[-1].text
    assert "Kit" not in room.texts(RIVER) and "Member river" not in room.texts(OTHER_VOLUNTEER)
    await room.tap(SAM, "I'll meet them")
    assert "Sam, a peer volunteer, will meet you at Walk at Park gate" in room.texts(RIVER)
    await room.say(SAM, f"/buddymeet {walk}")
    assert (
        "already meeting them" in room.inbox(SAM)[-1].text or "passed" in room.inbox(SAM)[-1].text
    )
    # Changing plans tells the volunteer.
    await room.say(RIVER, f"/rsvp {walk} no")
    assert "can't make it after all" in room.inbox(SAM)[-1].text


async def test_online_events_offer_no_buddy_up(
    room: Room, engine: Engine, clock: ManualClock, db: Database
) -> None:
    """Nobody walks in alone to an online meeting: no "Go with a peer" in its invitation,
    no "meet a member there" to a volunteer going, and /buddy says why."""
    await join(engine, SAM, at=NO_PROMPTS)
    await join(engine, RIVER, at=NO_PROMPTS)
    sam = await member(db, SAM)
    async with db.transaction() as tx:
        await tx.volunteers.add(sam.id, display_name="Sam", topics=(), capacity=2, now=clock.now())
    online = await post(room, "2026-11-24 16:00 | Evening SMART meeting | Zoom | tags: online")
    await room.say(SAM, f"/rsvp {online} going")
    assert "meet a member there" not in room.inbox(SAM)[-1].text
    assert not room.inbox(SAM)[-1].choices
    await room.say(SAM, f"/buddyoffer {online}")
    assert "online" in room.inbox(SAM)[-1].text
    async with db.transaction() as tx:
        assert await tx.events.buddy_offers(online) == []
    await feel_lonely(room, RIVER)
    await Timeline(engine, clock, room).sweep()
    nudge = room.inbox(RIVER)[-1]
    assert "Coming up: Evening SMART meeting, Tue 24 Nov, 16:00 — Zoom." in nudge.text
    assert "Go with a peer" not in [c.label for c in nudge.choices]
    await room.say(RIVER, f"/buddy {online}")
    assert "is online, so there's no door to walk through alone" in room.inbox(RIVER)[-1].text
    async with db.transaction() as tx:
        assert await tx.events.open_buddy_requests(online) == []
        river = await tx.members.find_by_account(RIVER)
        assert river is not None
        assert await tx.events.rsvp_of(online, river.id) is None  # nothing answered for them


async def test_buddy_requests_wait_for_a_late_offer_and_survive_a_drop_out(
    room: Room, engine: Engine, clock: ManualClock, db: Database
) -> None:
    await join(engine, SAM, at=NO_PROMPTS)
    await join(engine, RIVER, at=NO_PROMPTS)
    sam = await member(db, SAM)
    async with db.transaction() as tx:
        await tx.volunteers.add(sam.id, display_name="Sam", topics=(), capacity=2, now=clock.now())
    walk = await post(room, "2026-11-24 16:00 | Walk | Park gate")
    # River asks before any volunteer has offered...
    await room.say(RIVER, f"/buddy {walk}")
    assert "if one does, I'll tell you" in room.inbox(RIVER)[-1].text
    # ...so Sam, offering later, is asked then.
    await room.say(SAM, f"/rsvp {walk} going")
    await room.tap(SAM, "I can meet someone there")
    assert "would like someone to meet them at Walk" in room.inbox(SAM)[-1].text
    await room.tap(SAM, "I'll meet them")
    assert "Sam, a peer volunteer, will meet you" in room.texts(RIVER)
    # Sam can't go after all: River is told, and is free to be met by someone else.
    await room.say(SAM, f"/rsvp {walk} no")
    assert "Sam can't make it to Walk" in room.inbox(RIVER)[-1].text
    async with db.transaction() as tx:
        river = await tx.members.find_by_account(RIVER)
        assert river is not None
        waiting = await tx.events.open_buddy_requests(walk)
    assert [w.member_id for w in waiting] == [river.id]
    # River drops out and comes back: no stale "a peer is already meeting you".
    await room.say(RIVER, f"/rsvp {walk} no")
    await room.say(RIVER, f"/buddy {walk}")
    assert "already meeting you" not in room.inbox(RIVER)[-1].text
