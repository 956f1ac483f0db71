"""The safety flow around the detector, over the real Telegram stack: the direct question
understands the words people use, a crisis inside a peer chat stays one state told
truthfully, the admins hear of it, and a crisis request is withdrawn only on purpose.
"""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flows.core.clock import ManualClock
from tests.fake_telegram import FakeTelegram
from tests.peer.test_telegram_peer import (
    ADMIN,
    ALICE,
    MEMBER,
    OTHER_MEMBER,
    TgUser,
    onboard_member,
    open_chat,
    people,
    request_talk,
    set_up_volunteer,
    start_peer_bot,
)
from tests.telegram_harness import RunningBot, db_rows, text_of

TIER2 = "i wish i wasn't here"
TIER1 = "i want to die tonight"


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    running = await start_peer_bot(fake, db_path, clock)
    yield running
    await running.stop()


async def asked_directly(fake: FakeTelegram) -> TgUser:
    """A member whose tier-2 words got the lines and the direct question."""
    _admin, _alice, _bob, member = people(fake)
    await onboard_member(member)
    await member.send(TIER2, expect="automated assistant")
    await fake.wait_for_message(MEMBER, "Are you thinking about ending your life?")
    return member


async def crisis_in_the_chat(fake: FakeTelegram, member: TgUser) -> None:
    """The member's crisis words in their chat: Sam alerted, and the words relayed (after
    the guard's own stage) before the test goes on."""
    member.say(TIER1)
    await fake.wait_for_message(ALICE, "Private to you")
    await fake.next_call("copyMessage", chat_id=ALICE)


@pytest.mark.parametrize("words", ["not sure", "maybe", "idk", "yeah", "i think so"])
async def test_any_answer_but_a_clear_no_takes_the_tier1_path_at_once(
    fake: FakeTelegram, bot: RunningBot, db_path: Path, words: str
) -> None:
    member = await asked_directly(fake)
    reply = text_of(await member.send(words))
    assert "You matter" in reply and "000-TEST" in reply  # not "choose one of the options"
    await fake.wait_for_message(ADMIN, "URGENT")
    assert db_rows(db_path, "SELECT tier FROM safety_event ORDER BY id") == [(2,), (1,)]
    assert db_rows(db_path, "SELECT priority, status FROM handoff") == [(0, "waiting")]


@pytest.mark.parametrize("words", ["nope", "No, I'm safe", "im not"])
async def test_a_typed_clear_no_softens(fake: FakeTelegram, bot: RunningBot, words: str) -> None:
    member = await asked_directly(fake)
    await member.send(words, expect="Thank you for answering")
    await member.send("/help", expect="Here's what I can do")
    assert fake.messages(ADMIN) == []


async def test_a_crisis_typed_in_a_check_in_inside_a_chat_goes_to_the_peer_truthfully(
    fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)
    await member.send("/checkin", expect="How are you feeling")
    await member.tap("Low", expect="weighing on you")
    await member.tap("Done", expect="What helped")
    sent = member.say(TIER1)
    reply = text_of(await fake.wait_for_message(MEMBER, "You matter"))
    assert "Your peer is here with you too" in reply
    assert "I'm letting an on-call peer know" not in reply  # they are with one already
    copy = await fake.next_call("copyMessage", chat_id=ALICE)  # the words reach the peer
    assert copy.params["message_id"] == sent
    await fake.wait_for_message(ALICE, "Private to you")
    after = member.say("are you still there?")
    copy = await fake.next_call("copyMessage", chat_id=ALICE)  # a chat message, not a note
    assert copy.params["message_id"] == after
    assert db_rows(db_path, "SELECT mood, helped FROM mood_checkin") == [(2, None)]
    page = text_of(await fake.wait_for_message(ADMIN, "crisis flagged in a peer chat"))
    assert "Quiet Heron is talking with Sam" in page and TIER1 not in page


async def test_admins_hear_of_a_crisis_in_a_chat_once_and_then_an_update(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)
    member.say(TIER1)
    await fake.wait_for_message(ADMIN, "crisis flagged in a peer chat")
    member.say(TIER1 + " really")
    await fake.next_call("editMessageText", chat_id=ADMIN)
    pages = [
        c
        for c in fake.calls_to("sendMessage", chat_id=ADMIN)
        if "crisis flagged in a peer chat" in str(c.params.get("text"))
    ]
    assert len(pages) == 1 and pages[0].params.get("protect_content") is True


