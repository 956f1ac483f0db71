"""The inbox of channel updates: kept before a channel confirms it has them, applied once.

A channel that can redeliver (Telegram resends what was not confirmed) writes what it
received here before confirming it, replays at start what was never applied, and marks
applied what it handles without the engine (the engine marks the rest itself, in the
transaction of their effect). An update is named by its source and a key of the source's
own making, as text: Telegram's update id ("1234"), Signal's sender and timestamp
("<ACI>:<timestamp>"). Replay follows the order updates were kept in, never the keys'.
"""

from collections.abc import Sequence

from flows.core.clock import Clock
from storage import Database

# (source, key): one update, e.g. ("telegram", "1234") or ("signal", "<ACI>:<timestamp>").
UpdateKey = tuple[str, str]


class Inbox:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def stage(self, source: str, updates: Sequence[tuple[str, str]]) -> None:
        """Keep received updates (key, payload), in the order received, in one transaction;
        known ones stay as they were."""
        async with self._db.transaction() as tx:
            await tx.inbox.stage(source, updates, self._clock.now())

    async def unapplied(self, source: str) -> list[str]:
        """The payloads of updates kept but never applied, in the order received."""
        async with self._db.transaction() as tx:
            rows = await tx.inbox.unapplied(source)
        return [payload for _key, payload in rows]

    async def mark_applied(self, key: UpdateKey) -> bool:
        """Mark an update handled; False if it already was (a replay: do nothing)."""
        async with self._db.transaction() as tx:
            return await tx.inbox.mark_applied(*key, self._clock.now())
