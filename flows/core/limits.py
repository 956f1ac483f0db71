"""Per-person rate limits: a token bucket per account, in memory.

They protect the people on the other end (a volunteer being relayed a flood, admins being
paged) and the bot's standing with the channel (replies to a flood of messages). The crisis
guard runs before any limit is asked, so the crisis reply to the person themself is never
limited. Buckets live in memory only: after a restart everyone starts with a full bucket,
which errs on the side of answering. A flood is a matter of real seconds, so the buckets
run on a monotonic timer (injectable), not on the clock the flows are tested with.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

from storage import Account


@dataclass(frozen=True, slots=True)
class Rate:
    """`burst` inputs at once, then one every `1 / per_second` seconds."""

    burst: float
    per_second: float


# Generous for a person typing, even pasting a few lines; a flood passes 20 then one a second.
INPUTS = Rate(burst=20, per_second=1.0)


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float
    # Whether the person was told they are being held back since the bucket last had room.
    told: bool = False


class RateLimiter:
    """One bucket per account; `take` spends a token if there is one."""

    # Buckets full again (idle long enough) are dropped, so memory follows recent activity.
    _SWEEP_EVERY = 1000

    def __init__(
        self, rate: Rate = INPUTS, *, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._rate = rate
        self._monotonic = monotonic
        self._buckets: dict[Account, _Bucket] = {}
        self._since_sweep = 0

    def take(self, account: Account) -> bool:
        bucket = self._refill(account, self._monotonic())
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            bucket.told = False
            return True
        return False

    def should_tell(self, account: Account) -> bool:
        """True once per stretch of being held back: say so once, not for every message."""
        bucket = self._buckets.get(account)
        if bucket is None or bucket.told:
            return False
        bucket.told = True
        return True

    def _refill(self, account: Account, now: float) -> _Bucket:
        self._since_sweep += 1
        if self._since_sweep >= self._SWEEP_EVERY:
            self._sweep(now)
        bucket = self._buckets.get(account)
        if bucket is None:
            bucket = self._buckets[account] = _Bucket(self._rate.burst, now)
            return bucket
        elapsed = max(0.0, now - bucket.at)
        bucket.tokens = min(self._rate.burst, bucket.tokens + elapsed * self._rate.per_second)
        bucket.at = now
        return bucket

    def _sweep(self, now: float) -> None:
        self._since_sweep = 0
        full_after = self._rate.burst / self._rate.per_second
        self._buckets = {
            account: bucket
            for account, bucket in self._buckets.items()
            if now - bucket.at < full_after
        }
