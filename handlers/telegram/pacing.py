"""Pacing: proactive sends are held to Telegram's bulk limit; replies are not.

Telegram asks bots to keep *bulk* messages (to many different chats) near 30 a
second. PTB's AIORateLimiter applies that bucket to every call with a chat id,
replies included, which caps a busy bot at 30 answers a second however fast it
is. Here only work marked proactive (scheduled prompts, re-sends from the outbox)
passes through the bucket; every call keeps the limiter's wait-and-retry on 429.

An admin's broadcast is paced by its own delivery loop (flows/broadcasts/delivery.py), at
the same TELEGRAM_BULK_PER_SECOND, and its sends also pass through this bucket as bulk work,
so a broadcast and the sweep's prompts together stay within the one limit: a 429 would hold
back every call, replies and crisis messages too.

The bucket holds one message and refills 30 times a second, so bulk work is spread
evenly: PTB's default (30 per second) lets a full bucket go at once and then keeps
refilling, which puts close to 60 sends in the first second of a long run.
"""

from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from telegram.constants import FloodLimit
from telegram.ext import AIORateLimiter

_proactive: ContextVar[bool] = ContextVar("hearthside_proactive_send", default=False)


@contextmanager
def proactive() -> Iterator[None]:
    """Sends made inside this block are paced as bulk messages."""
    token = _proactive.set(True)
    try:
        yield
    finally:
        _proactive.reset(token)


class ReplyFriendlyRateLimiter(AIORateLimiter):
    def __init__(
        self, *, max_retries: int = 0, per_second: float = FloodLimit.MESSAGES_PER_SECOND
    ) -> None:
        super().__init__(
            overall_max_rate=1, overall_time_period=1 / per_second, max_retries=max_retries
        )

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat_id = data.get("chat_id")
        is_private_chat = isinstance(chat_id, int) and chat_id > 0
        if is_private_chat and not _proactive.get():
            # Without a chat id the limiter skips its buckets but still retries on 429.
            data = {key: value for key, value in data.items() if key != "chat_id"}
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
