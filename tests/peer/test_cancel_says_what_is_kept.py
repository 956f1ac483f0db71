"""/cancel in peer flows that save as they go says truthfully what is kept: the after-chat
feedback keeps a rating once given, and /shifts keeps the shifts already added."""

import dataclasses
import random

import pytest

from bot.app import known_channels
from flows.catalogue import create_engine
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.engine import Engine
from storage import Account, Database
from tests.chat_driver import ChatDriver, Room
from tests.members.test_deletion_traces import make_volunteer

ADMIN = Account("console", "900")
HERON = Account("console", "1")
SAM = Account("console", "21")


@pytest.fixture
def engine(db: Database, clock: ManualClock, flow_config: FlowConfig) -> Engine:
    config = dataclasses.replace(flow_config, admins=frozenset({"console:900"}))
    return create_engine(db, clock, config, rng=random.Random(5), channels=known_channels())


@pytest.fixture
def room(engine: Engine) -> Room:
    return Room(engine)


async def end_a_chat(room: Room, engine: Engine) -> None:
    await make_volunteer(room, SAM, "Sam")
    await ChatDriver(engine, HERON).onboard(name="Quiet Heron")
    await room.say(HERON, "/talk")
    await room.tap(HERON, "Skip")
    await room.tap(SAM, "Accept")
    await room.say(HERON, "/end")
    assert "Did talking help?" in room.texts(HERON)


async def test_cancel_after_a_rating_says_the_rating_is_kept(room: Room, engine: Engine) -> None:
    await end_a_chat(room, engine)
    await room.tap(HERON, "4")
    await room.say(HERON, "/cancel")
    said = room.inbox(HERON)[-1].text
    assert "Your rating is kept" in said and "Nothing from it was saved" not in said


async def test_cancel_before_a_rating_keeps_nothing_and_says_so(
    room: Room, engine: Engine
) -> None:
    await end_a_chat(room, engine)
    await room.say(HERON, "/cancel")
    assert "no feedback this time" in room.inbox(HERON)[-1].text


async def test_cancel_in_shifts_says_the_shifts_added_are_saved(
    room: Room, engine: Engine
) -> None:
    await make_volunteer(room, SAM, "Sam")
    await room.say(SAM, "/shifts")
    await room.tap(SAM, "Add a shift")
    await room.say(SAM, "Wed 18:00-20:00")
    await room.say(SAM, "/cancel")
    said = room.inbox(SAM)[-1].text
    assert "Shifts you added or removed just now are saved" in said
    async with engine.db.transaction() as tx:
        member = await tx.members.find_by_account(SAM)
        assert member is not None
        assert len(await tx.volunteers.shifts_of(member.id)) == 1


async def test_cancel_in_shifts_with_nothing_changed_says_so(room: Room, engine: Engine) -> None:
    await make_volunteer(room, SAM, "Sam")
    await room.say(SAM, "/shifts")
    await room.say(SAM, "/cancel")
    assert "Your shifts are as they were" in room.inbox(SAM)[-1].text


async def test_waiting_members_are_told_truthfully_what_is_passed_on(
    room: Room, engine: Engine
) -> None:
    """Words typed while waiting are kept for the peer, but crisis words are answered at
    once and never stored (the guard's guarantee), and the member is told so."""
    await make_volunteer(room, SAM, "Sam")
    await ChatDriver(engine, HERON).onboard(name="Quiet Heron")
    await room.say(HERON, "/talk")
    await room.tap(HERON, "Skip")
    assert "words about being in danger I answer at once instead" in room.texts(HERON)
    await room.say(HERON, "i want to kill myself tonight")
    assert any(r.urgent for r in room.inbox(HERON))  # the guard answered first
    await room.tap(SAM, "Accept")
    assert "i want to kill myself tonight" not in room.texts(SAM)


async def test_a_second_tap_on_the_consent_is_not_kept_as_words(
    room: Room, engine: Engine
) -> None:
    guest = Account("console", "31")
    await make_volunteer(room, SAM, "Sam")
    await room.say(guest, "/talk")
    await room.tap(guest, "Yes, find me a peer")
    await room.tap(guest, "Skip")
    await room.say(guest, "/talkconsent yes")  # an old button, tapped again
    await room.tap(SAM, "Accept")
    assert "while waiting" not in room.texts(SAM)


async def test_profile_waits_until_the_volunteers_chats_have_ended(
    room: Room, engine: Engine
) -> None:
    await make_volunteer(room, SAM, "Sam")
    await ChatDriver(engine, HERON).onboard(name="Quiet Heron")
    await room.say(HERON, "/talk")
    await room.tap(HERON, "Skip")
    await room.tap(SAM, "Accept")
    await room.say(SAM, "/profile")
    assert "once your chats have ended" in room.inbox(SAM)[-1].text
    await room.say(SAM, "Sam")  # a reply to the member, not a new display name
    assert any(r.copy_of is not None and r.copy_of.source == SAM for r in room.inbox(HERON))
