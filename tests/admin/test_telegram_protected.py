"""What admins are told about a member goes out protected, over the real Telegram stack.

A report, a volunteer's "hand to an admin" and the answer to barring name a member's
pseudonym and what happened in their chat: Telegram's `protect_content` stops an admin's
client forwarding or saving them onwards, as it does for handoff notices and relayed copies.
"""

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flows.core.clock import ManualClock
from flows.core.values import Reply
from tests.fake_telegram import BotMessage, FakeTelegram
from tests.peer.test_telegram_peer import (
    ADMIN,
    TIER1,
    open_chat,
    people,
    report_chat,
    start_peer_bot,
)
from tests.telegram_harness import RunningBot, text_of


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    running = await start_peer_bot(fake, db_path, clock)
    yield running
    await running.stop()


def assert_protected(fake: FakeTelegram, message: BotMessage) -> None:
    """The message was sent with protect_content=true, and Telegram holds it protected."""
    (call,) = [
        c
        for c in fake.calls_to("sendMessage", chat_id=message.chat_id)
        if c.message is not None and c.message.message_id == message.message_id
    ]
    assert call.params.get("protect_content") is True, text_of(message)
    assert message.protect_content and message.raw["has_protected_content"] is True


async def test_reports_handover_and_bars_reach_admins_protected(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)

    # The member's crisis words in the chat: Sam hands it to an admin.
    member.say(TIER1)
    await fake.wait_for_message(alice.id, "Private to you")
    await alice.tap("Hand to an admin", expect="I've alerted the admins")
    handover = await fake.wait_for_message(ADMIN, "asks an admin to step in")
    assert "Quiet Heron" in text_of(handover)
    assert_protected(fake, handover)

    await report_chat(alice, "They made me feel unsafe")
    report = await fake.wait_for_message(ADMIN, "Report from the volunteer")
    assert "Quiet Heron" in text_of(report)
    assert_protected(fake, report)

    # Risk was flagged in this chat, so barring (which ends it) asks first, protected too.
    asked = await admin.tap("Bar Quiet Heron", expect="Bar anyway")
    assert asked is not None
    assert_protected(fake, asked)
    barred = await admin.tap("Yes, bar Quiet Heron now", expect="can no longer request")
    assert barred is not None
    assert "Quiet Heron can no longer request peer chats" in text_of(barred)
    assert_protected(fake, barred)
    unbar = re.search(r"/unbar \S+", text_of(barred))
    assert unbar is not None
    undone = await admin.send(unbar.group(0), expect="can request peer chats again")
    assert "Quiet Heron" in text_of(undone)
    assert_protected(fake, undone)


def test_protection_survives_the_outbox_round_trip() -> None:
    # A report left in the outbox by a crash or a failed send goes out protected later too.
    reply = Reply("🚩 Report from the member", protect_content=True)
    assert Reply.from_json(reply.to_json()) == reply
    assert not Reply.from_json(Reply("hello").to_json()).protect_content
