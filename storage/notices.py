"""Messages already sent that matter later: notices to edit, relayed copies to reply to."""

from collections.abc import Sequence
from datetime import datetime

import aiosqlite

from storage.records import Account
from storage.timeutil import to_db


class NoticeRepository:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def record(self, account: Account, message_ref: str, notice: str, now: datetime) -> None:
        await self._conn.execute(
            "INSERT OR REPLACE INTO sent_message (channel, external_id, message_ref, notice, "
            "sent_at) VALUES (?, ?, ?, ?, ?)",
            (account.channel, account.external_id, message_ref, notice, to_db(now)),
        )

    async def sent(
        self, account: Account, pending: str, message_ref: str, parts: Sequence[str] = ()
    ) -> None:
        """A notice left the outbox: its placeholder becomes the channel's message id.

        `parts`: the ids of the pieces a message went in (`message_ref` names them all),
        each recorded under the same notice so a reply to any of them finds it.
        """
        await self._conn.execute(
            "UPDATE OR REPLACE sent_message SET message_ref = ? "
            "WHERE channel = ? AND external_id = ? AND message_ref = ?",
            (message_ref, account.channel, account.external_id, pending),
        )
        await self._conn.executemany(
            "INSERT OR REPLACE INTO sent_message (channel, external_id, message_ref, notice, "
            "sent_at, part_of) SELECT channel, external_id, ?, notice, sent_at, message_ref "
            "FROM sent_message WHERE channel = ? AND external_id = ? AND message_ref = ?",
            [
                (part, account.channel, account.external_id, message_ref)
                for part in parts
                if part != message_ref
            ],
        )

    async def refs(self, account: Account, notice: str) -> list[str]:
        """The messages sent to `account` under `notice`, oldest first (not those unsent;
        a message sent in pieces once, by the ref that names them all)."""
        rows = await self._conn.execute_fetchall(
            "SELECT message_ref FROM sent_message WHERE channel = ? AND external_id = ? "
            "AND notice = ? AND message_ref NOT LIKE 'outbox:%' AND part_of IS NULL "
            "ORDER BY sent_at",
            (account.channel, account.external_id, notice),
        )
        return [row["message_ref"] for row in rows]

    async def recipients(self, notice: str) -> list[Account]:
        rows = await self._conn.execute_fetchall(
            "SELECT DISTINCT channel, external_id FROM sent_message WHERE notice = ?", (notice,)
        )
        return [Account(row["channel"], row["external_id"]) for row in rows]

    async def notice_of(self, account: Account, message_ref: str) -> str | None:
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT notice FROM sent_message WHERE channel = ? AND external_id = ? "
                "AND message_ref = ?",
                (account.channel, account.external_id, message_ref),
            )
        )
        return str(rows[0]["notice"]) if rows else None

    async def recorded(
        self, notice: str, *, prefix: bool = False
    ) -> list[tuple[Account, str, str]]:
        """(recipient, message ref, notice) of every message recorded under `notice` (with
        `prefix`: under any notice that starts with it). Unsent ones have placeholder refs;
        a message sent in pieces is there once, by the ref that names them all."""
        params: tuple[str, ...] = (notice,)
        condition = "notice = ?"
        if prefix:
            # A range, so the notice index serves it: every notice that starts so.
            params, condition = (notice, notice + "\U0010ffff"), "notice >= ? AND notice < ?"
        rows = await self._conn.execute_fetchall(
            f"SELECT channel, external_id, message_ref, notice FROM sent_message "
            f"WHERE {condition} AND part_of IS NULL ORDER BY sent_at",
            params,
        )
        return [
            (Account(row["channel"], row["external_id"]), row["message_ref"], row["notice"])
            for row in rows
        ]

    async def forget_message(self, account: Account, message_ref: str) -> None:
        """A message (with its pieces, if it went in several)."""
        await self._conn.execute(
            "DELETE FROM sent_message WHERE channel = ? AND external_id = ? "
            "AND (message_ref = ? OR part_of = ?)",
            (account.channel, account.external_id, message_ref, message_ref),
        )

    async def forget_sent(self, account: Account, notice: str) -> None:
        """The messages sent to `account` under `notice` (withdrawn: nothing more to do)."""
        await self._conn.execute(
            "DELETE FROM sent_message WHERE channel = ? AND external_id = ? AND notice = ?",
            (account.channel, account.external_id, notice),
        )

    async def forget_account(self, account: Account) -> None:
        """Everything recorded about messages sent to `account` (they deleted their data)."""
        await self._conn.execute(
            "DELETE FROM sent_message WHERE channel = ? AND external_id = ?",
            (account.channel, account.external_id),
        )

    async def prune(self, before: datetime) -> None:
        await self._conn.execute("DELETE FROM sent_message WHERE sent_at < ?", (to_db(before),))
