"""The Signal channel, running: receiving from the signal-cli daemon, answering through the
engine, sending through the postman, and lifting Signal's pause on sending.

At start it replays envelopes staged but never applied (intake.py), then takes each
`receive` notification: staged, then handled in order per sender (different people side by
side); what the outbox still holds is sent beside that, paced, never ahead of it. The
daemon restarting is the client's business (rpc.py reconnects); what could not be sent
meanwhile goes out once it is back.

Scheduled work (the sweep) is not its own: the composition root runs it for every channel,
marking Signal's share of it proactive inside `bulk()` (pacing.py). Every proactive send,
whoever makes it, waits its turn in Signal's own queue (paced_queue.py), so neither the
sweep, nor another channel, nor a handler answering someone waits for Signal's pace.
"""

import asyncio
import base64
import binascii
import dataclasses
import logging
from collections.abc import Coroutine
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from flows.admin import tell_admins
from flows.broadcasts import wants_broadcast_photo
from flows.community import (
    CalendarFile,
    is_calendar_file,
    may_import_calendar,
    read_calendar_within,
    too_big,
)
from flows.core.delivery import Postman
from flows.core.engine import Engine
from flows.core.inbox import Inbox
from flows.core.language import N_, _, speaking
from flows.core.values import Input, MediaFile, Reply
from flows.peer import in_open_chat
from handlers.languages import language_of
from handlers.ordering import KeyedLocks
from handlers.signal.admins import find_admins
from handlers.signal.capabilities import CARRIED_MEDIA, CHANNEL, signal_info
from handlers.signal.channel import SignalChannel
from handlers.signal.intake import SOURCE, Attachment, Message, message_of, received
from handlers.signal.paced_queue import PacedQueue
from handlers.signal.pacing import Pacer, Pause, proactive, replying_to
from handlers.signal.photos import clean_photo
from handlers.signal.rpc import NotConnected, RateLimited, RpcError, SignalRpc
from handlers.startup import ChannelUnavailable
from storage import Account
from storage.secret import log_tag

log = logging.getLogger(__name__)

# What the channel says itself, outside any step: in the reader's language
# (handlers/languages.py).
SORRY = N_(
    "Sorry — something went wrong on my side and I couldn't handle that. "
    "Please try again, or /cancel to start fresh."
)
NOT_FETCHED = N_("I couldn't fetch it from Signal — please send it again in a moment")
PAUSED = N_(
    "⚠️ Signal has paused Hearthside's messages there: it limits accounts that send a "
    "lot to people who haven't written first. Replies to people who write, and crisis "
    "replies, are still tried; scheduled messages on Signal (check-in prompts, "
    "reminders, suggestions, peer-chat messages) wait until the pause is lifted."
)
PAUSED_UNTIL = N_("Signal asks to wait until {moment} UTC; sending resumes on its own then.")
PAUSED_A_WHILE = N_("Signal asks to wait for a while; sending resumes on its own then.")
PAUSED_CAPTCHA = N_(
    "To lift it: solve the captcha at {page}, copy where its “Open Signal” link points (it "
    "starts signalcaptcha://), and send it to me as /signal_captcha followed by that link."
)
NOT_PAUSED = N_(
    "Signal isn't pausing Hearthside's messages right now, so there's nothing to lift."
)
NO_CAPTCHA = N_(
    "Signal gave no captcha for this pause, only a time to wait; sending resumes on its own then."
)
CAPTCHA_PASSING = N_(
    "Thanks — I'm passing that captcha to Signal now, and will tell you how it went."
)
CAPTCHA_REFUSED = N_(
    "Signal didn't accept that captcha (they last only a few minutes). Please solve "
    "a new one at {page} and send /signal_captcha with it again."
)
CAPTCHA_NOT_TAKEN = N_("Signal couldn't take the captcha just now; please try again in a minute.")
CAPTCHA_UNREACHABLE = N_(
    "I couldn't reach Signal to pass the captcha on; please try again in a minute."
)
CAPTCHA_ACCEPTED = N_("Signal accepted the captcha: scheduled messages on Signal go out again.")
CAPTCHA_PAGE = "https://signalcaptchas.org/challenge/generate.html"
# signal-cli's error code for a captcha Signal did not accept.
CAPTCHA_REJECTED = -6
# Attachments past this size are not fetched to pass on in a peer chat (Signal's own limit
# is 100 MB; Telegram's bots take 50 MB).
RELAY_MAX_BYTES = 20 * 1024 * 1024
# How long `stop` lets envelopes being handled finish before it cancels them.
STOP_GRACE_SECONDS = 10.0
# Staging an envelope that failed is tried again after these waits (first, longest), this
# many times in all (about five minutes), and `stop` waits this long for what is left.
STAGE_BACKOFF = (0.05, 30.0)
STAGE_ATTEMPTS = 18
STAGE_GRACE_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class SignalOptions:
    account: str  # the bot's own number, as signal-cli names the account
    address: str  # "tcp://127.0.0.1:7583" or "unix:///path/to/socket"
    # At least this long between two proactive sends (pacing.py).
    send_interval: float = 2.0
    # Envelopes handled at once (one per sender).
    max_concurrent: int = 8


