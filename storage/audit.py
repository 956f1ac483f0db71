"""The audit trail's rows: appended, read back newest first, never changed, except that a
member who deletes their data leaves their rows under a pseudonym.

The table's triggers (migrations/0022) refuse any other UPDATE and every DELETE, so no
code path, however it goes wrong, can rewrite what was recorded.
"""

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.timeutil import from_db, to_db

DELETED_PREFIX = "deleted-"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    actor: str  # a member id, "settings" or "deleted-<n>"
    action: str
    target: int | None
    at: datetime


class AuditRepository:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def record(self, actor: str, action: str, target: int | None, now: datetime) -> None:
        await self._conn.execute(
            "INSERT INTO audit_entry (actor, action, target, at) VALUES (?, ?, ?, ?)",
            (actor, action, target, to_db(now)),
        )

    async def latest(
        self,
        *,
        actor: str | None = None,
        action: str | None = None,
        limit: int | None = 20,
    ) -> list[AuditEntry]:
        """Newest first; `action` matches a whole name ("member.bar") or any one of its
        dotted parts ("bar", "member")."""
        where: list[str] = []
        params: list[object] = []
        if actor is not None:
            where.append("actor = ?")
            params.append(actor)
        if action is not None:
            # GLOB, not LIKE: case-sensitive, and "_" is no wildcard (callers pass words).
            where.append("(action = ? OR action GLOB ? OR action GLOB ? OR action GLOB ?)")
            params += [action, f"{action}.*", f"*.{action}", f"*.{action}.*"]
        sql = "SELECT id, actor, action, target, at FROM audit_entry"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        rows = await self._conn.execute_fetchall(sql, params)
        return [
            AuditEntry(
                id=row["id"],
                actor=row["actor"],
                action=row["action"],
                target=row["target"],
                at=from_db(row["at"]),
            )
            for row in rows
        ]

    async def pseudonymise(self, member_id: int) -> str | None:
        """A member deletes their data: their rows as actor now name a pseudonym of their
        own, `deleted-<n>`, the same on every row. Returns it (None: they have no rows)."""
        actor = str(member_id)
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT 1 FROM audit_entry WHERE actor = ? LIMIT 1", (actor,)
            )
        )
        if not rows:
            return None
        numbers = await self._conn.execute_fetchall(
            "SELECT COALESCE(MAX(CAST(substr(actor, ?) AS INTEGER)), 0) AS n FROM audit_entry "
            "WHERE actor GLOB ?",
            (len(DELETED_PREFIX) + 1, f"{DELETED_PREFIX}*"),
        )
        pseudonym = f"{DELETED_PREFIX}{int(next(iter(numbers))['n']) + 1}"
        await self._conn.execute(
            "UPDATE audit_entry SET actor = ? WHERE actor = ?", (pseudonym, actor)
        )
        return pseudonym
