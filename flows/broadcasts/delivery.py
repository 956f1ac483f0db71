"""Delivering broadcasts from their durable queue: one loop per running channel, paced at
the channel's bulk limit, and one progress loop that keeps each admin's progress message
up to date and sends the final report.

Each loop is a task of its own, beside the channel's answering and the sweep: it shares
only the database with them, and holds its transaction just long enough to claim one row,
so members chatting during a broadcast are answered as fast as without one. A row is
claimed (committed) before its send, and how the send went is recorded in the next
claim's transaction (one write per send); a row found claimed at start was on its way, or
sent but not yet recorded, when the process died: it is counted unconfirmed, never sent
again (storage/broadcasts.py). Sends run a few at a time (a channel's round trip would
otherwise cap the rate), all through the channel's one `Pacer`.
"""

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from flows.broadcasts.audience import as_members_see_it, left_out_because, not_before
from flows.broadcasts.progress import (
    ENDED,
    Figures,
    cancel_button,
    final_report,
    progress_text,
)
from flows.core import notice_keys
from flows.core.delivery import Postman, SendResult
from flows.core.engine import Engine
from flows.core.language import _, speaking
from flows.core.outgoing import commit_replies
from flows.core.values import COMMAND_TOKEN, MediaFile, Reply
from storage import Account, Transaction
from storage.broadcasts import Broadcast, Candidate

log = logging.getLogger(__name__)

# How often an idle loop looks for due rows (a new broadcast, quiet hours ending).
IDLE_SECONDS = 0.5
# After a pass that failed to claim (not an empty queue), the next try waits this long.
CLAIM_RETRY_SECONDS = 5.0
# How often the progress message is edited, where the admin's channel edits messages;
# elsewhere a new progress message goes out this much less often.
PROGRESS_SECONDS = 3.0
PROGRESS_WITHOUT_EDITS_SECONDS = 60.0
# An edit is a send too, paced like the broadcast's own where the admin's channel is slow
# (Signal: one per SIGNAL_SEND_INTERVAL_SECONDS): there the progress message is edited at
# most once per this many of its sends' time, so the edits take at most a twentieth of it.
SENDS_PER_EDIT = 20
# Rows settled without a send (left out, deferred) in one claiming transaction, at most.
SCAN_PER_CLAIM = 50
# A send that fails for a network or server reason is tried again later, this many times.
MAX_ATTEMPTS = 5
RETRY_SECONDS = 30.0
# A channel that holds its scheduled sends (Signal's pause) is asked again after this.
HELD_SECONDS = 60.0
# Sends in flight at once on one channel, at most (a round trip of up to ~250 ms at 30/s).
MAX_IN_FLIGHT = 8
# Beyond a second between a send and the `per_second`-th before it: room for the jitter
# between a release here and its arrival at the server (it costs 2 % of the rate).
WINDOW_MARGIN = 0.02
# Broadcasts whose words (and photo) a loop keeps at hand, at most.
KEEP_BROADCASTS = 4
# How long a stop waits for the sends in flight to be confirmed.
STOP_SECONDS = 10.0


