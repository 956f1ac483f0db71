"""/delete takes back what a person left with others, driven through the engine: copies of
their words still waiting to be sent, the request for a peer at an event, and the command
buttons remembered for typing that act on them (and show their name)."""

import dataclasses
import random
from datetime import timedelta

import pytest

from bot.app import known_channels
from flows.catalogue import create_engine
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.engine import Engine
from flows.core.values import Reply
from flows.members.traces import BUDDY_CLOSED
from storage import Account, Database, Priority
from tests.chat_driver import ChatDriver, Room
from tests.event_helpers import post

ADMIN = Account("console", "900")
HERON = Account("console", "1")
OAK = Account("console", "2")
SAM = Account("console", "21")


@pytest.fixture
def engine(db: Database, clock: ManualClock, flow_config: FlowConfig) -> Engine:
    config = dataclasses.replace(flow_config, admins=frozenset({"console:900"}))
    return create_engine(db, clock, config, rng=random.Random(11), channels=known_channels())


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


async def waiting_for(engine: Engine, who: Account) -> list[Reply]:
    """What the outbox still holds for `who`."""
    async with engine.db.transaction() as tx:
        rows = await tx.outbox.pending(
            who.channel, created_before=engine.clock.now() + timedelta(seconds=1), limit=500
        )
    return [Reply.from_json(row.payload) for row in rows if row.external_id == who.external_id]


async def offered_commands(engine: Engine, who: Account) -> list[str]:
    async with engine.db.transaction() as tx:
        offered = await tx.offered.latest(who)
    if offered is None:
        return []
    return [button[0] for message in offered.messages for button in message]


async def test_copies_of_their_words_still_waiting_are_never_sent(
    room: Room, engine: Engine
) -> None:
    await make_volunteer(room, SAM, "Sam", chats="2 chats")
    await ChatDriver(engine, HERON).onboard(name="Quiet Heron")
    await ChatDriver(engine, OAK).onboard(name="Bright Oak")
    for who in (HERON, OAK):
        await room.say(who, "/talk")
        await room.tap(who, "Skip")
        await room.tap(SAM, "Accept")
    await room.say(HERON, "something only Sam should read")
    await room.say(OAK, "hello from oak")
    await room.say(HERON, "/end")
    before = await waiting_for(engine, SAM)
    assert "💬 Quiet Heron:" in [r.text for r in before]
    assert [r.copy_of.source for r in before if r.copy_of] == [HERON, OAK]
    await delete(room, HERON)
    after = await waiting_for(engine, SAM)
    # Oak's request, header and copy still go; nothing of Heron's does.
    assert [r.copy_of.source for r in after if r.copy_of] == [OAK]
    assert "💬 Bright Oak:" in [r.text for r in after]
    assert not any("Quiet Heron" in r.text for r in after if r.notice)


async def test_a_request_for_a_peer_at_an_event_is_taken_back(room: Room, engine: Engine) -> None:
    await make_volunteer(room, SAM, "Sam")
    await ChatDriver(engine, SAM).onboard(name="Sam Member")
    walk = await post(room, "2026-11-28 16:00 | Recovery walk | Riverside gate", admin=ADMIN)
    await room.say(SAM, f"/rsvp {walk} going")
    await room.tap(SAM, "I can meet someone there")
    await ChatDriver(engine, HERON).onboard(name="Quiet Heron")
    await room.say(HERON, f"/buddy {walk}")
    asked = room.inbox(SAM)[-1]
    assert "Quiet Heron would like someone to meet them" in asked.text
    assert asked.notice is not None
    # Once Sam has it, deleting edits it; an unsent one would simply not be sent.
    async with engine.db.transaction() as tx:
        [(account, ref, _)] = await tx.notices.recorded(asked.notice)
        await tx.notices.sent(account, ref, "77")
        await tx.outbox.drop_for_account(SAM)
    await delete(room, HERON)
    [edit] = [r for r in room.inbox(SAM) if r.replaces_notice == asked.notice]
    assert (edit.text, edit.choices, edit.withdraw) == (BUDDY_CLOSED, (), False)
    assert "buddymeet" not in " ".join(await offered_commands(engine, SAM))


async def test_remembered_buttons_that_act_on_them_are_dropped(room: Room, engine: Engine) -> None:
    await make_volunteer(room, SAM, "Sam")
    await ChatDriver(engine, HERON).onboard(name="Quiet Heron")
    await room.say(HERON, "/talk")
    await room.tap(HERON, "Skip")
    await room.tap(SAM, "Accept")
    await room.say(SAM, "/report")
    for answer in ("Something else", "Skip", "Send the report"):
        await room.tap(SAM, answer)
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


async def test_a_stale_placeholder_never_drops_someone_elses_message(
    room: Room, engine: Engine
) -> None:
    await ChatDriver(engine, HERON).onboard(name="Quiet Heron")
    now = engine.clock.now()
    async with engine.db.transaction() as tx:
        heron = await tx.members.find_by_account(HERON)
        assert heron is not None
        chat = await tx.handoffs.request(
            heron.id,
            alias="Quiet Heron",
            priority=Priority.ORDINARY,
            topic=None,
            now=now,
            escalate_at=None,
        )
        # A notice whose send was refused keeps its placeholder; the row id is reused.
        reused = await tx.outbox.add(OAK, Reply("For Oak, urgent", urgent=True).to_json(), now)
        await tx.notices.record(SAM, f"outbox:{reused}", f"handoff:{chat}", now)
    await delete(room, HERON)
    assert [r.text for r in await waiting_for(engine, OAK)] == ["For Oak, urgent"]


def test_a_withdrawal_and_a_goodbye_survive_the_outbox_round_trip() -> None:
    # Committed before a crash, they are still what they were when the outbox is drained.
    for reply in (
        Reply("(Removed)", replaces_notice="relay:3:41", withdraw=True),
        Reply("Done", forget_chat=True),
    ):
        assert Reply.from_json(reply.to_json()) == reply


async def test_the_admins_notice_of_a_crisis_in_their_chat_is_taken_back(
    room: Room, engine: Engine
) -> None:
    await make_volunteer(room, SAM, "Sam")
    await ChatDriver(engine, HERON).onboard(name="Quiet Heron")
    await room.say(HERON, "/talk")
    await room.tap(HERON, "Skip")
    await room.tap(SAM, "Accept")
    await room.say(HERON, "i want to kill myself tonight")
    [notice] = [r for r in room.inbox(ADMIN) if "crisis flagged in a peer chat" in r.text]
    assert "Quiet Heron" in notice.text and notice.notice is not None
    async with engine.db.transaction() as tx:
        [(account, ref, _)] = await tx.notices.recorded(notice.notice)
        await tx.notices.sent(account, ref, "78")
        await tx.outbox.drop_for_account(ADMIN)
    await delete(room, HERON)
    [edit] = [r for r in room.inbox(ADMIN) if r.replaces_notice == notice.notice]
    assert "Quiet Heron" not in edit.text
    assert edit.text.startswith("🔴 A crisis was flagged in peer chat #")
