"""Signal under load and faults: intake never waits for paced work, envelopes signal-cli
handed over are never lost, and sends whose outcome is unknown are not repeated blindly."""

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from flows.core.clock import ManualClock
from flows.core.values import Reply
from storage import Account, Database
from tests.conftest import CRISIS_TEXT
from tests.fake_signal import FakeSignalDaemon
from tests.signal_harness import SignalPerson, aci, start_bot

ALEX = aci("alex")
TIER1 = "honestly i want to die tonight"
INTERVAL = 0.05  # SIGNAL_SEND_INTERVAL_SECONDS, shortened


@pytest.fixture
async def signal() -> AsyncIterator[FakeSignalDaemon]:
    async with FakeSignalDaemon() as daemon:
        yield daemon


async def members(signal: FakeSignalDaemon, db: Database, clock: ManualClock, n: int) -> list[str]:
    """`n` members on Signal who wrote long ago (scheduled sends may go to them)."""
    crowd = [aci(f"crowd {i}") for i in range(n)]
    async with db.transaction() as tx:
        for person in crowd:
            signal.add_user(person)
            member = await tx.members.create_for_account(
                Account("signal", person), timezone="UTC", now=clock.now()
            )
            await tx.members.record_consent(member.id, version=1, now=clock.now())
            await tx.members.complete_onboarding(member.id, now=clock.now())
    return crowd


async def test_a_full_outbox_at_start_never_holds_a_crisis_reply(
    signal: FakeSignalDaemon, db_path: Path, clock: ManualClock
) -> None:
    first = await start_bot(signal, db_path, clock, first_sweep_seconds=3600.0)
    alex = SignalPerson(signal, ALEX)
    await alex.onboard(at="No daily reminder")
    crowd = await members(signal, first.db, clock, 30)
    await first.engine.send([Account("signal", p) for p in crowd], Reply("Left behind"))
    await first.stop()  # committed, never sent
    clock.advance(timedelta(seconds=1))

    second = await start_bot(
        signal, db_path, clock, first_sweep_seconds=3600.0, send_interval=INTERVAL
    )
    try:
        alex.type(TIER1)
        crisis = await alex.next()
        assert CRISIS_TEXT in crisis.text
        # The drain is still pacing: the crisis lines did not wait behind it.
        drained = sum(len(signal.transcript(p)) for p in crowd)
        assert drained < len(crowd)
        for person in crowd:
            assert (await signal.next_message(person)).text == "Left behind"
    finally:
        await second.stop()
    assert signal.rejected == []


async def test_envelopes_read_before_a_stop_are_staged_and_answered_at_the_next_start(
    signal: FakeSignalDaemon, db_path: Path, clock: ManualClock
) -> None:
    first = await start_bot(signal, db_path, clock, first_sweep_seconds=3600.0)
    alex = SignalPerson(signal, ALEX)
    await alex.send("/help", expect="Here's what I can do")
    # The database is busy: staging fails until it is free again.
    free = asyncio.Event()
    tried = asyncio.Event()
    stage = first.signal._inbox.stage

    async def busy_stage(*args: Any, **kwargs: Any) -> Any:
        tried.set()
        if not free.is_set():
            raise sqlite3.OperationalError("database is locked")
        return await stage(*args, **kwargs)

    first.signal._inbox.stage = busy_stage  # type: ignore[method-assign]
    stamps = [alex.type("/help") for _ in range(3)]
    for stamp in stamps:
        await signal.wait_delivered(stamp)  # signal-cli has handed them over: its part is done
    await tried.wait()
    stopping = asyncio.create_task(first.stop())
    await signal.wait_disconnected()  # the connection is closed: nothing more can come
    free.set()  # the database is free again while the stop stages what was read
    await stopping

    answered = len(signal.transcript(ALEX))
    second = await start_bot(signal, db_path, clock, first_sweep_seconds=3600.0)
    try:
        for _ in stamps:  # each replayed and answered
            assert "Here's what I can do" in (await alex.next()).text
        assert len(signal.transcript(ALEX)) == answered + len(stamps)
    finally:
        await second.stop()