async def test_cancel_after_a_crisis_asks_before_withdrawing_the_request(
    fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    _admin, _alice, _bob, member = people(fake)
    await member.send("/start", expect="Is it okay")
    await member.tap("Yes", expect="What name")
    await member.send(TIER1, expect="You matter")  # mid sign-up
    asked = text_of(await member.send("/cancel", expect="Do you want to withdraw it?"))
    assert "because of what you told me earlier" in asked
    assert db_rows(db_path, "SELECT status FROM handoff") == [("waiting",)]
    await member.tap("No, keep waiting", expect="still in line")
    assert db_rows(db_path, "SELECT status FROM handoff") == [("waiting",)]
    await member.send("/cancel", expect="Do you want to withdraw it?")
    await member.tap("Yes, withdraw it")
    done = text_of(await fake.wait_for_message(MEMBER, "withdrawn your request"))
    assert "000-TEST" in done  # the lines, when it is withdrawn
    assert db_rows(db_path, "SELECT status FROM handoff") == [("cancelled",)]


async def test_a_flagged_chat_ends_only_after_a_question_and_the_member_sees_the_lines(
    fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)
    await crisis_in_the_chat(fake, member)
    asked = text_of(await alice.send("/end", expect="Before you end it"))
    assert "flagged risk in this chat with Quiet Heron" in asked
    assert db_rows(db_path, "SELECT status FROM handoff") == [("active",)]
    await alice.tap("End the chat anyway", expect="You've ended the chat")
    ended = text_of(await fake.wait_for_message(MEMBER, "Sam has ended the chat"))
    assert "000-TEST" in ended  # the lines again, as the chat with risk in it ends
    assert db_rows(db_path, "SELECT status FROM handoff") == [("ended",)]


async def test_an_unflagged_chat_ends_at_once_without_the_lines(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)
    await alice.send("/end", expect="You've ended the chat")
    ended = text_of(await fake.wait_for_message(MEMBER, "Sam has ended the chat"))
    assert "000-TEST" not in ended


async def test_an_admin_takes_over_a_handed_over_chat_through_the_bot(
    fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)
    await crisis_in_the_chat(fake, member)
    await alice.tap("Hand to an admin", expect="I've alerted the admins")
    asked = text_of(await fake.wait_for_message(ADMIN, "asks an admin to step in"))
    assert "contact" not in asked  # nobody can contact a pseudonymous account
    await admin.tap("Take over the chat", expect="You're now talking with Quiet Heron")
    joined = text_of(await fake.wait_for_message(MEMBER, "has joined and is with you now"))
    assert joined.startswith("A Hearthside coordinator has joined")
    await fake.wait_for_message(ALICE, "An admin has taken over your chat with Quiet Heron")
    # The chat goes on, now between the member and the admin.
    said = member.say("thank you for being here")
    copy = await fake.next_call("copyMessage", chat_id=ADMIN)
    assert copy.params["message_id"] == said
    answer = admin.say("I'm here. Are you somewhere safe?")
    copy = await fake.next_call("copyMessage", chat_id=MEMBER)
    assert (copy.params["from_chat_id"], copy.params["message_id"]) == (ADMIN, answer), [
        (c.params["from_chat_id"], c.params["message_id"])
        for c in fake.calls_to("copyMessage", chat_id=MEMBER)
    ]
    assert fake.calls_to("copyMessage", chat_id=ALICE)[-1].params["message_id"] != said
    team = db_rows(
        db_path,
        "SELECT display_name, coordinator FROM volunteer v JOIN handoff h "
        "ON h.volunteer_id = v.member_id WHERE h.status = 'active'",
    )
    assert team == [("A Hearthside coordinator", 1)]


async def test_an_admin_answers_a_volunteers_debrief_by_talking_with_them(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)
    await alice.send("/end", expect="You've ended the chat")
    await alice.tap("I'd like to talk to an admin", expect="asked an admin to reach out")
    await fake.wait_for_message(ADMIN, "would like to talk after a peer chat")
    await admin.tap("Talk with them", expect="You're now talking with Sam")
    await fake.wait_for_message(ALICE, "is here to talk with you")
    said = alice.say("that one was hard")
    copy = await fake.next_call("copyMessage", chat_id=ADMIN)
    assert copy.params["message_id"] == said


async def test_an_admin_waits_to_talk_with_a_volunteer_still_holding_a_chat(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    admin, alice, _bob, member = people(fake)
    other = TgUser(fake, OTHER_MEMBER, "Ottilie", "ottilie_h")
    await set_up_volunteer(admin, alice, "Sam", capacity="2 chats")
    await alice.send("/oncall", expect="You're on call")
    for who, name in ((member, "Quiet Heron"), (other, "Kind Otter")):
        await onboard_member(who, name)
        await request_talk(who, expect="I've let the peers on call know")
        await fake.wait_for_message(ALICE, f"{name} would like to talk")
        await alice.tap("Accept", expect=f"You're now talking with {name}")
    await alice.send("/end", expect="Which chat would you like to end?")
    await alice.tap("Kind Otter", expect="You've ended the chat")
    await alice.tap("I'd like to talk to an admin", expect="asked an admin to reach out")
    await fake.wait_for_message(ADMIN, "would like to talk after a peer chat")
    await admin.tap("Talk with them")
    refused = text_of(await fake.wait_for_message(ADMIN, "Try again once it has ended"))
    assert "in a peer chat with a member right now" in refused
    said = alice.say("still with you, Quiet Heron")
    copy = await fake.next_call("copyMessage", chat_id=MEMBER)  # to the member, still
    assert copy.params["message_id"] == said


async def test_words_typed_after_a_command_are_read_by_the_guard(
    fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    _admin, _alice, _bob, member = people(fake)
    await onboard_member(member)
    # Worry about someone else: the supporter reply, and the command still runs.
    await member.send("/talk my friend says she wants to die", expect="worried about someone")
    # Their words are the topic: shown to the peer who accepts only if they agree.
    await fake.wait_for_message(MEMBER, "read what you wrote")
    await member.send("/cancel", expect="stopped")
    # Distress: the offer, and the check-in still starts.
    await member.send("/checkin i cant cope anymore", expect="That sounds really hard")
    await fake.wait_for_message(MEMBER, "How are you feeling")
    await member.send("/cancel", expect="stopped")
    # Their own danger: the crisis reply at once, and a person is asked to reach out.
    reply = text_of(await member.send("/talk i want to kill myself", expect="You matter"))
    assert "000-TEST" in reply
    await fake.wait_for_message(ADMIN, "URGENT")
    assert db_rows(db_path, "SELECT priority, status FROM handoff") == [(0, "waiting")]
    tiers = db_rows(db_path, "SELECT tier FROM safety_event ORDER BY id")
    assert [t for (t,) in tiers][-2:] == [3, 1]
