"""Peer-chat hygiene over the real Telegram stack: a chat nobody writes in is warned about
and then wrapped up as /end wraps it up (feedback for the member, a debrief for the
volunteer), once, across a restart; a message keeps it open; quiet hours wait; a chat with
risk in it is not ended quietly; PEER_CHAT_IDLE_HOURS=0 keeps every chat open.
"""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from tests.conftest import CRISIS_TEXT
from tests.fake_telegram import FakeTelegram
from tests.peer.test_telegram_peer import (
    ADMIN,
    ALICE,
    MEMBER,
    next_copy,
    open_chat,
    people,
    start_peer_bot,
)
from tests.telegram_harness import RunningBot, db_rows, text_of

IDLE_HOURS = 3
WARNED = "It's been quiet in your chat"
CLOSED = "It's been quiet for a while, so I've closed your chat"
TIER1 = "i want to die tonight"


def config(idle_hours: int = IDLE_HOURS) -> FlowConfig:
    return FlowConfig(
        crisis_resources=CRISIS_TEXT,
        admins=frozenset({f"telegram:{ADMIN}"}),
        peer_chat_idle_hours=idle_hours,
    )


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    running = await start_peer_bot(fake, db_path, clock, config=config())
    yield running
    await running.stop()


def said(fake: FakeTelegram, chat_id: int, words: str) -> int:
    """How many of the bot's messages in the chat have `words` in them."""
    return sum(1 for m in fake.messages(chat_id) if m.text is not None and words in m.text)


def chat_row(db_path: Path) -> tuple[object, ...]:
    return db_rows(db_path, "SELECT status, end_reason FROM handoff")[0]


async def test_a_quiet_chat_is_warned_about_then_wrapped_up_once_across_a_restart(
    fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> None:
    bot = await start_peer_bot(fake, db_path, clock, config=config())
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)  # accepted at 14:00 UTC, a Sunday
    clock.advance(timedelta(hours=1, minutes=59))
    await bot.sweep_now()
    assert said(fake, MEMBER, WARNED) == 0  # not quiet long enough yet

    clock.advance(timedelta(minutes=1))  # quiet for 2 hours: an hour before the end
    await bot.sweep_now()
    warned = text_of(await fake.wait_for_message(MEMBER, WARNED))
    assert "with Sam" in warned and "just send a message" in warned and "/end" in warned
    told = await fake.wait_for_message(ALICE, WARNED)
    assert "with Quiet Heron" in text_of(told)
    assert [label for label, _ in told.buttons] == ["👋 End the chat now"]
    await bot.sweep_now()  # a sweep again, as after a crash: nobody is told twice
    assert (said(fake, MEMBER, WARNED), said(fake, ALICE, WARNED)) == (1, 1)

    # A restart between the warning and the end changes nothing of either.
    await bot.stop()
    bot = await start_peer_bot(fake, db_path, clock, config=config())
    try:
        clock.advance(timedelta(minutes=59))
        await bot.sweep_now()
        assert chat_row(db_path) == ("active", None)

        clock.advance(timedelta(minutes=1))  # three hours without a word
        await bot.sweep_now()
        closed = text_of(await fake.wait_for_message(MEMBER, CLOSED))
        assert "with Sam" in closed and "Thank you for reaching out" in closed
        assert CRISIS_TEXT not in closed  # nothing was flagged in this chat
        await fake.wait_for_message(MEMBER, "Did talking help?")
        debrief = await fake.wait_for_message(ALICE, CLOSED)
        assert "How are you after that?" in text_of(debrief)
        assert chat_row(db_path) == ("ended", "idle")
        await bot.sweep_now()
        assert (said(fake, MEMBER, CLOSED), said(fake, ALICE, CLOSED)) == (1, 1)
        # The feedback is the one /end asks for.
        await member.tap("5", expect="Anything you'd like to add")
        assert db_rows(db_path, "SELECT rating FROM handoff") == [(5,)]
        assert said(fake, ADMIN, "quiet") == 0  # no risk: the admins are not troubled
    finally:
        await bot.stop()


