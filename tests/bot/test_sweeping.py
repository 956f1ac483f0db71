"""The composition root's sweep: one pass for every running channel, each account's
prompts sent through its own channel, paced as that channel paces scheduled work."""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from bot.sweeping import SweepJob
from flows.core.clock import ManualClock
from flows.core.delivery import Postman, SendResult, Sent
from flows.core.engine import Engine
from flows.core.values import Reply
from flows.sweeper import Sweeper
from storage import Account
from tests.chat_driver import ChatDriver

ON_TELEGRAM = Account("telegram", "4242")
AT_THE_TERMINAL = Account("console", "7")


class Recording:
    """A running channel that keeps what it is sent, and whether it was paced."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.sent: list[tuple[str, str, bool]] = []
        self._pacing = False

    @contextmanager
    def bulk(self) -> Iterator[None]:
        self._pacing = True
        try:
            yield
        finally:
            self._pacing = False

    async def send(self, external_id: str, reply: Reply) -> Sent:
        self.sent.append((external_id, reply.text, self._pacing))
        return Sent(SendResult.SENT, str(len(self.sent)))

    async def edit(self, external_id: str, message_ref: str, reply: Reply) -> SendResult:
        return SendResult.SENT


async def onboarded(engine: Engine, *accounts: Account) -> None:
    for account in accounts:
        await ChatDriver(engine, account).onboard(zone="UTC", at="18:00")


async def test_each_prompt_goes_through_its_accounts_channel_paced(
    engine: Engine, clock: ManualClock
) -> None:
    await onboarded(engine, ON_TELEGRAM, AT_THE_TERMINAL)
    telegram, console = Recording("telegram"), Recording("console")
    postman = Postman(engine.db, clock, held=engine.held)
    postman.register(telegram)
    postman.register(console)
    job = SweepJob(Sweeper(engine), postman, engine.db, [telegram, console], tick_seconds=60)
    clock.set(datetime(2026, 11, 22, 18, 0, tzinfo=UTC))
    await job.sweep_now()
    for channel, account in ((telegram, ON_TELEGRAM), (console, AT_THE_TERMINAL)):
        prompts = [(who, paced) for who, text, paced in channel.sent if "How are you" in text]
        assert prompts == [(account.external_id, True)]


async def test_what_the_outbox_kept_for_a_running_channel_goes_out(
    engine: Engine, clock: ManualClock
) -> None:
    # Committed while no channel ran (or its send failed): the next sweep sends it.
    await engine.send([ON_TELEGRAM, AT_THE_TERMINAL], Reply("left behind"))
    telegram = Recording("telegram")
    postman = Postman(engine.db, clock, held=engine.held)
    postman.register(telegram)
    job = SweepJob(Sweeper(engine), postman, engine.db, [telegram], tick_seconds=60)
    await job.sweep_now()
    assert telegram.sent == []  # too new: its own handler may still be sending it
    clock.advance(timedelta(minutes=1))
    await job.sweep_now()
    assert telegram.sent == [("4242", "left behind", True)]
    # The terminal's copy waits for the terminal.
    async with engine.db.transaction() as tx:
        waiting = await tx.outbox.pending("console", created_before=clock.now(), limit=10)
    assert [row.external_id for row in waiting] == ["7"]


async def test_the_job_sweeps_every_tick_until_stopped(engine: Engine, clock: ManualClock) -> None:
    await onboarded(engine, AT_THE_TERMINAL)
    console = Recording("console")
    postman = Postman(engine.db, clock, held=engine.held)
    postman.register(console)
    job = SweepJob(
        Sweeper(engine), postman, engine.db, [console], tick_seconds=0.02, first_seconds=0.01
    )
    job.start()
    try:
        clock.set(datetime(2026, 11, 22, 18, 0, tzinfo=UTC))
        async with asyncio.timeout(5):
            while not any("How are you" in text for _, text, _ in console.sent):  # noqa: ASYNC110
                await asyncio.sleep(0.01)
    finally:
        await job.stop()
    sent = len(console.sent)
    clock.set(datetime(2026, 11, 23, 18, 0, tzinfo=UTC))
    await asyncio.sleep(0.1)
    assert len(console.sent) == sent  # stopped: no more passes


async def test_stopping_waits_for_a_sweep_under_way_instead_of_cancelling_it() -> None:
    """The scheduler's shutdown cancels a running job: stop must let the pass finish first."""
    started = asyncio.Event()
    finished = asyncio.Event()

    class SlowSweeper:
        async def sweep(self) -> tuple[object, list[object]]:
            started.set()
            await asyncio.sleep(0.3)
            finished.set()
            return object(), []

    class QuietPostman:
        async def deliver(self, deliveries: object) -> None:
            return None

        async def drain(self, channel: str, *, min_age: object) -> None:
            return None

    class NoDatabase:
        async def checkpoint(self) -> None:
            return None

    job = SweepJob(
        SlowSweeper(),  # type: ignore[arg-type]
        QuietPostman(),  # type: ignore[arg-type]
        NoDatabase(),  # type: ignore[arg-type]
        [],
        tick_seconds=3600,
        first_seconds=0,
    )
    job.start()
    await asyncio.wait_for(started.wait(), timeout=5)
    await job.stop()
    assert finished.is_set()