class Timer(Protocol):
    """The pacing's time: a monotonic clock and a way to wait (a test's is virtual)."""

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemTimer:
    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class Pacer:
    """At most `per_second` sends in any one second, spread evenly.

    Sends are spaced 1/`per_second` apart (a late one catches up, at most twice as fast), and
    none goes out less than a second (and `WINDOW_MARGIN`) after the `per_second`-th send
    before it, so no window of one second ever holds more: as this clock measures the
    releases, and at the server too, whose arrivals a few milliseconds of jitter on the
    way would otherwise bunch. `per_second` None: no limit.
    """

    def __init__(self, per_second: float | None, timer: Timer) -> None:
        self._rate = per_second
        self._timer = timer
        self._next: float | None = None
        window = max(1, math.floor(per_second)) if per_second else 1
        self._recent: deque[float] = deque(maxlen=window)
        self._lock = asyncio.Lock()

    @property
    def per_second(self) -> float | None:
        return self._rate

    async def wait(self) -> float:
        """Wait for the next send's turn; returns the moment it was released."""
        if self._rate is None:
            return self._timer.monotonic()
        async with self._lock:
            while True:
                now = self._timer.monotonic()
                earliest = self._next if self._next is not None else now
                if len(self._recent) == self._recent.maxlen:
                    earliest = max(earliest, self._recent[0] + 1.0 + WINDOW_MARGIN)
                if earliest <= now:
                    break
                await self._timer.sleep(earliest - now)
            self._recent.append(now)
            interval = 1 / self._rate
            slot = self._next if self._next is not None else now
            # A late release doesn't push the rest back (the rate holds), but after a stall
            # they catch up at no more than twice the pace, never in one burst.
            self._next = max(slot + interval, now + interval / 2)
            return now


@dataclass(frozen=True, slots=True)
class Job:
    recipient_id: int
    broadcast_id: int
    account: Account
    attempts: int
    reply: Reply


def in_flight_for(per_second: float | None) -> int:
    if per_second is None:
        return 1  # unpaced (the console): one at a time, in order
    return max(1, min(MAX_IN_FLIGHT, math.ceil(per_second / 4)))


