"""Daily mood check-ins and weekly connection (UCLA-3) check-ins."""

from datetime import date, datetime
from typing import Any

import aiosqlite

from storage.records import ConnectionCheckin, MoodCheckin
from storage.timeutil import date_to_db, from_db, to_db


def _mood(row: Any) -> MoodCheckin:
    tags = tuple(tag for tag in row["tags"].split(",") if tag)
    return MoodCheckin(
        local_date=date.fromisoformat(row["local_date"]),
        mood=row["mood"],
        tags=tags,
        helped=row["helped"],
        updated_at=from_db(row["updated_at"]),
        created_at=from_db(row["created_at"]),
    )


_CONNECTION_COLUMNS = (
    "local_date, lack_companionship, left_out, isolated, ucla3_total, community_contacts, "
    "created_at"
)


def _connection(row: Any) -> ConnectionCheckin:
    return ConnectionCheckin(
        local_date=date.fromisoformat(row["local_date"]),
        lack_companionship=row["lack_companionship"],
        left_out=row["left_out"],
        isolated=row["isolated"],
        ucla3_total=row["ucla3_total"],
        community_contacts=row["community_contacts"],
        created_at=from_db(row["created_at"]),
    )


class CheckinRepository:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def record_mood(
        self,
        member_id: int,
        *,
        local_date: date,
        mood: int,
        tags: tuple[str, ...],
        helped: str | None,
        now: datetime,
    ) -> bool:
        """Store the day's check-in, replacing an earlier one from the same day.

        Returns True when this is the member's first check-in of that day.
        """
        day = date_to_db(local_date)
        existing = await self._conn.execute_fetchall(
            "SELECT 1 FROM mood_checkin WHERE member_id = ? AND local_date = ?", (member_id, day)
        )
        await self._conn.execute(
            "INSERT INTO mood_checkin (member_id, local_date, mood, tags, helped, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (member_id, local_date) DO UPDATE SET mood = excluded.mood, "
            "tags = excluded.tags, helped = excluded.helped, updated_at = excluded.updated_at",
            (member_id, day, mood, ",".join(tags), helped, to_db(now), to_db(now)),
        )
        return not list(existing)

    async def recent_moods(self, member_id: int, *, limit: int) -> list[MoodCheckin]:
        """The newest `limit` check-ins, newest first."""
        rows = await self._conn.execute_fetchall(
            "SELECT local_date, mood, tags, helped, updated_at, created_at FROM mood_checkin "
            "WHERE member_id = ? ORDER BY local_date DESC LIMIT ?",
            (member_id, limit),
        )
        return [_mood(row) for row in rows]

    async def moods_since(self, member_id: int, since: date | None = None) -> list[MoodCheckin]:
        """Check-ins from the local date `since` on (all of them without), oldest first."""
        rows = await self._conn.execute_fetchall(
            "SELECT local_date, mood, tags, helped, updated_at, created_at FROM mood_checkin "
            "WHERE member_id = ? AND local_date >= ? ORDER BY local_date",
            (member_id, date_to_db(since) if since is not None else ""),
        )
        return [_mood(row) for row in rows]

    async def record_connection(
        self, member_id: int, *, local_date: date, answers: ConnectionCheckin, now: datetime
    ) -> None:
        """Store the week's connection check-in; a second one the same day replaces it."""
        await self._conn.execute(
            "INSERT INTO connection_checkin (member_id, local_date, lack_companionship, "
            "left_out, isolated, ucla3_total, community_contacts, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (member_id, local_date) DO UPDATE SET "
            "lack_companionship = excluded.lack_companionship, left_out = excluded.left_out, "
            "isolated = excluded.isolated, ucla3_total = excluded.ucla3_total, "
            "community_contacts = excluded.community_contacts, created_at = excluded.created_at",
            (
                member_id,
                date_to_db(local_date),
                answers.lack_companionship,
                answers.left_out,
                answers.isolated,
                answers.ucla3_total,
                answers.community_contacts,
                to_db(now),
            ),
        )

    async def recent_connections(self, member_id: int, *, limit: int) -> list[ConnectionCheckin]:
        rows = await self._conn.execute_fetchall(
            f"SELECT {_CONNECTION_COLUMNS} FROM connection_checkin WHERE member_id = ? "
            "ORDER BY local_date DESC LIMIT ?",
            (member_id, limit),
        )
        return [_connection(row) for row in rows]

    async def connections_since(
        self, member_id: int, since: date | None = None
    ) -> list[ConnectionCheckin]:
        """Connection check-ins from the local date `since` on (all without), oldest first."""
        rows = await self._conn.execute_fetchall(
            f"SELECT {_CONNECTION_COLUMNS} FROM connection_checkin "
            "WHERE member_id = ? AND local_date >= ? ORDER BY local_date",
            (member_id, date_to_db(since) if since is not None else ""),
        )
        return [_connection(row) for row in rows]
