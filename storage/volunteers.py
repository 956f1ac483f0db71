"""Volunteers: one-time invites, profiles, on-call status and weekly shifts."""

import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from storage.records import Invite, OpenInvite, Shift, Volunteer
from storage.states import Role, VolunteerStatus
from storage.timeutil import from_db, maybe_from_db, to_db

_COLUMNS = (
    "v.member_id, v.display_name, v.topics, v.capacity, v.status, v.on_call, "
    "v.on_call_by_shift, v.shift_started, v.shift_reminded, v.current_handoff, v.joined_at, "
    "v.removed_at, v.coordinator, "
    "(SELECT count(*) FROM handoff h WHERE h.volunteer_id = v.member_id "
    "AND h.status = 'active') AS active_chats"
)


def _volunteer(row: Any) -> Volunteer:
    return Volunteer(
        member_id=row["member_id"],
        display_name=row["display_name"],
        topics=tuple(t for t in row["topics"].split(",") if t),
        capacity=row["capacity"],
        status=VolunteerStatus(row["status"]),
        on_call=bool(row["on_call"]),
        on_call_by_shift=bool(row["on_call_by_shift"]),
        shift_started=maybe_from_db(row["shift_started"]),
        shift_reminded=maybe_from_db(row["shift_reminded"]),
        current_handoff=row["current_handoff"],
        joined_at=from_db(row["joined_at"]),
        active_chats=row["active_chats"],
        removed_at=maybe_from_db(row["removed_at"]),
        coordinator=bool(row["coordinator"]),
    )


def invite_digest(code: str) -> str:
    """What is stored of an invite code: its SHA-256. The codes are long and random
    (flows/peer/volunteers.py), so a digest gives nothing to guess from."""
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


