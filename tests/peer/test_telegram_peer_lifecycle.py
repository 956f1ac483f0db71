"""When one side of a peer chat goes (deletes their data, is suspended or removed), the other
side is told kindly and nobody is left in a chat with no one; who may accept a request; a
volunteer's own crisis words; and the mood a member chooses to share. The real
python-telegram-bot stack against the fake Bot API.
"""

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flows.core.clock import ManualClock
from flows.peer.requests import NOT_OFFERED
from tests.fake_telegram import BotMessage, FakeTelegram
from tests.peer.test_telegram_peer import (
    ADMIN,
    ALICE,
    BOB,
    MEMBER,
    TgUser,
    invite_code,
    latest_handoff,
    onboard_member,
    open_chat,
    people,
    request_talk,
    set_up_volunteer,
    start_peer_bot,
    volunteer_of,
)
from tests.telegram_harness import RunningBot, db_rows, text_of

CRISIS = "i want to die tonight, i have the pills ready"


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    running = await start_peer_bot(fake, db_path, clock)
    yield running
    await running.stop()


def accept_command(notice: BotMessage) -> str:
    """The command the notice's Accept button runs (callback data is "<token>:<command>")."""
    (data,) = [data for label, data in notice.buttons if "Accept" in label]
    return data.split(":", 1)[1]


async def assert_member_told_and_offered(fake: FakeTelegram) -> None:
    told = text_of(await fake.wait_for_message(MEMBER, "has had to step away"))
    assert "Sam has had to step away from Hearthside, so your chat has ended" in told
    assert "nothing you did" in told
    await fake.wait_for_message(MEMBER, "/talk puts you back in line")


