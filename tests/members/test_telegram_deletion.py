"""/delete over Telegram, end to end: what a member left in other people's chats — the
request to talk, the report to admins, the relayed copies of their words — is taken
back, and nothing in storage still holds their chosen name."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flows.core.clock import ManualClock
from flows.members.traces import COPY_REMOVED, REQUEST_CLOSED
from storage import Account
from tests.fake_telegram import BotMessage, FakeTelegram
from tests.peer.test_telegram_peer import (
    ADMIN,
    ALICE,
    next_copy,
    open_chat,
    people,
    report_chat,
    set_up_volunteer,
    start_peer_bot,
    stored_text_containing,
)
from tests.telegram_harness import RunningBot, text_of

SAM = Account("telegram", str(ALICE))  # the volunteer, as Hearthside knows her chat
NAME = "Quiet Heron"  # the member's chosen name (tests.peer.test_telegram_peer.onboard_member)


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    running = await start_peer_bot(fake, db_path, clock)
    yield running
    await running.stop()


def shown(message: BotMessage) -> str:
    return (message.text or "") + (message.caption or "")


async def test_deleting_takes_back_the_name_and_words_left_in_others_chats(
    fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)
    [request] = [m for m in fake.messages(ALICE) if f"{NAME} would like to talk" in shown(m)]

    # Copies older than Telegram's 48 hours can't be deleted by a bot: they are edited.
    member.say("my sister Odile was here")
    old_text = await next_copy(fake, ALICE)
    member.send_media("photo")
    old_photo = await next_copy(fake, ALICE)
    fake.age_messages(ALICE, hours=49)
    member.say("I slept at the shelter on Elm Street")
    recent = [await next_copy(fake, ALICE)]
    member.send_media("sticker")
    recent.append(await next_copy(fake, ALICE))
    member.send_media("voice")
    recent.append(await next_copy(fake, ALICE))

    await report_chat(alice, words="they were rude to me")
    report = await fake.wait_for_message(ADMIN, "Report from the volunteer")
    assert f"Bar {NAME} from peer chats" in [label for label, _ in report.buttons]
    await member.send("/end", expect="You've ended the chat")
    await fake.wait_for_message(ALICE, f"{NAME} has ended the chat")

    await member.send("/delete", expect="This deletes everything")
    await member.tap("Yes, delete everything", expect="has been deleted")

    # The recent copies are gone from Sam's chat; the old ones say why they are empty.
    left = {m.message_id: m for m in fake.messages(ALICE)}
    assert all(copy.message_id not in left for copy in recent)
    assert left[old_text.message_id].text == COPY_REMOVED
    assert left[old_photo.message_id].caption == COPY_REMOVED
    assert {c.params["message_id"] for c in fake.calls_to("deleteMessage", chat_id=ALICE)} >= {
        copy.message_id for copy in recent
    }
    # The request and the admin's report are neutral now, and lost their buttons.
    closed = fake.message(ALICE, request.message_id)
    assert (text_of(closed), closed.buttons) == (REQUEST_CLOSED, [])
    neutral = fake.message(ADMIN, report.message_id)
    assert text_of(neutral).startswith("🚩 A report about peer chat") and not neutral.buttons
    for message in (closed, neutral, left[old_text.message_id], left[old_photo.message_id]):
        assert NAME not in shown(message)
    assert not any(NAME in shown(m) for m in fake.messages(ADMIN))
    # Nothing stored holds the name or the words any more: not the admin's remembered
    # "Bar Quiet Heron" button, not a record of a copy.
    # nor the words of the report about them.
    assert await stored_text_containing(db_path, [NAME, "rude to me"]) == []
    async with bot.db.transaction() as tx:
        for copy in (old_text, old_photo, *recent):
            assert await tx.notices.notice_of(SAM, str(copy.message_id)) is None


async def test_a_volunteer_who_never_joined_as_a_member_can_export_and_delete(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    admin, alice, _bob, _member = people(fake)
    # Both are in the menu Telegram shows everyone.
    assert {"export", "delete"} <= {c["command"] for c in fake.commands}
    await set_up_volunteer(admin, alice, "Sam")
    document = await alice.send("/export")
    assert document.kind == "document" and document.protect_content
    assert "Let's get you set up first" not in "\n".join(fake.transcript(ALICE))
    question = await alice.send("/delete", expect="This deletes everything")
    assert "your volunteer profile and shifts" in text_of(question)
    await alice.tap("Yes, delete everything", expect="has been deleted")
    async with bot.db.transaction() as tx:
        assert await tx.members.find_by_account(SAM) is None
        assert await tx.volunteers.all() == []
