"""How peer-support messages read: a person with no name yet, the days they name,
invites, volunteers' set-up, and shifts."""

import dataclasses
import random
import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.app import known_channels
from flows.catalogue import create_engine
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.local_time import day_label, when
from flows.peer.shifts import _coverage_text
from flows.sweeper import Sweeper
from storage import Account, Database
from tests.chat_driver import ChatDriver, Room
from tests.peer.test_peer_support import make_volunteer

ADMIN = Account("console", "900")
ALICE = Account("console", "21")
STRANGER = Account("console", "77")


@pytest.fixture
def room(db: Database, clock: ManualClock, flow_config: FlowConfig) -> Room:
    config = dataclasses.replace(flow_config, admins=frozenset({"console:900"}))
    return Room(create_engine(db, clock, config, rng=random.Random(2), channels=known_channels()))


async def test_someone_with_no_name_yet_reads_like_a_name(room: Room) -> None:
    """Someone in crisis before sign-up has no chosen name: the volunteer is told
    "You're now talking with Guest 418", never "with A member (no name yet)"."""
    await make_volunteer(room, ALICE, "Sam")
    await room.say(STRANGER, "I want to kill myself")
    await room.tap(ALICE, "Accept")
    connected = next(r.text for r in room.inbox(ALICE) if "now talking with" in r.text)
    found = re.search(r"You're now talking with (Guest \d{3}) \(topic", connected)
    assert found is not None, connected
    assert "no name yet" not in room.texts(ALICE)
    assert STRANGER.external_id not in found.group(1)


async def test_days_are_written_one_way(room: Room, clock: ManualClock) -> None:
    """ "Latest mood: 4/5 (Wed 2 Dec)" and /history's "Wed 2 Dec", as events'
    "Wed 2 Dec, 18:30": never "Wed 02 Dec" beside "Sat 5 Dec"."""
    clock.set(datetime(2026, 12, 2, 12, 0, tzinfo=UTC))
    await make_volunteer(room, ALICE, "Sam")
    member = Account("console", "1")
    await ChatDriver(room.engine, member).onboard(name="Quiet Heron")
    await room.say(member, "/checkin")
    await room.tap(member, "4")
    await room.tap(member, "Done")
    await room.say(member, "skip")
    await room.say(member, "/history")
    assert "Wed 2 Dec  🙂 4" in room.texts(member)
    await room.say(member, "/talk")
    await room.tap(member, "Skip")
    assert "Latest mood: 4/5 (Wed 2 Dec)" in room.inbox(member)[-1].text
    await room.tap(member, "Yes, share it")
    await room.tap(ALICE, "Accept")
    assert "Latest mood: 4/5 (Wed 2 Dec)" in room.texts(ALICE)
    assert "02 Dec" not in room.texts(member) + room.texts(ALICE)


def test_day_label_and_when_agree() -> None:
    assert day_label(date(2026, 12, 2)) == "Wed 2 Dec"
    moment = datetime(2026, 12, 2, 18, 30, tzinfo=UTC)
    assert when(moment, "UTC") == "Wed 2 Dec, 18:30"


async def test_invites_read_whole_with_or_without_a_link(room: Room) -> None:
    await room.say(ADMIN, "/invite")
    invite = room.inbox(ADMIN)[-1].text
    # The console makes no links: the command is the way, not "Or they can send".
    assert "\n\nThey can send: /volunteer " in invite
    assert "Or they" not in invite and "or send" not in invite


async def test_an_admin_invite_sent_as_volunteer_says_what_it_made(room: Room) -> None:
    await room.say(ADMIN, "/invite admin")
    code = room.inbox(ADMIN)[-1].text.split("/volunteer ", 1)[1].split()[0]
    await room.say(STRANGER, f"/volunteer {code}")
    said = room.inbox(STRANGER)[-1].text
    assert said.startswith("That was an admin invite, so you're now an admin")
    assert "not a peer volunteer" in said
    await room.say(STRANGER, "/stats")
    assert "📊" in room.inbox(STRANGER)[-1].text  # an admin indeed
    await room.say(STRANGER, "/oncall")
    assert "for peer volunteers" in room.inbox(STRANGER)[-1].text  # and not a volunteer


