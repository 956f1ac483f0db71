"""What deletion and "never stored" mean on disk: the raw bytes of the database file, its
write-ahead log and its index, read after /delete, after a burst of relayed messages, and
after `kill -9` and a restart, over the real Telegram stack.

SQLite in WAL mode appends every change, old page versions included, to the `-wal` file,
so words gone from every table can still be read there until the log is folded into the
database (where secure_delete has zeroed them) and emptied.
"""

import asyncio
import json
import logging
import os
import stat
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import pytest
from telegram import Update

from flows.core.clock import ManualClock
from flows.core.limits import Rate, RateLimiter
from handlers.telegram.intake import without_names
from storage import open_database
from tests.core.test_crash_recovery import start_bot_process
from tests.fake_telegram import FakeTelegram
from tests.peer.test_telegram_peer import (
    ALICE,
    MEMBER,
    TgUser,
    invite_code,
    next_copy,
    onboard_member,
    open_chat,
    people,
    request_talk,
    set_up_volunteer,
    start_peer_bot,
    volunteer_of,
)
from tests.telegram_harness import RunningBot, text_of

PSEUDONYM = "Zebrafish"
NOTE = "marmalade lighthouse"
FEEDBACK = "cobalt teapot"
RELAYED = "violet submarine"


def database_files(path: str) -> list[Path]:
    # The log before the database: a checkpoint running meanwhile (the sweep folds the WAL
    # in a thread of its own) copies words into the database file before it empties the
    # log, so words read neither in the log nor, just after, in the file were truly gone.
    return [Path(path + suffix) for suffix in ("-wal", "", "-shm")]


def on_disk(db_path: Path, needles: Iterable[str]) -> list[str]:
    """File and needle for every needle found anywhere in the database's files."""
    hits: list[str] = []
    for file in database_files(str(db_path)):
        if not file.exists():
            continue
        data = file.read_bytes()
        hits += [f"{file.name}: {needle}" for needle in needles if needle.encode() in data]
    return hits


async def settled(bot: RunningBot) -> None:
    """Until every update received so far has been handled to its end (replies sent,
    their outbox rows deleted, the WAL folded after a deletion's last message)."""
    await bot.service.app.update_queue.join()  # taken off the queue...
    async with asyncio.timeout(10):
        # ...and no chat's handler still running (PTB runs them as tasks of their own).
        while len(bot.service.processor.locks):  # noqa: ASYNC110
            await asyncio.sleep(0.01)


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    running = await start_peer_bot(fake, db_path, clock)
    yield running
    await running.stop()


def secrets_of(*users: TgUser) -> list[str]:
    return [secret for user in users for secret in (*user.secrets, str(user.id))]


