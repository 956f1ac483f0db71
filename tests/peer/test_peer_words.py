"""How peer-support messages read when a detail is missing: a person with no name yet."""

import dataclasses
import random
import re

import pytest

from bot.app import known_channels
from flows.catalogue import create_engine
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from storage import Account, Database
from tests.chat_driver import Room
from tests.peer.test_peer_support import make_volunteer

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
