"""The durable inbox: channel updates recorded before they are acknowledged.

An update is staged (INSERT OR IGNORE) before the channel is told we have it,
and marked applied inside the transaction of the change it causes, so a crash
at any point leads to a replay that changes nothing twice. An update is named by its
source and a key of the source's own making (text: Telegram's update id, Signal's sender
and timestamp); replay follows the order updates were received in, never the keys' order.
"""

from collections.abc import Iterable
from datetime import datetime

import aiosqlite

from storage.timeutil import to_db


class InboxRepository:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def stage(self, source: str, updates: Iterable[tuple[str, str]], now: datetime) -> None:
        """Record received updates (key, payload), in the order given; ones already known
        (even applied) are left alone."""
        received = to_db(now)
        await self._conn.executemany(
            "INSERT OR IGNORE INTO inbox (source, update_key, payload, received_at) "
            "VALUES (?, ?, ?, ?)",
            [(source, key, payload, received) for key, payload in updates],
        )

    async def mark_applied(self, source: str, key: str, now: datetime) -> bool:
        """Mark applied and drop the raw update (it may hold a member's words).

        Returns False, changing nothing, if it was applied before: checking and
        marking in one statement saves a round trip on every update.
        """
        stamp = to_db(now)
        cursor = await self._conn.execute(
            "INSERT INTO inbox (source, update_key, payload, received_at, applied_at) "
            "VALUES (?, ?, NULL, ?, ?) ON CONFLICT (source, update_key) "
            "DO UPDATE SET applied_at = excluded.applied_at, payload = NULL "
            "WHERE inbox.applied_at IS NULL",
            (source, key, stamp, stamp),
        )
        return cursor.rowcount == 1

    async def is_applied(self, source: str, key: str) -> bool:
        rows = await self._conn.execute_fetchall(
            "SELECT 1 FROM inbox WHERE source = ? AND update_key = ? AND applied_at IS NOT NULL",
            (source, key),
        )
        return bool(rows)

    async def unapplied(self, source: str) -> list[tuple[str, str]]:
        """Staged updates never applied, in the order received, for replay at start."""
        rows = await self._conn.execute_fetchall(
            "SELECT update_key, payload FROM inbox "
            "WHERE source = ? AND applied_at IS NULL AND payload IS NOT NULL ORDER BY id",
            (source,),
        )
        return [(row["update_key"], row["payload"]) for row in rows]

    async def prune(self, applied_before: datetime) -> int:
        cursor = await self._conn.execute(
            "DELETE FROM inbox WHERE applied_at IS NOT NULL AND applied_at < ?",
            (to_db(applied_before),),
        )
        return cursor.rowcount
