"""Where SQLite work runs: a unit of work's statements on the event loop's own thread
(no hop to a worker per statement), the long work (WAL checkpoints, migrations, a commit
under synchronous=FULL, an export's reads) on the worker thread, so the loop serves
other chats meanwhile; with the repositories' aiosqlite API unchanged."""

import asyncio
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite
import pytest

from storage import Account, Database, open_database

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class Threads:
    """Which thread ran each statement, by SQLite's trace callback."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, bool]] = []
        self._loop_thread = threading.get_ident()

    def __call__(self, statement: str) -> None:
        self.seen.append((statement, threading.get_ident() == self._loop_thread))

    def on_loop(self, fragment: str) -> list[bool]:
        return [on_loop for statement, on_loop in self.seen if fragment in statement]


@pytest.fixture
async def traced(db: Database) -> AsyncIterator[Threads]:
    threads = Threads()
    await db._conn.set_trace_callback(threads)
    yield threads  # the connection closes with the database after the test


async def test_a_transactions_statements_run_on_the_loop(db: Database, traced: Threads) -> None:
    async with db.transaction() as tx:
        member = await tx.members.create_for_account(
            Account("console", "7"), timezone="UTC", now=NOW
        )
        assert member.id > 0  # a cursor's lastrowid, as aiosqlite gives it
    assert traced.on_loop("BEGIN IMMEDIATE") == [True]
    assert traced.on_loop("INSERT INTO member") == [True]
    assert traced.on_loop("COMMIT") == [True]


async def test_the_checkpoint_runs_off_the_loop(db: Database, traced: Threads) -> None:
    await db.checkpoint()
    assert traced.on_loop("wal_checkpoint") == [False]


async def test_reads_inside_off_loop_run_on_the_worker(db: Database, traced: Threads) -> None:
    async with db.transaction() as tx:
        async with tx.off_loop():
            await tx.members.find_by_account(Account("console", "8"))
        await tx.members.find_by_account(Account("console", "9"))
    lookups = traced.on_loop("FROM account")
    assert lookups == [False, True]


async def test_a_full_sync_commit_runs_off_the_loop(db_path: Path) -> None:
    db = await open_database(str(db_path.with_name("full.db")), synchronous="FULL")
    try:
        threads = Threads()
        await db._conn.set_trace_callback(threads)
        async with db.transaction() as tx:
            await tx.members.create_for_account(Account("console", "7"), timezone="UTC", now=NOW)
        assert threads.on_loop("BEGIN IMMEDIATE") == [True]
        assert threads.on_loop("COMMIT") == [False]
    finally:
        await db.close()


async def test_the_connection_keeps_aiosqlites_api(db: Database) -> None:
    # Repositories are typed and written against aiosqlite.Connection.
    assert isinstance(db._conn, aiosqlite.Connection)
    async with db.transaction():
        cursor = await db._conn.execute("CREATE TEMP TABLE probe (n INTEGER)")
        cursor = await db._conn.execute("INSERT INTO probe (n) VALUES (1), (2)")
        assert cursor.rowcount == 2
        rows = await db._conn.execute_fetchall("SELECT n FROM probe ORDER BY n")
        assert [row[0] for row in rows] == [1, 2]
        async with db._conn.execute("SELECT n FROM probe ORDER BY n") as listed:
            assert [row[0] async for row in listed] == [1, 2]
        one = await db._conn.execute("SELECT max(n) FROM probe")
        row = await one.fetchone()
        assert row is not None and row[0] == 2


async def test_a_single_statement_under_full_sync_runs_off_the_loop(db_path: Path) -> None:
    db = await open_database(str(db_path.with_name("full1.db")), synchronous="FULL")
    try:
        threads = Threads()
        await db._conn.set_trace_callback(threads)
        async with db.single_statement() as tx:
            await tx.members.create_for_account(Account("console", "7"), timezone="UTC", now=NOW)
        assert threads.on_loop("INSERT INTO member") == [False]
    finally:
        await db.close()


async def test_a_call_left_on_the_worker_by_a_cancelled_task_is_not_overlapped(
    db: Database, traced: Threads
) -> None:
    # A unit of work cancelled while its statement runs on the worker: its rollback (and
    # anything after it) must queue behind that statement on the worker, never run on the
    # loop while the worker still uses the one connection.
    started, release = threading.Event(), threading.Event()

    def slow() -> int:
        started.set()
        release.wait(10)
        return 1

    await db._conn.create_function("slow", 0, slow)

    async def work() -> None:
        async with db.transaction() as tx, tx.off_loop():
            await db._conn.execute("SELECT slow()")

    task = asyncio.get_running_loop().create_task(work())
    await asyncio.to_thread(started.wait, 10)
    task.cancel()
    for _turn in range(5):
        await asyncio.sleep(0)  # the task reaches its rollback while slow() still runs
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert traced.on_loop("ROLLBACK") == [False]
    async with db.transaction() as tx:  # once the worker is done, on the loop again
        await tx.members.find_by_account(Account("console", "1"))
    assert traced.on_loop("FROM account") == [True]
