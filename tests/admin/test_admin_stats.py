"""`/stats`: community figures for admins, in aggregates, with small groups suppressed."""

import dataclasses
import random

import pytest

from bot.app import known_channels
from flows.admin.stats import average, count, share
from flows.catalogue import create_engine
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.engine import Engine
from storage import Account, Database
from tests.chat_driver import ChatDriver, Room

ADMIN = Account("console", "900")


@pytest.fixture
def admin_engine(db: Database, clock: ManualClock, flow_config: FlowConfig) -> Engine:
    config = dataclasses.replace(flow_config, admins=frozenset({"console:900"}))
    return create_engine(db, clock, config, rng=random.Random(5), channels=known_channels())


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


def test_counts_are_banded_and_shares_come_from_the_bands() -> None:
    assert [count(n) for n in (5, 6, 7, 8, 12, 13, 1_234)] == [
        "5", "5", "5", "10", "10", "15", "1,235",
    ]  # fmt: skip
    assert share(5, 6) == "5 (100 %)"
    assert share(7, 13) == "5 (33 %)"
    assert share(13, 13) == "15 (100 %)"
    assert average(14, 6) == "2.5"  # 2.33…
    assert average(19, 5) == "4.0"  # 3.8


async def be_lonely(engine: Engine, who: Account, *, lonely: bool) -> None:
    """Join, then answer the weekly connection check-in (UCLA-3 of 9 or of 3)."""
    driver = ChatDriver(engine, who)
    await driver.onboard(name=f"Member {who.external_id}")
    await driver.say("/connect")
    for _ in range(3):
        await driver.tap("Often" if lonely else "Hardly ever")
    await driver.say("2")


async def test_one_deletion_cannot_be_read_off_the_difference(admin_engine: Engine) -> None:
    """The attack: six members, five of them lonely. "lonely: 5 (83 %)" then, after the
    sixth deletes their data, "5 (100 %)" — so the one who left was not lonely."""
    room = Room(admin_engine)
    for n in range(1, 6):
        await be_lonely(admin_engine, Account("console", str(n)), lonely=True)
    leaver = Account("console", "6")
    await be_lonely(admin_engine, leaver, lonely=False)

    def figures() -> list[str]:
        text = room.inbox(ADMIN)[-1].text
        return [line for line in text.splitlines() if line.startswith(("Members", "• "))]

    await room.say(ADMIN, "/stats")
    before = figures()
    leaving = ChatDriver(admin_engine, leaver)
    await leaving.say("/delete")
    await leaving.tap("delete")
    await room.say(ADMIN, "/stats")
    assert figures() == before
    assert "• lonely at their last connection check-in: 5 (100 %)" in before


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
    # Six, banded to the nearest five.
    assert "Members: 5" in many
    assert "checked in during the last 7 days: 5 (100 %)" in many
    # (4 + 5 × 2) / 6 = 2.33, to the nearest 0.5
    assert "average mood: 2.5 of 5" in many
    assert "Check-ins, last 7 days: 5 mood, 0 connection" in many
    assert "Peer chats, last 30 days: 0 requests" in many
    assert "tier 1 0, tier 2 0, tier 3 0" in many
    assert not any(f"Member {n}" in many for n in range(1, 7))


async def test_figures_about_the_service_are_exact(admin_engine: Engine) -> None:
    """A small community needs to know that one volunteer is on call and two events are
    coming up: those describe the service, which admins see in /volunteers and /events
    anyway. What describes members stays banded."""
    room = Room(admin_engine)
    await room.say(ADMIN, "/invite")
    code = room.inbox(ADMIN)[-1].text.split("/volunteer ", 1)[1].split()[0]
    volunteer = Account("console", "21")
    await room.say(volunteer, f"/start {code}")
    await room.say(volunteer, "Sam")
    await room.tap(volunteer, "Done")
    await room.tap(volunteer, "1 chat")
    await room.say(volunteer, "UTC")
    await room.say(volunteer, "/oncall")
    for day in ("2026-11-25", "2026-11-28"):
        await room.say(ADMIN, f"/newevent {day} 18:30 | Recovery walk | Riverside Park gate")
    await check_in(admin_engine, Account("console", "1"), "4")

    await room.say(ADMIN, "/stats")
    text = room.inbox(ADMIN)[-1].text
    assert "Volunteers: 1 active, 1 on call now" in text
    assert "Events in the next 14 days: 2" in text
    assert "Members: fewer than 5" in text  # about members: still banded
    assert "volunteers and events are counted exactly" in text
