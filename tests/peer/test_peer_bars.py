"""A peer-chat bar outlives /delete, without keeping who the person was, over the real
Telegram stack: signing up again from the same account brings it back."""

import sqlite3
from contextlib import closing
from pathlib import Path

from bot.app import known_channels
from flows.core.clock import ManualClock
from flows.members.onboarding import consent_text
from tests.fake_telegram import FakeTelegram
from tests.peer.test_telegram_peer import (
    ADMIN,
    MEMBER,
    OTHER_MEMBER,
    TgUser,
    onboard_member,
    open_chat,
    people,
    report_chat,
    start_peer_bot,
)
from tests.storage.test_disk_privacy import on_disk, settled
from tests.telegram_harness import text_of


def bars_kept(db_path: Path) -> list[str]:
    with closing(sqlite3.connect(db_path)) as conn:
        return [row[0] for row in conn.execute("SELECT account_hash FROM peer_bar")]


async def delete_data(member: TgUser) -> str:
    await member.send("/delete", expect="This deletes everything")
    done = await member.tap("Yes, delete everything", expect="has been deleted")
    assert done is not None
    return text_of(done)


async def test_a_bar_survives_delete_and_signing_up_again(
    fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> None:
    admin, alice, _bob, member = people(fake)
    other = TgUser(fake, OTHER_MEMBER, "Ottilie", "ottilie_h")
    bot = await start_peer_bot(fake, db_path, clock)
    try:
        await open_chat(fake, admin, alice, member)
        await report_chat(alice)
        await fake.wait_for_message(ADMIN, "Report from the volunteer")
        await admin.tap("Bar Quiet Heron", expect="Bar Quiet Heron from peer chats?")
        await admin.tap("Yes, bar Quiet Heron", expect="can no longer request peer chats")
        await fake.wait_for_message(MEMBER, "The chat has ended")

        done = await delete_data(member)
        # Told honestly what stays.
        assert "The one exception" in done and "barred from peer chats" in done
        await settled(bot)
        # What stays names nobody: one keyed hash, no chat id, no name.
        kept = bars_kept(db_path)
        assert len(kept) == 1 and len(kept[0]) == 64 and str(MEMBER) not in kept[0]
        assert on_disk(db_path, [str(MEMBER), *member.secrets]) == []

        # Someone never barred deletes: nothing is kept, and the message says nothing more.
        await onboard_member(other, "Kind Otter")
        assert "exception" not in await delete_data(other)
        assert bars_kept(db_path) == kept
    finally:
        await bot.stop()

    # After a restart (the key is kept beside the database), the same account comes back:
    # asking to talk without signing up brings the bar back, and so does signing up.
    bot = await start_peer_bot(fake, db_path, clock)
    try:
        await member.send("/talk", expect="without signing up")
        await member.tap("Yes, find me a peer", expect="aren't available")
        assert (await bot.member(MEMBER)).peer_barred
        await onboard_member(member, "New Leaf")
        assert (await bot.member(MEMBER)).peer_barred
        await member.send("/talk", expect="aren't available")
        # The bar is on the member row again, as for anyone barred.
        assert bars_kept(db_path) == []
        await onboard_member(other, "Kind Otter")
        assert not (await bot.member(OTHER_MEMBER)).peer_barred
    finally:
        await bot.stop()


def test_the_consent_says_a_bar_outlives_deletion() -> None:
    for channel in ("telegram", "console"):
        consent = consent_text(known_channels().of(channel))
        assert "bars you from peer chats" in consent
        assert "kept after /delete" in consent
