"""Concurrency across chats, strict order within one.

PTB's plain `concurrent_updates` can reorder one member's updates (a tap
overtaking the text before it); sequential processing caps the bot at one
Telegram round trip per update. This processor holds a lock per chat: updates
of different chats run side by side, up to `max_concurrent_updates`.
"""

import asyncio
from collections.abc import Awaitable, Hashable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from handlers.ordering import KeyedLocks


def chat_key(update: object) -> Hashable:
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
        return ("update", update.update_id)
    return ("object", id(update))


class PerChatUpdateProcessor(BaseUpdateProcessor):
    # PTB's own semaphore is taken before our chat lock, so a member who sends many
    # messages at once would hold several slots while queueing behind themselves.
    # It is therefore left wide open and the real bound is applied inside the lock.
    _UNBOUNDED = 10_000

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(self._UNBOUNDED)
        self.locks = KeyedLocks()
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self.limit = max_concurrent_updates

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        async with self.locks.hold(chat_key(update)), self._slots:
            await coroutine

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
