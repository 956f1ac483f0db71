"""The crisis reply and the page come first and stay: nothing that runs after the guard, on
the real Telegram stack, can take them back.

Each later stage of handling a message (the relay, a flow, storage, the final commit) is
made to fail in turn, after the guard's own transaction: the member still has the crisis
reply, the safety event is stored, and the human route (their peer, or the admins) has been
told. The guard failing itself still leaves the crisis lines and a page.
"""

import asyncio
import importlib
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from flows.checkins.daily import CheckIn
from flows.core.clock import ManualClock
from flows.core.engine import Engine
from flows.safety import guard as crisis_guard
from storage.conversations import ConversationRepository
from storage.outbox import OutboxRepository
from tests.fake_telegram import FakeTelegram
from tests.peer.test_telegram_peer import (
    ADMIN,
    ALICE,
    MEMBER,
    onboard_member,
    open_chat,
    people,
    start_peer_bot,
)
from tests.telegram_harness import RunningBot, text_of

CRISIS = "i want to die tonight, i have the pills ready"
DISTRESS = "i cant cope anymore"
SORRY = "Sorry — something went wrong on my side"


class Boom(RuntimeError):
    """The failure injected into a stage after the guard."""


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    running = await start_peer_bot(fake, db_path, clock)
    yield running
    await running.stop()


def count(db_path: Path, sql: str) -> int:
    with sqlite3.connect(db_path) as conn:
        return int(conn.execute(sql).fetchone()[0])


def fail_after_guard(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> None:
    """Make `owner.name` raise once, in the handling of a message after its guard stage.

    Armed when the engine starts on the rest (its dispatch runs only after the guard's
    transaction is committed), and only in that task: other work sharing the database
    (polling, the postman) is left alone.
    """
    armed: asyncio.Task[Any] | None = None
    dispatch = Engine._dispatch

    async def dispatching(self: Engine, *args: Any, **kwargs: Any) -> Any:
        nonlocal armed
        armed = asyncio.current_task()
        return await dispatch(self, *args, **kwargs)

    original: Callable[..., Any] = getattr(owner, name)

    async def failing(*args: Any, **kwargs: Any) -> Any:
        nonlocal armed
        if armed is not None and armed is asyncio.current_task():
            armed = None  # once: the error handler's own apology must get through
            raise Boom(name)
        return await original(*args, **kwargs)

    monkeypatch.setattr(Engine, "_dispatch", dispatching)
    monkeypatch.setattr(owner, name, failing)


def in_chat_stages() -> list[tuple[str, Any, str]]:
    # What runs after the guard for a message in an open peer chat.
    return [
        ("relay", "flows.peer.relay", "_member_to_volunteer"),
        ("conversation storage", ConversationRepository, "clear"),
        ("outbox storage", OutboxRepository, "add"),
        ("commit", aiosqlite.Connection, "commit"),
    ]


@pytest.mark.parametrize(
    ("stage", "owner", "name"), in_chat_stages(), ids=[s[0] for s in in_chat_stages()]
)
async def test_a_failure_after_the_guard_in_a_chat_keeps_the_reply_and_the_alert(
    fake: FakeTelegram,
    bot: RunningBot,
    db_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    stage: str,
    owner: Any,
    name: str,
) -> None:
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)
    if isinstance(owner, str):
        owner = importlib.import_module(owner)
    fail_after_guard(monkeypatch, owner, name)

    member.say(CRISIS)
    reply = text_of(await fake.wait_for_message(MEMBER, "You matter"))
    assert "000-TEST" in reply  # the deployment's crisis lines
    assert "Your peer is here with you too" in reply
    alert = text_of(await fake.wait_for_message(ALICE, "Private to you"))
    assert "serious risk" in alert
    assert SORRY in text_of(await fake.wait_for_message(MEMBER, SORRY))
    assert count(db_path, "SELECT count(*) FROM safety_event WHERE tier = 1") == 1


async def test_a_failing_flow_after_the_guard_keeps_the_distress_reply(
    fake: FakeTelegram, bot: RunningBot, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _admin, _alice, _bob, member = people(fake)
    await onboard_member(member)
    await member.send("/checkin", expect="How are you feeling")
    await member.tap("Low", expect="weighing on you")
    await member.tap("Done", expect="What helped")
    fail_after_guard(monkeypatch, CheckIn, "answer")
    member.say(DISTRESS)  # tier 3, where the note goes: the flow gets the words too
    offer = text_of(await fake.wait_for_message(MEMBER, "That sounds really hard"))
    assert "000-TEST" in offer
    await fake.wait_for_message(MEMBER, SORRY)
    assert count(db_path, "SELECT count(*) FROM safety_event WHERE tier = 3") == 1


async def test_a_failing_guard_still_shows_the_lines_and_pages_the_admins(
    fake: FakeTelegram, bot: RunningBot, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _admin, _alice, _bob, member = people(fake)
    await onboard_member(member)

    async def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise Boom("open_request")

    monkeypatch.setattr(crisis_guard, "open_request", broken)
    member.say(CRISIS)
    reply = text_of(await fake.wait_for_message(MEMBER, "You matter"))
    assert "000-TEST" in reply and "I'm letting an on-call peer know" not in reply
    page = text_of(await fake.wait_for_message(ADMIN, "URGENT"))
    assert "Quiet Heron" in page and CRISIS not in page
    assert count(db_path, "SELECT count(*) FROM safety_event WHERE source = 'fallback'") == 1
    # Applied once: the update is not replayed into a second reply.
    assert not [t for t in fake.transcript(MEMBER) if t.startswith("bot: " + SORRY)]


async def test_a_replayed_update_is_guarded_once_and_applied_once(
    fake: FakeTelegram, db_path: Path, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash between the guard's transaction and the rest: the replay runs only the rest."""
    bot = await start_peer_bot(fake, db_path, clock)
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)
    fail_after_guard(monkeypatch, aiosqlite.Connection, "commit")
    # The error handler would mark the update applied; a crash would not get that far.
    monkeypatch.setattr(bot.service, "_on_error", _do_nothing)
    bot.service.app.error_handlers.clear()
    update_id = fake.user_sends(MEMBER, CRISIS, first_name="Zebulon")
    await fake.wait_for_message(MEMBER, "You matter")
    await fake.wait_for_message(ALICE, "Private to you")
    await fake.wait_confirmed(update_id)
    await bot.stop()
    monkeypatch.undo()

    restarted = await start_peer_bot(fake, db_path, clock)
    try:
        copy = await fake.next_call("copyMessage", chat_id=ALICE)  # the rest: relayed now
        assert copy.params["message_id"] == fake.update(update_id)["message"]["message_id"]
        assert count(db_path, "SELECT count(*) FROM safety_event") == 1  # guarded once
        replies = [t for t in fake.transcript(MEMBER) if "You matter" in t]
        assert len(replies) == 1
    finally:
        await restarted.stop()


async def _do_nothing(*_args: Any) -> None:
    return None