# -- a volunteer who deletes their data, mid-chat: the issue's own story ------------------
async def test_a_volunteer_deleting_their_data_ends_their_chat_and_crisis_still_reaches_help(
    fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    admin, _alice, bob, member = people(fake)
    await onboard_member(bob, "Bright Oak")  # Bob is a member too...
    await set_up_volunteer(admin, bob, "Sam", command="/volunteer")  # ...and a volunteer
    await bob.send("/oncall", expect="You're on call")
    await onboard_member(member, "Zebrafish")
    await request_talk(member, expect="I've let the peers on call know")
    await fake.wait_for_message(BOB, "Zebrafish would like to talk")
    await bob.tap("Accept", expect="You're now talking with Zebrafish")

    await bob.send("/delete", expect="Are you sure?")
    await bob.tap("Yes, delete everything", expect="everything I stored about you")
    await assert_member_told_and_offered(fake)
    assert db_rows(db_path, "SELECT status, end_reason FROM handoff") == [
        ("ended", "volunteer_deleted")
    ]

    member.say(CRISIS)
    reply = text_of(await fake.wait_for_message(MEMBER, "You matter"))
    assert "000-TEST" in reply
    await fake.wait_for_message(ADMIN, "URGENT")
    assert db_rows(db_path, "SELECT tier, source FROM safety_event") == [(1, "chat")]


async def test_a_member_deleting_their_data_frees_their_volunteer(
    fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)
    assert (await volunteer_of(bot, ALICE)).active_chats == 1
    await member.send("/delete", expect="Are you sure?")
    await member.tap("Yes, delete everything", expect="everything I stored about you")
    told = text_of(await fake.wait_for_message(ALICE, "has left Hearthside"))
    assert "Quiet Heron has left Hearthside, so the chat has ended" in told
    assert (await volunteer_of(bot, ALICE)).active_chats == 0
    assert db_rows(db_path, "SELECT status, member_id, member_alias FROM handoff") == [
        ("ended", None, "a former member")
    ]


async def test_a_waiting_request_is_withdrawn_when_its_member_deletes_their_data(
    fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    admin, alice, _bob, member = people(fake)
    await set_up_volunteer(admin, alice, "Sam")
    await alice.send("/oncall", expect="You're on call")
    await onboard_member(member)
    await request_talk(member, expect="I've let the peers on call know")
    notice = await fake.wait_for_message(ALICE, "would like to talk")
    await member.send("/delete", expect="Are you sure?")
    await member.tap("Yes, delete everything", expect="everything I stored about you")
    await fake.next_call("editMessageText", chat_id=ALICE)
    assert "has left Hearthside" in text_of(fake.message(ALICE, notice.message_id))
    assert db_rows(db_path, "SELECT status FROM handoff") == [("cancelled",)]
    await alice.send(f"/{accept_command(notice)}", expect="withdrawn")


# -- suspension and removal --------------------------------------------------------------
async def test_suspending_a_volunteer_ends_their_chats_and_no_invite_undoes_it(
    fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)
    await admin.send("/volunteers", expect="Volunteers:")
    asked = await admin.tap("Suspend Sam", expect="Suspend Sam?")
    assert asked is not None and "1 open chat(s) end now" in text_of(asked)
    await admin.tap("Yes, suspend Sam")
    done = text_of(await fake.wait_for_message(ADMIN, "is suspended"))
    assert "1 open chat(s) ended" in done
    await fake.wait_for_message(ALICE, "An admin has paused your volunteering")
    await assert_member_told_and_offered(fake)
    assert "bot: Did talking help? (1 = not at all, 5 = a lot)" in fake.transcript(MEMBER)
    volunteer = await volunteer_of(bot, ALICE)
    assert (volunteer.status, volunteer.on_call, volunteer.active_chats) == ("suspended", 0, 0)

    code = await invite_code(admin)  # a fresh invite, in their hands
    refused = text_of(await alice.send(f"/volunteer {code}", expect="speak with an admin"))
    assert "can't take an invite code" in refused
    assert (await volunteer_of(bot, ALICE)).status == "suspended"
    await alice.send("/oncall", expect="An admin has paused your volunteering")


async def test_removing_a_volunteer_in_a_chat_ends_it_and_keeps_them_out(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)
    await admin.send("/volunteers", expect="Volunteers:")
    await admin.tap("Remove Sam", expect="Remove Sam as a volunteer?")
    await admin.tap("Yes, remove Sam", expect="has been removed")
    await assert_member_told_and_offered(fake)
    listing = text_of(await admin.send("/volunteers", expect="Volunteers:"))
    assert "Sam — ✖️ removed" in listing
    code = await invite_code(admin)
    await alice.send(f"/start {code}", expect="speak with an admin")
    assert (await volunteer_of(bot, ALICE)).removed_at is not None


# -- who may accept ---------------------------------------------------------------------
async def test_only_a_volunteer_offered_a_request_can_accept_it(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    admin, alice, bob, member = people(fake)
    await set_up_volunteer(admin, alice, "Sam")
    await set_up_volunteer(admin, bob, "Robin")  # off call: never offered it
    await alice.send("/oncall", expect="You're on call")
    await onboard_member(member)
    await request_talk(member, expect="I've let the peers on call know")
    notice = await fake.wait_for_message(ALICE, "would like to talk")
    command = accept_command(notice)
    handoff = await latest_handoff(bot, MEMBER)
    assert re.fullmatch(r"accept [0-9a-f]{10}", command)
    assert command.split()[1] != str(handoff.id)  # not the row's counter

    outsider = TgUser(fake, 777_000_111, "Eve", "eve_outside")
    answers = [
        text_of(await bob.send(f"/{command}")),  # a volunteer, off call, not offered
        text_of(await outsider.send(f"/{command}")),  # not a volunteer at all
        text_of(await outsider.send(f"/accept {handoff.id}")),  # the row id
        text_of(await outsider.send("/accept 0123456789")),  # no such request
    ]
    assert answers == [NOT_OFFERED] * 4  # the same, whatever the reason
    assert (await latest_handoff(bot, MEMBER)).status == "waiting"
    await alice.tap("Accept", expect="You're now talking with Quiet Heron")


# -- a volunteer's own words ---------------------------------------------------------------
async def test_a_volunteers_own_crisis_words_are_answered_privately_and_admins_told(
    fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)
    sent = alice.say(CRISIS)
    reply = text_of(await fake.wait_for_message(ALICE, "just for you"))
    assert "000-TEST" in reply and "/handover" in reply
    page = text_of(await fake.wait_for_message(ADMIN, "check in with Sam"))
    assert CRISIS not in page
    copy = await fake.next_call("copyMessage", chat_id=MEMBER)  # still reaches the member
    assert copy.params["message_id"] == sent
    assert db_rows(db_path, "SELECT tier, source FROM safety_event") == [(1, "volunteer")]


# -- the latest mood, shared only by choice -----------------------------------------------
async def _check_in_low(member: TgUser) -> None:
    await member.send("/checkin", expect="How are you feeling")
    await member.tap("Low", expect="weighing on you")
    await member.tap("Done", expect="What helped")
    await member.tap("Skip")


@pytest.mark.parametrize("share", [True, False])
async def test_the_latest_mood_goes_only_to_the_peer_who_accepts_and_only_if_shared(
    fake: FakeTelegram, bot: RunningBot, share: bool
) -> None:
    admin, alice, bob, member = people(fake)
    for volunteer, name in ((alice, "Sam"), (bob, "Robin")):
        await set_up_volunteer(admin, volunteer, name)
        await volunteer.send("/oncall", expect="You're on call")
    await onboard_member(member)
    await _check_in_low(member)
    await member.send("/talk", expect="something you'd like to talk about")
    await member.tap("Skip")
    asked = text_of(await fake.wait_for_message(MEMBER, "latest mood check-in"))
    assert "Only that one person would see it" in asked and "2/5" in asked
    await member.tap("Yes, share it" if share else "No, keep it to myself")
    notices = [await fake.wait_for_message(who, "would like to talk") for who in (ALICE, BOB)]
    for notice in notices:
        assert "mood" not in text_of(notice).casefold()  # every on-call peer sees these
    await alice.tap("Accept")
    welcome = text_of(await fake.wait_for_message(ALICE, "You're now talking with"))
    assert ("Latest mood: 2/5" in welcome) is share
    for message in fake.messages(BOB):
        assert "mood: 2/5" not in (message.text or "")