class SignalService:
    """The Signal channel, running."""

    name = CHANNEL

    def __init__(
        self,
        options: SignalOptions,
        engine: Engine,
        postman: Postman,
        rpc: SignalRpc | None = None,
    ) -> None:
        self._options = options
        self._engine = engine
        self._postman = postman
        self.rpc = rpc or SignalRpc(options.address, account=options.account)
        self._inbox = Inbox(engine.db, engine.clock)
        self.pause = Pause()
        # People seen writing since start (the members among the rest are asked of storage).
        self._wrote: set[str] = set()
        self.channel = SignalChannel(
            self.rpc,
            engine.db.secret,
            pacer=Pacer(options.send_interval),
            pause=self.pause,
            wrote_first=self._wrote_first,
            on_rate_limited=self._rate_limited,
            on_not_connected=self._drain_when_connected,
        )
        # Proactive sends wait their turn here, in a task of their own.
        self.queue = PacedQueue(postman, engine.db, engine.held, self.rpc.connected)
        postman.register(self.channel, queue=self.queue)
        # What this channel can do; an admin's captcha comes back through `submit`.
        engine.channels.declare(replace(signal_info(options.send_interval), captcha=self))
        self._ended = asyncio.Event()
        self._locks = KeyedLocks()
        self._slots = asyncio.Semaphore(options.max_concurrent)
        self._handling: set[asyncio.Task[None]] = set()
        self._background: set[asyncio.Task[Any]] = set()
        self._receiving: asyncio.Task[None] | None = None
        self._draining: asyncio.Task[None] | None = None
        self._drain_again = False
        self._stopping = False

    # -- the ChannelService protocol ---------------------------------------------------
    @property
    def ended(self) -> asyncio.Event:
        """Set only if receiving stopped on its own (a fault of ours, logged), so the process
        ends rather than run deaf; a daemon that goes away is waited for (rpc.py reconnects)."""
        return self._ended

    def _receiving_ended(self, task: asyncio.Task[None]) -> None:
        if task.cancelled() or (self._stopping and task.exception() is None):
            return  # stopped
        error = task.exception()
        log.error(
            "signal_receiving_ended error=%s",
            type(error).__name__ if error else None,
            exc_info=error,
        )
        self._ended.set()

    def bulk(self) -> AbstractContextManager[None]:
        """Scheduled sends are proactive: queued and paced (paced_queue.py), and held while
        Signal pauses sending; the sweep never waits for them."""
        return proactive()

    async def start(self) -> None:
        if not self.rpc.connected.is_set():
            try:
                await self.rpc.start()
            except NotConnected as error:
                # One line, naming the address ("cannot reach the signal-cli daemon at …").
                raise ChannelUnavailable(str(error)) from None
        # Admins named by their number become their account; the numbers are forgotten.
        to_resolve = self._engine.config.admins_to_resolve
        if to_resolve:
            try:
                self._engine.resolve_admins(await find_admins(self.rpc, to_resolve))
            except (RpcError, NotConnected, TimeoutError) as error:
                # They stay unresolved (no admins) until the next start; /admins says so.
                log.warning("signal_admins_unresolved error=%s", type(error).__name__)
        # Envelopes that were received but never applied, in the order received, ahead of
        # anything new from the same person; then receiving.
        replay = [
            m for payload in await self._inbox.unapplied(SOURCE) if (m := message_of(payload))
        ]
        for message in replay:
            self._wrote.add(message.sender)
            self._spawn(message)
        if replay:
            log.info("inbox_replay source=%s count=%d", SOURCE, len(replay))
        self._receiving = asyncio.create_task(self._receive(), name="signal-receive")
        self._receiving.add_done_callback(self._receiving_ended)
        # What was committed but not sent before the stop goes out beside them, in the paced
        # queue (crisis lines at once): up to `limit` rows at the send interval would hold
        # everyone's answers for minutes if intake waited for it. Only rows older than this
        # start: newer ones are their own handler's to send.
        self._drain(before=self._engine.clock.now())
        log.info("signal_started")

    async def stop(self, *, grace: float = STOP_GRACE_SECONDS) -> None:
        """Stop handling envelopes; those being handled get `grace` seconds to finish (the
        rest stay staged and are replayed at the next start).

        signal-cli forgets an envelope once it has written it to us, so none read is dropped:
        what arrives meanwhile is staged (not handled), and after the connection is closed
        (nothing more can come) whatever the client had read is staged before this returns.
        """
        self._stopping = True
        # What waits its paced turn stays in the outbox, sent at the next start.
        await self.queue.stop()
        if self._handling and grace > 0:
            await asyncio.wait(set(self._handling), timeout=grace)
        for task in (*self._handling, *self._background):
            task.cancel()
        if self._draining is not None:
            self._draining.cancel()
        await asyncio.gather(
            *self._handling, *self._background, *filter(None, [self._draining]),
            return_exceptions=True,
        )  # fmt: skip
        await self.rpc.close()
        if self._receiving is not None:
            # It stages what the client still holds, then finds the client closed.
            _done, late = await asyncio.wait({self._receiving}, timeout=STAGE_GRACE_SECONDS)
            for task in late:
                log.error("signal_stage_abandoned")
                task.cancel()
            await asyncio.gather(self._receiving, return_exceptions=True)
            self._receiving = None

    # -- receiving ---------------------------------------------------------------------
    async def _receive(self) -> None:
        """Stages each envelope as soon as it is read (handling runs in tasks of its own, so
        this never waits behind it), until the client is closed at stop."""
        while True:
            try:
                params = await self.rpc.receive()
            except NotConnected:
                if self._stopping:
                    return  # closed, and all it had read is staged
                raise
            await self._take_retrying(params)

    async def _take_retrying(self, params: dict[str, Any]) -> None:
        """signal-cli will not send it again: a failure to stage it (the database busy) is
        tried again, backing off, rather than dropping it."""
        delay, cap = STAGE_BACKOFF
        for attempt in range(1, STAGE_ATTEMPTS + 1):
            try:
                await self._take(params)
                return
            except Exception as error:
                log.error(
                    "signal_intake_failed error=%s attempt=%d",
                    type(error).__name__,
                    attempt,
                    exc_info=error,
                )
            if attempt < STAGE_ATTEMPTS:
                await asyncio.sleep(delay)  # backing off is the point: the wait is the delay
                delay = min(cap, delay * 2)
        log.error("signal_envelope_dropped attempts=%d", STAGE_ATTEMPTS)

    async def _take(self, params: dict[str, Any]) -> None:
        account = params.get("account")
        if isinstance(account, str) and account != self._options.account:
            return  # another account of a multi-account daemon: not ours
        got = received(params)
        if got.untrusted and got.sender is not None:
            # Their safety number changed; trusting the new one makes signal-cli decrypt the
            # message again and deliver it (README: the safety-number policy).
            self._background_task(self.channel.trust(got.sender))
        if got.payload is None:
            await self._inbox.mark_applied((SOURCE, got.key))
            return
        await self._inbox.stage(SOURCE, [(got.key, got.payload)])
        message = message_of(got.payload)
        assert message is not None  # `received` stages only what is to be handled
        self._wrote.add(message.sender)
        if not self._stopping:  # else staged, and replayed at the next start
            self._spawn(message)

    def _spawn(self, message: Message) -> None:
        task = asyncio.create_task(self._in_order(message), name="signal-envelope")
        self._handling.add(task)
        task.add_done_callback(self._handling.discard)

    async def _in_order(self, message: Message) -> None:
        async with self._locks.hold(message.sender), self._slots:
            await self._handle(message)

    def _tag(self, aci: str) -> str:
        return log_tag(self._engine.db.secret, Account(CHANNEL, aci))

    async def _handle(self, message: Message) -> None:
        account = Account(CHANNEL, message.sender)
        inp = message.input
        kind = (
            "reaction" if inp.reaction else "edit" if inp.edited
            else "delete" if inp.deleted else inp.media or "text"
        )  # fmt: skip
        log.info("signal_update kind=%s from=%s", kind, self._tag(message.sender))
        with replying_to(message.sender):
            try:
                # A calendar's refusal is said to its sender: read in their language.
                with speaking(await language_of(self._engine, account)):
                    inp = await self._with_calendar(account, inp, message.attachments)
                inp = await self._with_media(account, inp, message.attachments)
                outcome = await self._engine.handle(
                    account,
                    inp,
                    dedupe=(SOURCE, message.key),
                    deliver_first=self._postman.deliver,
                )
                await self._postman.deliver(outcome.deliveries)
            except Exception as error:
                log.error(
                    "handler_error source=%s error=%s",
                    SOURCE,
                    type(error).__name__,
                    exc_info=error,
                )
                # Never leave them without an answer, and never replay a poisonous envelope
                # forever: apologise once and mark it applied.
                if await self._inbox.mark_applied((SOURCE, message.key)):
                    await self._apologise(message.sender)

    async def _apologise(self, aci: str) -> None:
        try:
            language = await language_of(self._engine, Account(CHANNEL, aci))
        except Exception as error:  # the fault may be storage's: apologise all the same
            log.warning("apology_language_unknown error=%s", type(error).__name__)
            language = self._engine.config.default_language
        with speaking(language):
            sorry = _(SORRY)
        try:
            await self.rpc.call("send", {"recipient": [aci], "message": sorry})
        except (RpcError, NotConnected, TimeoutError) as error:
            log.warning("apology_failed error=%s", type(error).__name__)

    async def _with_calendar(
        self, account: Account, inp: Input, attachments: tuple[Attachment, ...]
    ) -> Input:
        """An admin's calendar file, read before the engine's transaction; anyone else's
        file is never fetched."""
        calendar = next(
            (a for a in attachments if is_calendar_file(a.suffix, a.content_type)), None
        )
        if calendar is None or inp.edited:
            return inp
        if not await may_import_calendar(self._engine, account):
            return inp
        return dataclasses.replace(
            inp, media="document", calendar=await self._read_calendar(account, calendar)
        )

    async def _with_media(
        self, account: Account, inp: Input, attachments: tuple[Attachment, ...]
    ) -> Input:
        """A picture or voice message's bytes, fetched only when a peer chat will pass it
        on, or when it is the photo of a broadcast an admin is writing; held in this input
        (memory) only."""
        if inp.media not in CARRIED_MEDIA or not attachments or inp.edited:
            return inp
        attachment = attachments[0]
        if attachment.size is not None and attachment.size > RELAY_MAX_BYTES:
            return inp
        wanted = await in_open_chat(self._engine, account) or await wants_broadcast_photo(
            self._engine, account, inp.media
        )
        if not wanted:
            return inp
        data = await self.fetch_attachment(account.external_id, attachment)
        if data is None:
            return inp
        content_type = attachment.content_type
        if inp.media == "photo":
            # Passed on from its pixels alone, never with its metadata (photos.py).
            clean = await asyncio.to_thread(clean_photo, data)
            if clean is None:
                # Not the picture it claims to be: kept back as any file is.
                return dataclasses.replace(inp, media="document")
            data, content_type = clean.data, clean.content_type
        media = MediaFile(inp.media, content_type, data)
        return dataclasses.replace(inp, media_file=media)

    async def _read_calendar(self, account: Account, attachment: Attachment) -> CalendarFile | str:
        config = self._engine.config
        if attachment.size is not None and attachment.size > config.calendar_max_bytes:
            return too_big(config.calendar_max_bytes)
        data = await self.fetch_attachment(account.external_id, attachment)
        if data is None:
            return _(NOT_FETCHED)
        return await read_calendar_within(
            data,
            timezone=config.default_timezone,
            now=self._engine.clock.now(),
            max_bytes=config.calendar_max_bytes,
            cpu_seconds=config.calendar_cpu_seconds,
        )

    async def fetch_attachment(self, sender: str, attachment: Attachment) -> bytes | None:
        """An attachment's bytes, held in memory by whoever asked; None if signal-cli has
        them no more (or can't be reached)."""
        # Its answer carries the file as base64: as long to wait for as to send that much.
        size = attachment.size or 0
        try:
            result = await self.rpc.call(
                "getAttachment",
                {"id": attachment.id, "recipient": sender},
                timeout=self.rpc.timeout_for(size * 4 // 3),
            )
            encoded = result.get("data") if isinstance(result, dict) else None
            return base64.b64decode(encoded, validate=True) if isinstance(encoded, str) else None
        except (RpcError, NotConnected, TimeoutError, binascii.Error) as error:
            log.warning("signal_download_failed error=%s", type(error).__name__)
            return None

    # -- sending -----------------------------------------------------------------------
    async def _wrote_first(self, aci: str) -> bool:
        if aci in self._wrote or f"{CHANNEL}:{aci}" in self._engine.config.admins:
            return True
        return await self._postman.is_member(Account(CHANNEL, aci))

    def _drain_when_connected(self) -> None:
        """A send failed for want of the daemon: send what the outbox holds once it is back."""
        self._drain()

    def _drain(self, *, before: datetime | None = None) -> None:
        """Send what the outbox holds (the proactive rows through the paced queue), in a task
        of its own: intake never waits for it. Asked again while one runs, another pass
        follows it."""
        if self._draining is not None and not self._draining.done():
            self._drain_again = True
            return
        self._drain_again = False

        async def drain(before: datetime | None) -> None:
            while True:
                await self.rpc.connected.wait()
                # Rows newer than `before` may be in their own handler's hands.
                age = self._engine.clock.now() - before if before else timedelta(0)
                with proactive():
                    count = await self._postman.drain(CHANNEL, min_age=max(age, timedelta(0)))
                log.info("signal_drained count=%d", count)
                if not self._drain_again:
                    return
                self._drain_again, before = False, None

        self._draining = asyncio.create_task(drain(before), name="signal-drain")

    def _background_task(self, coroutine: Coroutine[Any, Any, object]) -> None:
        task: asyncio.Task[Any] = asyncio.create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- Signal's pause on sending -------------------------------------------------------
    async def _rate_limited(self, error: RateLimited) -> None:
        started = self.pause.hit(error.token, error.retry_after)
        if started:
            log.warning(
                "signal_paused challenge=%s retry_after=%s",
                error.token is not None,
                error.retry_after,
            )
        if not self.pause.alerted:
            self.pause.alerted = True
            self._background_task(self._tell_admins())

    def _pause_text(self) -> str:
        """The alert, in the language being spoken."""
        if self.pause.challenge is None:
            if self.pause.until is not None:
                moment = f"{datetime.fromtimestamp(self.pause.until, UTC):%Y-%m-%d %H:%M}"
                then = _(PAUSED_UNTIL).format(moment=moment)
            else:
                then = _(PAUSED_A_WHILE)
        else:
            then = _(PAUSED_CAPTCHA).format(page=CAPTCHA_PAGE)
        return f"{_(PAUSED)}\n\n{then}"

    async def _tell_admins(self) -> None:
        # Made once in each language the admins read.
        outcome = await tell_admins(self._engine, self._pause_text)
        await self._postman.deliver(outcome.deliveries)

    def submit(self, captcha: str, admin: Account) -> str:
        """An admin's solved captcha (flows/admin/channel_pauses.py): submitted to Signal in
        the background, and the admin told how it went."""
        # Asked in the admin's own step: in the language it speaks.
        if not self.pause.paused:
            return _(NOT_PAUSED)
        if self.pause.challenge is None:
            return _(NO_CAPTCHA)
        self._background_task(self._submit(self.pause.challenge, captcha, admin))
        return _(CAPTCHA_PASSING)

    async def _submit(self, challenge: str, captcha: str, admin: Account) -> None:
        try:
            await self.rpc.call(
                "submitRateLimitChallenge", {"challenge": challenge, "captcha": captcha}
            )
        except RpcError as error:
            log.warning("signal_captcha_refused code=%s", error.code)
            if error.code == CAPTCHA_REJECTED:
                await self._tell(admin, CAPTCHA_REFUSED, page=CAPTCHA_PAGE)
            else:
                await self._tell(admin, CAPTCHA_NOT_TAKEN)
            return
        except (NotConnected, TimeoutError) as error:
            log.warning("signal_captcha_failed error=%s", type(error).__name__)
            await self._tell(admin, CAPTCHA_UNREACHABLE)
            return
        self.pause.lift()
        log.info("signal_resumed")
        await self._tell(admin, CAPTCHA_ACCEPTED)
        self._drain()

    async def _tell(self, admin: Account, message: str, **values: str) -> None:
        """`message` (a catalog text, with its `values`) to the admin, in their language."""
        with speaking(await language_of(self._engine, admin)):
            reply = Reply(_(message).format(**values))
        outcome = await self._engine.send([admin], reply)
        if admin.channel == CHANNEL:
            # An answer to their own command, even while Signal's pause holds the rest.
            with replying_to(admin.external_id):
                await self._postman.deliver(outcome.deliveries)
        else:
            await self._postman.deliver(outcome.deliveries)
