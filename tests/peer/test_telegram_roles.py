"""Who is who around a peer chat, over the real python-telegram-bot stack against the fake
Bot API: admins answering as coordinators (not listed volunteers), volunteers keeping their
own profile, reports that go to someone outside the chat, and people who only want to talk.
"""

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from flows.core.clock import ManualClock
from tests.fake_telegram import FakeTelegram
from tests.peer.test_telegram_peer import (
    ADMIN,
    ALICE,
    MEMBER,
    latest_handoff,
    onboard_member,
    people,
    request_talk,
    set_up_volunteer,
    start_peer_bot,
    volunteer_of,
)
from tests.telegram_harness import RunningBot, text_of


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    running = await start_peer_bot(fake, db_path, clock)
    yield running
    await running.stop()


async def escalate_to_admins(bot: RunningBot, clock: ManualClock) -> None:
    """Nobody accepts in time: two rounds of the sweep reach the admins."""
    for minutes in (6, 5):
        clock.advance(timedelta(minutes=minutes))
        await bot.sweep_now()


# -- admins answer as coordinators ------------------------------------------------------
async def test_an_admin_who_answers_is_a_coordinator_not_a_listed_volunteer(
    fake: FakeTelegram, bot: RunningBot, clock: ManualClock
) -> None:
    admin, alice, _bob, member = people(fake)
    await set_up_volunteer(admin, alice, "Sam")
    await alice.send("/oncall", expect="You're on call")
    await onboard_member(member)
    await request_talk(member, expect="I've let the peers on call know")
    await escalate_to_admins(bot, clock)
    await fake.wait_for_message(ADMIN, "Nobody has accepted yet")
    await admin.tap("Accept", expect="You're now talking with Quiet Heron")
    joined = text_of(await fake.wait_for_message(MEMBER, "has joined"))
    assert joined.startswith("A Hearthside coordinator has joined and is here now")
    assert "peer volunteer" not in joined and "Hearthside team" not in joined

    # Not a volunteer: not listed, not on the rota, no volunteer commands.
    listing = text_of(await admin.send("/volunteers", expect="Volunteers:"))
    assert "Sam" in listing and "Hearthside" not in listing and "coordinator" not in listing
    assert not (await volunteer_of(bot, ADMIN)).is_peer
    help_text = text_of(await admin.send("/help", expect="For admins"))
    assert "/oncall" not in help_text and "/shifts" not in help_text
    await admin.send("/oncall", expect="That command is for peer volunteers")

    # The chat still works both ways, and ends in plain words.
    member.say("thank you")
    await fake.next_call("copyMessage", chat_id=ADMIN)
    await admin.send("/end", expect="You've ended the chat")
    ended = text_of(await fake.wait_for_message(MEMBER, "ended the chat"))
    assert ended.startswith("A Hearthside coordinator has ended the chat.")
    assert (await latest_handoff(bot, MEMBER)).status == "ended"
    # A second request goes to the peers on call again, never to the admin's row.
    await member.tap("5", expect="Anything you'd like to add")
    await member.tap("Skip", expect="same peer")
    await member.tap("Anyone is fine", expect="Noted")
    pages = sum("would like to talk" in line for line in fake.transcript(ADMIN))
    await request_talk(member, expect="I've let the peers on call know")
    await fake.wait_for_message(ALICE, "Quiet Heron would like to talk")
    assert sum("would like to talk" in line for line in fake.transcript(ADMIN)) == pages