class VolunteerRepository:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    # -- invites -------------------------------------------------------------
    async def create_invite(
        self, code: str, *, role: Role, now: datetime, expires_at: datetime
    ) -> int:
        """Keep a new code (only its digest is stored, never the code); returns its id."""
        digest = invite_digest(code)
        await self._conn.execute(
            "INSERT INTO invite (digest, role, created_at, expires_at) VALUES (?, ?, ?, ?)",
            (digest, role, to_db(now), to_db(expires_at)),
        )
        # Numbered by a trigger (migrations/0008), not by the row id.
        rows = await self._conn.execute_fetchall(
            "SELECT id FROM invite WHERE digest = ?", (digest,)
        )
        return int(next(iter(rows))["id"])

    async def find_invite(self, code: str) -> Invite | None:
        digest = invite_digest(code)
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT digest, role, expires_at, used_at FROM invite WHERE digest = ?",
                (digest,),
            )
        )
        # The lookup matched; the comparison again, in constant time, is the one relied on.
        if not rows or not hmac.compare_digest(rows[0]["digest"], digest):
            return None
        row = rows[0]
        return Invite(
            digest=row["digest"],
            role=Role(row["role"]),
            expires_at=from_db(row["expires_at"]),
            used_at=maybe_from_db(row["used_at"]),
        )

    async def redeem_invite(self, digest: str, member_id: int, now: datetime) -> int | None:
        """Use an invite (by `Invite.digest`) once: its id only for the first redeemer of an
        unexpired one, else None."""
        rows = list(
            await self._conn.execute_fetchall(
                "UPDATE invite SET used_at = ?, used_by = ? "
                "WHERE digest = ? AND used_at IS NULL AND expires_at > ? RETURNING id",
                (to_db(now), member_id, digest, to_db(now)),
            )
        )
        return int(rows[0]["id"]) if rows else None

    # -- profiles ------------------------------------------------------------
    async def add(
        self,
        member_id: int,
        *,
        display_name: str,
        topics: Sequence[str],
        capacity: int,
        now: datetime,
    ) -> None:
        """A peer volunteer's profile; an admin's coordinator row becomes a peer's."""
        await self._conn.execute(
            # A suspended or removed volunteer stays so: only an admin reinstates.
            "INSERT INTO volunteer (member_id, display_name, topics, capacity, joined_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (member_id) DO UPDATE SET "
            "display_name = excluded.display_name, topics = excluded.topics, "
            "capacity = excluded.capacity, coordinator = 0",
            (member_id, display_name, ",".join(topics), capacity, to_db(now)),
        )

    async def add_coordinator(
        self, member_id: int, *, display_name: str, capacity: int, now: datetime
    ) -> None:
        """An admin's row for answering members as a coordinator, unless they have a
        profile already (a peer's is never overwritten)."""
        await self._conn.execute(
            "INSERT INTO volunteer (member_id, display_name, capacity, joined_at, coordinator) "
            "VALUES (?, ?, ?, ?, 1) ON CONFLICT (member_id) DO NOTHING",
            (member_id, display_name, capacity, to_db(now)),
        )

    async def update_profile(
        self,
        member_id: int,
        *,
        display_name: str | None = None,
        topics: Sequence[str] | None = None,
        capacity: int | None = None,
    ) -> None:
        """Change the parts of a peer's profile given; the others stay."""
        columns: dict[str, object] = {}
        if display_name is not None:
            columns["display_name"] = display_name
        if topics is not None:
            columns["topics"] = ",".join(topics)
        if capacity is not None:
            columns["capacity"] = capacity
        if columns:
            await self._set(member_id, **columns)

    async def get(self, member_id: int) -> Volunteer | None:
        rows = list(
            await self._conn.execute_fetchall(
                f"SELECT {_COLUMNS} FROM volunteer v WHERE v.member_id = ?", (member_id,)
            )
        )
        return _volunteer(rows[0]) if rows else None

    async def all(self) -> list[Volunteer]:
        """Every peer volunteer, whatever their status; admins' coordinator rows are not."""
        rows = await self._conn.execute_fetchall(
            f"SELECT {_COLUMNS} FROM volunteer v WHERE v.coordinator = 0 "
            "ORDER BY v.display_name COLLATE NOCASE"
        )
        return [_volunteer(row) for row in rows]

    async def on_call_with_room(self) -> list[Volunteer]:
        """Active volunteers on call who can take another chat."""
        rows = await self._conn.execute_fetchall(
            f"SELECT {_COLUMNS} FROM volunteer v "
            "WHERE v.on_call = 1 AND v.status = 'active' AND v.coordinator = 0"
        )
        return [v for v in map(_volunteer, rows) if v.has_room]

    async def on_call_count(self) -> int:
        rows = await self._conn.execute_fetchall(
            "SELECT count(*) FROM volunteer "
            "WHERE on_call = 1 AND status = 'active' AND coordinator = 0"
        )
        return int(next(iter(rows))[0])

    async def _set(self, member_id: int, **columns: object) -> None:
        assignments = ", ".join(f"{name} = ?" for name in columns)
        await self._conn.execute(
            f"UPDATE volunteer SET {assignments} WHERE member_id = ?",
            (*columns.values(), member_id),
        )

    async def set_on_call(self, member_id: int, on_call: bool, *, by_shift: bool = False) -> None:
        await self._set(
            member_id, on_call=int(on_call), on_call_by_shift=int(by_shift and on_call)
        )

    async def mark_shift_started(self, member_id: int, start: datetime) -> None:
        await self._set(member_id, shift_started=to_db(start))

    async def mark_shift_reminded(self, member_id: int, start: datetime) -> None:
        await self._set(member_id, shift_reminded=to_db(start))

    async def set_status(self, member_id: int, status: VolunteerStatus) -> None:
        if status is VolunteerStatus.SUSPENDED:
            await self._set(member_id, status=status, on_call=0, on_call_by_shift=0)
        else:
            await self._set(member_id, status=status, removed_at=None)

    async def set_current_handoff(self, member_id: int, handoff_id: int | None) -> None:
        await self._set(member_id, current_handoff=handoff_id)

    async def delete(self, member_id: int) -> None:
        """Drop a profile outright: an admin's team profile, which goes with the role."""
        await self._conn.execute("DELETE FROM volunteer WHERE member_id = ?", (member_id,))

    async def remove(self, member_id: int, now: datetime) -> None:
        """Off the rota for good: shifts deleted, the row kept as removed (see the migration)."""
        await self._set(
            member_id,
            status=VolunteerStatus.SUSPENDED,
            on_call=0,
            on_call_by_shift=0,
            current_handoff=None,
            removed_at=to_db(now),
        )
        await self._conn.execute("DELETE FROM shift WHERE volunteer_id = ?", (member_id,))

    # -- shifts --------------------------------------------------------------
    async def add_shift(self, member_id: int, *, weekday: int, starts: str, ends: str) -> int:
        cursor = await self._conn.execute(
            "INSERT INTO shift (volunteer_id, weekday, starts, ends) VALUES (?, ?, ?, ?)",
            (member_id, weekday, starts, ends),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def remove_shift(self, member_id: int, shift_id: int) -> bool:
        cursor = await self._conn.execute(
            "DELETE FROM shift WHERE id = ? AND volunteer_id = ?", (shift_id, member_id)
        )
        return cursor.rowcount == 1

    async def shifts_of(self, member_id: int) -> list[Shift]:
        rows = await self._conn.execute_fetchall(
            "SELECT id, volunteer_id, weekday, starts, ends FROM shift "
            "WHERE volunteer_id = ? ORDER BY weekday, starts",
            (member_id,),
        )
        return [Shift(*tuple(row)) for row in rows]

    async def all_shifts(self) -> list[tuple[Shift, str]]:
        """Every active volunteer's shifts, with the volunteer's time zone."""
        rows = await self._conn.execute_fetchall(
            # CROSS JOIN keeps SQLite's order: shifts first. Left to choose, the planner
            # scanned all members when ANALYZE had seen few shifts (12 ms at 100k members).
            "SELECT s.id, s.volunteer_id, s.weekday, s.starts, s.ends, m.timezone FROM shift s "
            "CROSS JOIN volunteer v ON v.member_id = s.volunteer_id "
            "CROSS JOIN member m ON m.id = s.volunteer_id WHERE v.status = 'active'"
        )
        return [(Shift(*tuple(row)[:5]), row["timezone"]) for row in rows]

    # -- open invites, for admins (by id: the code is never read back) -------------
    async def open_invites(self, now: datetime) -> list[OpenInvite]:
        """Invites not yet used and not expired, oldest first."""
        rows = await self._conn.execute_fetchall(
            "SELECT id, role, created_at, expires_at FROM invite "
            "WHERE used_at IS NULL AND expires_at > ? ORDER BY id",
            (to_db(now),),
        )
        return [_open_invite(row) for row in rows]

    async def open_invite(self, invite_id: int, now: datetime) -> OpenInvite | None:
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT id, role, created_at, expires_at FROM invite "
                "WHERE id = ? AND used_at IS NULL AND expires_at > ?",
                (invite_id, to_db(now)),
            )
        )
        return _open_invite(rows[0]) if rows else None

    async def revoke_invite(self, invite_id: int, now: datetime) -> bool:
        """End an open invite now: its code is then refused as expired. True if it was open.

        The row stays (as used and expired ones do), so its id is never handed out again.
        """
        cursor = await self._conn.execute(
            "UPDATE invite SET expires_at = ? WHERE id = ? AND used_at IS NULL AND expires_at > ?",
            (to_db(now), invite_id, to_db(now)),
        )
        return cursor.rowcount == 1


def _open_invite(row: Any) -> OpenInvite:
    return OpenInvite(
        id=row["id"],
        role=Role(row["role"]),
        created_at=from_db(row["created_at"]),
        expires_at=from_db(row["expires_at"]),
    )
