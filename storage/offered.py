"""The command buttons each chat was offered last, so typing a button's words can run it.

Only the buttons are kept (command, label, emoji), never the text of the message they
were under.
"""

import json
from collections.abc import Collection
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


def _names(command: str, targets: Collection[str]) -> bool:
    """Whether `command` is one of `targets`, alone or followed by more words."""
    return any(command == t or command.startswith(t + " ") for t in targets)


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

    async def withdraw_everywhere(self, targets: Collection[str]) -> int:
        """Drop, from every chat's offers, each message with a button whose command is
        one of `targets` ("bar 12"), alone or with more words ("removevolunteer 7 confirm").

        For a person who deleted their data: buttons acting on them carry their name.
        Returns how many chats' offers changed.
        """
        if not targets:
            return 0
        rows = await self._conn.execute_fetchall(
            "SELECT DISTINCT o.channel, o.external_id, o.buttons "
            "FROM offered_command o, json_each(o.buttons) m, json_each(m.value) b "
            "WHERE EXISTS (SELECT 1 FROM json_each(?) t WHERE "
            "json_extract(b.value, '$[0]') = t.value "
            "OR substr(json_extract(b.value, '$[0]'), 1, length(t.value) + 1) = t.value || ' ')",
            (json.dumps(sorted(targets)),),
        )
        changed = 0
        for row in rows:
            account = Account(row["channel"], row["external_id"])
            messages = _decode(row["buttons"])
            kept = tuple(m for m in messages if not any(_names(b[0], targets) for b in m))
            if kept == messages:
                continue
            changed += 1
            if not kept:
                await self.forget_account(account)
                continue
            await self._conn.execute(
                "UPDATE offered_command SET buttons = ? WHERE channel = ? AND external_id = ?",
                (_encode(kept), account.channel, account.external_id),
            )
        return changed

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
