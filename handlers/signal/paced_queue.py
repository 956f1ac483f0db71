"""Signal's proactive sends, in a queue and a task of their own.

Whatever is proactive on Signal (pacing.py: a prompt, a nudge, a reminder, a peer's
relayed words, the outbox drained) waits `SIGNAL_SEND_INTERVAL_SECONDS` behind the one
before it. If the caller waited too, a sweep would hold Telegram's prompts and a retried
crisis page behind every Signal nudge, and a handler would hold its slot (and its sender's
turn) for as long as the queue is long. So the postman hands each of them here (`take`,
its `Queue` seam) and goes on at once; one task sends them in the order they came, each
through the postman again in its own turn, where the channel paces it. Replies to the
person being answered, and crisis replies and pages to anyone, are never taken: they go
out at once, whatever waits here.

The outbox row stays until its turn has sent it, so nothing is lost at a stop or a crash:
what was queued is sent again from the outbox at the next start (or sweep). A row that left
the outbox while it waited here (its person deleted their data, or blocked the bot) is
skipped, not sent. A peer's relayed words do not wait here: only the key they are held
under (flows/core/outgoing.py) does, so they are kept no longer than anywhere else; if
they are let go before the turn comes, the outbox's drain tells their sender as always.
"""

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace

from flows.core.delivery import Postman
from flows.core.outgoing import HeldWords
from flows.core.values import Delivery
from handlers.signal.capabilities import CHANNEL
from handlers.signal.pacing import is_reply, proactive
from storage import Database

log = logging.getLogger(__name__)

_turn: ContextVar[bool] = ContextVar("hearthside_signal_paced_turn", default=False)


@contextmanager
def _own_turn() -> Iterator[None]:
    token = _turn.set(True)
    try:
        yield
    finally:
        _turn.reset(token)


class PacedQueue:
    """Signal's proactive deliveries, sent one after another by a task of their own."""

    def __init__(
        self, postman: Postman, db: Database, held: HeldWords, connected: asyncio.Event
    ) -> None:
        self._postman = postman
        self._db = db
        self._held = held  # relayed words, looked up again when their turn comes
        self._connected = connected  # the daemon's connection (rpc.py): sends wait for it
        self._waiting: asyncio.Queue[Delivery] = asyncio.Queue()
        self._queued: set[int] = set()  # outbox ids waiting here, or being sent
        self._idle = asyncio.Event()  # set while nothing waits
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self._stopped = False

    def take(self, delivery: Delivery) -> bool:
        """The postman's question for each delivery to Signal: True if it waits here."""
        if delivery.account.channel != CHANNEL or _turn.get():
            return False  # not Signal's, or its turn has come
        if delivery.reply.urgent or is_reply(delivery.account.external_id):
            return False  # crisis lines, pages and replies never wait
        if self._stopped:
            return True  # left in the outbox, for the next start
        if delivery.outbox_id not in self._queued:  # a drain offers what already waits
            self._queued.add(delivery.outbox_id)
            self._idle.clear()
            reply = delivery.reply
            if reply.transient_text:
                reply = replace(reply, text="", relayed_media=None)  # the key alone waits
            self._waiting.put_nowait(replace(delivery, reply=reply))
            if self._task is None:
                self._task = asyncio.create_task(self._run(), name="signal-paced-sends")
        return True

    @property
    def size(self) -> int:
        """Deliveries waiting, or being sent."""
        return len(self._queued)

    async def idle(self) -> None:
        """Returns once nothing waits here (everything taken was sent, or settled)."""
        await self._idle.wait()

    async def stop(self) -> None:
        """Nothing more is sent from here; what waits stays in the outbox."""
        self._stopped = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        while True:
            delivery = await self._waiting.get()
            try:
                await self._connected.wait()
                await self._send(delivery)
            except Exception as error:
                # One delivery failing must not end the queue: the row stays in the outbox.
                log.error(
                    "signal_paced_send_failed outbox=%s error=%s",
                    delivery.outbox_id,
                    type(error).__name__,
                    exc_info=error,
                )
            finally:
                self._queued.discard(delivery.outbox_id)
                if not self._queued:
                    self._idle.set()

    async def _send(self, delivery: Delivery) -> None:
        async with self._db.single_statement() as tx:
            still = await tx.outbox.still_queued([delivery.outbox_id])
        if not still:
            log.info("signal_paced_send_gone outbox=%s", delivery.outbox_id)
            return
        if delivery.reply.transient_text:
            whole = self._held.words_for(delivery.reply)
            if whole is None:
                # Let go meanwhile: the next drain drops the row and tells their sender.
                log.info("signal_paced_send_words_gone outbox=%s", delivery.outbox_id)
                return
            delivery = replace(delivery, reply=whole)
        # The channel paces it (and holds it while Signal pauses sending) in this turn.
        with _own_turn(), proactive():
            await self._postman.deliver([delivery])
