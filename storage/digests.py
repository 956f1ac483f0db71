"""The admins' weekly digest: who asked for it, when it is next due, which week was sent."""

from dataclasses import dataclass
from datetime import date, datetime

import aiosqlite

from storage.timeutil import from_db, maybe_from_db, to_db


@dataclass(frozen=True, slots=True)
class DigestSubscription:
    member_id: int
    turned_on_at: datetime
    next_at: datetime | None
    last_week: date | None  # the admin-local Monday of the last digest sent


def _subscription(row: aiosqlite.Row) -> DigestSubscription:
    return DigestSubscription(
        member_id=row["member_id"],
        turned_on_at=from_db(row["turned_on_at"]),
        next_at=maybe_from_db(row["next_at"]),
        last_week=date.fromisoformat(row["last_week"]) if row["last_week"] else None,
    )


class DigestRepository:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def get(self, member_id: int) -> DigestSubscription | None:
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT member_id, turned_on_at, next_at, last_week FROM admin_digest "
                "WHERE member_id = ?",
                (member_id,),
            )
        )
        return _subscription(rows[0]) if rows else None

    async def turn_on(self, member_id: int, *, now: datetime, next_at: datetime) -> None:
        await self._conn.execute(
            "INSERT INTO admin_digest (member_id, turned_on_at, next_at) VALUES (?, ?, ?) "
            "ON CONFLICT (member_id) DO UPDATE SET next_at = excluded.next_at",
            (member_id, to_db(now), to_db(next_at)),
        )

    async def turn_off(self, member_id: int) -> bool:
        """No more digests; False if none was due. The row (and the week last sent) stays,
        so turning it on again the same week sends no second one."""
        cursor = await self._conn.execute(
            "UPDATE admin_digest SET next_at = NULL WHERE member_id = ? AND next_at IS NOT NULL",
            (member_id,),
        )
        return cursor.rowcount > 0

    async def due(self, now: datetime, *, limit: int) -> list[DigestSubscription]:
        rows = await self._conn.execute_fetchall(
            "SELECT member_id, turned_on_at, next_at, last_week FROM admin_digest "
            "WHERE next_at IS NOT NULL AND next_at <= ? ORDER BY next_at LIMIT ?",
            (to_db(now), limit),
        )
        return [_subscription(row) for row in rows]

    async def claim_week(self, member_id: int, monday: date, next_at: datetime) -> bool:
        """Compare-and-set: True once per admin for the week ending on `monday`."""
        cursor = await self._conn.execute(
            "UPDATE admin_digest SET last_week = ?, next_at = ? WHERE member_id = ? "
            "AND (last_week IS NULL OR last_week < ?)",
            (monday.isoformat(), to_db(next_at), member_id, monday.isoformat()),
        )
        return cursor.rowcount == 1

    async def reschedule(self, member_id: int, next_at: datetime | None) -> None:
        await self._conn.execute(
            "UPDATE admin_digest SET next_at = ? WHERE member_id = ?",
            (to_db(next_at) if next_at else None, member_id),
        )
