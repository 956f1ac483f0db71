"""Data rights for everyone with a row: /export and /delete work for a person the crisis
guard met before sign-up and for a volunteer who never joined as a member; someone with
no row is told kindly that nothing is stored about them."""

import dataclasses
import json
import random
from typing import Any

import pytest

from bot.app import known_channels
from flows.catalogue import create_engine
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.values import Reply
from storage import Account, Database
from tests.chat_driver import ChatDriver, Room

ADMIN = Account("console", "900")
STRANGER = Account("console", "5")
SURVIVOR = Account("console", "6")
VOLUNTEER = Account("console", "21")
TIER1 = "i want to die tonight, i have the pills ready"


@pytest.fixture
def room(db: Database, clock: ManualClock, flow_config: FlowConfig) -> Room:
    config = dataclasses.replace(flow_config, admins=frozenset({"console:900"}))
    return Room(create_engine(db, clock, config, rng=random.Random(11), channels=known_channels()))


async def make_volunteer(room: Room, who: Account, name: str) -> None:
    """Through an admin's invite, without ever joining as a member."""
    await room.say(ADMIN, "/invite")
    code = room.inbox(ADMIN)[-1].text.split("/volunteer ", 1)[1].split()[0]
    await room.say(who, f"/start {code}")
    await room.say(who, name)
    await room.tap(who, "Done")
    await room.tap(who, "1 chat")
    await room.say(who, "UTC")
    assert f"You're set up as a peer volunteer, {name}" in room.texts(who)


def exported(replies: list[Reply]) -> dict[str, Any]:
    [document] = [r.document for r in replies if r.document is not None]
    data: dict[str, Any] = json.loads(document.data)
    return data


async def people(db: Database) -> int:
    async with db.transaction() as tx:
        return await tx.members.count()


async def test_someone_met_only_by_the_crisis_guard_can_export_and_delete(
    room: Room, db: Database
) -> None:
    await room.say(SURVIVOR, TIER1)
    assert await people(db) == 1  # the guard keeps a bare row for the safety event
    before = len(room.inbox(SURVIVOR))
    await room.say(SURVIVOR, "/export")
    replies = room.inbox(SURVIVOR)[before:]
    assert "set up first" not in room.texts(SURVIVOR)
    data = exported(replies)
    assert data["profile"]["chosen_name"] is None
    [event] = data["safety_events"]
    assert event["tier"] == 1
    await room.say(SURVIVOR, "/delete")
    assert "This deletes everything I store about you" in room.inbox(SURVIVOR)[-1].text
    await room.tap(SURVIVOR, "Yes, delete everything")
    assert "has been deleted" in room.inbox(SURVIVOR)[-1].text
    assert await people(db) == 0


async def test_a_volunteer_who_is_not_a_member_can_export_and_delete(
    room: Room, db: Database
) -> None:
    await make_volunteer(room, VOLUNTEER, "Sam")
    before = len(room.inbox(VOLUNTEER))
    await room.say(VOLUNTEER, "/export")
    data = exported(room.inbox(VOLUNTEER)[before:])
    assert data["volunteer"]["display_name"] == "Sam"
    await room.say(VOLUNTEER, "/delete")
    question = room.inbox(VOLUNTEER)[-1].text
    assert "your volunteer profile and shifts" in question
    await room.tap(VOLUNTEER, "Yes, delete everything")
    assert "has been deleted" in room.inbox(VOLUNTEER)[-1].text
    assert await people(db) == 0  # the ADMINS account who invited them has no row
    async with db.transaction() as tx:
        assert await tx.volunteers.all() == []


async def test_someone_with_no_row_is_told_nothing_is_stored_and_nothing_is_created(
    room: Room, db: Database
) -> None:
    for command in ("/export", "/delete"):
        await room.say(STRANGER, command)
        reply = room.inbox(STRANGER)[-1]
        assert reply.text.startswith("I don't store anything about you")
        assert reply.document is None and not reply.choices
    assert "set up first" not in room.texts(STRANGER)
    assert await people(db) == 0


async def test_help_lists_export_and_delete_to_anyone_with_a_row(room: Room) -> None:
    await room.say(SURVIVOR, TIER1)
    await room.say(SURVIVOR, "/help")
    listing = room.inbox(SURVIVOR)[-1].text
    assert "/export" in listing and "/delete" in listing


async def test_a_typed_yes_or_no_answers_the_delete_question(room: Room, db: Database) -> None:
    """/delete's "Are you sure?" asks yes or no, so a typed yes or no answers it as its
    buttons do; an acknowledgement ("ok") is not taken for a yes."""
    river = Account("console", "2")
    await ChatDriver(room.engine, river).onboard()
    await room.say(river, "/delete")
    await room.say(river, "Nope")
    assert "nothing was deleted" in room.texts(river)
    await room.say(river, "/delete")
    await room.say(river, "ok")
    assert "Please choose one of the options" in room.inbox(river)[-1].text
    assert await people(db) == 1
    await room.say(river, "Yes!")
    assert "has been deleted" in room.inbox(river)[-1].text
    assert await people(db) == 0


async def test_inside_a_peer_chat_a_typed_yes_does_not_delete(room: Room, db: Database) -> None:
    """In a peer chat a "yes" may be meant for the peer: /delete then wants its button or
    the word "delete"."""
    await make_volunteer(room, VOLUNTEER, "Sam")
    await room.say(VOLUNTEER, "/oncall")
    river = Account("console", "2")
    await ChatDriver(room.engine, river).onboard()
    await room.say(river, "/talk")
    await room.tap(river, "Skip")
    await room.tap(VOLUNTEER, "Accept")
    await room.say(river, "/delete")
    await room.say(river, "yes")
    assert "may have been meant for your peer" in room.inbox(river)[-1].text
    assert await people(db) == 2
    await room.say(river, "delete")
    assert "has been deleted" in room.inbox(river)[-1].text
    assert await people(db) == 1
