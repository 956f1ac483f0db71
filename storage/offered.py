"""The command buttons each chat was offered last, so typing a button's words can run it.

Only the buttons are kept (command, label, emoji), never the text of the message they
were under.
"""

import json
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.records import Account
from storage.timeutil import from_db, to_db

# One button: (command without the slash, label, emoji).
Button = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class OfferedCommands:
    """The buttons of the newest messages with command buttons sent to one chat at once."""

    offered_at: datetime
    # One tuple of buttons per message, in the order they were sent.
    messages: tuple[tuple[Button, ...], ...]


def _encode(messages: tuple[tuple[Button, ...], ...]) -> str:
    return json.dumps([[list(button) for button in message] for message in messages])


def _decode(raw: str) -> tuple[tuple[Button, ...], ...]:
    return tuple(
        tuple((str(b[0]), str(b[1]), str(b[2])) for b in message) for message in json.loads(raw)
    )


class OfferedCommandRepository:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def remember(
        self, account: Account, messages: tuple[tuple[Button, ...], ...], now: datetime
    ) -> None:
        """These messages' buttons replace whatever `account` was offered before."""
        await self._conn.execute(
            "INSERT OR REPLACE INTO offered_command (channel, external_id, offered_at, buttons) "
            "VALUES (?, ?, ?, ?)",
            (account.channel, account.external_id, to_db(now), _encode(messages)),
        )

    async def latest(self, account: Account) -> OfferedCommands | None:
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT offered_at, buttons FROM offered_command "
                "WHERE channel = ? AND external_id = ?",
                (account.channel, account.external_id),
            )
        )
        if not rows:
            return None
        return OfferedCommands(from_db(rows[0]["offered_at"]), _decode(rows[0]["buttons"]))

    async def withdraw(self, account: Account, command: str) -> None:
        """The message offering `command` lost its buttons (it was tapped and answered)."""
        offered = await self.latest(account)
        if offered is None:
            return
        kept = tuple(m for m in offered.messages if all(b[0] != command for b in m))
        if kept == offered.messages:
            return
        if not kept:
            await self.forget_account(account)
            return
        await self._conn.execute(
            "UPDATE offered_command SET buttons = ? WHERE channel = ? AND external_id = ?",
            (_encode(kept), account.channel, account.external_id),
        )

    async def forget_account(self, account: Account) -> None:
        await self._conn.execute(
            "DELETE FROM offered_command WHERE channel = ? AND external_id = ?",
            (account.channel, account.external_id),
        )

    async def prune(self, before: datetime) -> int:
        """Forget offers made at or before `before` (too old to act on); returns how many."""
        cursor = await self._conn.execute(
            "DELETE FROM offered_command WHERE offered_at <= ?", (to_db(before),)
        )
        return cursor.rowcount
