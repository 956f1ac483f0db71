"""The database connection: aiosqlite's face, with short statements run on the loop.

aiosqlite sends every call (each statement, each fetch, each commit) to its worker
thread and wakes the event loop with the answer: two context switches and tens of
microseconds per call, far more than the statement itself costs SQLite (a few
microseconds for the indexed reads and one-row writes a handler or a sweep makes).

`LoopConnection` is an `aiosqlite.Connection` (the repositories keep its API: `await
conn.execute(...)`, `execute_fetchall`, cursors' `lastrowid` and `rowcount`) whose calls
run directly on the event loop, without a hop. Work that may take long (a WAL
checkpoint, which writes the database file and syncs it; a large export; migrations; a
commit that must reach the disk under synchronous=FULL) runs inside `off_loop()`: there
the same calls go to aiosqlite's worker thread as before, so the loop serves other chats
meanwhile.

One sqlite3 connection serves both (it is opened with check_same_thread=False); they
never overlap: `Database` holds its lock around each unit of work, `off_loop` sends every
call to the thread while it is entered, and while a call sent to the thread has not
finished — its caller cancelled, say, and now rolling back — later calls queue behind it
on the thread instead of running on the loop beside it.
"""

import sqlite3
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import Any, TypeVar

import aiosqlite

T = TypeVar("T")
STATEMENTS = 1024


class LoopConnection(aiosqlite.Connection):
    """An aiosqlite connection whose calls run on the loop, except inside `off_loop()`."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        # How many `off_loop` blocks are open (they may nest).
        self._off_loop = 0
        # Calls sent to the worker thread and not yet finished there. Counted by the
        # thread itself: a caller cancelled while it waits stops waiting, but its call
        # still runs, and nothing may run on the loop at the same time.
        self._in_thread = 0
        self._in_thread_lock = threading.Lock()

    async def _execute(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        # Every call of aiosqlite's Connection and Cursor comes through here.
        if not self._running or self._connection is None:
            # A closed connection raises as aiosqlite's does.
            closed: T = await super()._execute(fn, *args, **kwargs)  # type: ignore[no-untyped-call]
            return closed
        if self._off_loop or self._in_thread:
            # In the worker thread.
            with self._in_thread_lock:
                self._in_thread += 1
            call = partial(self._counted, partial(fn, *args, **kwargs))
            result: T = await super()._execute(call)  # type: ignore[no-untyped-call]
            return result
        return partial(fn, *args, **kwargs)()

    def _counted(self, call: Callable[[], T]) -> T:
        # Runs on the worker thread.
        try:
            return call()
        finally:
            with self._in_thread_lock:
                self._in_thread -= 1

    @asynccontextmanager
    async def off_loop(self) -> AsyncIterator[None]:
        """Calls made inside run in aiosqlite's worker thread: for work that may take long."""
        self._off_loop += 1
        try:
            yield
        finally:
            self._off_loop -= 1


async def connect(path: str) -> LoopConnection:
    """Open `path` in autocommit mode (transactions are begun explicitly)."""

    def connector() -> sqlite3.Connection:
        # Opened on the worker thread, used on the loop as well (never both at once).
        # Each distinct statement is prepared once and reused from the cache: room for
        # all of Hearthside's (Python's default keeps 128).
        return sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, cached_statements=STATEMENTS
        )

    conn = LoopConnection(connector)
    await conn
    return conn
