"""`/stats`: community figures for admins, in aggregates, with small groups suppressed."""

import dataclasses
import random

import pytest

from flows.admin_stats import count, share
from flows.catalogue import create_engine
from flows.clock import ManualClock
from flows.config import FlowConfig
from flows.engine import Engine
from storage import Account, Database
from tests.chat_driver import ChatDriver, Room

ADMIN = Account("console", "900")


@pytest.fixture
def admin_engine(db: Database, clock: ManualClock, flow_config: FlowConfig) -> Engine:
    config = dataclasses.replace(flow_config, admins=frozenset({"console:900"}))
    return create_engine(db, clock, config, rng=random.Random(5))


async def check_in(engine: Engine, who: Account, mood: str) -> None:
    driver = ChatDriver(engine, who)
    await driver.onboard(name=f"Member {who.external_id}")
    await driver.say("/checkin")
    await driver.tap(mood)
    await driver.tap("Done")
    await driver.say("skip")


def test_small_groups_are_never_shown_exactly() -> None:
    assert count(0) == "0"
    assert [count(n) for n in (1, 4)] == ["fewer than 5"] * 2
    assert count(5) == "5" and count(12_345) == "12,345"
    assert share(3, 100) == "fewer than 5"
    assert share(4, 4) == "fewer than 5"  # a share of a tiny group says too much
    assert share(25, 100) == "25 (25 %)"


async def test_stats_for_admins_only_in_aggregates(admin_engine: Engine) -> None:
    room = Room(admin_engine)
    member = Account("console", "1")
    await check_in(admin_engine, member, "4")
    await room.say(member, "/stats")
    assert "for admins" in room.inbox(member)[-1].text  # not for members

    await room.say(ADMIN, "/stats")
    few = room.inbox(ADMIN)[-1].text
    assert "Members: fewer than 5" in few
    assert "average mood" not in few  # one check-in: no average that is one person's mood
    assert "Member 1" not in few

    for n in range(2, 7):
        await check_in(admin_engine, Account("console", str(n)), "2")
    await room.say(ADMIN, "/stats")
    many = room.inbox(ADMIN)[-1].text
    assert "Members: 6" in many
    assert "checked in during the last 7 days: 6 (100 %)" in many
    # (4 + 5 × 2) / 6
    assert "average mood: 2.3 of 5" in many
    assert "Check-ins, last 7 days: 6 mood, 0 connection" in many
    assert "Peer chats, last 30 days: 0 requests" in many
    assert "tier 1 0, tier 2 0, tier 3 0" in many
    assert not any(f"Member {n}" in many for n in range(1, 7))
