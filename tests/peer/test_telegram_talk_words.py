"""A member's own words at /talk, over the real Telegram stack: a topic typed instead of
tapped (shown to the peer who accepts only if they agree), `/talk <words>`, and what they
type while waiting, passed on once a peer accepts and kept nowhere after.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.logs import configure_logging
from flows.core.clock import ManualClock
from tests.fake_telegram import FakeTelegram
from tests.peer.test_telegram_peer import (
    ALICE,
    MEMBER,
    TgUser,
    onboard_member,
    people,
    set_up_volunteer,
    start_peer_bot,
    stored_text_containing,
)
from tests.telegram_harness import RunningBot, db_rows, text_of

TOPIC = "my mom is in hospital and i'm scared"
WAITING = "I really need to talk to someone"
WORDS = "SELECT words FROM waiting_words ORDER BY id"


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    running = await start_peer_bot(fake, db_path, clock)
    yield running
    await running.stop()


async def on_call(admin: TgUser, volunteer: TgUser) -> None:
    await set_up_volunteer(admin, volunteer, "Sam")
    await volunteer.send("/oncall", expect="You're on call")


def kept(db_path: Path) -> int:
    [(count,)] = db_rows(db_path, "SELECT count(*) FROM waiting_words")
    assert isinstance(count, int)
    return count


async def test_a_typed_topic_and_words_while_waiting_reach_the_peer_who_accepts(
    fake: FakeTelegram, db_path: Path, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    configure_logging("DEBUG")  # the most talkative setting an operator can choose
    bot = await start_peer_bot(fake, db_path, clock)
    try:
        admin, alice, _bob, member = people(fake)
        await on_call(admin, alice)
        await onboard_member(member)
        await member.send("/talk", expect="something you'd like to talk about")
        asked = text_of(await member.send(TOPIC))
        assert "Please choose" not in asked
        assert "read what you wrote" in asked and "Only that one person" in asked
        assert [label for label, _ in member.last_question().buttons] == [
            "Yes, show them",
            "No, keep it to myself",
        ]
        await member.tap("Yes, show them", expect="I've let the peers on call know")

        # The page to everyone on call says there are words, not what they are.
        page = text_of(await fake.wait_for_message(ALICE, "Quiet Heron would like to talk"))
        assert "in their own words" in page and "hospital" not in page
        told = text_of(await member.send(WAITING, expect="You're in line for a peer"))
        assert "pass this on" in told and "/cancel" in told
        assert kept(db_path) == 2  # the topic and the message, until someone accepts
        assert not any("really need" in line for line in fake.transcript(ALICE))

        await alice.tap("Accept")
        intro = text_of(await fake.wait_for_message(ALICE, "You're now talking with Quiet Heron"))
        assert f"in their own words: “{TOPIC}”" in intro
        relayed = text_of(await fake.wait_for_message(ALICE, "while waiting"))
        assert relayed == f"💬 Quiet Heron, while waiting: {WAITING}"
        joined = text_of(await fake.wait_for_message(MEMBER, "Sam, a peer volunteer"))
        assert "passed on what you wrote while you waited" in joined
        await bot.service.app.update_queue.join()
        # Passed on, and kept nowhere now.
        assert kept(db_path) == 0
        assert await stored_text_containing(db_path, ["hospital", "really need"]) == []
    finally:
        await bot.stop()
    records = [r for when in ("setup", "call") for r in caplog.get_records(when)]
    logged = "\n".join(record.getMessage() for record in records)
    assert "handoff_accepted" in logged
    assert "hospital" not in logged and "really need" not in logged


async def test_talk_with_words_takes_them_and_no_means_nobody_sees_them(
    fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    admin, alice, _bob, member = people(fake)
    await on_call(admin, alice)
    await onboard_member(member)
    # Words naming a topic choose it: no topic question.
    done = text_of(await member.send("/talk feeling alone", expect="I've let the peers"))
    assert "something you'd like to talk about" not in done
    # The guard read them ("alone"), without offering /talk to someone asking for it.
    assert not any("send /talk" in line for line in fake.transcript(MEMBER))
    page = text_of(await fake.wait_for_message(ALICE, "Quiet Heron would like to talk"))
    assert "Topic: Feeling alone" in page
    await member.send("/cancel", expect="withdrawn")

    # Their own words: asked first, and No (as good as saying nothing) keeps them private.
    await member.send("/talk my dad is sick again", expect="read what you wrote")
    assert kept(db_path) == 0
    await member.tap("No, keep it to myself", expect="I've let the peers on call know")
    page = text_of(await fake.wait_for_message(ALICE, "Quiet Heron would like to talk"))
    assert "dad" not in page and "Topic" not in page
    await alice.tap("Accept")
    intro = text_of(await fake.wait_for_message(ALICE, "You're now talking with Quiet Heron"))
    assert "dad" not in intro and "own words" not in intro
    assert await stored_text_containing(db_path, ["dad is sick"]) == []


async def test_words_kept_while_waiting_go_with_cancel_and_with_delete(
    fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    admin, alice, _bob, member = people(fake)
    await on_call(admin, alice)
    await onboard_member(member)
    await member.send("/talk", expect="something you'd like to talk about")
    await member.tap("Skip", expect="I've let the peers on call know")
    await member.send("is anyone there?", expect="pass this on")
    await member.send("/talk please hurry", expect="pass this on too")
    assert kept(db_path) == 2
    await member.send("/cancel", expect="withdrawn")
    assert kept(db_path) == 0

    await member.send("/talk", expect="something you'd like to talk about")
    await member.send("everything at once", expect="read what you wrote")
    await member.tap("Yes, show them", expect="I've let the peers on call know")
    await member.send("still here", expect="pass this on")
    assert kept(db_path) == 2
    # An edit of a kept message changes what is kept.
    fake.user_edits(MEMBER, member.sent[-1], "still here, just tired")
    async with asyncio.timeout(5):
        while ("still here, just tired",) not in db_rows(db_path, WORDS):  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    assert db_rows(db_path, WORDS) == [("everything at once",), ("still here, just tired",)]
    await member.send("/delete", expect="This deletes everything")
    await member.tap("Yes, delete everything", expect="everything I stored about you")
    assert kept(db_path) == 0
    assert await stored_text_containing(db_path, ["everything at once", "still here"]) == []
    # The page was withdrawn, and nothing of the words ever reached the volunteer.
    assert not any("everything at once" in line for line in fake.transcript(ALICE))
