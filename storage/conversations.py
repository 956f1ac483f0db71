"""Where each member is in a conversation, so a restart resumes it."""

from datetime import datetime

import aiosqlite

from storage.records import ConversationRow
from storage.timeutil import from_db, to_db


class ConversationRepository:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def load(self, member_id: int) -> ConversationRow | None:
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT member_id, flow, step, data, token, expires_at, updated_at "
                "FROM conversation "
                "WHERE member_id = ?",
                (member_id,),
            )
        )
        if not rows:
            return None
        row = rows[0]
        return ConversationRow(
            member_id=row["member_id"],
            flow=row["flow"],
            step=row["step"],
            data=row["data"],
            token=row["token"],
            expires_at=from_db(row["expires_at"]),
            updated_at=from_db(row["updated_at"]),
        )

    async def save(
        self,
        member_id: int,
        *,
        flow: str,
        step: str,
        data: str,
        token: int,
        expires_at: datetime,
        now: datetime,
    ) -> None:
        await self._conn.execute(
            "INSERT INTO conversation (member_id, flow, step, data, token, expires_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (member_id) DO UPDATE SET "
            "flow = excluded.flow, step = excluded.step, data = excluded.data, "
            "token = excluded.token, expires_at = excluded.expires_at, "
            "updated_at = excluded.updated_at",
            (member_id, flow, step, data, token, to_db(expires_at), to_db(now)),
        )

    async def clear(self, member_id: int) -> None:
        await self._conn.execute("DELETE FROM conversation WHERE member_id = ?", (member_id,))

    async def expire(self, now: datetime) -> int:
        """Drop conversations whose question lapsed; returns how many."""
        cursor = await self._conn.execute(
            "DELETE FROM conversation WHERE expires_at <= ?", (to_db(now),)
        )
        return cursor.rowcount
