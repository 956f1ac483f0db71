"""The crisis guard in every state: immediate lines, a human route, escalation."""

import dataclasses
import random
from datetime import timedelta

import pytest

from bot.app import known_channels
from flows.catalogue import create_engine
from flows.core import notice_keys
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.engine import Engine
from flows.core.values import Input
from flows.sweeper import Sweeper
from storage import Account, Database
from tests.chat_driver import ChatDriver, Room
from tests.conftest import CRISIS_TEXT

ADMIN = Account("console", "900")
MEMBER = Account("console", "1")
MESSAGE = "honestly i want to die"


@pytest.fixture
def guarded(db: Database, clock: ManualClock, flow_config: FlowConfig) -> Engine:
    config = dataclasses.replace(flow_config, admins=frozenset({"console:900"}))
    return create_engine(db, clock, config, rng=random.Random(3), channels=known_channels())


async def sweep(room: Room, engine: Engine) -> None:
    _, outcomes = await Sweeper(engine).sweep()
    for outcome in outcomes:
        room.collect(outcome)


@pytest.mark.parametrize("state", ["outside", "checkin_note", "onboarding", "stranger"])
async def test_tier1_gets_lines_first_and_pages_a_human(
    guarded: Engine, db: Database, state: str
) -> None:
    room = Room(guarded)
    driver = ChatDriver(guarded, MEMBER)
    if state != "stranger":
        await driver.say("/start")
    if state in ("outside", "checkin_note"):
        await driver.tap("yes")
        await driver.say("Quiet Heron")
        await driver.say("UTC")
        await driver.say("18:00")
        await driver.tap("later")
    if state == "checkin_note":
        await driver.say("/checkin")
        await driver.tap("2")
        await driver.tap("done")
    outcome = await room.say(MEMBER, MESSAGE)
    first = outcome.deliveries[0].reply
    assert first.urgent and outcome.deliveries[0].account == MEMBER
    assert CRISIS_TEXT in first.text and "automated assistant" in first.text
    # No peer is on call, so it must not claim one is coming.
    assert "on-call peer" not in first.text
    page = room.inbox(ADMIN)[-1]
    assert "URGENT" in page.text and "would like to talk" in page.text
    assert MESSAGE not in page.text and "Accept" in page.choices[0].label
    async with db.transaction() as tx:
        member = await tx.members.find_by_account(MEMBER)
        assert member is not None
        events = await tx.safety.events_of(member.id)
    assert events and events[0][0] == 1 and MESSAGE not in events[0][1]
    if state == "checkin_note":
        # The mood they gave just before is kept; the crisis words never become its note.
        async with db.transaction() as tx:
            (kept,) = await tx.checkins.recent_moods(member.id, limit=5)
        assert (kept.mood, kept.helped) == (2, None)


async def test_unanswered_crisis_escalates_and_tells_the_member(
    guarded: Engine, clock: ManualClock
) -> None:
    room = Room(guarded)
    await ChatDriver(guarded, MEMBER).onboard()
    await room.say(MEMBER, "I took all my pills")
    assert room.inbox(MEMBER)[0].text.startswith("If you or someone with you may have taken")
    pages = len(room.inbox(ADMIN))
    clock.advance(timedelta(minutes=3))
    await sweep(room, guarded)
    assert len(room.inbox(ADMIN)) == pages + 1 and "STILL UNANSWERED" in room.inbox(ADMIN)[-1].text
    assert "nobody has been able to pick up" in room.inbox(MEMBER)[-1].text
    assert room.inbox(MEMBER)[-1].urgent


async def test_admin_accepts_a_crisis_and_the_chat_is_relayed(guarded: Engine) -> None:
    room = Room(guarded)
    await ChatDriver(guarded, MEMBER).onboard()
    await room.say(MEMBER, MESSAGE)
    await room.tap(ADMIN, "Accept")
    assert "A Hearthside coordinator has joined" in room.inbox(MEMBER)[-1].text
    await room.say(MEMBER, "thank you for coming")
    assert room.inbox(ADMIN)[-1].copy_of is not None


async def test_tier2_asks_directly_and_yes_takes_tier1_path(guarded: Engine) -> None:
    room = Room(guarded)
    await ChatDriver(guarded, MEMBER).onboard()
    await room.say(MEMBER, "i wish i wasn't here")
    assert "Are you thinking about ending your life?" in room.inbox(MEMBER)[-1].text
    await room.tap(MEMBER, "Yes")
    assert any(r.urgent for r in room.inbox(MEMBER))
    assert "URGENT" in room.inbox(ADMIN)[-1].text


async def test_tier2_no_softens_and_offers_a_peer(guarded: Engine) -> None:
    room = Room(guarded)
    await ChatDriver(guarded, MEMBER).onboard()
    await room.say(MEMBER, "no reason to live")
    await room.tap(MEMBER, "No")
    assert "/talk" in room.inbox(MEMBER)[-1].text
    assert ADMIN not in room.mail


async def test_tier2_silence_escalates(guarded: Engine, clock: ManualClock) -> None:
    room = Room(guarded)
    await ChatDriver(guarded, MEMBER).onboard()
    await room.say(MEMBER, "everyone would be better off without me")
    clock.advance(timedelta(minutes=3))
    await sweep(room, guarded)
    assert "I haven't heard back" in room.texts(MEMBER)
    assert "URGENT" in room.inbox(ADMIN)[-1].text


