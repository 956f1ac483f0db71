"""What the logs say about people, over the real Telegram stack: chats by a keyed tag,
never by their id, so a crisis line in the log (`safety_event member=2 tier=1`) can't be
put next to a Telegram account."""

import logging
import re
from pathlib import Path

import pytest

from bot.logs import configure_logging
from flows.core.clock import ManualClock
from storage import Account
from storage.secret import log_tag
from tests.fake_telegram import FakeTelegram
from tests.peer.test_telegram_peer import (
    ADMIN,
    ALICE,
    BOB,
    MEMBER,
    TIER1,
    next_copy,
    open_chat,
    people,
    start_peer_bot,
)


async def test_logs_tag_chats_and_never_show_their_ids(
    fake: FakeTelegram, db_path: Path, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    configure_logging("DEBUG")  # the most talkative setting an operator can choose
    bot = await start_peer_bot(fake, db_path, clock)
    try:
        admin, alice, bob, member = people(fake)
        await open_chat(fake, admin, alice, member)
        member.say(TIER1)  # in the chat: relayed, and the guard acts
        await fake.wait_for_message(MEMBER, "You matter")
        await next_copy(fake, ALICE)
        # A send that fails is logged too.
        fake.fail_next("sendMessage", "500", chat_id=BOB, times=10)
        bob.say("/start")
        await fake.wait_for_calls("sendMessage", 2, status=500)
        await member.send("/end", expect="You've ended the chat")
        await fake.wait_for_message(MEMBER, "Did talking help?")
        await member.tap("5", expect="Anything you'd like to add")
        blocked = fake.user_blocks_bot(BOB)
        # Polled (the next poll confirms it), then handled: the queue alone may be empty
        # before the update reaches it.
        await fake.wait_confirmed(blocked)
        await bot.service.app.update_queue.join()
        secret = bot.db.secret
    finally:
        await bot.stop()

    records = [r for when in ("setup", "call") for r in caplog.get_records(when)]
    logged = "\n".join(record.getMessage() for record in records)
    assert "safety_event" in logged and "telegram_update" in logged
    assert "telegram_send_failed" in logged and "telegram_membership" in logged
    for user_id in (ADMIN, ALICE, BOB, MEMBER):
        assert not re.search(rf"(?<!\d){user_id}(?!\d)", logged), user_id
    # Each chat's lines can still be followed by its tag.
    for user_id in (MEMBER, BOB):
        tag = log_tag(secret, Account("telegram", str(user_id)))
        assert re.search(rf"telegram_update .*chat={tag}", logged), user_id
    member_tag = log_tag(secret, Account("telegram", str(MEMBER)))
    assert member_tag != log_tag(secret, Account("telegram", str(BOB)))
    # Nor do names reach the log.
    for user in (admin, alice, bob, member):
        for name in user.secrets:
            assert name not in logged
