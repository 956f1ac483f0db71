"""Broadcasts and their durable queue: one row per recipient, claimed before it is sent.

A recipient row moves `queued → claimed → sent | failed | unreachable | skipped`, or back
to `queued` to wait (quiet hours, a retry); `claimed` is committed before the send
starts, so a row still `claimed` when the process starts again was in flight when it
died, and becomes `unconfirmed`: it may have reached the person, so it is never sent again.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from storage.records import Account
from storage.timeutil import from_db, maybe_from_db, to_db

# Every state a recipient row can be in (`broadcast_recipient.state`).
STATES = (
    "queued", "claimed", "sent", "failed", "unreachable", "skipped", "unconfirmed", "cancelled",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Broadcast:
    id: int
    author_id: int | None
    author: Account | None  # where progress goes, until the final report
    text: str
    photo: bytes | None
    photo_type: str | None
    audience: str  # 'members', 'announcements', 'volunteers', 'admins'
    channel: str | None
    time_critical: bool
    status: str  # 'sending', 'cancelled', 'done'
    created_at: datetime
    ended_at: datetime | None
    reported_at: datetime | None


@dataclass(frozen=True, slots=True)
class NewRecipient:
    member_id: int | None
    account: Account
    state: str  # 'queued', or already settled: 'skipped', 'unreachable'
    not_before: datetime
    deferred: bool = False


@dataclass(frozen=True, slots=True)
class DueRecipient:
    """The next row due on a channel, with what its send must check first."""

    id: int
    broadcast_id: int
    account: Account
    member_id: int | None
    deferred: bool
    attempts: int
    # The member, as they are now (None for an ADMINS account without a member row).
    timezone: str | None
    paused: bool
    unreachable: bool
    announcements: bool


@dataclass(frozen=True, slots=True)
class Candidate:
    """Someone an audience holds, as they are when the broadcast is composed."""

    member_id: int | None
    account: Account
    timezone: str | None
    paused: bool = False
    unreachable: bool = False
    announcements: bool = True


@dataclass(frozen=True, slots=True)
class SentToMember:
    """A broadcast as one recipient's export shows it."""

    broadcast_id: int
    state: str
    not_before: datetime
    deferred: bool


_BROADCAST = (
    "id, author_id, author_channel, author_external_id, text, photo, photo_type, audience, "
    "channel, "
    "time_critical, status, created_at, ended_at, reported_at"
)


def _broadcast(row: Any) -> Broadcast:
    author = (
        Account(row["author_channel"], row["author_external_id"])
        if row["author_channel"] is not None
        else None
    )
    return Broadcast(
        id=row["id"],
        author_id=row["author_id"],
        author=author,
        text=row["text"],
        photo=row["photo"],
        photo_type=row["photo_type"],
        audience=row["audience"],
        channel=row["channel"],
        time_critical=bool(row["time_critical"]),
        status=row["status"],
        created_at=from_db(row["created_at"]),
        ended_at=maybe_from_db(row["ended_at"]),
        reported_at=maybe_from_db(row["reported_at"]),
    )