async def test_tier3_offers_a_peer_without_paging(guarded: Engine) -> None:
    room = Room(guarded)
    await ChatDriver(guarded, MEMBER).onboard()
    await room.say(MEMBER, "I can't cope")
    assert "/talk" in room.inbox(MEMBER)[-1].text
    assert ADMIN not in room.mail


async def test_third_party_gets_a_supporter_reply(guarded: Engine) -> None:
    room = Room(guarded)
    await ChatDriver(guarded, MEMBER).onboard()
    await room.say(MEMBER, "my friend said she wants to die")
    assert "worried about someone" in room.inbox(MEMBER)[-1].text
    assert ADMIN not in room.mail


async def test_safety_event_pauses_prompts_and_schedules_follow_up(
    guarded: Engine, db: Database, clock: ManualClock
) -> None:
    room = Room(guarded)
    await ChatDriver(guarded, MEMBER).onboard(at="18:00")
    await room.say(MEMBER, MESSAGE)
    clock.advance(timedelta(hours=5))  # 19:00: the daily prompt was due at 18:00
    await sweep(room, guarded)
    assert "Time for your daily check-in" not in room.texts(MEMBER)
    clock.advance(timedelta(hours=20))
    await sweep(room, guarded)
    assert "check in after yesterday" in room.texts(MEMBER)


async def test_relayed_crisis_still_relays_and_alerts_the_volunteer(guarded: Engine) -> None:
    room = Room(guarded)
    volunteer = Account("console", "21")
    await room.say(ADMIN, "/invite")
    code = room.inbox(ADMIN)[-1].text.split("/volunteer ", 1)[1].split()[0]
    await room.say(volunteer, f"/volunteer {code}")
    await room.say(volunteer, "Sam")
    await room.tap(volunteer, "Done")
    await room.tap(volunteer, "1 chat")
    await room.say(volunteer, "UTC")
    await room.say(volunteer, "/oncall")
    await ChatDriver(guarded, MEMBER).onboard()
    await room.say(MEMBER, "/talk")
    await room.tap(MEMBER, "Skip")
    await room.tap(volunteer, "Accept")
    await room.say(MEMBER, MESSAGE)
    alert, copy = room.inbox(volunteer)[-2:]
    assert "Private to you" in alert.text and alert.choices[0].label == "Hand to an admin"
    assert copy.copy_of is not None
    assert room.inbox(MEMBER)[-1].urgent
    await room.tap(volunteer, "Hand to an admin")
    assert "asks an admin to step in" in room.inbox(ADMIN)[-1].text


async def test_crisis_words_written_in_by_an_edit_are_seen(guarded: Engine, db: Database) -> None:
    """An edit is read by the guard like a new message, outside a chat and inside one."""
    room = Room(guarded)
    await ChatDriver(guarded, MEMBER).onboard()
    await room.say(MEMBER, "/checkin")
    outcome = await guarded.handle(MEMBER, Input.edit(MESSAGE, message_ref="m1"))
    room.collect(outcome)
    first = outcome.deliveries[0]
    assert first.account == MEMBER and first.reply.urgent and CRISIS_TEXT in first.reply.text
    assert "URGENT" in room.inbox(ADMIN)[-1].text
    # The admin takes it; in the chat, a message edited into crisis words still alerts them
    # (and the edit reaches their copy), while the member gets the lines at once.
    await room.tap(ADMIN, "Accept")
    outcome = await guarded.handle(MEMBER, Input.typed("thanks", message_ref="m2"))
    [copy] = outcome.deliveries
    async with db.transaction() as tx:
        await tx.notices.sent(ADMIN, notice_keys.pending(copy.outbox_id), "77")
    outcome = await guarded.handle(MEMBER, Input.edit(MESSAGE, message_ref="m2"))
    to_member = [d.reply for d in outcome.deliveries if d.account == MEMBER]
    to_admin = [d.reply for d in outcome.deliveries if d.account == ADMIN]
    assert to_member and to_member[0].urgent
    assert "Private to you" in to_admin[0].text
    assert to_admin[-1].replaces_notice == copy.reply.notice and to_admin[-1].transient_text
    async with db.transaction() as tx:
        member = await tx.members.find_by_account(MEMBER)
        assert member is not None
        events = await tx.safety.events_of(member.id)
    assert len(events) == 2


async def test_an_edit_of_words_already_answered_is_not_raised_again(
    guarded: Engine, db: Database
) -> None:
    await ChatDriver(guarded, MEMBER).onboard()
    first = await guarded.handle(MEMBER, Input.typed(MESSAGE, message_ref="m1"))
    assert first.deliveries[0].reply.urgent
    # A typo fixed in the same message: no second crisis reply, no second event...
    fixed = await guarded.handle(MEMBER, Input.edit(MESSAGE + ".", message_ref="m1"))
    assert not any(d.reply.urgent for d in fixed.deliveries)
    # ...but a message edited from distress into danger is answered at once.
    await guarded.handle(MEMBER, Input.typed("i cant cope anymore", message_ref="m2"))
    worse = await guarded.handle(MEMBER, Input.edit(MESSAGE, message_ref="m2"))
    assert worse.deliveries and worse.deliveries[0].reply.urgent
    async with db.transaction() as tx:
        member = await tx.members.find_by_account(MEMBER)
        assert member is not None
        tiers = [tier for tier, _, _ in await tx.safety.events_of(member.id)]
    assert tiers == [1, 3, 1]
