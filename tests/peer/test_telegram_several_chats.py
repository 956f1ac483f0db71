"""A volunteer holding several chats, over the real Telegram stack: each message they send
says whom it went to, and /end asks which chat (or none) instead of guessing."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flows.core.clock import ManualClock
from tests.fake_telegram import FakeTelegram
from tests.peer.test_telegram_peer import (
    BOB,
    MEMBER,
    OTHER_MEMBER,
    TgUser,
    latest_handoff,
    next_copy,
    onboard_member,
    people,
    request_talk,
    set_up_volunteer,
    start_peer_bot,
)
from tests.telegram_harness import RunningBot, text_of


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    running = await start_peer_bot(fake, db_path, clock)
    yield running
    await running.stop()


async def two_chats(fake: FakeTelegram) -> tuple[TgUser, TgUser, TgUser]:
    """Robin (room for two) accepts Quiet Heron, then Bright Oak."""
    admin, _alice, bob, heron = people(fake)
    oak = TgUser(fake, OTHER_MEMBER, "Winifred", "winnie_secret", last_name="Ashdown")
    await set_up_volunteer(admin, bob, "Robin", capacity="2 chats")
    await bob.send("/oncall", expect="You're on call")
    for member, pseudonym in ((heron, "Quiet Heron"), (oak, "Bright Oak")):
        await onboard_member(member, pseudonym)
        await request_talk(member, expect="I've let the peers on call know")
        await fake.wait_for_message(BOB, f"{pseudonym} would like to talk")
        await bob.tap("Accept", expect=f"You're now talking with {pseudonym}")
        await fake.wait_for_message(member.id, "Robin, a peer volunteer")
    return bob, heron, oak


async def test_each_message_from_a_volunteer_with_two_chats_says_where_it_went(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    bob, heron, _oak = await two_chats(fake)
    sent = heron.say("are you still there?")
    await fake.wait_for_message(BOB, "💬 Quiet Heron:")
    from_heron = await next_copy(fake, BOB)
    assert from_heron.source == (MEMBER, sent)

    # Typed without a reply: it goes to the chat in hand (Bright Oak, accepted last), and
    # Robin is told so at once.
    plain = bob.say("Yes, I'm here")
    assert (await next_copy(fake, OTHER_MEMBER)).source == (BOB, plain)
    where = await fake.wait_for_message(BOB, "↪️")
    assert text_of(where) == "↪️ Sent to Bright Oak"
    # A reply to Heron's message goes to Heron, and says so.
    answer = bob.say("Sorry, that was for you, Heron", reply_to=from_heron.message_id)
    assert (await next_copy(fake, MEMBER)).source == (BOB, answer)
    assert text_of(await fake.wait_for_message(BOB, "↪️")) == "↪️ Sent to Quiet Heron"
    # So does a reply to that line.
    again = bob.say("take your time", reply_to=where.message_id)
    assert (await next_copy(fake, OTHER_MEMBER)).source == (BOB, again)
    assert text_of(await fake.wait_for_message(BOB, "↪️")) == "↪️ Sent to Bright Oak"
    # Neither member sees any of those lines.
    for member in (MEMBER, OTHER_MEMBER):
        assert not any("↪️" in line or "Sent to" in line for line in fake.transcript(member))

    # With one chat left, nothing is added.
    await bob.send("/end", expect="Which chat would you like to end?")
    await bob.tap("Bright Oak", expect="You've ended the chat")
    only = bob.say("Just us now")
    assert (await next_copy(fake, MEMBER)).source == (BOB, only)
    await bob.send("/switch", expect="Which chat should your messages go to?")  # in order
    after = fake.transcript(BOB)
    after = after[after.index("user: Just us now") :]
    assert not any("Sent to" in line for line in after), after


async def test_end_with_two_chats_asks_which_and_can_be_cancelled(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    bob, _heron, _oak = await two_chats(fake)
    asked = await bob.send("/end", expect="Which chat would you like to end?")
    assert [label for label, _ in asked.buttons] == [
        "👋 Quiet Heron",
        "👋 Bright Oak",
        "✖️ Cancel — keep them all",
    ]
    await bob.tap("Cancel", expect="nothing was ended")
    assert (await latest_handoff(bot, MEMBER)).status == "active"
    assert (await latest_handoff(bot, OTHER_MEMBER)).status == "active"

    await bob.send("/end", expect="Which chat would you like to end?")
    await bob.tap("Quiet Heron", expect="You've ended the chat")
    ended = text_of(await fake.wait_for_message(MEMBER, "Robin has ended the chat"))
    assert "Thank you for reaching out" in ended
    assert (await latest_handoff(bot, MEMBER)).status == "ended"
    assert (await latest_handoff(bot, OTHER_MEMBER)).status == "active"
    # One chat: /end ends it, as before.
    await bob.send("/end", expect="You've ended the chat")
    assert (await latest_handoff(bot, OTHER_MEMBER)).status == "ended"


async def test_a_reply_to_a_chat_that_has_ended_goes_to_nobody_else(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    bob, _heron, oak = await two_chats(fake)
    oak.say("thanks for today")
    await fake.wait_for_message(BOB, "💬 Bright Oak:")
    from_oak = await next_copy(fake, BOB)
    await bob.send("/end", expect="Which chat would you like to end?")
    await bob.tap("Bright Oak", expect="You've ended the chat")
    before = len(fake.transcript(MEMBER))

    # Answering Bright Oak's message after that chat ended must not reach Quiet Heron,
    # the one chat left: the volunteer meant someone else.
    bob.say("you did so well tonight", reply_to=from_oak.message_id)
    told = text_of(await fake.wait_for_message(BOB, "has ended"))
    assert "Bright Oak" in told and "haven't sent" in told
    await bob.send("/switch", expect="Which chat")  # everything before it is handled
    assert fake.transcript(MEMBER)[before:] == []
