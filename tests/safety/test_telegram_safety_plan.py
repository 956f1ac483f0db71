"""/safetyplan over the real python-telegram-bot stack and the fake Bot API: built with
skips, shown, edited, first in the crisis reply, and in nobody else's chat — not the
on-call volunteer's, not the admin's (their pages, their /stats), not another member's;
/cancel part way keeps what was saved; /delete takes it off the disk."""

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flows.core.clock import ManualClock
from tests.conftest import CRISIS_TEXT
from tests.fake_telegram import FakeTelegram
from tests.peer.test_telegram_peer import (
    ADMIN,
    ALICE,
    BOB,
    MEMBER,
    TIER1,
    TgUser,
    onboard_member,
    people,
    set_up_volunteer,
    start_peer_bot,
)
from tests.storage.test_disk_privacy import on_disk, settled
from tests.telegram_harness import RunningBot, text_of

# The plan's own words: none of them may reach anyone but its owner.
WARNING = "pacing the kitchen at night"
PLACES = "the allotment shed, my cousin Marguerite"
PERSON = "sponsor Jo 555 0142"
REASONS = "my daughter Ottoline\nthe sea"
OWN_LINE = "Dr Lindqvist 555 0199"
EDITED = "a hot bath with lavender"
PLAN_WORDS = ("pacing the kitchen", "allotment shed", "Marguerite", "Jo 555 0142", "Ottoline")
ALL_WORDS = (*PLAN_WORDS, "Lindqvist", "lavender")


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    running = await start_peer_bot(fake, db_path, clock)
    yield running
    await running.stop()


def everything_sent_to(fake: FakeTelegram, chat_id: int) -> str:
    """Every Bot API call addressed to this chat (parameters and result) and its transcript."""
    calls = [
        [c.method, c.params, c.result] for c in fake.started if c.params.get("chat_id") == chat_id
    ]
    return json.dumps([calls, fake.transcript(chat_id)], default=repr, ensure_ascii=False)


async def build_plan(member: TgUser) -> str:
    """Steps 2 and 7 skipped, the crisis lines and a doctor in step 6; the plan as shown."""
    await member.send("/safetyplan", expect="Step 1 of 7 — Warning signs")
    await member.send(WARNING, expect="Step 2 of 7")
    await member.tap("Skip", expect="Step 3 of 7")
    await member.send(PLACES, expect="Step 4 of 7")
    await member.send(PERSON, expect="Step 5 of 7")
    await member.send(REASONS, expect="Step 6 of 7")
    await member.tap("Add these lines", expect="anyone else you'd call")
    await member.send(OWN_LINE, expect="Step 7 of 7")
    done = await member.tap("Skip", expect="That's your safety plan, saved")
    assert done is not None
    return text_of(done)


async def test_build_see_edit_and_the_crisis_reply_shows_it_first_to_its_owner_alone(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    admin, alice, bob, member = people(fake)
    await set_up_volunteer(admin, alice, "Sam")
    await alice.send("/oncall", expect="You're on call")
    await onboard_member(bob, "Bright Oak")
    await onboard_member(member)

    built = await build_plan(member)
    assert "1. Warning signs\n• pacing the kitchen at night" in built
    assert "2. Things that help me cope on my own\n(nothing here yet)" in built
    assert "3. People and places that take my mind off things\n• the allotment shed\n" in built
    assert "• my cousin Marguerite" in built and "• Dr Lindqvist 555 0199" in built
    assert "• Call the test crisis line on 000-TEST." in built  # the deployment's lines

    shown = await member.send("/safetyplan", expect="🧭 Your safety plan")
    assert [label for label, _ in shown.buttons] == [
        "✏️ Edit a step",
        "🔄 Start over",
        "🗑️ Delete the plan",
    ]
    await member.tap("Edit a step", expect="Which step would you like to change?")
    await member.tap("Things that help me cope on my own", expect="Step 2 of 7")
    saved = text_of(await member.send(EDITED, expect="Saved."))
    assert "2. Things that help me cope on my own\n• a hot bath with lavender" in saved

    # The crisis reply is the very next message, urgent as ever, and opens with the plan.
    reply = text_of(await member.send(TIER1))
    assert reply.startswith(
        "Your plan says:\n"
        "• Your reasons for living: my daughter Ottoline, the sea\n"
        "• People you can ask for help: sponsor Jo 555 0142\n\n"
        "I'm really glad you told me. You matter"
    )
    assert "I'm an automated assistant" in reply and CRISIS_TEXT in reply
    assert "I'm letting an on-call peer know now" in reply
    await fake.wait_for_message(ADMIN, "URGENT")
    await fake.wait_for_message(ALICE, "URGENT")
    await alice.tap("Accept", expect="You're now talking with Quiet Heron")
    await fake.wait_for_message(MEMBER, "Sam, a peer volunteer")
    # In the chat, too, the plan is the member's alone: the volunteer is alerted, not shown.
    again = text_of(await member.send("i want to die tonight"))
    assert again.startswith("Your plan says:") and "Your peer is here with you too" in again
    await fake.wait_for_message(ALICE, "Private to you")
    await admin.send("/stats", expect="Hearthside, in aggregates")
    await bob.send("/help", expect="Here's what I can do")
    await settled(bot)

    assert all(words in everything_sent_to(fake, MEMBER) for words in ALL_WORDS)
    for other in (ADMIN, ALICE, BOB):
        seen = everything_sent_to(fake, other)
        assert [words for words in ALL_WORDS if words in seen] == []


async def test_cancel_part_way_keeps_the_saved_steps(fake: FakeTelegram, bot: RunningBot) -> None:
    _admin, _alice, _bob, member = people(fake)
    await onboard_member(member)
    await member.send("/safetyplan", expect="Step 1 of 7")
    await member.send(WARNING, expect="Step 2 of 7")
    await member.tap("Skip", expect="Step 3 of 7")
    await member.send(PLACES, expect="Step 4 of 7")
    stopped = text_of(await member.send("/cancel"))
    assert stopped.startswith("Okay, I've stopped here. Your plan keeps the 2 steps")
    shown = text_of(await member.send("/safetyplan", expect="🧭 Your safety plan"))
    assert "• pacing the kitchen at night" in shown and "• my cousin Marguerite" in shown
    assert "4. People I can ask for help\n(nothing here yet)" in shown


async def test_delete_takes_the_plan_off_the_disk(
    fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    _admin, _alice, _bob, member = people(fake)
    await onboard_member(member)
    await build_plan(member)
    await settled(bot)
    assert on_disk(db_path, PLAN_WORDS)  # stored, by design, until deleted
    asked = text_of(await member.send("/delete", expect="This deletes everything"))
    assert "your safety plan" in asked
    await member.tap("Yes, delete everything", expect="everything I stored about you")
    await settled(bot)
    assert on_disk(db_path, (*PLAN_WORDS, "Lindqvist")) == []


async def test_deleting_only_the_plan_takes_it_off_the_disk(
    fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    _admin, _alice, _bob, member = people(fake)
    await onboard_member(member)
    await build_plan(member)
    await member.send("/safetyplan", expect="🧭 Your safety plan")
    await member.tap("Delete the plan", expect="Delete your safety plan?")
    await member.tap("Yes, delete it", expect="your safety plan is deleted")
    await settled(bot)
    assert on_disk(db_path, (*PLAN_WORDS, "Lindqvist")) == []
    assert (await bot.member(MEMBER)).pseudonym == "Quiet Heron"  # the rest stays
