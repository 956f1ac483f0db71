"""A volunteer's set-up reads a typed city as sign-up does, and says the zone it took."""

import dataclasses
import random

from bot.app import known_channels
from flows.catalogue import create_engine
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from storage import Account, Database
from tests.chat_driver import Room

ADMIN = Account("console", "900")
ALICE = Account("console", "21")


async def test_volunteer_setup_confirms_a_typed_city(
    db: Database, clock: ManualClock, flow_config: FlowConfig
) -> None:
    config = dataclasses.replace(flow_config, admins=frozenset({"console:900"}))
    room = Room(create_engine(db, clock, config, rng=random.Random(3), channels=known_channels()))
    await room.say(ADMIN, "/invite")
    code = room.inbox(ADMIN)[-1].text.split("/volunteer ", 1)[1].split()[0]
    await room.say(ALICE, f"/start {code}")
    await room.say(ALICE, "Alex (peer)")
    await room.tap(ALICE, "Done")
    await room.tap(ALICE, "1 chat")
    await room.say(ALICE, "Glasgow")
    # The set-up's last word, before the volunteers' guide that follows it.
    said = next(r.text for r in reversed(room.inbox(ALICE)) if "You're set up" in r.text)
    assert "Got it: Europe/London — it's 14:00 there now." in said
    assert "You're set up as a peer volunteer, Alex (peer)!" in said
    async with db.transaction() as tx:
        member = await tx.members.find_by_account(ALICE)
    assert member is not None and member.timezone == "Europe/London"
