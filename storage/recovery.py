"""Members' own recovery dates, counted for milestones (opt-in), one row per member.

Read for the member it belongs to (/milestones, /settings, /export) and by the sweep's
indexed "which milestone is due now?"; nothing here lists or counts dates across members.
"""

from datetime import date, datetime

import aiosqlite

from storage.records import RecoveryDate
from storage.timeutil import date_to_db, from_db, maybe_from_db, maybe_to_db, to_db


class RecoveryRepository:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def get(self, member_id: int) -> RecoveryDate | None:
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT since, set_at, celebrated_through, next_at FROM recovery_date "
                "WHERE member_id = ?",
                (member_id,),
            )
        )
        if not rows:
            return None
        row = rows[0]
        return RecoveryDate(
            since=date.fromisoformat(row["since"]),
            set_at=from_db(row["set_at"]),
            celebrated_through=date.fromisoformat(row["celebrated_through"]),
            next_at=maybe_from_db(row["next_at"]),
        )

    async def set(
        self,
        member_id: int,
        since: date,
        *,
        celebrated_through: date,
        next_at: datetime | None,
        now: datetime,
    ) -> None:
        """Count from `since` (in place of any earlier date)."""
        await self._conn.execute(
            "INSERT INTO recovery_date (member_id, since, set_at, celebrated_through, next_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (member_id) DO UPDATE SET "
            "since = excluded.since, set_at = excluded.set_at, "
            "celebrated_through = excluded.celebrated_through, next_at = excluded.next_at",
            (
                member_id,
                date_to_db(since),
                to_db(now),
                date_to_db(celebrated_through),
                maybe_to_db(next_at),
            ),
        )

    async def schedule(
        self, member_id: int, *, celebrated_through: date, next_at: datetime | None
    ) -> None:
        await self._conn.execute(
            "UPDATE recovery_date SET celebrated_through = ?, next_at = ? WHERE member_id = ?",
            (date_to_db(celebrated_through), maybe_to_db(next_at), member_id),
        )

    async def clear(self, member_id: int) -> bool:
        """Forget the member's date; whether there was one."""
        cursor = await self._conn.execute(
            "DELETE FROM recovery_date WHERE member_id = ?", (member_id,)
        )
        return cursor.rowcount == 1

    async def due(self, now: datetime, *, limit: int) -> list[int]:
        """Members with a milestone due now (the `recovery_date_due` index), soonest first."""
        rows = await self._conn.execute_fetchall(
            "SELECT member_id FROM recovery_date WHERE next_at IS NOT NULL AND next_at <= ? "
            "ORDER BY next_at LIMIT ?",
            (to_db(now), limit),
        )
        return [row["member_id"] for row in rows]