class ChannelLoop:
    """The broadcast queue of one channel, delivered at its bulk limit."""

    def __init__(
        self,
        engine: Engine,
        postman: Postman,
        channel: str,
        timer: Timer,
        bulk: Callable[[], AbstractContextManager[None]] = nullcontext,
    ) -> None:
        self._engine = engine
        self._postman = postman
        self.channel = channel
        self._timer = timer
        self._bulk = bulk
        self.pacer = Pacer(engine.channels.of(channel).bulk_per_second, timer)
        self._slots = asyncio.Semaphore(in_flight_for(self.pacer.per_second))
        self._sending: set[asyncio.Task[None]] = set()
        # Sends that ended, not yet recorded (until the next claim's transaction).
        self._outcomes: list[tuple[Job, SendResult]] = []
        # A broadcast's words and audience, read once per broadcast.
        self._broadcasts: dict[int, Broadcast] = {}

    async def run(self) -> None:
        while True:
            await self._slots.acquire()
            try:
                job = await self._claim()
            except Exception as error:
                # The database busy past its timeout, say: this pass is given up, not the
                # loop, or the channel's broadcasts would stop until the next restart.
                self._slots.release()
                log.error(
                    "broadcast_claim_failed channel=%s error=%s",
                    self.channel,
                    type(error).__name__,
                )
                await self._timer.sleep(CLAIM_RETRY_SECONDS)
                continue
            except BaseException:
                self._slots.release()
                raise
            if job is None:
                self._slots.release()
                await self._timer.sleep(IDLE_SECONDS)
                continue
            try:
                await self.pacer.wait()
            except BaseException:
                # Stopped before its turn: it never left, so it waits in the queue again.
                await self._requeue_unsent(job)
                self._slots.release()
                raise
            task = asyncio.create_task(self._send(job))
            self._sending.add(task)
            task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._sending.discard(task)
        self._slots.release()

    async def finish_sending(self) -> None:
        """Wait (bounded) for the sends in flight and record how they went, so a clean stop
        leaves none unconfirmed."""
        if self._sending:
            await asyncio.wait(set(self._sending), timeout=STOP_SECONDS)
        outcomes, self._outcomes = self._outcomes, []
        try:
            async with self._engine.db.transaction() as tx:
                await self._record(tx, self._engine.clock.now(), outcomes)
        except BaseException:
            self._outcomes = outcomes + self._outcomes  # not recorded: kept for the next try
            raise

    async def _record(
        self, tx: Transaction, now: datetime, outcomes: list[tuple[Job, SendResult]]
    ) -> None:
        """What became of the sends that ended since the last claim."""
        for job, result in outcomes:
            if result is SendResult.SENT:
                await tx.broadcasts.settle(job.recipient_id, "sent")
            elif result is SendResult.BLOCKED:
                await tx.broadcasts.settle(job.recipient_id, "unreachable")
            elif result is SendResult.UNCONFIRMED:
                # No answer in time: it may have arrived, so it is never sent again.
                await tx.broadcasts.settle(job.recipient_id, "unconfirmed")
            elif result is SendResult.HELD:
                await tx.broadcasts.wait_until(
                    job.recipient_id, _later(now, HELD_SECONDS), deferred=False
                )
            elif result is SendResult.RETRY and job.attempts < MAX_ATTEMPTS:
                await tx.broadcasts.wait_until(
                    job.recipient_id, _later(now, RETRY_SECONDS * job.attempts), deferred=False
                )
            else:
                await tx.broadcasts.settle(job.recipient_id, "failed")

    async def _claim(self) -> Job | None:
        """The next row due on this channel, claimed, with the sends that ended since the
        last claim recorded; rows that must not be sent now are settled or deferred."""
        outcomes, self._outcomes = self._outcomes, []
        try:
            return await self._claim_recording(outcomes)
        except BaseException:
            self._outcomes = outcomes + self._outcomes  # rolled back: kept for the next try
            raise

    async def _claim_recording(self, outcomes: list[tuple[Job, SendResult]]) -> Job | None:
        engine = self._engine
        async with engine.db.transaction() as tx:
            now = engine.clock.now()
            await self._record(tx, now, outcomes)
            for _attempt in range(SCAN_PER_CLAIM):
                due = await tx.broadcasts.next_due(self.channel, now)
                if due is None:
                    return None
                broadcast = await self._broadcast(tx, due.broadcast_id)
                if broadcast is None:
                    await tx.broadcasts.settle(due.id, "cancelled")
                    continue
                candidate = Candidate(
                    due.member_id,
                    due.account,
                    due.timezone,
                    paused=due.paused,
                    unreachable=due.unreachable,
                    announcements=due.announcements,
                )
                # As they are now: they may have paused or opted out since it was queued.
                why = left_out_because(candidate, broadcast.audience)
                if why is not None:
                    await tx.broadcasts.settle(due.id, why)
                    continue
                when = not_before(
                    engine.config, due.timezone, now, time_critical=broadcast.time_critical
                )
                if when > now:
                    await tx.broadcasts.wait_until(due.id, when, deferred=True)
                    continue
                if not await tx.broadcasts.claim(due.id):
                    continue
                # The frame around the admin's words is in this recipient's language.
                with speaking(await language_of(tx, engine, due.member_id, due.account)):
                    reply = self._reply(broadcast)
                return Job(due.id, due.broadcast_id, due.account, due.attempts + 1, reply)
        return None

    def _reply(self, broadcast: Broadcast) -> Reply:
        text = as_members_see_it(broadcast.text, broadcast.audience)
        shows = "photo" in self._engine.channels.of(self.channel).media
        if broadcast.photo is None or broadcast.photo_type is None or not shows:
            return Reply(text)
        photo = MediaFile("photo", broadcast.photo_type, broadcast.photo, "photo.jpg")
        return Reply(text, relayed_media=photo)

    async def _broadcast(self, tx: Transaction, broadcast_id: int) -> Broadcast | None:
        known = self._broadcasts.get(broadcast_id)
        if known is None:
            known = await tx.broadcasts.get(broadcast_id)
            if known is None or known.status != "sending":
                return None
            if len(self._broadcasts) >= KEEP_BROADCASTS:  # ended ones, most likely
                del self._broadcasts[next(iter(self._broadcasts))]
            self._broadcasts[broadcast_id] = known
        return known

    async def _requeue_unsent(self, job: Job) -> None:
        async with self._engine.db.transaction() as tx:
            await tx.broadcasts.wait_until(
                job.recipient_id, self._engine.clock.now(), deferred=False
            )

    async def _send(self, job: Job) -> None:
        channel = self._postman.channel(self.channel)
        if channel is None:  # the channel stopped: never sent, so it may wait and go later
            await self._requeue_unsent(job)
            return
        try:
            # As bulk work: on a channel whose scheduled sends share one budget (Telegram's
            # bulk limit), a broadcast and the sweep's prompts together stay within it.
            with self._bulk():
                sent = await channel.send(job.account.external_id, job.reply)
            result = sent.result
        except Exception as error:
            log.error("broadcast_send_failed error=%s", type(error).__name__, exc_info=error)
            result = SendResult.REJECTED
        # Recorded with the next claim, in its transaction: one write per send, not two.
        self._outcomes.append((job, result))
        if result is SendResult.BLOCKED:
            # Nothing more goes to them, and their peer chats close (as for any send).
            await self._postman.unreachable(job.account)


