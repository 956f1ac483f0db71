"""Community events, members' answers (RSVPs) with their due reminders, and nudges."""

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import aiosqlite

from storage.records import Event, EventFields, EventSeries, MeetingFeed, Rsvp
from storage.states import (
    EventRating,
    NudgeOutcome,
    NudgeReason,
    ReminderStage,
    RsvpAnswer,
    maybe_state,
)
from storage.timeutil import (
    date_to_db,
    from_db,
    maybe_date_from_db,
    maybe_from_db,
    maybe_to_db,
    to_db,
)

_EVENT_COLUMNS = (
    "e.id, e.uid, e.title, e.place, e.description, e.starts_at, e.ends_at, e.tags, "
    "e.capacity, e.cancelled_at, e.types, e.conference_url, e.conference_phone, "
    "e.series_id, e.occurrence, e.detached, "
    "(SELECT count(*) FROM rsvp r WHERE r.event_id = e.id AND r.answer = 'going') AS going, "
    "(SELECT count(*) FROM rsvp r WHERE r.event_id = e.id AND r.answer = 'maybe') AS maybe"
)
_RSVP_COLUMNS = (
    "id, event_id, member_id, answer, answered_at, stage, due_at, attended, rating, "
    "buddy_offer, buddy_requested, buddy_id, from_series"
)
_SERIES_COLUMNS = (
    "id, uid, source, feed_id, title, place, description, tags, capacity, timezone, rule, "
    "local_time, length_minutes, first_date, ical, expanded_until, types, conference_url, "
    "conference_phone, source_updated, cancelled_at"
)
_FEED_COLUMNS = (
    "id, url, etag, last_modified, next_sync_at, last_ok_at, failing_since, failure, meetings"
)
# A nudge's outcome only moves forward: sent → an answer → attended or missed.
_OUTCOME_RANK = {
    NudgeOutcome.SENT: 0,
    NudgeOutcome.STOPPED: 1,
    NudgeOutcome.DECLINED: 1,
    NudgeOutcome.MAYBE: 1,
    NudgeOutcome.GOING: 2,
    NudgeOutcome.MISSED: 3,
    NudgeOutcome.ATTENDED: 3,
}


def _tags(raw: str) -> tuple[str, ...]:
    if not raw:  # most events have no types, many no tags: read once per row in a sweep
        return ()
    return tuple(tag for tag in raw.split(",") if tag)


def _field_values(fields: EventFields) -> tuple[object, ...]:
    """The columns title, place, description, starts_at, ends_at, tags, capacity, types,
    conference_url, conference_phone."""
    return (
        fields.title,
        fields.place,
        fields.description,
        to_db(fields.starts_at),
        maybe_to_db(fields.ends_at),
        ",".join(fields.tags),
        fields.capacity,
        ",".join(fields.types),
        fields.conference_url,
        fields.conference_phone,
    )


_FIELD_COLUMNS = (
    "title, place, description, starts_at, ends_at, tags, capacity, types, conference_url, "
    "conference_phone"
)
_FIELD_SETS = ", ".join(f"{name.strip()} = ?" for name in _FIELD_COLUMNS.split(","))


def _event(row: Any) -> Event:
    starts_at, occurrence = row["starts_at"], row["occurrence"]
    starts = from_db(starts_at)
    return Event(
        id=row["id"],
        uid=row["uid"],
        title=row["title"],
        place=row["place"],
        description=row["description"],
        starts_at=starts,
        ends_at=maybe_from_db(row["ends_at"]),
        tags=_tags(row["tags"]),
        capacity=row["capacity"],
        cancelled_at=maybe_from_db(row["cancelled_at"]),
        going=row["going"],
        maybe=row["maybe"],
        types=_tags(row["types"]),
        conference_url=row["conference_url"],
        conference_phone=row["conference_phone"],
        series_id=row["series_id"],
        # A date of a series not moved starts at its occurrence: read the text once.
        occurrence=starts if occurrence == starts_at else maybe_from_db(occurrence),
        detached=bool(row["detached"]),
    )


