"""One member's own data, gathered for their copy of it (/export).

Only rows that are about the member: their answers to events, their requests to talk
(with the volunteer's display name and nothing else of them), the safety events recorded
about them and the event suggestions sent to them. Their check-ins, profile and volunteer
profile come from the repositories that own them.
"""

from typing import Any

import aiosqlite

from storage.records import EventAnswer, NudgeRecord, PeerChat, SafetyEvent
from storage.timeutil import from_db, maybe_from_db


def _tags(raw: str) -> tuple[str, ...]:
    return tuple(part for part in raw.split(",") if part)


def _maybe_bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


class PersonalDataRepository:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def event_answers(self, member_id: int) -> list[EventAnswer]:
        rows = await self._conn.execute_fetchall(
            "SELECT e.title, e.place, e.starts_at, e.cancelled_at, r.answer, r.answered_at, "
            "r.attended, r.rating, r.buddy_requested, r.buddy_offer, "
            "b.display_name AS buddy_name "
            "FROM rsvp r JOIN event e ON e.id = r.event_id "
            "LEFT JOIN volunteer b ON b.member_id = r.buddy_id "
            "WHERE r.member_id = ? ORDER BY e.starts_at, r.id",
            (member_id,),
        )
        return [
            EventAnswer(
                event_title=row["title"],
                event_place=row["place"],
                event_starts_at=from_db(row["starts_at"]),
                event_cancelled=row["cancelled_at"] is not None,
                answer=row["answer"],
                answered_at=from_db(row["answered_at"]),
                attended=_maybe_bool(row["attended"]),
                rating=row["rating"],
                buddy_requested=bool(row["buddy_requested"]),
                buddy_offer=bool(row["buddy_offer"]),
                buddy_name=row["buddy_name"],
            )
            for row in rows
        ]

    async def peer_chats(self, member_id: int) -> list[PeerChat]:
        """Chats the member asked for (not ones they held as a volunteer), oldest first."""
        rows = await self._conn.execute_fetchall(
            "SELECT h.requested_at, h.accepted_at, h.ended_at, h.status, h.priority, h.topic, "
            "h.rating, h.feedback, v.display_name, "
            "(SELECT min(p.at) FROM peer_report p WHERE p.handoff_id = h.id "
            "AND p.reported_by = 'member') AS reported_at "
            "FROM handoff h LEFT JOIN volunteer v ON v.member_id = h.volunteer_id "
            "WHERE h.member_id = ? ORDER BY h.id",
            (member_id,),
        )
        return [
            PeerChat(
                requested_at=from_db(row["requested_at"]),
                accepted_at=maybe_from_db(row["accepted_at"]),
                ended_at=maybe_from_db(row["ended_at"]),
                status=row["status"],
                priority=row["priority"],
                topic=row["topic"],
                rating=row["rating"],
                feedback=row["feedback"],
                volunteer_name=row["display_name"],
                reported_at=maybe_from_db(row["reported_at"]),
            )
            for row in rows
        ]

    async def safety_events(self, member_id: int) -> list[SafetyEvent]:
        rows = await self._conn.execute_fetchall(
            "SELECT at, tier, source FROM safety_event WHERE member_id = ? ORDER BY at, id",
            (member_id,),
        )
        return [SafetyEvent(from_db(row["at"]), row["tier"], row["source"]) for row in rows]

    async def nudges(self, member_id: int) -> list[NudgeRecord]:
        rows = await self._conn.execute_fetchall(
            "SELECT n.sent_at, n.reasons, n.outcome, n.outcome_at, e.title, e.starts_at "
            "FROM nudge n LEFT JOIN event e ON e.id = n.event_id "
            "WHERE n.member_id = ? ORDER BY n.sent_at, n.id",
            (member_id,),
        )
        return [
            NudgeRecord(
                sent_at=from_db(row["sent_at"]),
                event_title=row["title"],
                event_starts_at=maybe_from_db(row["starts_at"]),
                reasons=_tags(row["reasons"]),
                outcome=row["outcome"],
                outcome_at=maybe_from_db(row["outcome_at"]),
            )
            for row in rows
        ]

    async def chat_ids(self, member_id: int) -> list[int]:
        """The requests to talk the member made (their chats, as the member)."""
        rows = await self._conn.execute_fetchall(
            "SELECT id FROM handoff WHERE member_id = ? ORDER BY id", (member_id,)
        )
        return [row["id"] for row in rows]

    async def buddy_request_ids(self, member_id: int) -> list[int]:
        """The member's event answers that asked for a peer to meet them there."""
        rows = await self._conn.execute_fetchall(
            "SELECT id FROM rsvp WHERE member_id = ? AND buddy_requested = 1 ORDER BY id",
            (member_id,),
        )
        return [row["id"] for row in rows]
