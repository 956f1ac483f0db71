"""The sweep's "who is due now?" queries read their partial indexes, never whole tables."""

import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite
import pytest

from storage import open_database
from storage.events import EventRepository
from storage.handoffs import HandoffRepository
from storage.members import MemberRepository

NOW = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
Query = Callable[[aiosqlite.Connection], Awaitable[object]]

# Each due query of the sweep, and the index it must use.
DUE_QUERIES: dict[str, Query] = {
    "member_prompt_due": lambda c: MemberRepository(c, b"").due_for_prompt(NOW, limit=5),
    "member_connect_due": lambda c: MemberRepository(c, b"").due_for_connect(NOW, limit=5),
    "member_followup_due": lambda c: MemberRepository(c, b"").due_for_followup(NOW, limit=5),
    "member_safety_check_due": lambda c: MemberRepository(c, b"").due_for_safety_check(
        NOW, limit=5
    ),
    "member_nudge_due": lambda c: MemberRepository(c, b"").due_for_nudge(NOW, limit=5),
    "handoff_escalate_due": lambda c: HandoffRepository(c).due_for_escalation(NOW, limit=5),
    "rsvp_due": lambda c: EventRepository(c).due(NOW, limit=5),
}


@pytest.fixture
async def conn(db_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    await (await open_database(str(db_path))).close()  # the schema, migrated
    connection = await aiosqlite.connect(db_path, isolation_level=None)
    connection.row_factory = sqlite3.Row
    yield connection
    await connection.close()


@pytest.mark.parametrize("index", DUE_QUERIES)
async def test_due_query_uses_its_index(conn: aiosqlite.Connection, index: str) -> None:
    statements: list[str] = []
    await conn.set_trace_callback(statements.append)
    await DUE_QUERIES[index](conn)
    [statement] = statements  # expanded: the bound values are in it
    plan = [row[3] for row in await conn.execute_fetchall(f"EXPLAIN QUERY PLAN {statement}")]
    assert any(f"USING INDEX {index}" in step for step in plan), plan
    assert not any(step.startswith("SCAN") and "INDEX" not in step for step in plan), plan
