"""Pages, reports and admin notices reach every account of every admin, whichever channel
each is on: admins from ADMINS on Telegram, Signal and the terminal, one named by a phone
number and found at start, and one granted the role in chat."""

import dataclasses
import random

import pytest

from bot.app import known_channels
from flows.catalogue import create_engine
from flows.core.channels import ChannelInfo
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.engine import Engine
from storage import Account, Database
from tests.chat_driver import Room

ON_TELEGRAM = Account("telegram", "1")
ON_SIGNAL = Account("signal", "3b8d1c4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e")
AT_THE_TERMINAL = Account("console", "900")
BY_NUMBER = Account("signal", "9f0e1d2c-3b4a-4596-8877-665544332211")
GRANTED = Account("signal", "0a1b2c3d-4e5f-4a6b-9c8d-7e6f5a4b3c2d")
ADMINS = (ON_TELEGRAM, ON_SIGNAL, AT_THE_TERMINAL, BY_NUMBER, GRANTED)

MEMBER = Account("console", "5")
VOLUNTEER = Account("telegram", "77")


@pytest.fixture
def engine(db: Database, clock: ManualClock, flow_config: FlowConfig) -> Engine:
    config = dataclasses.replace(
        flow_config,
        admins=frozenset(f"{a.channel}:{a.external_id}" for a in ADMINS[:3]),
        admins_to_resolve=frozenset({"signal:+15550002222"}),
    )
    channels = known_channels()
    channels.declare(ChannelInfo("signal"))
    engine = create_engine(db, clock, config, rng=random.Random(3), channels=channels)
    # As the Signal channel does at start, once it has looked the number up.
    engine.resolve_admins({"signal:+15550002222": BY_NUMBER})
    return engine


@pytest.fixture
async def room(engine: Engine) -> Room:
    room = Room(engine)
    await room.say(AT_THE_TERMINAL, "/invite admin")
    code = room.inbox(AT_THE_TERMINAL)[-1].text.split("/volunteer ", 1)[1].split()[0]
    await room.say(GRANTED, f"/start {code}")
    assert "You're now an admin" in room.texts(GRANTED)
    await room.say(AT_THE_TERMINAL, "/invite")
    code = room.inbox(AT_THE_TERMINAL)[-1].text.split("/volunteer ", 1)[1].split()[0]
    for step in (f"/start {code}", "Sam"):
        await room.say(VOLUNTEER, step)
    await room.tap(VOLUNTEER, "Done")
    await room.tap(VOLUNTEER, "1 chat")
    await room.say(VOLUNTEER, "UTC")
    for step in ("/start", "yes", "Quiet Heron", "UTC", "18:00", "later"):
        if step in ("yes", "later"):
            await room.tap(MEMBER, step)
        else:
            await room.say(MEMBER, step)
    return room


def reached(room: Room, words: str) -> set[Account]:
    return {admin for admin in ADMINS if any(words in r.text for r in room.inbox(admin))}


async def test_a_crisis_page_reaches_every_admin_on_every_channel(room: Room) -> None:
    await room.say(MEMBER, "i want to kill myself tonight")
    assert reached(room, "Quiet Heron") == set(ADMINS)
    assert all(
        any(r.urgent for r in room.inbox(admin) if "Quiet Heron" in r.text) for admin in ADMINS
    )


async def test_a_report_and_a_notice_of_held_contact_details_reach_every_admin(
    room: Room,
) -> None:
    await room.say(VOLUNTEER, "/oncall")
    await room.say(MEMBER, "/talk")
    await room.tap(MEMBER, "Skip")
    await room.tap(VOLUNTEER, "Accept")
    await room.say(MEMBER, "text me on 0412 345 678")
    assert reached(room, "Contact details were held back in a peer chat") == set(ADMINS)
    await room.say(VOLUNTEER, "/report")
    for answer in ("Something else", "Skip", "Send the report"):
        await room.tap(VOLUNTEER, answer)
    assert reached(room, "🚩 Report from the volunteer of peer chat") == set(ADMINS)
