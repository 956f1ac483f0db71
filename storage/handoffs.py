"""The handoff queue: requests to talk to a peer, claimed atomically, and their metadata."""

import secrets
from datetime import datetime
from typing import Any

import aiosqlite

from storage.records import Handoff, IdleChat, WaitingWords
from storage.states import ChatSide, EndReason, HandoffStatus, Priority
from storage.timeutil import from_db, maybe_from_db, to_db

_COLUMNS = (
    "id, member_id, volunteer_id, member_alias, priority, topic, status, requested_at, "
    "accepted_at, ended_at, escalations, escalate_at, held_for_shift, rating, ref, share_mood"
)


def _handoff(row: Any) -> Handoff:
    return Handoff(
        id=row["id"],
        member_id=row["member_id"],
        volunteer_id=row["volunteer_id"],
        member_alias=row["member_alias"],
        priority=Priority(row["priority"]),
        topic=row["topic"],
        status=HandoffStatus(row["status"]),
        requested_at=from_db(row["requested_at"]),
        accepted_at=maybe_from_db(row["accepted_at"]),
        ended_at=maybe_from_db(row["ended_at"]),
        escalations=row["escalations"],
        escalate_at=maybe_from_db(row["escalate_at"]),
        held_for_shift=bool(row["held_for_shift"]),
        rating=row["rating"],
        ref=row["ref"] or str(row["id"]),
        share_mood=bool(row["share_mood"]),
    )


