"""Deleting what is kept only for a while (RETENTION_DAYS_*), a bounded batch at a time.

Each call deletes at most `limit` rows older than its cut-off and says how many it
deleted, so a first run over years of rows is spread over sweeps instead of holding the
database in one long transaction.
"""

from datetime import datetime

import aiosqlite

from storage.timeutil import to_db


class RetentionRepository:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def _delete(self, sql: str, *params: object) -> int:
        cursor = await self._conn.execute(sql, params)
        return cursor.rowcount

    async def delete_checkins(self, before: datetime, *, limit: int) -> int:
        """Mood and connection check-ins made before `before`."""
        moods = await self._delete(
            "DELETE FROM mood_checkin WHERE id IN "
            "(SELECT id FROM mood_checkin WHERE created_at < ? LIMIT ?)",
            to_db(before),
            limit,
        )
        connections = await self._delete(
            "DELETE FROM connection_checkin WHERE id IN "
            "(SELECT id FROM connection_checkin WHERE created_at < ? LIMIT ?)",
            to_db(before),
            limit,
        )
        return moods + connections

    async def delete_safety_events(self, before: datetime, *, limit: int) -> int:
        """What the safety check recorded (tiers and rule ids, never words) before `before`."""
        return await self._delete(
            "DELETE FROM safety_event WHERE id IN "
            "(SELECT id FROM safety_event WHERE at < ? LIMIT ?)",
            to_db(before),
            limit,
        )

    async def delete_chats(self, before: datetime, *, limit: int) -> int:
        """Closed requests and chats (their metadata, ratings and feedback) requested
        before `before`, with their reports; open ones are never touched."""
        old = (
            "SELECT id FROM handoff WHERE status IN ('ended', 'cancelled') "
            "AND requested_at < ? LIMIT ?"
        )
        await self._conn.execute(
            f"DELETE FROM peer_report WHERE handoff_id IN ({old})", (to_db(before), limit)
        )
        return await self._delete(f"DELETE FROM handoff WHERE id IN ({old})", to_db(before), limit)

    async def delete_invites(self, before: datetime) -> int:
        """Invites used or expired before `before`. The newest invite stays, whatever it
        is: invites are numbered from the highest id, and a number once shown (in /invites,
        in the admins' records) is never given to another invite."""
        return await self._delete(
            "DELETE FROM invite WHERE (used_at < ? OR (used_at IS NULL AND expires_at < ?)) "
            "AND id < (SELECT max(id) FROM invite)",
            to_db(before),
            to_db(before),
        )
