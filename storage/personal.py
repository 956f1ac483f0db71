"""One person's own data, gathered for their copy of it (/export).

Only rows that are about the person: their answers to events, their requests to talk
(with the volunteer's display name and nothing else of them) and the reports of those
chats, the safety events recorded about them and the event suggestions sent to them; and,
for a volunteer or admin, the reports of chats they held, the events at which they meet a
member, the invites they redeemed and the events they created. Their check-ins, profile,
open conversation and volunteer profile come from the repositories that own them.
"""

from collections import defaultdict
from datetime import datetime
from typing import Any

import aiosqlite

from storage.records import (
    BuddyMeeting,
    ChatReport,
    CreatedEvent,
    EventAnswer,
    InviteUse,
    NudgeRecord,
    PeerChat,
    SafetyEvent,
)
from storage.states import (
    ChatSide,
    EndReason,
    EventRating,
    HandoffStatus,
    NudgeOutcome,
    NudgeReason,
    Priority,
    ReminderStage,
    ReportReason,
    Role,
    RsvpAnswer,
    SafetySource,
    maybe_state,
)
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
            "r.attended, r.rating, r.buddy_requested, r.buddy_offer, r.stage, r.due_at, "
            "r.from_series, "
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
                answer=RsvpAnswer(row["answer"]),
                answered_at=from_db(row["answered_at"]),
                attended=_maybe_bool(row["attended"]),
                rating=maybe_state(EventRating, row["rating"]),
                buddy_requested=bool(row["buddy_requested"]),
                buddy_offer=bool(row["buddy_offer"]),
                buddy_name=row["buddy_name"],
                stage=maybe_state(ReminderStage, row["stage"]),
                due_at=maybe_from_db(row["due_at"]),
                from_series=bool(row["from_series"]),
            )
            for row in rows
        ]

    async def _reports(self, condition: str, person_id: int) -> dict[int, list[ChatReport]]:
        rows = await self._conn.execute_fetchall(
            "SELECT p.handoff_id, p.at, p.reported_by, p.reason, p.words, p.passed_on_at "
            "FROM peer_report p "
            f"JOIN handoff h ON h.id = p.handoff_id WHERE {condition} ORDER BY p.at, p.id",
            (person_id,),
        )
        found: dict[int, list[ChatReport]] = defaultdict(list)
        for row in rows:
            report = ChatReport(
                from_db(row["at"]),
                ChatSide(row["reported_by"]),
                reason=maybe_state(ReportReason, row["reason"]),
                words=row["words"],
                passed_on_at=maybe_from_db(row["passed_on_at"]),
            )
            found[row["handoff_id"]].append(report)
        return found

    async def peer_chats(self, member_id: int) -> list[PeerChat]:
        """Chats the member asked for (not ones they held as a volunteer), oldest first."""
        rows = await self._conn.execute_fetchall(
            "SELECT h.id, h.requested_at, h.accepted_at, h.ended_at, h.status, h.priority, "
            "h.topic, h.rating, h.feedback, h.member_alias, h.end_reason, h.escalations, "
            "h.escalate_at, h.held_for_shift, h.share_mood, h.held_from_member, "
            "h.held_from_volunteer, h.last_relayed_at, h.idle_warned_at, v.display_name "
            "FROM handoff h LEFT JOIN volunteer v ON v.member_id = h.volunteer_id "
            "WHERE h.member_id = ? ORDER BY h.id",
            (member_id,),
        )
        reports = await self._reports("h.member_id = ?", member_id)
        kept: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for word in await self._conn.execute_fetchall(
            "SELECT w.handoff_id, w.kind, w.words FROM waiting_words w "
            "JOIN handoff h ON h.id = w.handoff_id WHERE h.member_id = ? ORDER BY w.id",
            (member_id,),
        ):
            kept[word["handoff_id"]].append((word["kind"], word["words"]))
        return [
            PeerChat(
                requested_at=from_db(row["requested_at"]),
                accepted_at=maybe_from_db(row["accepted_at"]),
                ended_at=maybe_from_db(row["ended_at"]),
                status=HandoffStatus(row["status"]),
                priority=Priority(row["priority"]),
                topic=row["topic"],
                rating=row["rating"],
                feedback=row["feedback"],
                volunteer_name=row["display_name"],
                member_alias=row["member_alias"],
                end_reason=maybe_state(EndReason, row["end_reason"]),
                escalations=row["escalations"],
                escalate_at=maybe_from_db(row["escalate_at"]),
                held_for_shift=bool(row["held_for_shift"]),
                share_mood=bool(row["share_mood"]),
                reports=tuple(reports.get(row["id"], ())),
                waiting_words=tuple(kept.get(row["id"], ())),
                held_from_member=row["held_from_member"],
                held_from_volunteer=row["held_from_volunteer"],
                last_relayed_at=maybe_from_db(row["last_relayed_at"]),
                idle_warned_at=maybe_from_db(row["idle_warned_at"]),
            )
            for row in rows
        ]

    async def safety_events(self, member_id: int) -> list[SafetyEvent]:
        rows = await self._conn.execute_fetchall(
            "SELECT at, tier, source, rule_ids, detector_version, message_ref FROM safety_event "
            "WHERE member_id = ? ORDER BY at, id",
            (member_id,),
        )
        return [
            SafetyEvent(
                at=from_db(row["at"]),
                tier=row["tier"],
                source=SafetySource(row["source"]),
                rule_ids=_tags(row["rule_ids"]),
                detector_version=row["detector_version"],
                message_ref=row["message_ref"],
            )
            for row in rows
        ]

    async def buddy_meetings(self, volunteer_id: int) -> list[BuddyMeeting]:
        """Events at which this volunteer agreed to meet a member."""
        rows = await self._conn.execute_fetchall(
            "SELECT e.title, e.starts_at FROM rsvp r JOIN event e ON e.id = r.event_id "
            "WHERE r.buddy_id = ? ORDER BY e.starts_at, r.id",
            (volunteer_id,),
        )
        return [BuddyMeeting(row["title"], from_db(row["starts_at"])) for row in rows]

    async def invites_used(self, member_id: int) -> list[InviteUse]:
        rows = await self._conn.execute_fetchall(
            "SELECT role, used_at FROM invite WHERE used_by = ? ORDER BY used_at",
            (member_id,),
        )
        return [InviteUse(Role(row["role"]), from_db(row["used_at"])) for row in rows]

    async def events_created(self, member_id: int) -> list[CreatedEvent]:
        rows = await self._conn.execute_fetchall(
            "SELECT title, starts_at, created_at FROM event WHERE created_by = ? "
            "ORDER BY created_at, id",
            (member_id,),
        )
        return [
            CreatedEvent(row["title"], from_db(row["starts_at"]), from_db(row["created_at"]))
            for row in rows
        ]

    async def usual_series(self, member_id: int) -> list[tuple[str, datetime]]:
        """The series the member usually goes to: title, and since when."""
        rows = await self._conn.execute_fetchall(
            "SELECT s.title, r.answered_at FROM series_rsvp r "
            "JOIN event_series s ON s.id = r.series_id WHERE r.member_id = ? "
            "ORDER BY r.answered_at, s.id",
            (member_id,),
        )
        return [(row["title"], from_db(row["answered_at"])) for row in rows]

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
                reasons=tuple(NudgeReason(reason) for reason in _tags(row["reasons"])),
                outcome=NudgeOutcome(row["outcome"]),
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
