"""Sends whose outcome is unknown are not repeated blindly, a call's timeout grows with what
it carries, and a reply in pieces that fails part way resumes where it stopped."""

import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flows.core.clock import ManualClock
from flows.core.values import Reply
from handlers.signal.channel import data_uri
from handlers.signal.rpc import CALL_TIMEOUT_SECONDS, SignalRpc, Unconfirmed
from storage import Account, Database, OutboxRow
from tests.fake_signal import FakeSignalDaemon
from tests.signal_harness import RunningBot, SignalPerson, aci, start_bot

ALEX = aci("alex")
IO_ERROR = -3


@pytest.fixture
async def signal() -> AsyncIterator[FakeSignalDaemon]:
    async with FakeSignalDaemon() as daemon:
        yield daemon


async def waiting(db: Database) -> list[OutboxRow]:
    async with db.transaction() as tx:
        return await tx.outbox.pending(
            "signal", created_before=datetime.max.replace(tzinfo=UTC), limit=10
        )


async def later_sweep(bot: RunningBot, clock: ManualClock) -> None:
    """A sweep once the outbox's rows are old enough for it to send them again."""
    clock.advance(timedelta(minutes=1))
    await bot.sweep_now()
    await bot.signal.queue.idle()


async def test_a_send_answered_too_late_is_not_sent_again(
    signal: FakeSignalDaemon, db_path: Path, clock: ManualClock
) -> None:
    bot = await start_bot(signal, db_path, clock, first_sweep_seconds=3600.0, call_timeout=0.2)
    try:
        alex = SignalPerson(signal, ALEX)
        await alex.onboard(at="No daily reminder")
        # signal-cli sends it, but answers after the client stopped waiting.
        signal.delay("send", 1.0)
        outcome = await bot.engine.send([alex.account], Reply("A scheduled hello"))
        with bot.signal.bulk():
            await bot.postman.deliver(outcome.deliveries)
        await bot.signal.queue.idle()
        await alex.next("A scheduled hello")
        assert await waiting(bot.db) == []  # settled: it may well be out
        signal.delay("send", 0)
        await later_sweep(bot, clock)
        assert [m.text for m in signal.transcript(ALEX)].count("A scheduled hello") == 1

        # A crisis message is the exception: a repeat beats perhaps never arriving.
        signal.delay("send", 1.0)
        urgent = await bot.engine.send([alex.account], Reply("Crisis lines", urgent=True))
        await bot.postman.deliver(urgent.deliveries)
        [row] = await waiting(bot.db)
        assert row.attempts == 1
    finally:
        await bot.stop()
    assert signal.rejected == []


async def test_a_calls_timeout_grows_with_what_it_carries(signal: FakeSignalDaemon) -> None:
    signal.add_user(ALEX)
    rpc = SignalRpc(signal.address, account=signal.account, call_timeout=0.2)
    await rpc.start()
    try:
        assert rpc.timeout_for(20 * 2**20) > 120  # minutes for 20 MB, not a fixed 30 s
        assert SignalRpc(signal.address).timeout_for(0) == CALL_TIMEOUT_SECONDS
        signal.delay("send", 0.6)  # as long as a big upload takes
        big = data_uri("image/png", "big.png", b"\x00" * 2**20)
        result = await rpc.call("send", {"recipient": [ALEX], "message": "", "attachments": [big]})
        assert isinstance(result, dict) and "timestamp" in result
        with pytest.raises(Unconfirmed):  # a small one gets no such time
            await rpc.call("send", {"recipient": [ALEX], "message": "hi"})
    finally:
        await rpc.close()
    sent = signal.transcript(ALEX)[0]
    assert base64.b64decode(big.split("base64,", 1)[1]) == sent.attachments[0][2]


async def test_a_reply_in_pieces_that_fails_part_way_resumes_from_the_piece_not_sent(
    signal: FakeSignalDaemon, db_path: Path, clock: ManualClock
) -> None:
    bot = await start_bot(signal, db_path, clock, first_sweep_seconds=3600.0)
    try:
        alex = SignalPerson(signal, ALEX)
        await alex.onboard(at="No daily reminder")
        paragraphs = [f"Part {n}. " + "All of this matters to read. " * 50 for n in range(3)]
        signal.fail_next("send", IO_ERROR, "Failed to send message", after=1)
        outcome = await bot.engine.send([alex.account], Reply("\n\n".join(paragraphs)))
        with bot.signal.bulk():
            await bot.postman.deliver(outcome.deliveries)
        await bot.signal.queue.idle()
        first = await alex.next()
        assert first.text.startswith("Part 0.")
        [row] = await waiting(bot.db)  # the rest is to be tried again
        assert row.attempts == 1

        await later_sweep(bot, clock)
        texts = [m.text for m in signal.transcript(ALEX) if m.text.startswith("Part ")]
        assert [t.split(".", 1)[0] for t in texts] == ["Part 0", "Part 1", "Part 2"]
        assert await waiting(bot.db) == []
    finally:
        await bot.stop()
    assert signal.rejected == []


async def test_a_timed_out_piece_is_followed_by_the_rest_not_repeated(
    signal: FakeSignalDaemon, db_path: Path, clock: ManualClock
) -> None:
    bot = await start_bot(signal, db_path, clock, first_sweep_seconds=3600.0, call_timeout=0.3)
    try:
        alex = SignalPerson(signal, ALEX)
        await alex.onboard(at="No daily reminder")
        paragraphs = [f"Part {n}. " + "All of this matters to read. " * 50 for n in range(2)]
        signal.delay("send", 1.0)
        outcome = await bot.engine.send([Account("signal", ALEX)], Reply("\n\n".join(paragraphs)))
        with bot.signal.bulk():
            await bot.postman.deliver(outcome.deliveries)
        await bot.signal.queue.idle()
        # Both were done, each after its call had timed out.
        await alex.next("Part 0.")
        await alex.next("Part 1.")
        signal.delay("send", 0)
        await later_sweep(bot, clock)
        texts = [m.text for m in signal.transcript(ALEX) if m.text.startswith("Part ")]
        assert [t.split(".", 1)[0] for t in texts] == ["Part 0", "Part 1"]
        assert await waiting(bot.db) == []
    finally:
        await bot.stop()
    assert signal.rejected == []
