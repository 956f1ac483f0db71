"""Messages to deliver, committed with the change that produced them."""

from collections.abc import Iterable, Sequence
from datetime import datetime

import aiosqlite

from storage.records import Account, OutboxRow
from storage.timeutil import to_db


class OutboxRepository:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def add(self, account: Account, payload: str, now: datetime) -> int:
        cursor = await self._conn.execute(
            "INSERT INTO outbox (channel, external_id, payload, created_at) VALUES (?, ?, ?, ?)",
            (account.channel, account.external_id, payload, to_db(now)),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def newest_id(self) -> int:
        rows = await self._conn.execute_fetchall("SELECT coalesce(max(id), 0) FROM outbox")
        return int(next(iter(rows))[0])

    async def ids_after(self, outbox_id: int) -> list[int]:
        rows = await self._conn.execute_fetchall(
            "SELECT id FROM outbox WHERE id > ?", (outbox_id,)
        )
        return [row["id"] for row in rows]

    async def still_queued(self, ids: Iterable[int]) -> list[int]:
        """Which of these messages are still waiting to be sent."""
        wanted = sorted(ids)
        marks = ",".join("?" * len(wanted))
        rows = await self._conn.execute_fetchall(
            f"SELECT id FROM outbox WHERE id IN ({marks})", tuple(wanted)
        )
        return [row["id"] for row in rows]

    async def pending(
        self, channel: str, *, created_before: datetime, limit: int
    ) -> list[OutboxRow]:
        """Undelivered messages of a channel created before a moment, oldest first."""
        rows = await self._conn.execute_fetchall(
            "SELECT id, channel, external_id, payload, attempts FROM outbox "
            "WHERE channel = ? AND created_at < ? ORDER BY id LIMIT ?",
            (channel, to_db(created_before), limit),
        )
        return [
            OutboxRow(
                id=row["id"],
                channel=row["channel"],
                external_id=row["external_id"],
                payload=row["payload"],
                attempts=row["attempts"],
            )
            for row in rows
        ]

    async def delete(self, ids: Sequence[int]) -> None:
        """Forget delivered messages, in one statement."""
        if ids:
            marks = ",".join("?" * len(ids))
            await self._conn.execute(f"DELETE FROM outbox WHERE id IN ({marks})", tuple(ids))

    async def drop_notice(self, outbox_id: int, account: Account, notice: str) -> bool:
        """Drop a message not yet sent, if row `outbox_id` still is that notice to `account`
        (row ids are reused once rows are gone, so a stale placeholder may name another)."""
        cursor = await self._conn.execute(
            "DELETE FROM outbox WHERE id = ? AND channel = ? AND external_id = ? "
            "AND json_extract(payload, '$.notice') = ?",
            (outbox_id, account.channel, account.external_id, notice),
        )
        return cursor.rowcount == 1

    async def record_attempt(self, outbox_id: int) -> None:
        await self._conn.execute(
            "UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", (outbox_id,)
        )

    async def drop_for_account(self, account: Account) -> None:
        await self._conn.execute(
            "DELETE FROM outbox WHERE channel = ? AND external_id = ?",
            (account.channel, account.external_id),
        )

    async def drop_relayed_from(self, account: Account) -> int:
        """Drop re-sent peer-chat messages from `account` still waiting for someone else:
        their rows name the sender (to tell them if the words are lost), so they go when
        the sender's data does."""
        cursor = await self._conn.execute(
            "DELETE FROM outbox WHERE json_extract(payload, '$.relayed_from[0]') = ? "
            "AND json_extract(payload, '$.relayed_from[1]') = ?",
            (account.channel, account.external_id),
        )
        return cursor.rowcount

    async def give_up(self, max_attempts: int) -> list[str]:
        """Drop messages that failed `max_attempts` times; returns their payloads."""
        rows = await self._conn.execute_fetchall(
            "DELETE FROM outbox WHERE attempts >= ? RETURNING payload", (max_attempts,)
        )
        return [row["payload"] for row in rows]

    async def holding(self, keys: Iterable[str]) -> set[str]:
        """Which of these keys of words held in memory (`held_as`) rows still wait under."""
        wanted = sorted(keys)
        if not wanted:
            return set()
        marks = ",".join("?" * len(wanted))
        rows = await self._conn.execute_fetchall(
            f"SELECT json_extract(payload, '$.held_as') AS held FROM outbox "
            f"WHERE json_extract(payload, '$.held_as') IN ({marks})",
            tuple(wanted),
        )
        return {row["held"] for row in rows}
