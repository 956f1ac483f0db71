"""Contact details stay out of peer chats, both ways, over the real Telegram stack: the
sender is told why, the other side gets nothing of it, the admins a count per chat (never
the words), and the crisis guard still reads such a message first."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flows.core.clock import ManualClock
from tests.fake_telegram import FakeTelegram
from tests.peer.test_telegram_peer import (
    ADMIN,
    ALICE,
    MEMBER,
    TIER1,
    latest_handoff,
    next_copy,
    onboard_member,
    open_chat,
    people,
    set_up_volunteer,
    start_peer_bot,
    stored_text_containing,
)
from tests.telegram_harness import RunningBot, db_rows, text_of

VOLUNTEERS_CARD = "text me on +1 555 010 9999 or @alex_real anytime"
ORDINARY = (
    "The meeting is at 19:30 on 12/03/2027, Zoom meeting ID 845 1234 5678. "
    "Call 988 if you need to. I've got 2 years 3 months clean."
)


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    running = await start_peer_bot(fake, db_path, clock)
    yield running
    await running.stop()


def copies_to(fake: FakeTelegram, chat_id: int) -> int:
    return len(fake.calls_to("copyMessage", chat_id=chat_id))


async def test_a_volunteers_contact_details_never_reach_the_member(
    fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)
    held = text_of(await alice.send(VOLUNTEERS_CARD, expect="I haven't passed"))
    assert "to Quiet Heron" in held
    assert "a phone number and a username" in held
    assert "anonymous" in held and "Nothing was sent" in held
    notice = await fake.wait_for_message(ADMIN, "Contact details were held back")
    chat = await latest_handoff(bot, MEMBER)
    assert f"chat {chat.ref}, with the volunteer Sam" in text_of(notice)
    assert "1 message(s) from the volunteer and 0 from the member" in text_of(notice)
    assert notice.protect_content
    # What looks like numbers but isn't contact details goes through, after it.
    sent = alice.say(ORDINARY)
    copy = await next_copy(fake, MEMBER)
    assert copy.source == (ALICE, sent)
    assert copies_to(fake, MEMBER) == 1  # that one alone: the card never went
    assert not any("555" in line or "alex_real" in line for line in fake.transcript(MEMBER))
    for words in ("555", "alex_real"):
        assert not any(words in line for line in fake.transcript(ADMIN))
    assert await stored_text_containing(db_path, ["555 010", "alex_real"]) == []
    assert db_rows(db_path, "SELECT held_from_member, held_from_volunteer FROM handoff") == [
        (0, 1)
    ]


async def test_a_members_contact_details_and_edits_are_held_and_the_count_grows(
    fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)
    await alice.send("call me on 555 010 9999", expect="I haven't passed")
    notice = await fake.wait_for_message(ADMIN, "Contact details were held back")

    told = text_of(await member.send("my email is heron@example.com", expect="I haven't"))
    assert "to Sam" in told and "an email address" in told and "/talk" in told
    note = text_of(await fake.wait_for_message(ALICE, "wasn't passed on"))
    assert note.startswith("🛡 A message from Quiet Heron wasn't passed on")
    assert "heron@" not in note
    # The admins' one notice for this chat, counted up in place.
    edit = await fake.next_call("editMessageText", chat_id=ADMIN, message_id=notice.message_id)
    assert "1 message(s) from the volunteer and 1 from the member" in edit.params["text"]

    # An edit that adds contact details leaves the copy as it was.
    sent = member.say("hi again")
    copy = await next_copy(fake, ALICE)
    assert copy.source == (MEMBER, sent)
    fake.user_edits(MEMBER, sent, "hi again, add me on snapchat")
    changed = text_of(await fake.wait_for_message(MEMBER, "I haven't passed"))
    assert "your change to that message" in changed and "still sees" in changed
    assert fake.message(ALICE, copy.message_id).text == "hi again"
    assert fake.calls_to("editMessageText", chat_id=ALICE, message_id=copy.message_id) == []
    # A photo's caption is read too: the photo stays with its sender.
    fake.user_sends_photo(MEMBER, caption="me, and my insta is t.me/heron_real")
    await fake.wait_for_message(MEMBER, "I haven't passed")
    assert copies_to(fake, ALICE) == 1  # "hi again" alone
    assert db_rows(db_path, "SELECT held_from_member, held_from_volunteer FROM handoff") == [
        (3, 1)
    ]
    assert await stored_text_containing(db_path, ["heron@", "snapchat", "555 010"]) == []


async def test_the_crisis_guard_reads_a_held_message_first(
    fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)
    member.say(f"{TIER1}, call me on 555 010 9999")
    await fake.wait_for_message(MEMBER, "You matter")  # the crisis reply comes first
    await fake.wait_for_message(MEMBER, "I haven't passed")
    await fake.wait_for_message(ALICE, "Private to you")  # Sam is alerted privately
    await fake.wait_for_message(ALICE, "wasn't passed on")  # and knows a message came
    await fake.wait_for_message(ADMIN, "crisis flagged in a peer chat")
    assert copies_to(fake, ALICE) == 0
    assert db_rows(db_path, "SELECT tier, source FROM safety_event") == [(1, "relay")]


async def test_contact_details_are_not_kept_for_the_peer_while_waiting(
    fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    admin, alice, _bob, member = people(fake)
    await set_up_volunteer(admin, alice, "Sam")
    await alice.send("/oncall", expect="You're on call")
    await onboard_member(member)
    await member.send("/talk", expect="something you'd like to talk about")
    # A topic in their own words with an address in it: asked again, kept nowhere.
    again = text_of(await member.send("email me at heron@example.com", expect="haven't kept"))
    assert "something you'd like to talk about" in again
    await member.tap("Skip", expect="I've let the peers on call know")
    told = text_of(await member.send("my number is 07700 900123", expect="haven't kept"))
    assert "You're in line for a peer" in told and "a phone number" in told
    assert db_rows(db_path, "SELECT count(*) FROM waiting_words") == [(0,)]
    # A kept message edited to carry contact details is no longer kept.
    await member.send("are you there?", expect="pass this on")
    assert db_rows(db_path, "SELECT count(*) FROM waiting_words") == [(1,)]
    fake.user_edits(MEMBER, member.sent[-1], "are you there? heron@example.com")
    await fake.wait_for_message(MEMBER, "haven't kept")
    assert db_rows(db_path, "SELECT count(*) FROM waiting_words") == [(0,)]
    await alice.tap("Accept", expect="You're now talking with Quiet Heron")
    assert not any("07700" in line or "heron@" in line for line in fake.transcript(ALICE))
    assert await stored_text_containing(db_path, ["heron@", "07700"]) == []
