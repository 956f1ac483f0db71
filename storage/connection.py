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

One sqlite3 connection serves both (it is opened with check_same_thread=False); the
caller keeps the two from overlapping (`Database` holds its lock around each unit of
work, and `off_loop` sends every call to the thread while it is entered).
"""

import sqlite3
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

    async def _execute(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        # Every call of aiosqlite's Connection and Cursor comes through here.
        if self._off_loop or not self._running or self._connection is None:
            # In the worker thread (and a closed connection raises as aiosqlite's does).
            result: T = await super()._execute(fn, *args, **kwargs)  # type: ignore[no-untyped-call]
            return result
        return partial(fn, *args, **kwargs)()

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