class HandoffRepository:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def _many(self, sql: str, params: tuple[Any, ...] = ()) -> list[Handoff]:
        return [_handoff(row) for row in await self._conn.execute_fetchall(sql, params)]

    async def request(
        self,
        member_id: int,
        *,
        alias: str,
        priority: Priority,
        topic: str | None,
        now: datetime,
        escalate_at: datetime | None,
        share_mood: bool = False,
    ) -> int:
        cursor = await self._conn.execute(
            "INSERT INTO handoff (member_id, member_alias, priority, topic, status, "
            "requested_at, escalate_at, ref, share_mood) "
            "VALUES (?, ?, ?, ?, 'waiting', ?, ?, ?, ?)",
            (
                member_id,
                alias,
                priority,
                topic,
                to_db(now),
                to_db(escalate_at) if escalate_at else None,
                # Unguessable: people are shown this, never the row id (a counter).
                secrets.token_hex(5),
                int(share_mood),
            ),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def get(self, handoff_id: int) -> Handoff | None:
        found = await self._many(f"SELECT {_COLUMNS} FROM handoff WHERE id = ?", (handoff_id,))
        return found[0] if found else None

    async def by_ref(self, ref: str) -> Handoff | None:
        found = await self._many(f"SELECT {_COLUMNS} FROM handoff WHERE ref = ?", (ref,))
        return found[0] if found else None

    async def open_for_member(self, member_id: int) -> Handoff | None:
        found = await self._many(
            f"SELECT {_COLUMNS} FROM handoff WHERE member_id = ? "
            "AND status IN ('waiting', 'active')",
            (member_id,),
        )
        return found[0] if found else None

    async def in_active_chat(self, person_id: int) -> bool:
        """Whether the person is in an active chat, as its member or its volunteer."""
        rows = await self._conn.execute_fetchall(
            "SELECT EXISTS (SELECT 1 FROM handoff WHERE status = 'active' AND member_id = ?) "
            "OR EXISTS (SELECT 1 FROM handoff WHERE status = 'active' AND volunteer_id = ?)",
            (person_id, person_id),
        )
        return bool(next(iter(rows))[0])

    async def active_for_volunteer(self, volunteer_id: int) -> list[Handoff]:
        return await self._many(
            f"SELECT {_COLUMNS} FROM handoff WHERE volunteer_id = ? AND status = 'active' "
            "ORDER BY accepted_at",
            (volunteer_id,),
        )

    async def latest_for_member(self, member_id: int) -> Handoff | None:
        found = await self._many(
            f"SELECT {_COLUMNS} FROM handoff WHERE member_id = ? ORDER BY id DESC LIMIT 1",
            (member_id,),
        )
        return found[0] if found else None

    async def latest_for_volunteer(self, volunteer_id: int) -> Handoff | None:
        found = await self._many(
            f"SELECT {_COLUMNS} FROM handoff WHERE volunteer_id = ? ORDER BY id DESC LIMIT 1",
            (volunteer_id,),
        )
        return found[0] if found else None

    async def accepted_since(self, person_id: int, since: datetime) -> list[datetime]:
        """When each peer chat the person had, on either side, began (a peer accepted it),
        from `since` on, oldest first."""
        rows = await self._conn.execute_fetchall(
            "SELECT accepted_at FROM handoff WHERE member_id = ? AND accepted_at >= ? "
            "UNION ALL SELECT accepted_at FROM handoff WHERE volunteer_id = ? "
            "AND accepted_at >= ? ORDER BY accepted_at",
            (person_id, to_db(since), person_id, to_db(since)),
        )
        return [from_db(row["accepted_at"]) for row in rows]

    async def anonymise_member(self, member_id: int, now: datetime) -> None:
        """Before a member is deleted: keep only anonymous metadata of their chats, and
        leave none of them open (a request nobody can answer, a chat with nobody)."""
        await self._conn.execute(
            "UPDATE handoff SET status = CASE status WHEN 'waiting' THEN 'cancelled' "
            "ELSE 'ended' END, end_reason = 'deleted', ended_at = ?, escalate_at = NULL "
            "WHERE (member_id = ? OR volunteer_id = ?) AND status IN ('waiting', 'active')",
            (to_db(now), member_id, member_id),
        )
        await self._conn.execute(
            "UPDATE handoff SET member_alias = 'a former member', feedback = NULL "
            "WHERE member_id = ?",
            (member_id,),
        )
        await self._conn.execute(
            "DELETE FROM waiting_words WHERE handoff_id IN "
            "(SELECT id FROM handoff WHERE member_id = ?)",
            (member_id,),
        )
        # Words in reports of their chats, from either side, are about or by them.
        await self._conn.execute(
            "UPDATE peer_report SET words = NULL WHERE words IS NOT NULL AND handoff_id IN "
            "(SELECT id FROM handoff WHERE member_id = ? OR volunteer_id = ?)",
            (member_id, member_id),
        )

    async def waiting(self, *, limit: int = 50) -> list[Handoff]:
        """The queue: most urgent first, then first come, first served."""
        return await self._many(
            f"SELECT {_COLUMNS} FROM handoff WHERE status = 'waiting' "
            "ORDER BY priority, requested_at LIMIT ?",
            (limit,),
        )

    async def claim(self, handoff_id: int, volunteer_id: int, now: datetime) -> bool:
        """Atomic compare-and-set: True for exactly one claimant of a waiting request."""
        cursor = await self._conn.execute(
            "UPDATE handoff SET status = 'active', volunteer_id = ?, accepted_at = ?, "
            "escalate_at = NULL, held_for_shift = 0 WHERE id = ? AND status = 'waiting'",
            (volunteer_id, to_db(now), handoff_id),
        )
        return cursor.rowcount == 1

    async def record_relayed(self, handoff_id: int, now: datetime) -> None:
        """A message was relayed in an active chat (either way): it is not idle, and any
        warning that it would be wrapped up no longer holds."""
        await self._conn.execute(
            "UPDATE handoff SET last_relayed_at = ?, idle_warned_at = NULL "
            "WHERE id = ? AND status = 'active'",
            (to_db(now), handoff_id),
        )

    async def idle_chats(self, quiet_since: datetime, *, limit: int) -> list[IdleChat]:
        """Active chats with nothing relayed (nor accepted) since `quiet_since`, the
        longest quiet first."""
        rows = await self._conn.execute_fetchall(
            f"SELECT {_COLUMNS}, coalesce(last_relayed_at, accepted_at) AS quiet_from, "
            "idle_warned_at FROM handoff WHERE status = 'active' "
            "AND coalesce(last_relayed_at, accepted_at) <= ? "
            "ORDER BY coalesce(last_relayed_at, accepted_at) LIMIT ?",
            (to_db(quiet_since), limit),
        )
        return [
            IdleChat(
                handoff=_handoff(row),
                quiet_from=from_db(row["quiet_from"]),
                warned_at=maybe_from_db(row["idle_warned_at"]),
            )
            for row in rows
        ]

    async def warn_idle(self, handoff_id: int, quiet_from: datetime, now: datetime) -> bool:
        """Compare-and-set: True once for a chat still active and still quiet since
        `quiet_from`, not yet warned; its sides are then told it will be wrapped up."""
        cursor = await self._conn.execute(
            "UPDATE handoff SET idle_warned_at = ? WHERE id = ? AND status = 'active' "
            "AND idle_warned_at IS NULL AND coalesce(last_relayed_at, accepted_at) = ?",
            (to_db(now), handoff_id, to_db(quiet_from)),
        )
        return cursor.rowcount == 1

    async def reassign(self, handoff_id: int, volunteer_id: int) -> bool:
        """Someone else takes over an active chat (an admin stepping in); False if it ended."""
        cursor = await self._conn.execute(
            "UPDATE handoff SET volunteer_id = ? WHERE id = ? AND status = 'active'",
            (volunteer_id, handoff_id),
        )
        return cursor.rowcount == 1

    async def close(
        self, handoff_id: int, *, status: HandoffStatus, reason: EndReason, now: datetime
    ) -> bool:
        """End or cancel an open handoff; False if it was already closed. Words kept for
        the peer who would have accepted go with it."""
        cursor = await self._conn.execute(
            "UPDATE handoff SET status = ?, end_reason = ?, ended_at = ?, escalate_at = NULL "
            "WHERE id = ? AND status IN ('waiting', 'active')",
            (status, reason, to_db(now), handoff_id),
        )
        await self._conn.execute("DELETE FROM waiting_words WHERE handoff_id = ?", (handoff_id,))
        return cursor.rowcount == 1

    # -- words kept for the peer who accepts (migration 0012) ---------------------------
    async def keep_words(
        self, handoff_id: int, words: str, *, topic: bool = False, message_ref: str | None = None
    ) -> None:
        """Keep a member's words for the peer who accepts their waiting request: the topic
        in their own words (one, replacing any before) or a message typed while waiting."""
        if topic:
            await self._conn.execute(
                "DELETE FROM waiting_words WHERE handoff_id = ? AND kind = 'topic'", (handoff_id,)
            )
        await self._conn.execute(
            "INSERT INTO waiting_words (handoff_id, kind, words, message_ref) "
            "SELECT id, ?, ?, ? FROM handoff WHERE id = ? AND status = 'waiting'",
            ("topic" if topic else "message", words, message_ref, handoff_id),
        )

    async def kept_messages(self, handoff_id: int) -> int:
        """How many typed messages are kept for the peer who accepts."""
        rows = await self._conn.execute_fetchall(
            "SELECT count(*) FROM waiting_words WHERE handoff_id = ? AND kind = 'message'",
            (handoff_id,),
        )
        return int(next(iter(rows))[0])

    async def edit_kept_words(self, handoff_id: int, message_ref: str, words: str | None) -> bool:
        """A kept message was edited: keep its new words (None: drop it); False if that
        message isn't kept."""
        if words is None:
            cursor = await self._conn.execute(
                "DELETE FROM waiting_words WHERE handoff_id = ? AND message_ref = ?",
                (handoff_id, message_ref),
            )
        else:
            cursor = await self._conn.execute(
                "UPDATE waiting_words SET words = ? WHERE handoff_id = ? AND message_ref = ?",
                (words, handoff_id, message_ref),
            )
        return cursor.rowcount > 0

    async def take_words(self, handoff_id: int) -> WaitingWords:
        """The words kept for the peer who accepted, deleted as they are taken."""
        rows = await self._conn.execute_fetchall(
            "SELECT kind, words FROM waiting_words WHERE handoff_id = ? ORDER BY id",
            (handoff_id,),
        )
        await self._conn.execute("DELETE FROM waiting_words WHERE handoff_id = ?", (handoff_id,))
        topic = next((row["words"] for row in rows if row["kind"] == "topic"), None)
        messages = tuple(row["words"] for row in rows if row["kind"] == "message")
        return WaitingWords(topic=topic, messages=messages)

    async def count_held(self, handoff_id: int, side: ChatSide) -> tuple[int, int]:
        """One more message of the chat held back (contact details) from `side`; returns
        how many so far from the member and from the volunteer."""
        column = "held_from_member" if side is ChatSide.MEMBER else "held_from_volunteer"
        await self._conn.execute(
            f"UPDATE handoff SET {column} = {column} + 1 WHERE id = ?", (handoff_id,)
        )
        rows = await self._conn.execute_fetchall(
            "SELECT held_from_member, held_from_volunteer FROM handoff WHERE id = ?",
            (handoff_id,),
        )
        row = next(iter(rows))
        return int(row[0]), int(row[1])

    async def raise_priority(
        self, handoff_id: int, priority: Priority, escalate_at: datetime
    ) -> None:
        await self._conn.execute(
            "UPDATE handoff SET priority = min(priority, ?), escalate_at = "
            "min(coalesce(escalate_at, ?), ?) WHERE id = ? AND status = 'waiting'",
            (priority, to_db(escalate_at), to_db(escalate_at), handoff_id),
        )

    async def due_for_escalation(self, now: datetime, *, limit: int) -> list[Handoff]:
        return await self._many(
            f"SELECT {_COLUMNS} FROM handoff WHERE escalate_at IS NOT NULL AND escalate_at <= ? "
            "AND status = 'waiting' ORDER BY priority, escalate_at LIMIT ?",
            (to_db(now), limit),
        )

    async def record_escalation(self, handoff_id: int, next_at: datetime | None) -> None:
        await self._conn.execute(
            "UPDATE handoff SET escalations = escalations + 1, escalate_at = ? WHERE id = ?",
            (to_db(next_at) if next_at else None, handoff_id),
        )

    async def hold_for_shift(self, handoff_id: int) -> None:
        await self._conn.execute(
            "UPDATE handoff SET held_for_shift = 1, escalate_at = NULL WHERE id = ?",
            (handoff_id,),
        )

    async def held(self) -> list[Handoff]:
        return await self._many(
            f"SELECT {_COLUMNS} FROM handoff WHERE status = 'waiting' AND held_for_shift = 1 "
            "ORDER BY priority, requested_at"
        )

    async def rate(self, handoff_id: int, rating: int) -> None:
        await self._conn.execute(
            "UPDATE handoff SET rating = ? WHERE id = ?", (rating, handoff_id)
        )

    async def add_feedback(self, handoff_id: int, words: str) -> None:
        await self._conn.execute(
            "UPDATE handoff SET feedback = ? WHERE id = ?", (words, handoff_id)
        )

    async def counts(self) -> dict[HandoffStatus, int]:
        rows = await self._conn.execute_fetchall(
            "SELECT status, count(*) AS n FROM handoff GROUP BY status"
        )
        return {HandoffStatus(row["status"]): row["n"] for row in rows}