async def test_the_display_name_question_reads_plainly(room: Room) -> None:
    await room.say(ADMIN, "/invite")
    code = room.inbox(ADMIN)[-1].text.split("/volunteer ", 1)[1].split()[0]
    await room.say(ALICE, f"/volunteer {code}")
    assert (
        "What display name would you like members to see? It doesn't have to be your real name."
        in room.texts(ALICE)
    )
    await room.say(ALICE, "Sam")
    assert "Choose any, then Done" in room.inbox(ALICE)[-1].text


async def test_a_long_or_overnight_shift_is_asked_about_first(room: Room, db: Database) -> None:
    await make_volunteer(room, ALICE, "Sam", on_call=False)
    await room.say(ALICE, "/shifts")
    await room.tap(ALICE, "Add a shift")
    await room.say(ALICE, "Wed 17:00-16:00")
    asked = room.inbox(ALICE)[-1].text
    assert asked == (
        "That shift runs past midnight and lasts 23 hours: Wed 17:00–Thu 16:00. Is that right?"
    )
    await room.tap(ALICE, "No, let me retype it")
    async with db.transaction() as tx:
        assert await tx.volunteers.all_shifts() == []  # nothing was added
    await room.say(ALICE, "Fri 22:00-02:00")
    assert "runs past midnight and lasts 4 hours: Fri 22:00–Sat 02:00" in (
        room.inbox(ALICE)[-1].text
    )
    await room.tap(ALICE, "Yes, add it")
    assert "• Fri 22:00–Sat 02:00" in room.inbox(ALICE)[-1].text
    await room.tap(ALICE, "Add a shift")
    await room.say(ALICE, "Sat 08:00-21:30")  # long, same day
    assert "lasts 13 hours 30 min: Sat 08:00–21:30" in room.inbox(ALICE)[-1].text
    await room.tap(ALICE, "Yes, add it")
    await room.tap(ALICE, "Add a shift")
    await room.say(ALICE, "Mon 18:00-22:00")  # an ordinary shift is added at once
    assert room.inbox(ALICE)[-1].text.startswith("Added Mon 18:00–22:00.")
    async with db.transaction() as tx:
        assert len(await tx.volunteers.all_shifts()) == 3


async def test_the_cover_warning_never_reads_19_00_to_19_00(room: Room) -> None:
    """No shifts at all: the whole next day is uncovered, said as such."""
    await make_volunteer(room, ALICE, "Sam", on_call=False)
    _, outcomes = await Sweeper(room.engine).sweep()
    for outcome in outcomes:
        room.collect(outcome)
    [warning] = [r.text for r in room.inbox(ADMIN) if "Shift cover" in r.text]
    assert "nobody is on shift at all" in warning
    assert "15:00–15:00" not in warning


def test_cover_gaps_past_midnight_name_both_days() -> None:
    zone = ZoneInfo("UTC")
    # Sun 22 Nov 2026: uncovered 22:00-03:00 and 05:00-06:00.
    gaps = [datetime(2026, 11, 22, h, tzinfo=UTC) for h in (22, 23)] + [
        datetime(2026, 11, 23, h, tzinfo=UTC) for h in (0, 1, 2, 5)
    ]
    text = _coverage_text(gaps, zone)
    assert "nobody is on shift Sun 22:00–Mon 03:00, Mon 05:00–06:00 (UTC time)" in text


async def test_one_day_is_said_in_the_singular(
    db: Database, clock: ManualClock, flow_config: FlowConfig
) -> None:
    config = dataclasses.replace(
        flow_config, admins=frozenset({"console:900"}), invite_days=1, nudge_min_days=1
    )
    room = Room(create_engine(db, clock, config, rng=random.Random(2), channels=known_channels()))
    await room.say(ADMIN, "/invite")
    assert "expires in 1 day (" in room.inbox(ADMIN)[-1].text
    member = Account("console", "1")
    await ChatDriver(room.engine, member).onboard(name="River")
    await room.say(member, "/nudges on")
    assert "at most one a day, never at night" in room.inbox(member)[-1].text
