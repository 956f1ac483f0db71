"""The periodic sweep, run by the composition root for every channel at once.

Every tick, one pass of `flows.sweeper.Sweeper` (who is due a prompt, an escalation, a
reminder); its replies go out through each account's own channel (the postman knows
which), crisis replies first and unpaced, the rest as each channel paces scheduled work.
Then whatever the outbox still holds for a running channel (a send that failed, a
process that stopped before sending) is sent, and the database's write-ahead log is
folded, so what was deleted since the last tick leaves the disk too.
"""

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from contextlib import AbstractContextManager, ExitStack
from datetime import timedelta
from typing import Protocol

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
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def sweep_now(self) -> None:
        """One pass, as each tick runs it."""
        _report, outcomes = await self._sweeper.sweep()
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
        # rows, but their old versions are still in the WAL: fold it, within one tick.
        await self._db.checkpoint()

    def start(self) -> None:
        """Sweep after `first_seconds`, then every `tick_seconds`, until `stop`."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="sweep")

    async def stop(self) -> None:
        """No more sweeps; a sweep under way finishes first (it is bounded)."""
        self._stopping.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        delay = self._first
        while not await self._stopped_within(delay):
            began = loop.time()
            try:
                await self.sweep_now()
            except Exception as error:
                # A failed pass leaves everything due for the next one; the job goes on.
                log.error("sweep_failed error=%s", type(error).__name__, exc_info=error)
            # Every tick from the last start; a pass that ran long is followed at once.
            delay = max(0.0, self._tick - (loop.time() - began))

    async def _stopped_within(self, seconds: float) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
        return self._stopping.is_set()