async def test_a_message_after_the_warning_keeps_the_chat_open(
    fake: FakeTelegram, bot: RunningBot, db_path: Path, clock: ManualClock
) -> None:
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)
    clock.advance(timedelta(hours=2))
    await bot.sweep_now()
    await fake.wait_for_message(MEMBER, WARNED)
    clock.advance(timedelta(minutes=30))
    alice.say("still here if you want to talk")  # the volunteer writes: the chat is alive
    await next_copy(fake, MEMBER)
    clock.advance(timedelta(minutes=30))
    await bot.sweep_now()
    assert chat_row(db_path) == ("active", None)
    assert said(fake, MEMBER, CLOSED) == 0
    # Quiet again from that message on: warned two hours after it, closed at three.
    clock.advance(timedelta(hours=1, minutes=30))
    await bot.sweep_now()
    assert said(fake, MEMBER, WARNED) == 2
    clock.advance(timedelta(hours=1))
    await bot.sweep_now()
    await fake.wait_for_message(MEMBER, CLOSED)
    assert chat_row(db_path) == ("ended", "idle")


async def test_quiet_hours_wait_and_the_end_comes_a_full_lead_after_the_warning(
    fake: FakeTelegram, bot: RunningBot, db_path: Path, clock: ManualClock
) -> None:
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)
    # Nothing swept until late at night (a stopped bot, say): the member's quiet hours.
    clock.set(datetime(2026, 11, 22, 23, 30, tzinfo=UTC))
    await bot.sweep_now()
    assert said(fake, MEMBER, WARNED) == 0 and chat_row(db_path) == ("active", None)
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))  # quiet hours over
    await bot.sweep_now()
    await fake.wait_for_message(MEMBER, WARNED)
    assert chat_row(db_path) == ("active", None)  # quiet long past the end, but just warned
    clock.advance(timedelta(minutes=59))
    await bot.sweep_now()
    assert chat_row(db_path) == ("active", None)
    clock.advance(timedelta(minutes=1))
    await bot.sweep_now()
    await fake.wait_for_message(MEMBER, CLOSED)


async def test_a_quiet_chat_with_risk_in_it_is_not_ended_quietly(
    fake: FakeTelegram, bot: RunningBot, db_path: Path, clock: ManualClock
) -> None:
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)
    member.say(TIER1)
    await fake.wait_for_message(ALICE, "Private to you")
    await fake.next_call("copyMessage", chat_id=ALICE)
    await fake.wait_for_message(ADMIN, "crisis flagged in a peer chat")
    clock.advance(timedelta(hours=2))
    await bot.sweep_now()
    warned = await fake.wait_for_message(ALICE, WARNED)
    assert "flagged risk" in text_of(warned)
    assert [label for label, _ in warned.buttons] == ["🙋 Hand to an admin", "👋 End the chat now"]
    admins = await fake.wait_for_message(ADMIN, "has gone quiet")
    assert "Quiet Heron with Sam" in text_of(admins)
    assert [label for label, _ in admins.buttons] == ["🙋 Take over the chat"]
    assert admins.protect_content

    clock.advance(timedelta(hours=1))
    await bot.sweep_now()
    closed = text_of(await fake.wait_for_message(MEMBER, CLOSED))
    assert CRISIS_TEXT in closed  # the lines again, as after /end in a chat with risk
    told = text_of(await fake.wait_for_message(ADMIN, "has now been closed"))
    assert "shown the crisis lines again" in told
    assert chat_row(db_path) == ("ended", "idle")


async def test_an_admin_taking_over_after_the_warning_keeps_the_chat_open(
    fake: FakeTelegram, bot: RunningBot, db_path: Path, clock: ManualClock
) -> None:
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)
    clock.advance(timedelta(hours=2))
    await bot.sweep_now()
    await fake.wait_for_message(MEMBER, WARNED)
    ((ref,),) = db_rows(db_path, "SELECT ref FROM handoff")
    await admin.send(f"/takeover {ref}", expect="You're now talking with Quiet Heron")
    clock.advance(timedelta(hours=1))
    await bot.sweep_now()
    assert chat_row(db_path) == ("active", None)
    assert said(fake, MEMBER, CLOSED) == 0


async def test_idle_hours_zero_keeps_every_chat_open(
    fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> None:
    bot = await start_peer_bot(fake, db_path, clock, config=config(idle_hours=0))
    try:
        admin, alice, _bob, member = people(fake)
        await open_chat(fake, admin, alice, member)
        for _ in range(3):
            clock.advance(timedelta(days=2))
            await bot.sweep_now()
        assert chat_row(db_path) == ("active", None)
        assert said(fake, MEMBER, WARNED) == 0
    finally:
        await bot.stop()