class BroadcastRepository:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    # -- the broadcast --------------------------------------------------------
    async def create(
        self,
        *,
        author_id: int | None,
        author: Account,
        text: str,
        audience: str,
        channel: str | None,
        time_critical: bool,
        now: datetime,
        photo: bytes | None = None,
        photo_type: str | None = None,
    ) -> int:
        cursor = await self._conn.execute(
            "INSERT INTO broadcast (author_id, author_channel, author_external_id, text, "
            "photo, photo_type, audience, channel, time_critical, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                author_id,
                author.channel,
                author.external_id,
                text,
                photo,
                photo_type,
                audience,
                channel,
                int(time_critical),
                to_db(now),
            ),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def get(self, broadcast_id: int) -> Broadcast | None:
        rows = list(
            await self._conn.execute_fetchall(
                f"SELECT {_BROADCAST} FROM broadcast WHERE id = ?", (broadcast_id,)
            )
        )
        return _broadcast(rows[0]) if rows else None

    async def unreported(self) -> list[Broadcast]:
        """Broadcasts still sending, or ended without their final report yet."""
        rows = await self._conn.execute_fetchall(
            f"SELECT {_BROADCAST} FROM broadcast WHERE reported_at IS NULL ORDER BY id"
        )
        return [_broadcast(row) for row in rows]

    async def cancel(self, broadcast_id: int, now: datetime) -> bool:
        """Stop a broadcast still sending: what has not gone yet never will. False if it
        had already ended."""
        cursor = await self._conn.execute(
            "UPDATE broadcast SET status = 'cancelled', ended_at = ?, text = '', photo = NULL "
            "WHERE id = ? AND status = 'sending'",
            (to_db(now), broadcast_id),
        )
        if cursor.rowcount == 0:
            return False
        await self._conn.execute(
            "UPDATE broadcast_recipient SET state = 'cancelled', deferred = 0 "
            "WHERE broadcast_id = ? AND state = 'queued'",
            (broadcast_id,),
        )
        return True

    async def finish_if_done(self, broadcast_id: int, now: datetime) -> bool:
        """A broadcast none of whose rows waits or is in flight is done; its words are
        cleared. True if it is done now."""
        cursor = await self._conn.execute(
            "UPDATE broadcast SET status = 'done', ended_at = ?, text = '', photo = NULL "
            "WHERE id = ? AND status = 'sending' AND NOT EXISTS (SELECT 1 FROM "
            "broadcast_recipient WHERE broadcast_id = ? AND state IN ('queued', 'claimed'))",
            (to_db(now), broadcast_id, broadcast_id),
        )
        return cursor.rowcount > 0

    async def mark_reported(self, broadcast_id: int, now: datetime) -> None:
        """The final report is on its way: where it went is no longer kept."""
        await self._conn.execute(
            "UPDATE broadcast SET reported_at = ?, author_channel = NULL, "
            "author_external_id = NULL WHERE id = ?",
            (to_db(now), broadcast_id),
        )

    # -- recipients -----------------------------------------------------------
    async def add_recipients(self, broadcast_id: int, rows: Iterable[NewRecipient]) -> None:
        await self._conn.executemany(
            "INSERT OR IGNORE INTO broadcast_recipient (broadcast_id, member_id, channel, "
            "external_id, state, not_before, deferred) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    broadcast_id,
                    row.member_id,
                    row.account.channel,
                    row.account.external_id,
                    row.state,
                    to_db(row.not_before),
                    int(row.deferred),
                )
                for row in rows
            ],
        )

    async def next_due(self, channel: str, now: datetime) -> DueRecipient | None:
        """The row due first on `channel`, of a broadcast still sending."""
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT r.id, r.broadcast_id, r.channel, r.external_id, r.member_id, "
                "r.deferred, r.attempts, m.timezone, m.paused, m.unreachable_at, "
                "m.announcements FROM broadcast_recipient r "
                "JOIN broadcast b ON b.id = r.broadcast_id "
                "LEFT JOIN member m ON m.id = r.member_id "
                "WHERE r.channel = ? AND r.state = 'queued' AND r.not_before <= ? "
                "AND b.status = 'sending' ORDER BY r.not_before, r.id LIMIT 1",
                (channel, to_db(now)),
            )
        )
        if not rows:
            return None
        row = rows[0]
        has_member = row["timezone"] is not None
        return DueRecipient(
            id=row["id"],
            broadcast_id=row["broadcast_id"],
            account=Account(row["channel"], row["external_id"]),
            member_id=row["member_id"],
            deferred=bool(row["deferred"]),
            attempts=row["attempts"],
            timezone=row["timezone"],
            paused=has_member and bool(row["paused"]),
            unreachable=row["unreachable_at"] is not None,
            announcements=not has_member or bool(row["announcements"]),
        )

    async def next_due_at(self, channel: str) -> datetime | None:
        """When the next row waiting on `channel` falls due (quiet hours, a retry)."""
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT min(r.not_before) FROM broadcast_recipient r "
                "JOIN broadcast b ON b.id = r.broadcast_id "
                "WHERE r.channel = ? AND r.state = 'queued' AND b.status = 'sending'",
                (channel,),
            )
        )
        value = rows[0][0] if rows else None
        return from_db(value) if value is not None else None

    async def claim(self, recipient_id: int) -> bool:
        """Take a queued row for sending; False if it is no longer queued (cancelled)."""
        cursor = await self._conn.execute(
            "UPDATE broadcast_recipient SET state = 'claimed', deferred = 0, "
            "attempts = attempts + 1 WHERE id = ? AND state = 'queued'",
            (recipient_id,),
        )
        return cursor.rowcount > 0

    async def settle(self, recipient_id: int, state: str) -> None:
        """What became of a claimed (or due) row: sent, failed, unreachable, skipped."""
        assert state in STATES
        await self._conn.execute(
            "UPDATE broadcast_recipient SET state = ?, deferred = 0 WHERE id = ?",
            (state, recipient_id),
        )

    async def wait_until(self, recipient_id: int, not_before: datetime, *, deferred: bool) -> None:
        """Back in the queue, not before `not_before` (`deferred`: for quiet hours)."""
        await self._conn.execute(
            "UPDATE broadcast_recipient SET state = 'queued', not_before = ?, deferred = ? "
            "WHERE id = ? AND state IN ('queued', 'claimed')",
            (to_db(not_before), int(deferred), recipient_id),
        )

    async def unconfirm_claimed(self) -> int:
        """At start: rows claimed when the process stopped may have been sent. They are
        counted unconfirmed and never sent again."""
        cursor = await self._conn.execute(
            "UPDATE broadcast_recipient SET state = 'unconfirmed' WHERE state = 'claimed'"
        )
        return cursor.rowcount

    async def counts(self, broadcast_id: int) -> dict[str, dict[str, int]]:
        """By channel, how many rows are in each state; a queued row waiting for quiet
        hours to end counts as 'deferred'."""
        rows = await self._conn.execute_fetchall(
            "SELECT channel, CASE WHEN state = 'queued' AND deferred = 1 THEN 'deferred' "
            "ELSE state END AS what, count(*) AS n FROM broadcast_recipient "
            "WHERE broadcast_id = ? GROUP BY channel, what",
            (broadcast_id,),
        )
        found: dict[str, dict[str, int]] = {}
        for row in rows:
            found.setdefault(row["channel"], {})[row["what"]] = row["n"]
        return found

    # -- a person's data ---------------------------------------------------------
    async def sent_to(self, member_id: int) -> list[SentToMember]:
        rows = await self._conn.execute_fetchall(
            "SELECT broadcast_id, state, not_before, deferred FROM broadcast_recipient "
            "WHERE member_id = ? ORDER BY broadcast_id",
            (member_id,),
        )
        return [
            SentToMember(
                row["broadcast_id"],
                row["state"],
                from_db(row["not_before"]),
                bool(row["deferred"]),
            )
            for row in rows
        ]

    async def written_by(self, member_id: int) -> list[Broadcast]:
        rows = await self._conn.execute_fetchall(
            f"SELECT {_BROADCAST} FROM broadcast WHERE author_id = ? ORDER BY id", (member_id,)
        )
        return [_broadcast(row) for row in rows]

    async def forget_author(self, member_id: int) -> None:
        """Before a member's data is deleted: their broadcasts no longer say where they are
        (the author link itself goes with the member row, by the foreign key)."""
        await self._conn.execute(
            "UPDATE broadcast SET author_channel = NULL, author_external_id = NULL "
            "WHERE author_id = ?",
            (member_id,),
        )

    # -- who it reaches -----------------------------------------------------------
    async def candidates(self, audience: str, channel: str | None) -> list[Candidate]:
        """Everyone an audience holds, each by one account (on `channel`, if given):
        'members' and 'announcements' are members who finished signing up, 'volunteers'
        active peer volunteers, 'admins' members granted the role in chat (the ADMINS
        accounts are the caller's to add)."""
        where = {
            "members": "m.onboarded_at IS NOT NULL",
            "announcements": "m.onboarded_at IS NOT NULL",
            "volunteers": "EXISTS (SELECT 1 FROM volunteer v WHERE v.member_id = m.id "
            "AND v.status = 'active' AND v.coordinator = 0)",
            "admins": "m.is_admin = 1",
        }[audience]
        params: tuple[Any, ...] = ()
        if channel is not None:
            where += " AND a.channel = ?"
            params = (channel,)
        rows = await self._conn.execute_fetchall(
            "SELECT m.id, m.timezone, m.paused, m.unreachable_at, m.announcements, a.channel, "
            f"a.external_id FROM member m JOIN account a ON a.member_id = m.id WHERE {where} "
            "ORDER BY m.id, a.channel",
            params,
        )
        found: dict[int, Candidate] = {}
        for row in rows:
            if row["id"] in found:
                continue  # one account each: the first, as engine.run_for_member picks
            found[row["id"]] = Candidate(
                member_id=row["id"],
                account=Account(row["channel"], row["external_id"]),
                timezone=row["timezone"],
                paused=bool(row["paused"]),
                unreachable=row["unreachable_at"] is not None,
                announcements=bool(row["announcements"]),
            )
        return list(found.values())