async def test_delete_leaves_nothing_of_the_member_in_any_file(
    fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    admin, alice, _bob, member = people(fake)
    await set_up_volunteer(admin, alice, "Sam")
    await alice.send("/oncall", expect="You're on call")
    await onboard_member(member, PSEUDONYM)
    await member.send("/checkin", expect="How are you feeling")
    await member.tap("Good", expect="weighing on you")
    await member.tap("Done", expect="What helped today")
    await member.send(NOTE, expect="check-in")
    await request_talk(
        member, expect="I've let the peers on call know", share="No, keep it to myself"
    )
    await fake.wait_for_message(ALICE, f"{PSEUDONYM} would like to talk")
    await alice.tap("Accept", expect=f"You're now talking with {PSEUDONYM}")
    member.say(RELAYED)
    await next_copy(fake, ALICE)
    await member.send("/end", expect="You've ended the chat")
    await fake.wait_for_message(MEMBER, "Did talking help?")
    await fake.wait_for_message(ALICE, "How are you after that?")
    await member.tap("4", expect="Anything you'd like to add")
    await member.send(FEEDBACK, expect="same peer")
    await member.tap("Anyone is fine", expect="Noted")
    await alice.tap("I'm okay", expect="Glad to hear it")
    await settled(bot)
    # Until now, all of it was on disk (the feedback and note by design).
    assert on_disk(db_path, [PSEUDONYM, NOTE, FEEDBACK])

    await member.send("/delete", expect="This deletes everything")
    await member.tap("Yes, delete everything", expect="everything I stored about you")
    await settled(bot)

    assert on_disk(db_path, [PSEUDONYM, NOTE, FEEDBACK, RELAYED, *secrets_of(member)]) == []
    # The volunteer's Telegram profile was never stored either.
    assert on_disk(db_path, alice.secrets) == []


async def test_relayed_words_leave_the_disk_at_the_scheduled_checkpoint(
    fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> None:
    # A burst of 300 is past the per-person limit (tests/core/test_limits.py): lifted here, so
    # that every one of them is relayed and has to leave the disk.
    unlimited = RateLimiter(Rate(burst=1_000, per_second=1_000))
    bot = await start_peer_bot(fake, db_path, clock, limits=unlimited)
    try:
        await _relay_a_burst_and_fold_it(fake, bot, db_path)
    finally:
        await bot.stop()


async def _relay_a_burst_and_fold_it(fake: FakeTelegram, bot: RunningBot, db_path: Path) -> None:
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)
    words = [f"kestrel {n} over the reeds" for n in range(300)]
    for text in words:
        member.say(text)
    for text in words:
        assert text_of(await next_copy(fake, ALICE)) == text
    reply = "heron answers the kestrel"
    alice.say(reply)
    await next_copy(fake, MEMBER)
    await settled(bot)

    # The sweep's checkpoint: the raw updates, blanked once applied, leave the WAL too.
    await bot.sweep_now()

    assert on_disk(db_path, ["kestrel", *member.secrets, *alice.secrets]) == []
    # The chat goes on as before.
    member.say("still here")
    assert text_of(await next_copy(fake, ALICE)) == "still here"


async def test_after_kill_9_the_restart_folds_what_the_wal_kept(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    db_path, log = tmp_path / "bot.db", tmp_path / "bot.log"
    member = TgUser(fake, 777_120_554, "Philippa", "philippa_hidden", last_name="Oyelaran")
    process = await start_bot_process(fake, db_path, log)
    try:
        await member.send("/start", expect="Is it okay")
        await member.tap("Yes", expect="What name")
        await member.send(PSEUDONYM, expect="time zone")
        await member.send("UTC", expect="reminder")
        await member.send("18:00", expect="first check-in now")
        await member.tap("Later", expect="Whenever you're ready")
        # A new name: the old one is in no table now, only in the WAL's old pages.
        await member.send("/settings", expect="What would you like to change")
        await member.tap("Chosen name", expect="What name")
        await member.send("Quiet Heron", expect="Saved.")
        await member.tap("Done", expect="All saved")
        # Words from someone who never signed up: nothing of them is kept.
        await TgUser(fake, 700_000_002, "Ana", "ana_x").send(RELAYED, expect="Send /start")
    finally:
        process.kill()  # SIGKILL: no checkpoint, no clean close
        await process.wait()

    process = await start_bot_process(fake, db_path, log)
    try:
        # An answer shows the restarted bot has its database open.
        await member.send("hello", expect="I'm here, Quiet Heron")
        assert on_disk(db_path, [PSEUDONYM, RELAYED, *member.secrets, "ana_x"]) == []
        for file in [*database_files(str(db_path)), Path(f"{db_path}.secret")]:
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, file.name
    finally:
        process.terminate()
        assert await process.wait() == 0, log.read_text()


async def test_invite_codes_are_never_on_disk_and_still_work(
    fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    admin, alice, bob, _member = people(fake)
    code = await invite_code(admin)
    unused = await invite_code(admin)
    await settled(bot)
    # Only digests are stored; the message carrying the code was never written down.
    assert on_disk(db_path, [code, unused]) == []

    await alice.send(f"/start {code}", expect="What display name")
    await alice.send("Sam", expect="Which topics")
    await alice.tap("Done", expect="How many chats")
    await alice.tap("1 chat", expect="Which time zone")
    await alice.send("UTC", expect="You're set up as a peer volunteer, Sam")
    assert (await volunteer_of(bot, ALICE)).display_name == "Sam"
    refused = await bob.send(f"/volunteer {code}", expect="invite code")
    assert "isn't valid" in text_of(refused)
    await settled(bot)
    await bot.sweep_now()
    # The code Alice typed was in her raw update until it was applied and folded away.
    assert on_disk(db_path, [code, unused]) == []


async def test_database_files_are_created_for_the_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "new" / "hearthside.db"
    previous = os.umask(0o022)
    try:
        db = await open_database(str(path))
        async with db.transaction() as tx:
            await tx.members.count()
        try:
            modes = {f.name: stat.S_IMODE(f.stat().st_mode) for f in database_files(str(path))}
        finally:
            await db.close()
    finally:
        os.umask(previous)
    assert modes == {
        "hearthside.db": 0o600,
        "hearthside.db-wal": 0o600,
        "hearthside.db-shm": 0o600,
    }


async def test_a_database_file_readable_by_others_is_tightened_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "hearthside.db"
    db = await open_database(str(path))
    await db.close()
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="storage.database"):
        db = await open_database(str(path))
        await db.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert any(
        "file_too_open" in r.getMessage() and "mode=644" in r.getMessage() for r in caplog.records
    )


def test_staged_updates_keep_no_names_nor_the_words_replied_to() -> None:
    user = {"id": MEMBER, "is_bot": False, "first_name": "Zebulon", "last_name": "Quartermaine",
            "username": "zeb_secret_handle"}  # fmt: skip
    chat = {key: value for key, value in user.items() if key != "is_bot"} | {"type": "private"}
    raw = {
        "update_id": 7,
        "message": {
            "message_id": 40,
            "date": 1_790_000_000,
            "chat": chat,
            "from": user,
            "text": "thank you, that helps",
            "reply_to_message": {
                "message_id": 39,
                "date": 1_789_999_990,
                "chat": chat,
                "from": {"id": 1, "is_bot": True, "first_name": "Hearthside"},
                "text": f"copied words of the volunteer: {RELAYED}",
            },
            "contact": {"phone_number": "+15550104477", "first_name": "Zebulon", "user_id": 5},
        },
    }
    staged = without_names(raw)
    blob = json.dumps(staged)
    for secret in ("Zebulon", "Quartermaine", "zeb_secret_handle", RELAYED, "5550104477"):
        assert secret not in blob
    update = Update.de_json(staged, None)
    assert update.message is not None and update.effective_chat is not None
    assert update.effective_chat.id == MEMBER
    assert update.message.text == "thank you, that helps"
    assert update.message.reply_to_message is not None
    assert update.message.reply_to_message.message_id == 39
    assert update.message.contact is not None