def _series(row: Any) -> EventSeries:
    expanded_until = from_db(row["expanded_until"])
    return EventSeries(
        id=row["id"],
        uid=row["uid"],
        source=row["source"],
        feed_id=row["feed_id"],
        fields=EventFields(
            title=row["title"],
            place=row["place"],
            description=row["description"],
            # A series' own details; each occurrence has its own times.
            starts_at=expanded_until,
            ends_at=None,
            tags=_tags(row["tags"]),
            capacity=row["capacity"],
            types=_tags(row["types"]),
            conference_url=row["conference_url"],
            conference_phone=row["conference_phone"],
        ),
        timezone=row["timezone"],
        rule=row["rule"],
        local_time=row["local_time"],
        length_minutes=row["length_minutes"],
        first_date=maybe_date_from_db(row["first_date"]),
        ical=row["ical"],
        expanded_until=expanded_until,
        source_updated=row["source_updated"],
        cancelled_at=maybe_from_db(row["cancelled_at"]),
    )


def _feed(row: Any) -> MeetingFeed:
    return MeetingFeed(
        id=row["id"],
        url=row["url"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        next_sync_at=maybe_from_db(row["next_sync_at"]),
        last_ok_at=maybe_from_db(row["last_ok_at"]),
        failing_since=maybe_from_db(row["failing_since"]),
        failure=row["failure"],
        meetings=row["meetings"],
    )


def _rsvp(row: Any) -> Rsvp:
    attended = row["attended"]
    return Rsvp(
        id=row["id"],
        event_id=row["event_id"],
        member_id=row["member_id"],
        answer=RsvpAnswer(row["answer"]),
        answered_at=from_db(row["answered_at"]),
        stage=maybe_state(ReminderStage, row["stage"]),
        due_at=maybe_from_db(row["due_at"]),
        attended=None if attended is None else bool(attended),
        rating=maybe_state(EventRating, row["rating"]),
        buddy_offer=bool(row["buddy_offer"]),
        buddy_requested=bool(row["buddy_requested"]),
        buddy_id=row["buddy_id"],
        from_series=bool(row["from_series"]),
    )


class EventRepository:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    # -- events --------------------------------------------------------------
    async def create(
        self, fields: EventFields, *, uid: str, created_by: int | None, now: datetime
    ) -> int:
        cursor = await self._conn.execute(
            f"INSERT INTO event ({_FIELD_COLUMNS}, uid, created_by, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*_field_values(fields), uid, created_by, to_db(now), to_db(now)),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def update(
        self, event_id: int, fields: EventFields, *, now: datetime, detach: bool = False
    ) -> None:
        """Replace an event's details (an edit, or a re-import under the same UID); with
        `detach`, an occurrence keeps these details when its series changes.

        A cancelled event stays cancelled: those told it was off are not told otherwise.
        """
        await self._conn.execute(
            f"UPDATE event SET {_FIELD_SETS}, updated_at = ?, "
            "detached = max(detached, ?) WHERE id = ?",
            (*_field_values(fields), to_db(now), int(detach), event_id),
        )

    async def _first(self, sql: str, params: tuple[Any, ...]) -> Any:
        rows = list(await self._conn.execute_fetchall(sql, params))
        return rows[0] if rows else None

    async def _event_where(self, condition: str, params: tuple[Any, ...]) -> Event | None:
        row = await self._first(f"SELECT {_EVENT_COLUMNS} FROM event e WHERE {condition}", params)
        return None if row is None else _event(row)

    async def _rsvp_where(self, condition: str, params: tuple[Any, ...]) -> Rsvp | None:
        row = await self._first(f"SELECT {_RSVP_COLUMNS} FROM rsvp WHERE {condition}", params)
        return None if row is None else _rsvp(row)

    async def get(self, event_id: int) -> Event | None:
        return await self._event_where("e.id = ?", (event_id,))

    async def by_uid(self, uid: str) -> Event | None:
        return await self._event_where("e.uid = ?", (uid,))

    async def upcoming(self, start: datetime, end: datetime, *, limit: int = 200) -> list[Event]:
        """Events not cancelled that start in [start, end), soonest first."""
        rows = await self._conn.execute_fetchall(
            f"SELECT {_EVENT_COLUMNS} FROM event e WHERE e.cancelled_at IS NULL "
            "AND e.starts_at >= ? AND e.starts_at < ? ORDER BY e.starts_at, e.id LIMIT ?",
            (to_db(start), to_db(end), limit),
        )
        return [_event(row) for row in rows]

    async def cancel(self, event_id: int, *, now: datetime) -> None:
        """Cancel an event; nothing more is due for anyone's answer to it."""
        await self._conn.execute(
            "UPDATE event SET cancelled_at = ?, updated_at = ? WHERE id = ?",
            (to_db(now), to_db(now), event_id),
        )
        await self._conn.execute(
            "UPDATE rsvp SET stage = NULL, due_at = NULL WHERE event_id = ?", (event_id,)
        )

    # -- answers -------------------------------------------------------------
    async def rsvp_of(self, event_id: int, member_id: int) -> Rsvp | None:
        return await self._rsvp_where("event_id = ? AND member_id = ?", (event_id, member_id))

    async def get_rsvp(self, rsvp_id: int) -> Rsvp | None:
        return await self._rsvp_where("id = ?", (rsvp_id,))

    async def answer(
        self,
        event_id: int,
        member_id: int,
        *,
        answer: RsvpAnswer,
        now: datetime,
        stage: ReminderStage | None,
        due_at: datetime | None,
    ) -> Rsvp:
        """Record (or change) a member's answer for this date, with the next message it is
        due; an answer "I usually go" gave it becomes their own for this date."""
        await self._conn.execute(
            "INSERT INTO rsvp (event_id, member_id, answer, answered_at, stage, due_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (event_id, member_id) DO UPDATE SET "
            "answer = excluded.answer, answered_at = excluded.answered_at, "
            "stage = excluded.stage, due_at = excluded.due_at, from_series = 0, "
            # Not going any more: no peer is meeting them, and they meet nobody.
            "buddy_requested = "
            "CASE WHEN excluded.answer = 'going' THEN buddy_requested ELSE 0 END, "
            "buddy_offer = CASE WHEN excluded.answer = 'going' THEN buddy_offer ELSE 0 END, "
            "buddy_id = CASE WHEN excluded.answer = 'going' THEN buddy_id ELSE NULL END",
            (event_id, member_id, answer, to_db(now), stage, maybe_to_db(due_at)),
        )
        rsvp = await self.rsvp_of(event_id, member_id)
        assert rsvp is not None
        return rsvp

    async def answers_of(self, member_id: int, event_ids: Iterable[int]) -> dict[int, RsvpAnswer]:
        ids = list(event_ids)
        if not ids:
            return {}
        marks = ", ".join("?" for _ in ids)
        rows = await self._conn.execute_fetchall(
            f"SELECT event_id, answer FROM rsvp WHERE member_id = ? AND event_id IN ({marks})",
            (member_id, *ids),
        )
        return {row["event_id"]: RsvpAnswer(row["answer"]) for row in rows}

    async def schedule(
        self, rsvp_id: int, stage: ReminderStage | None, due_at: datetime | None
    ) -> None:
        await self._conn.execute(
            "UPDATE rsvp SET stage = ?, due_at = ? WHERE id = ?",
            (stage if due_at is not None else None, maybe_to_db(due_at), rsvp_id),
        )

    async def attendees(
        self,
        event_id: int,
        answers: Sequence[RsvpAnswer] = (RsvpAnswer.GOING, RsvpAnswer.MAYBE),
    ) -> list[Rsvp]:
        marks = ", ".join("?" for _ in answers)
        rows = await self._conn.execute_fetchall(
            f"SELECT {_RSVP_COLUMNS} FROM rsvp WHERE event_id = ? AND answer IN ({marks}) "
            "ORDER BY id",
            (event_id, *answers),
        )
        return [_rsvp(row) for row in rows]

    async def due(self, now: datetime, *, limit: int) -> list[Rsvp]:
        """Answers with a reminder or follow-up due now (the `rsvp_due` index)."""
        rows = await self._conn.execute_fetchall(
            f"SELECT {_RSVP_COLUMNS} FROM rsvp WHERE due_at IS NOT NULL AND due_at <= ? "
            "ORDER BY due_at LIMIT ?",
            (to_db(now), limit),
        )
        return [_rsvp(row) for row in rows]

    async def record_attendance(
        self, rsvp_id: int, *, attended: bool, rating: EventRating | None
    ) -> None:
        await self._conn.execute(
            "UPDATE rsvp SET attended = ?, rating = ?, stage = NULL, due_at = NULL WHERE id = ?",
            (int(attended), rating, rsvp_id),
        )

    async def plans_of(self, member_id: int, now: datetime) -> list[Event]:
        """Events not yet over (not cancelled) the member said they would go to. Of the
        dates "I usually go" answered, only each series' next one: it is a plan to go
        this week, not a reason never to be asked how they are."""
        rows = await self._conn.execute_fetchall(
            f"SELECT {_EVENT_COLUMNS}, r.from_series FROM event e "
            "JOIN rsvp r ON r.event_id = e.id "
            "WHERE r.member_id = ? AND r.answer = 'going' AND e.cancelled_at IS NULL "
            "AND coalesce(e.ends_at, e.starts_at) >= ? ORDER BY e.starts_at, e.id",
            (member_id, to_db(now)),
        )
        plans, series_seen = [], set()
        for row in rows:
            if row["from_series"]:
                if row["series_id"] in series_seen:
                    continue
                series_seen.add(row["series_id"])
            plans.append(_event(row))
        return plans

    async def liked_tags(self, member_id: int) -> set[str]:
        """Tags of events the member said yes or maybe to, or went to."""
        rows = await self._conn.execute_fetchall(
            "SELECT e.tags FROM event e JOIN rsvp r ON r.event_id = e.id "
            "WHERE r.member_id = ? AND (r.answer IN ('going', 'maybe') OR r.attended = 1)",
            (member_id,),
        )
        return {tag for row in rows for tag in _tags(row["tags"])}

    async def not_to_suggest(self, member_id: int) -> set[int]:
        """Events the member already answered or was already invited to."""
        rows = await self._conn.execute_fetchall(
            "SELECT event_id FROM rsvp WHERE member_id = ? "
            "UNION SELECT event_id FROM nudge WHERE member_id = ? AND event_id IS NOT NULL",
            (member_id, member_id),
        )
        return {row["event_id"] for row in rows}

    # -- buddy-up ------------------------------------------------------------
    async def set_buddy_offer(self, rsvp_id: int, offer: bool) -> None:
        await self._conn.execute(
            "UPDATE rsvp SET buddy_offer = ? WHERE id = ?", (int(offer), rsvp_id)
        )

    async def request_buddy(self, rsvp_id: int) -> None:
        await self._conn.execute("UPDATE rsvp SET buddy_requested = 1 WHERE id = ?", (rsvp_id,))

    async def open_buddy_requests(self, event_id: int) -> list[Rsvp]:
        """Members going who asked for a peer to meet them there, and have none yet."""
        rows = await self._conn.execute_fetchall(
            f"SELECT {_RSVP_COLUMNS} FROM rsvp WHERE event_id = ? AND answer = 'going' "
            "AND buddy_requested = 1 AND buddy_id IS NULL ORDER BY id",
            (event_id,),
        )
        return [_rsvp(row) for row in rows]

    async def release_buddy(self, event_id: int, volunteer_id: int) -> list[Rsvp]:
        """The volunteer will not be at the event: the members they were to meet are free
        again (still asking for a peer). Returns those members' answers, as they were."""
        rows = await self._conn.execute_fetchall(
            f"SELECT {_RSVP_COLUMNS} FROM rsvp WHERE event_id = ? AND buddy_id = ? ORDER BY id",
            (event_id, volunteer_id),
        )
        await self._conn.execute(
            "UPDATE rsvp SET buddy_id = NULL WHERE event_id = ? AND buddy_id = ?",
            (event_id, volunteer_id),
        )
        return [_rsvp(row) for row in rows]

    async def buddy_offers(self, event_id: int) -> list[int]:
        """Members (volunteers) going to the event who offered to meet someone there."""
        rows = await self._conn.execute_fetchall(
            "SELECT member_id FROM rsvp WHERE event_id = ? AND answer = 'going' "
            "AND buddy_offer = 1 ORDER BY id",
            (event_id,),
        )
        return [row["member_id"] for row in rows]

    async def claim_buddy(self, rsvp_id: int, volunteer_id: int) -> bool:
        """The first volunteer to say "I'll meet them" gets it (compare-and-set)."""
        cursor = await self._conn.execute(
            "UPDATE rsvp SET buddy_id = ? WHERE id = ? AND buddy_requested = 1 "
            "AND buddy_id IS NULL AND answer = 'going'",
            (volunteer_id, rsvp_id),
        )
        return cursor.rowcount == 1

    # -- nudges --------------------------------------------------------------
    async def record_nudge(
        self, member_id: int, event_id: int, *, reasons: Sequence[NudgeReason], now: datetime
    ) -> int:
        cursor = await self._conn.execute(
            "INSERT INTO nudge (member_id, event_id, sent_at, reasons) VALUES (?, ?, ?, ?)",
            (member_id, event_id, to_db(now), ",".join(reasons)),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def nudge_outcome(
        self, member_id: int, event_id: int | None, outcome: NudgeOutcome, *, now: datetime
    ) -> bool:
        """Move the member's newest nudge (for the event, or any) on to `outcome`."""
        where = "member_id = ?" + (" AND event_id = ?" if event_id is not None else "")
        params: tuple[object, ...] = (
            (member_id, event_id) if event_id is not None else (member_id,)
        )
        rows = list(
            await self._conn.execute_fetchall(
                f"SELECT id, outcome FROM nudge WHERE {where} ORDER BY sent_at DESC, id DESC "
                "LIMIT 1",
                params,
            )
        )
        if not rows or _OUTCOME_RANK[outcome] < _OUTCOME_RANK[NudgeOutcome(rows[0]["outcome"])]:
            return False
        await self._conn.execute(
            "UPDATE nudge SET outcome = ?, outcome_at = ? WHERE id = ?",
            (outcome, to_db(now), rows[0]["id"]),
        )
        return True

    async def nudge_counts(self, since: datetime) -> dict[NudgeOutcome, int]:
        """How the nudges sent since a moment turned out: outcome → count."""
        rows = await self._conn.execute_fetchall(
            "SELECT outcome, count(*) AS n FROM nudge WHERE sent_at >= ? GROUP BY outcome",
            (to_db(since),),
        )
        return {NudgeOutcome(row["outcome"]): row["n"] for row in rows}

    # -- series --------------------------------------------------------------
    async def create_series(
        self,
        fields: EventFields,
        *,
        uid: str,
        source: str,
        timezone: str,
        rule: str | None,
        local_time: str | None,
        length_minutes: int | None,
        first_date: date | None,
        expanded_until: datetime,
        created_by: int | None,
        now: datetime,
        feed_id: int | None = None,
        ical: str | None = None,
        source_updated: str | None = None,
    ) -> int:
        cursor = await self._conn.execute(
            "INSERT INTO event_series (uid, source, feed_id, title, place, description, tags, "
            "capacity, types, conference_url, conference_phone, timezone, rule, local_time, "
            "length_minutes, first_date, ical, expanded_until, source_updated, created_by, "
            "created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                uid,
                source,
                feed_id,
                *_series_values(fields),
                timezone,
                rule,
                local_time,
                length_minutes,
                None if first_date is None else date_to_db(first_date),
                ical,
                to_db(expanded_until),
                source_updated,
                created_by,
                to_db(now),
                to_db(now),
            ),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def update_series(
        self,
        series_id: int,
        fields: EventFields,
        *,
        timezone: str,
        rule: str | None,
        local_time: str | None,
        length_minutes: int | None,
        first_date: date | None,
        now: datetime,
        ical: str | None = None,
        source_updated: str | None = None,
    ) -> None:
        await self._conn.execute(
            "UPDATE event_series SET title = ?, place = ?, description = ?, tags = ?, "
            "capacity = ?, types = ?, conference_url = ?, conference_phone = ?, timezone = ?, "
            "rule = ?, local_time = ?, length_minutes = ?, first_date = ?, ical = ?, "
            "source_updated = ?, updated_at = ? WHERE id = ?",
            (
                *_series_values(fields),
                timezone,
                rule,
                local_time,
                length_minutes,
                None if first_date is None else date_to_db(first_date),
                ical,
                source_updated,
                to_db(now),
                series_id,
            ),
        )

    async def _series_where(self, condition: str, params: tuple[Any, ...]) -> EventSeries | None:
        row = await self._first(
            f"SELECT {_SERIES_COLUMNS} FROM event_series WHERE {condition}", params
        )
        return None if row is None else _series(row)

    async def get_series(self, series_id: int) -> EventSeries | None:
        return await self._series_where("id = ?", (series_id,))

    async def series_by_uid(self, uid: str) -> EventSeries | None:
        return await self._series_where("uid = ?", (uid,))

    async def series_to_extend(self, before: datetime, *, limit: int) -> list[EventSeries]:
        """Series not cancelled whose occurrences end before `before` (the index)."""
        rows = await self._conn.execute_fetchall(
            f"SELECT {_SERIES_COLUMNS} FROM event_series WHERE cancelled_at IS NULL "
            "AND expanded_until < ? ORDER BY expanded_until LIMIT ?",
            (to_db(before), limit),
        )
        return [_series(row) for row in rows]

    async def set_expanded(self, series_id: int, until: datetime) -> None:
        await self._conn.execute(
            "UPDATE event_series SET expanded_until = ? WHERE id = ?", (to_db(until), series_id)
        )

    async def cancel_series(self, series_id: int, *, now: datetime) -> None:
        """The series is off: no more occurrences are made (those made are cancelled one
        by one, so that those going to each are told)."""
        await self._conn.execute(
            "UPDATE event_series SET cancelled_at = ?, updated_at = ? WHERE id = ?",
            (to_db(now), to_db(now), series_id),
        )

    async def add_occurrence(
        self, series_id: int, occurrence: datetime, fields: EventFields, *, uid: str, now: datetime
    ) -> int | None:
        """An occurrence of the series; None if it already has one at that start."""
        cursor = await self._conn.execute(
            f"INSERT INTO event ({_FIELD_COLUMNS}, uid, series_id, occurrence, created_by, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "(SELECT created_by FROM event_series WHERE id = ?), ?, ?) ON CONFLICT DO NOTHING",
            (
                *_field_values(fields),
                uid,
                series_id,
                to_db(occurrence),
                series_id,
                to_db(now),
                to_db(now),
            ),
        )
        return cursor.lastrowid if cursor.rowcount == 1 else None

    async def occurrences(
        self, series_id: int, *, after: datetime, cancelled: bool = False
    ) -> list[Event]:
        """The series' occurrences starting after a moment (with the cancelled ones if
        asked), soonest first."""
        rows = await self._conn.execute_fetchall(
            f"SELECT {_EVENT_COLUMNS} FROM event e WHERE e.series_id = ? AND e.starts_at > ? "
            + ("" if cancelled else "AND e.cancelled_at IS NULL ")
            + "ORDER BY e.starts_at, e.id",
            (series_id, to_db(after)),
        )
        return [_event(row) for row in rows]

    async def answer_for_series(self, series_id: int, member_id: int, *, now: datetime) -> None:
        """ "I usually go" (the dates themselves get their answers from the caller)."""
        await self._conn.execute(
            "INSERT INTO series_rsvp (series_id, member_id, answered_at) VALUES (?, ?, ?) "
            "ON CONFLICT DO UPDATE SET answered_at = excluded.answered_at",
            (series_id, member_id, to_db(now)),
        )

    async def answer_from_series(
        self,
        event_id: int,
        member_id: int,
        *,
        now: datetime,
        stage: ReminderStage | None,
        due_at: datetime | None,
    ) -> bool:
        """ "Going" for one date, from "I usually go": never over the member's own answer
        for that date. Whether it was recorded."""
        cursor = await self._conn.execute(
            "INSERT INTO rsvp (event_id, member_id, answer, answered_at, stage, due_at, "
            "from_series) VALUES (?, ?, 'going', ?, ?, ?, 1) ON CONFLICT DO NOTHING",
            (event_id, member_id, to_db(now), stage, maybe_to_db(due_at)),
        )
        return cursor.rowcount == 1

    async def drop_series_answer(self, series_id: int, member_id: int, *, now: datetime) -> None:
        """No longer "I usually go": the coming dates it answered lose their answer; what
        the member said of a date themselves stays."""
        await self._conn.execute(
            "DELETE FROM series_rsvp WHERE series_id = ? AND member_id = ?",
            (series_id, member_id),
        )
        await self._conn.execute(
            "DELETE FROM rsvp WHERE member_id = ? AND from_series = 1 AND event_id IN "
            "(SELECT id FROM event WHERE series_id = ? AND starts_at > ?)",
            (member_id, series_id, to_db(now)),
        )

    async def series_members(self, series_id: int) -> list[int]:
        """Members who usually go to the series."""
        rows = await self._conn.execute_fetchall(
            "SELECT member_id FROM series_rsvp WHERE series_id = ? ORDER BY member_id",
            (series_id,),
        )
        return [row["member_id"] for row in rows]

    async def usual_series(self, member_id: int, series_ids: Iterable[int]) -> set[int]:
        """Which of these series the member usually goes to."""
        ids = list(series_ids)
        if not ids:
            return set()
        marks = ", ".join("?" for _ in ids)
        rows = await self._conn.execute_fetchall(
            f"SELECT series_id FROM series_rsvp WHERE member_id = ? AND series_id IN ({marks})",
            (member_id, *ids),
        )
        return {row["series_id"] for row in rows}

    async def series_of_feed(self, feed_id: int) -> list[EventSeries]:
        rows = await self._conn.execute_fetchall(
            f"SELECT {_SERIES_COLUMNS} FROM event_series WHERE feed_id = ? "
            "AND cancelled_at IS NULL ORDER BY id",
            (feed_id,),
        )
        return [_series(row) for row in rows]

    # -- Meeting Guide feeds -------------------------------------------------
    async def feed(self, url: str) -> MeetingFeed:
        """The feed at `url`, added on first use."""
        await self._conn.execute(
            "INSERT INTO meeting_feed (url) VALUES (?) ON CONFLICT DO NOTHING", (url,)
        )
        row = await self._first(f"SELECT {_FEED_COLUMNS} FROM meeting_feed WHERE url = ?", (url,))
        return _feed(row)

    async def feed_synced(
        self,
        feed_id: int,
        *,
        etag: str | None,
        last_modified: str | None,
        meetings: int | None,
        now: datetime,
        next_sync_at: datetime | None,
    ) -> None:
        """A sync that worked (new data, or "not modified": `meetings` None)."""
        await self._conn.execute(
            "UPDATE meeting_feed SET etag = ?, last_modified = ?, next_sync_at = ?, "
            "last_ok_at = ?, failing_since = NULL, failure = NULL, "
            "meetings = coalesce(?, meetings) WHERE id = ?",
            (etag, last_modified, maybe_to_db(next_sync_at), to_db(now), meetings, feed_id),
        )

    async def feed_failed(
        self, feed_id: int, *, failure: str, now: datetime, next_sync_at: datetime | None
    ) -> None:
        await self._conn.execute(
            "UPDATE meeting_feed SET failure = ?, failing_since = coalesce(failing_since, ?), "
            "next_sync_at = ? WHERE id = ?",
            (failure, to_db(now), maybe_to_db(next_sync_at), feed_id),
        )


def _series_values(fields: EventFields) -> tuple[object, ...]:
    """The columns title, place, description, tags, capacity, types, conference_url,
    conference_phone."""
    return (
        fields.title,
        fields.place,
        fields.description,
        ",".join(fields.tags),
        fields.capacity,
        ",".join(fields.types),
        fields.conference_url,
        fields.conference_phone,
    )
