"""Community-wide counts for admins: aggregates only, never a row about one person."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from storage.states import HandoffStatus, Priority
from storage.timeutil import from_db, maybe_from_db, to_db


@dataclass(frozen=True, slots=True)
class MemberCounts:
    onboarded: int
    checked_in: int  # members with a mood check-in in the window
    paused: int
    unreachable: int
    lonely: int  # newest UCLA-3 total at or above the threshold
    without_contact: int  # no reported contact or attended event since the cut-off


@dataclass(frozen=True, slots=True)
class CheckinCounts:
    moods: int
    mood_sum: int
    connections: int


@dataclass(frozen=True, slots=True)
class HandoffRow:
    """One request's timing and outcome, without who asked or who answered."""

    priority: Priority
    status: HandoffStatus
    requested_at: datetime
    accepted_at: datetime | None
    ended_at: datetime | None
    rating: int | None


@dataclass(frozen=True, slots=True)
class EventCounts:
    upcoming: int
    going: int  # answers "I'll go" or "Maybe" to events in the window
    attended: int


@dataclass(frozen=True, slots=True)
class WeekCounts:
    """One week's figures for the admins' digest, counted in [start, end)."""

    members: int  # onboarded by the week's end
    joined: int  # onboarded during the week
    moods: int
    mood_sum: int
    connections: int
    events: int  # held (not cancelled)
    going: int  # answers "I'll go" or "Maybe" to them
    attended: int


class StatsRepository:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def _one(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        rows = await self._conn.execute_fetchall(sql, params)
        return next(iter(rows))

    async def members(
        self, *, since: datetime, ucla_min: int, contact_before: datetime
    ) -> MemberCounts:
        row = await self._one(
            "SELECT count(*) AS onboarded, "
            "coalesce(sum(paused), 0) AS paused, "
            "coalesce(sum(unreachable_at IS NOT NULL), 0) AS unreachable, "
            "coalesce(sum(last_ucla3 >= ?), 0) AS lonely, "
            "coalesce(sum(coalesce(last_contact_at, onboarded_at) < ?), 0) AS without_contact "
            "FROM member WHERE onboarded_at IS NOT NULL",
            (ucla_min, to_db(contact_before)),
        )
        checked = await self._one(
            "SELECT count(DISTINCT member_id) FROM mood_checkin WHERE updated_at >= ?",
            (to_db(since),),
        )
        return MemberCounts(
            onboarded=row["onboarded"],
            checked_in=checked[0],
            paused=row["paused"],
            unreachable=row["unreachable"],
            lonely=row["lonely"],
            without_contact=row["without_contact"],
        )

    async def checkins(self, *, since: datetime) -> CheckinCounts:
        moods = await self._one(
            "SELECT count(*), coalesce(sum(mood), 0) FROM mood_checkin WHERE updated_at >= ?",
            (to_db(since),),
        )
        connections = await self._one(
            "SELECT count(*) FROM connection_checkin WHERE created_at >= ?", (to_db(since),)
        )
        return CheckinCounts(moods=moods[0], mood_sum=moods[1], connections=connections[0])

    async def handoffs(self, *, since: datetime) -> list[HandoffRow]:
        rows = await self._conn.execute_fetchall(
            "SELECT priority, status, requested_at, accepted_at, ended_at, rating FROM handoff "
            "WHERE requested_at >= ? ORDER BY requested_at",
            (to_db(since),),
        )
        return [
            HandoffRow(
                priority=Priority(row["priority"]),
                status=HandoffStatus(row["status"]),
                requested_at=from_db(row["requested_at"]),
                accepted_at=maybe_from_db(row["accepted_at"]),
                ended_at=maybe_from_db(row["ended_at"]),
                rating=row["rating"],
            )
            for row in rows
        ]

    async def safety_tiers(self, *, since: datetime) -> dict[int, int]:
        rows = await self._conn.execute_fetchall(
            "SELECT tier, count(*) FROM safety_event WHERE at >= ? GROUP BY tier", (to_db(since),)
        )
        return {row[0]: row[1] for row in rows}

    async def volunteers(self) -> tuple[int, int]:
        """(active peer volunteers, on call now): admins' coordinator rows are not peers."""
        row = await self._one(
            "SELECT count(*), coalesce(sum(on_call), 0) FROM volunteer "
            "WHERE status = 'active' AND coordinator = 0"
        )
        return row[0], row[1]

    async def events(self, *, since: datetime, now: datetime, until: datetime) -> EventCounts:
        upcoming = await self._one(
            "SELECT count(*) FROM event WHERE cancelled_at IS NULL "
            "AND starts_at >= ? AND starts_at < ?",
            (to_db(now), to_db(until)),
        )
        answers = await self._one(
            "SELECT coalesce(sum(r.answer IN ('going', 'maybe')), 0), "
            "coalesce(sum(r.attended = 1), 0) FROM rsvp r JOIN event e ON e.id = r.event_id "
            "WHERE e.starts_at >= ? AND e.starts_at < ?",
            (to_db(since), to_db(until)),
        )
        return EventCounts(upcoming=upcoming[0], going=answers[0], attended=answers[1])

    async def week(self, start: datetime, end: datetime) -> WeekCounts:
        s, e = to_db(start), to_db(end)
        members = await self._one(
            "SELECT coalesce(sum(onboarded_at < ?), 0), "
            "coalesce(sum(onboarded_at >= ? AND onboarded_at < ?), 0) "
            "FROM member WHERE onboarded_at IS NOT NULL",
            (e, s, e),
        )
        moods = await self._one(
            "SELECT count(*), coalesce(sum(mood), 0) FROM mood_checkin "
            "WHERE created_at >= ? AND created_at < ?",
            (s, e),
        )
        connections = await self._one(
            "SELECT count(*) FROM connection_checkin WHERE created_at >= ? AND created_at < ?",
            (s, e),
        )
        events = await self._one(
            "SELECT count(*) FROM event WHERE cancelled_at IS NULL "
            "AND starts_at >= ? AND starts_at < ?",
            (s, e),
        )
        answers = await self._one(
            "SELECT coalesce(sum(r.answer IN ('going', 'maybe')), 0), "
            "coalesce(sum(r.attended = 1), 0) FROM rsvp r JOIN event e ON e.id = r.event_id "
            "WHERE e.cancelled_at IS NULL AND e.starts_at >= ? AND e.starts_at < ?",
            (s, e),
        )
        return WeekCounts(
            members=members[0],
            joined=members[1],
            moods=moods[0],
            mood_sum=moods[1],
            connections=connections[0],
            events=events[0],
            going=answers[0],
            attended=answers[1],
        )

    async def feedback_words(self, *, since: datetime, limit: int) -> list[str]:
        """Members' words after peer chats requested since `since`, newest first: the
        words alone, never who wrote them, whom they talked with or when. Support chats
        (topic 'debrief': a volunteer with an admin) are not members' feedback."""
        rows = await self._conn.execute_fetchall(
            "SELECT feedback FROM handoff WHERE feedback IS NOT NULL AND requested_at >= ? "
            "AND coalesce(topic, '') != 'debrief' "
            "ORDER BY requested_at DESC, id DESC LIMIT ?",
            (to_db(since), limit),
        )
        return [row[0] for row in rows]
