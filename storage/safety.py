"""Safety events (time, tier, rule ids, detector version — never the text), peer
reports, and small facts the scheduler keeps between sweeps."""

from collections.abc import Sequence
from datetime import datetime

import aiosqlite

from storage.records import WaitingReport
from storage.states import ChatSide, ReportReason, SafetySource, maybe_state
from storage.timeutil import to_db


class SafetyRepository:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def record_event(
        self,
        member_id: int | None,
        *,
        tier: int,
        rule_ids: Sequence[str],
        detector_version: str,
        source: SafetySource,
        now: datetime,
        message_ref: str | None = None,
    ) -> None:
        await self._conn.execute(
            "INSERT INTO safety_event (member_id, at, tier, rule_ids, detector_version, source, "
            "message_ref) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                member_id,
                to_db(now),
                tier,
                ",".join(rule_ids),
                detector_version,
                source,
                message_ref,
            ),
        )

    async def most_severe_for_message(self, member_id: int, message_ref: str) -> int | None:
        """The most severe tier (1 is the most) already recorded for one of their messages."""
        rows = await self._conn.execute_fetchall(
            "SELECT min(tier) FROM safety_event WHERE member_id = ? AND message_ref = ?",
            (member_id, message_ref),
        )
        value = next(iter(rows))[0]
        return None if value is None else int(value)

    async def count_since(self, member_id: int, since: datetime, *, tier: int) -> int:
        """How many of a member's events at `tier` or more severe were recorded since then."""
        rows = await self._conn.execute_fetchall(
            "SELECT count(*) FROM safety_event WHERE member_id = ? AND at >= ? AND tier <= ?",
            (member_id, to_db(since), tier),
        )
        return int(next(iter(rows))[0])

    async def reported(self, handoff_id: int, *, by: ChatSide) -> bool:
        """Whether this side of the chat has reported it already."""
        rows = await self._conn.execute_fetchall(
            "SELECT 1 FROM peer_report WHERE handoff_id = ? AND reported_by = ? LIMIT 1",
            (handoff_id, by),
        )
        return bool(list(rows))

    async def events_of(self, member_id: int) -> list[tuple[int, str, SafetySource]]:
        """(tier, rule ids, source) of a member's events, oldest first."""
        rows = await self._conn.execute_fetchall(
            "SELECT tier, rule_ids, source FROM safety_event WHERE member_id = ? ORDER BY id",
            (member_id,),
        )
        return [(row["tier"], row["rule_ids"], SafetySource(row["source"])) for row in rows]

    async def record_report(
        self,
        handoff_id: int,
        *,
        reported_by: ChatSide,
        reason: ReportReason,
        words: str | None,
        now: datetime,
        passed_on: bool,
    ) -> None:
        """Keep a report; `passed_on` False while no admin outside the chat can be told."""
        passed_on_at = to_db(now) if passed_on else None
        await self._conn.execute(
            "INSERT INTO peer_report (handoff_id, reported_by, at, reason, words, passed_on_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (handoff_id, reported_by, to_db(now), reason, words, passed_on_at),
        )

    async def waiting_reports(self, *, limit: int = 50) -> list[WaitingReport]:
        """Reports no admin has been given yet, oldest first."""
        rows = await self._conn.execute_fetchall(
            "SELECT id, handoff_id, reported_by, reason, words FROM peer_report "
            "WHERE passed_on_at IS NULL AND handoff_id IS NOT NULL ORDER BY id LIMIT ?",
            (limit,),
        )
        return [
            WaitingReport(
                id=row["id"],
                handoff_id=row["handoff_id"],
                reported_by=ChatSide(row["reported_by"]),
                reason=maybe_state(ReportReason, row["reason"]),
                words=row["words"],
            )
            for row in rows
        ]

    async def report_passed_on(self, report_id: int, now: datetime) -> None:
        await self._conn.execute(
            "UPDATE peer_report SET passed_on_at = ? WHERE id = ?", (to_db(now), report_id)
        )

    async def get_state(self, key: str) -> str | None:
        rows = list(
            await self._conn.execute_fetchall("SELECT value FROM app_state WHERE key = ?", (key,))
        )
        return str(rows[0]["value"]) if rows else None

    async def set_state(self, key: str, value: str) -> None:
        await self._conn.execute(
            "INSERT OR REPLACE INTO app_state (key, value) VALUES (?, ?)", (key, value)
        )
