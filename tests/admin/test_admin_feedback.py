"""`/feedback`: admins read members' words after peer chats, without who wrote them."""

import dataclasses
import random

import pytest

from bot.app import known_channels
from flows.catalogue import create_engine
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.limits import Rate, RateLimiter
from storage import Account, Database
from tests.chat_driver import ChatDriver, Room
from tests.peer.test_peer_support import make_volunteer

ADMIN = Account("console", "900")
MEMBER = Account("console", "1")
VOLUNTEER = Account("console", "21")


@pytest.fixture
def room(db: Database, clock: ManualClock, flow_config: FlowConfig) -> Room:
    config = dataclasses.replace(flow_config, admins=frozenset({"console:900"}))
    unlimited = RateLimiter(Rate(burst=1_000, per_second=1_000))
    engine = create_engine(
        db, clock, config, rng=random.Random(3), limits=unlimited, channels=known_channels()
    )
    return Room(engine)


async def chat_and_say(room: Room, words: str) -> None:
    """A whole peer chat, ended by the member, who adds a few words about it."""
    await room.say(MEMBER, "/talk")
    await room.tap(MEMBER, "Skip")
    await room.tap(VOLUNTEER, "Accept")
    await room.say(MEMBER, "/end")
    await room.tap(MEMBER, "4")
    await room.say(MEMBER, words)
    await room.tap(MEMBER, "Anyone is fine")


async def test_admins_read_the_words_without_names_and_they_go_with_delete(
    room: Room,
) -> None:
    await make_volunteer(room, VOLUNTEER, "Sam")
    await ChatDriver(room.engine, MEMBER).onboard(name="Quiet Heron")
    await room.say(ADMIN, "/feedback")
    assert "No words from members after peer chats" in room.inbox(ADMIN)[-1].text

    await chat_and_say(room, "it helped to be heard")
    await chat_and_say(room, "Sam suggested the walk, good idea")

    await room.say(MEMBER, "/feedback")
    assert "for admins" in room.inbox(MEMBER)[-1].text
    assert "helped to be heard" not in room.texts(MEMBER)

    await room.say(ADMIN, "/feedback")
    shown = room.inbox(ADMIN)[-1]
    assert shown.protect_content
    lines = shown.text.splitlines()
    # Newest first, the words alone: no chosen name, no volunteer, no account, no rating.
    assert lines[-2:] == ["• “Sam suggested the walk, good idea”", "• “it helped to be heard”"]
    assert "Quiet Heron" not in shown.text and MEMBER.external_id not in shown.text
    assert "#" not in shown.text and "4" not in shown.text

    leaving = ChatDriver(room.engine, MEMBER)
    await leaving.say("/delete")
    await leaving.tap("delete")
    await room.say(ADMIN, "/feedback")
    assert "No words from members after peer chats" in room.inbox(ADMIN)[-1].text


async def test_feedback_is_listed_in_the_admins_help(room: Room) -> None:
    await room.say(ADMIN, "/help")
    assert "/feedback" in room.texts(ADMIN)
