"""Durable intake: every update is in the inbox table before Telegram is told we have it.

python-telegram-bot confirms the polling offset on the *next* getUpdates call,
right after queueing the previous batch. So updates are staged in memory as
they are queued and written in one transaction just before that next call
(the getUpdates request object flushes them): a crash at any moment leaves each
update either unconfirmed (Telegram sends it again) or in the inbox (replayed
at start). Replays are harmless: the engine skips updates already applied.

What is staged is the update without what handling it never needs: people's names
and usernames, a shared contact's number, and the text of the message replied to
(often a relayed copy of someone else's words).
"""

import asyncio
import json
import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from telegram import Update
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from flows.core.inbox import Inbox, UpdateKey

log = logging.getLogger(__name__)

SOURCE = "telegram"


def update_key(update: Update) -> UpdateKey:
    """The inbox's name for an update: its update id, as text. Telegram numbers updates in
    the order it sends them, and the inbox keeps them in the order they came."""
    return (SOURCE, str(update.update_id))


# Telegram objects that may quote another message: only its ids are needed.
_QUOTING = ("reply_to_message", "pinned_message")
_MESSAGE_IDS = ("message_id", "date", "chat", "from", "message_thread_id")
_DROPPED = ("last_name", "username", "vcard", "quote", "external_reply", "bio")


def without_names(value: Any) -> Any:
    """A copy of an update's JSON keeping what handling or replaying it needs."""
    if isinstance(value, list):
        return [without_names(item) for item in value]
    if not isinstance(value, dict):
        return value
    kept: dict[str, Any] = {}
    for key, item in value.items():
        if key in _DROPPED:
            continue
        if key in _QUOTING and isinstance(item, dict):
            item = {k: v for k, v in item.items() if k in _MESSAGE_IDS}
        kept[key] = without_names(item)
    # Users, chats and contacts: the field stays (a User must have one), the name goes.
    for key in ("first_name", "phone_number"):
        if key in kept:
            kept[key] = ""
    return kept


class StagedInbox:
    """Updates queued since the last getUpdates call, written to the inbox before the next.

    Only the staging in memory and the timing are Telegram's; what is kept, replayed and
    marked applied is the flows' inbox (flows/core/inbox.py), so no transaction opens here.
    """

    def __init__(self, inbox: Inbox) -> None:
        self._inbox = inbox
        self._staged: list[tuple[str, str]] = []

    def stage(self, update: Update) -> None:
        payload = without_names(update.to_dict())
        self._staged.append((update_key(update)[1], json.dumps(payload, ensure_ascii=False)))

    async def flush(self) -> None:
        if not self._staged:
            return
        batch, self._staged = self._staged, []
        try:
            await self._inbox.stage(SOURCE, batch)
        except BaseException:
            self._staged = batch + self._staged
            raise

    async def unapplied(self, bot: ExtBot[Any]) -> list[Update]:
        payloads = await self._inbox.unapplied(SOURCE)
        return [Update.de_json(json.loads(payload), bot) for payload in payloads]


class DurableUpdateQueue(asyncio.Queue[object]):
    """PTB's update queue, staging each update for the inbox as it is queued."""

    def __init__(self, inbox: StagedInbox) -> None:
        super().__init__()
        self._inbox = inbox

    async def put(self, item: object) -> None:
        if isinstance(item, Update):
            self._inbox.stage(item)
        await super().put(item)


# What Telegram answers a token it does not (or no longer) know; PTB raises InvalidToken.
TOKEN_REFUSED = frozenset({HTTPStatus.UNAUTHORIZED, HTTPStatus.NOT_FOUND})


class InboxFlushingRequest(HTTPXRequest):
    """The getUpdates transport: writes staged updates before the offset is confirmed,
    and tells `on_token_refused` when Telegram refuses the token."""

    __slots__ = ("_inbox", "_on_token_refused")

    def __init__(
        self,
        inbox: StagedInbox,
        *,
        on_token_refused: Callable[[], None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._inbox = inbox
        self._on_token_refused = on_token_refused

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        await self._inbox.flush()
        code, payload = await super().do_request(*args, **kwargs)
        # PTB's polling stops for good on this, and says nothing to the application.
        if code in TOKEN_REFUSED and self._on_token_refused is not None:
            self._on_token_refused()
        return code, payload
