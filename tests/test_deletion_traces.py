"""/delete takes back what a person left with others, driven through the engine: the command
buttons remembered for typing that act on them (and show their name)."""

import dataclasses
import random

import pytest

from flows.catalogue import create_engine
from flows.clock import ManualClock
from flows.config import FlowConfig
from flows.engine import Engine
from storage import Account, Database
from tests.chat_driver import ChatDriver, Room

ADMIN = Account("console", "900")
HERON = Account("console", "1")
OAK = Account("console", "2")
SAM = Account("console", "21")


@pytest.fixture
def engine(db: Database, clock: ManualClock, flow_config: FlowConfig) -> Engine:
    config = dataclasses.replace(flow_config, admins=frozenset({"console:900"}))
    return create_engine(db, clock, config, rng=random.Random(11))


@pytest.fixture
def room(engine: Engine) -> Room:
    return Room(engine)


async def make_volunteer(room: Room, who: Account, name: str, *, chats: str = "1 chat") -> None:
    await room.say(ADMIN, "/invite")
    code = room.inbox(ADMIN)[-1].text.split("/volunteer ", 1)[1].split()[0]
    await room.say(who, f"/start {code}")
    await room.say(who, name)
    await room.tap(who, "Done")
    await room.tap(who, chats)
    await room.say(who, "UTC")
    await room.say(who, "/oncall")


async def delete(room: Room, who: Account) -> None:
    await room.say(who, "/delete")
    await room.tap(who, "Yes, delete everything")
    assert "has been deleted" in room.inbox(who)[-1].text


async def offered_commands(engine: Engine, who: Account) -> list[str]:
    async with engine.db.transaction() as tx:
        offered = await tx.offered.latest(who)
    if offered is None:
        return []
    return [button[0] for message in offered.messages for button in message]


async def test_remembered_buttons_that_act_on_them_are_dropped(room: Room, engine: Engine) -> None:
    await make_volunteer(room, SAM, "Sam")
    await ChatDriver(engine, HERON).onboard(name="Quiet Heron")
    await room.say(HERON, "/talk")
    await room.tap(HERON, "Skip")
    await room.tap(SAM, "Accept")
    await room.say(HERON, "/report")
    labels = [c.label for c in room.inbox(ADMIN)[-1].choices]
    assert "Bar Quiet Heron from peer chats" in labels
    assert any(c.startswith("bar ") for c in await offered_commands(engine, ADMIN))
    await room.say(HERON, "/end")
    sam_buttons = await offered_commands(engine, SAM)
    assert sam_buttons == ["debrief ok", "debrief heavy", "debrief talk"]
    await delete(room, HERON)
    assert await offered_commands(engine, ADMIN) == []
    # What isn't about them stays: Sam's "how are you after that?".
    assert await offered_commands(engine, SAM) == sam_buttons
    # The admin typing the old button's words is not taken as a /bar any more.
    await room.say(ADMIN, "Bar Quiet Heron from peer chats")
    assert "couldn't find" not in room.inbox(ADMIN)[-1].text

    # A volunteer who deletes: the admin's Suspend / Remove buttons for them go too.
    await room.say(ADMIN, "/volunteers")
    assert any(c.startswith("suspend ") for c in await offered_commands(engine, ADMIN))
    await delete(room, SAM)
    assert await offered_commands(engine, ADMIN) == []
