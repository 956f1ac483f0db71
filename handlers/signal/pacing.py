"""Which Signal sends are replies, how the rest are paced, and Signal's pause on sending.

Signal's server limits accounts that send much to people who did not write first, and
answers with `RATE_LIMIT_FAILURE` (often with a captcha to solve, sometimes for a day).
So everything that is not a reply to the person's own message — scheduled prompts,
nudges, reminders, pages, a peer's relayed words, the outbox drained after a restart — is
*proactive*: spaced by `SIGNAL_SEND_INTERVAL_SECONDS`, sent only to people who wrote to
Hearthside first, and held while Signal has paused the account. Replies, and crisis
replies to anyone, are never paced and are still tried while paused.

A send is a reply while the envelope of the person it goes to is being handled
(`replying_to`), outside scheduled work (`proactive`).
"""

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

_proactive: ContextVar[bool] = ContextVar("hearthside_signal_proactive", default=False)
_replying_to: ContextVar[str | None] = ContextVar("hearthside_signal_replying_to", default=None)


@contextmanager
def proactive() -> Iterator[None]:
    """Sends made inside this block are scheduled work, even to the person being answered."""
    token = _proactive.set(True)
    try:
        yield
    finally:
        _proactive.reset(token)


@contextmanager
def replying_to(aci: str) -> Iterator[None]:
    """Sends to `aci` inside this block answer their own message."""
    token = _replying_to.set(aci)
    try:
        yield
    finally:
        _replying_to.reset(token)


def is_reply(aci: str) -> bool:
    """Whether a send to `aci` now answers their own message."""
    return not _proactive.get() and _replying_to.get() == aci


class Pacer:
    """Spaces proactive sends at least `interval` seconds apart, in the order they ask."""

    def __init__(
        self, interval: float, *, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._interval = interval
        self._monotonic = monotonic
        self._lock = asyncio.Lock()
        self._last: float | None = None

    async def wait(self) -> None:
        if self._interval <= 0:
            return
        async with self._lock:
            now = self._monotonic()
            if self._last is not None and now - self._last < self._interval:
                # Pacing is the point here: the wait is the interval itself.
                await asyncio.sleep(self._interval - (now - self._last))
            self._last = self._monotonic()


# How long a pause lasts when Signal gave neither a captcha nor a time to wait.
UNSAID_WAIT_SECONDS = 3600


@dataclass(slots=True)
class Pause:
    """Signal's pause on this account's sending: the challenge to lift it, and until when."""

    challenge: str | None = None  # the token a solved captcha is submitted with
    until: float | None = None  # wall-clock seconds; None: until a captcha lifts it
    active: bool = False
    alerted: bool = False  # admins were told of this pause

    def hit(self, challenge: str | None, retry_after: int | None) -> bool:
        """Signal refused a send for the rate limit; True if that starts a pause."""
        started = not self.paused
        if started:
            self.challenge, self.until, self.alerted = None, None, False
        self.active = True
        # A later refusal without a token or a wait says nothing new: what an earlier one
        # said still holds (only `lift` forgets it), so the pause cannot become endless.
        if challenge:
            self.challenge = challenge
        if retry_after:
            self.until = max(self.until or 0.0, time.time() + retry_after)
        if self.until is None and self.challenge is None:
            # Neither a captcha to lift it nor a time: try again after a while of our own.
            self.until = time.time() + UNSAID_WAIT_SECONDS
        return started

    def lift(self) -> None:
        self.active = False
        self.challenge = None
        self.until = None

    @property
    def paused(self) -> bool:
        if self.active and self.until is not None and time.time() >= self.until:
            self.lift()  # Signal's own wait is over
        return self.active
