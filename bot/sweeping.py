"""The periodic sweep, run by the composition root for every channel at once.

Every tick, one pass of `flows.sweeper.Sweeper` (who is due a prompt, an escalation, a
reminder); its replies go out through each account's own channel (the postman knows
which), crisis replies first and unpaced, the rest as each channel paces scheduled work
(a channel that paces with a queue of its own, as Signal does, takes them there and the
sweep goes on at once).
Then whatever the outbox still holds for a running channel (a send that failed, a
process that stopped before sending) is sent, and the database's write-ahead log is
folded, so what was deleted since the last tick leaves the disk too. After a pass in which
retention deleted rows (a large fold, perhaps), the fold runs off the tick, on a
connection and a thread of its own (`Database.checkpoint_aside`): the next tick and
members' messages don't wait for it.

The tick is an APScheduler interval job on the running event loop: one instance at a
time (a pass that runs long makes the next one wait, never run twice at once), and
missed ticks coalesce into one.
"""

import asyncio
import logging
from collections.abc import Sequence
from contextlib import AbstractContextManager, ExitStack
from datetime import UTC, datetime, timedelta
from typing import Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from flows.core.delivery import Postman
from flows.sweeper import Sweeper
from storage import Database

log = logging.getLogger(__name__)

# Outbox rows younger than this may still be in their own handler's hands: sending them
# from here too would show them twice.
LEFT_BEHIND_AGE = timedelta(seconds=15)
# The first sweep comes right after start, so what fell due while stopped goes out now.
FIRST_SWEEP_SECONDS = 0.1


class SweptChannel(Protocol):
    """A running channel, as the sweep sees it."""

    @property
    def name(self) -> str: ...

    def bulk(self) -> AbstractContextManager[None]:
        """Sends made inside are scheduled work, not answers: paced as the channel needs."""
        ...


class SweepJob:
    def __init__(
        self,
        sweeper: Sweeper,
        postman: Postman,
        db: Database,
        channels: Sequence[SweptChannel],
        *,
        tick_seconds: float,
        first_seconds: float = FIRST_SWEEP_SECONDS,
    ) -> None:
        self._sweeper = sweeper
        self._postman = postman
        self._db = db
        self._channels = tuple(channels)
        self._tick = tick_seconds
        self._first = first_seconds
        self._scheduler: AsyncIOScheduler | None = None
        # Held for the length of a scheduled pass, so `stop` can wait for it to finish.
        self._passing = asyncio.Lock()
        self._stopped = False
        # The fold after retention's deletions, running beside the ticks.
        self._folding: asyncio.Task[None] | None = None

    async def sweep_now(self) -> None:
        """One pass, as each tick runs it."""
        report, outcomes = await self._sweeper.sweep()
        # Crisis messages skip the pacing of bulk sends; everything else is paced.
        urgent = [d for o in outcomes for d in o.deliveries if d.reply.urgent]
        await self._postman.deliver(urgent)
        with ExitStack() as paced:
            for channel in self._channels:
                paced.enter_context(channel.bulk())
            for outcome in outcomes:
                await self._postman.deliver(d for d in outcome.deliveries if not d.reply.urgent)
            for channel in self._channels:
                await self._postman.drain(channel.name, min_age=LEFT_BEHIND_AGE)
        # Raw updates applied and data deleted since the last sweep are gone from their
        # rows, but their old versions are still in the WAL: fold it, within one tick, or
        # beside the ticks after retention's deletions.
        if report.retention_deleted:
            self._fold_aside()
        else:
            await self._db.checkpoint()

    def _fold_aside(self) -> None:
        previous = self._folding

        async def fold() -> None:
            if previous is not None:
                await previous  # one fold at a time; this one covers what came since
            try:
                await self._db.checkpoint_aside()
            except Exception as error:
                log.error("wal_fold_failed error=%s", type(error).__name__, exc_info=error)

        self._folding = asyncio.create_task(fold())

    async def folded(self) -> None:
        """Until a fold running beside the ticks (after retention) has finished."""
        if self._folding is not None:
            await self._folding

    def start(self) -> None:
        """Sweep after `first_seconds`, then every `tick_seconds`, until `stop`."""
        if self._scheduler is not None:
            return
        # Wall-clock time only places the ticks; what is due is asked of the engine's clock.
        first = datetime.now(UTC) + timedelta(seconds=self._first)
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._scheduler.add_job(
            self._pass,
            IntervalTrigger(seconds=self._tick, timezone=UTC),
            id="sweep",
            next_run_time=first,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
        self._scheduler.start()

    async def stop(self) -> None:
        """No more sweeps; a sweep under way finishes first (it is bounded)."""
        self._stopped = True
        if self._scheduler is not None:
            self._scheduler.pause()  # no new ticks
        # Wait for a pass under way before shutting the scheduler down: its shutdown
        # cancels the job's task, mid-transaction.
        async with self._passing:
            pass
        await self.folded()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None

    async def _pass(self) -> None:
        async with self._passing:
            if self._stopped:  # a tick that fired as the bot was stopping
                return
            try:
                await self.sweep_now()
            except Exception as error:
                # A failed pass leaves everything due for the next one; the job goes on.
                log.error("sweep_failed error=%s", type(error).__name__, exc_info=error)