async def language_of(
    tx: Transaction, engine: Engine, member_id: int | None, account: Account | None
) -> str:
    """The language a broadcast's recipient, or its admin, is written to in: their own, or
    the deployment's (an account in ADMINS with no member row)."""
    member = await tx.members.get(member_id) if member_id is not None else None
    if member is None and account is not None:
        member = await tx.members.find_by_account(account)
    if member is not None and member.language:
        return member.language
    return engine.config.default_language


def _later(now: datetime, seconds: float) -> datetime:
    return now + timedelta(seconds=seconds)


class BroadcastDelivery:
    """Every running channel's broadcast loop, and the admins' progress messages."""

    def __init__(
        self,
        engine: Engine,
        postman: Postman,
        *,
        timer: Timer | None = None,
        bulk: Mapping[str, Callable[[], AbstractContextManager[None]]] | None = None,
    ) -> None:
        """`bulk`: each channel's context for scheduled (bulk) sends, as the sweep uses it."""
        self._engine = engine
        self._postman = postman
        self._timer = timer or SystemTimer()
        self._bulk = dict(bulk or {})
        self.loops: dict[str, ChannelLoop] = {}
        self._tasks: list[asyncio.Task[None]] = []
        # What each progress message last said, so an unchanged one isn't edited again.
        self._shown: dict[int, str] = {}
        self._last_new: dict[int, float] = {}

    async def start(self, channels: Iterable[str]) -> None:
        """Resume every broadcast where it stopped, and deliver on these channels."""
        async with self._engine.db.transaction() as tx:
            unconfirmed = await tx.broadcasts.unconfirm_claimed()
        if unconfirmed:
            log.info("broadcast_unconfirmed count=%d", unconfirmed)
        for name in channels:
            loop = ChannelLoop(
                self._engine, self._postman, name, self._timer, self._bulk.get(name, nullcontext)
            )
            self.loops[name] = loop
            self._tasks.append(asyncio.create_task(loop.run(), name=f"broadcast-{name}"))
        self._tasks.append(asyncio.create_task(self._progress(), name="broadcast-progress"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
            except Exception as error:
                log.error("broadcast_loop_failed error=%s", type(error).__name__)
        self._tasks.clear()
        for loop in self.loops.values():
            await loop.finish_sending()

    async def _progress(self) -> None:
        while True:
            try:
                await self.report_now()
            except Exception as error:  # the next pass tries again; delivery goes on
                log.error("broadcast_progress_failed error=%s", type(error).__name__)
            await self._timer.sleep(PROGRESS_SECONDS)

    async def report_now(self) -> None:
        """One pass: finish what is done, edit progress messages, send final reports."""
        engine = self._engine
        async with engine.db.transaction() as tx:
            now = engine.clock.now()
            replies: list[tuple[Account, Reply]] = []
            for broadcast in await tx.broadcasts.unreported():
                if broadcast.status == "sending":
                    await tx.broadcasts.finish_if_done(broadcast.id, now)
                    broadcast = await tx.broadcasts.get(broadcast.id) or broadcast
                by_channel = await tx.broadcasts.counts(broadcast.id)
                figures = Figures.of(_summed(by_channel.values()))
                language = await language_of(tx, engine, broadcast.author_id, broadcast.author)
                if broadcast.status != "sending" and figures.in_flight == 0:
                    with speaking(language):
                        replies += self._final(broadcast, figures)
                    await tx.broadcasts.mark_reported(broadcast.id, now)
                    self._shown.pop(broadcast.id, None)
                    self._last_new.pop(broadcast.id, None)
                    continue
                if broadcast.status == "sending" and broadcast.author is not None:
                    with speaking(language):
                        text = progress_text(figures, self._seconds_left(by_channel))
                    update = await self._update(tx, broadcast.id, broadcast.author, text, language)
                    if update is not None:
                        replies.append((broadcast.author, update))
            committed = await commit_replies(tx, replies, now, engine.held, engine.channels)
        await self._postman.deliver(committed.deliveries)

    async def _update(
        self, tx: Transaction, broadcast_id: int, author: Account, text: str, language: str
    ) -> Reply | None:
        """The progress message's new version, if it changed and it is time to show it."""
        if self._shown.get(broadcast_id) == text:
            return None
        info = self._engine.channels.of(author)
        key = notice_keys.broadcast(broadcast_id)
        if info.edits and not await tx.notices.refs(author, key):
            # The progress message is not recorded as sent yet (it may be on its way): an
            # edit now would find nothing to edit, and this text would count as shown.
            return None
        if info.edits and info.bulk_per_second:
            every = SENDS_PER_EDIT / info.bulk_per_second
            if every > PROGRESS_SECONDS and not self._due(broadcast_id, every):
                return None
        self._shown[broadcast_id] = text
        with speaking(language):
            buttons = (cancel_button(broadcast_id),)
        if info.edits:
            return Reply(
                text,
                buttons,
                token=COMMAND_TOKEN,
                replaces_notice=key,
            )
        # A channel that can't edit gets a new message now and then, not every few seconds.
        if not self._due(broadcast_id, PROGRESS_WITHOUT_EDITS_SECONDS):
            return None
        return Reply(text, buttons, token=COMMAND_TOKEN)

    def _due(self, broadcast_id: int, every: float) -> bool:
        """Whether `every` seconds have passed since the progress message last changed (or
        since its first pass); if so, it changes now."""
        moment = self._timer.monotonic()
        last = self._last_new.setdefault(broadcast_id, moment)
        if moment - last < every:
            return False
        self._last_new[broadcast_id] = moment
        return True

    def _final(self, broadcast: Broadcast, figures: Figures) -> list[tuple[Account, Reply]]:
        author = broadcast.author
        if author is None:  # its admin deleted their data meanwhile
            return []
        log.info(
            "broadcast_ended broadcast=%s status=%s sent=%d failed=%d unconfirmed=%d",
            broadcast.id,
            broadcast.status,
            figures.sent,
            figures.failed,
            figures.unconfirmed,
        )
        text = final_report(figures, cancelled=broadcast.status == "cancelled")
        replies: list[tuple[Account, Reply]] = []
        if self._engine.channels.of(author).edits:
            # The progress message loses its Cancel button and points to the report.
            ended = Reply(_(ENDED), replaces_notice=notice_keys.broadcast(broadcast.id))
            replies.append((author, ended))
        replies.append((author, Reply(text)))
        return replies

    def _seconds_left(self, by_channel: dict[str, dict[str, int]]) -> float:
        left = 0.0
        for name, counts in by_channel.items():
            waiting = counts.get("queued", 0) + counts.get("claimed", 0)
            rate = self._engine.channels.of(name).bulk_per_second
            if rate:
                left = max(left, waiting / rate)
        return left


def _summed(counts: Iterable[dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for one in counts:
        for state, n in one.items():
            total[state] = total.get(state, 0) + n
    return total
