"""The SQLite connection, numbered migrations and serialised transactions.

One aiosqlite connection (one worker thread) serves the whole process. Updates
from different members are handled concurrently, so every unit of work runs
inside `Database.transaction()`, which holds an asyncio lock for its duration:
a transaction never sees another's half-done writes.
"""

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

import aiosqlite

from storage.checkins import CheckinRepository
from storage.conversations import ConversationRepository
from storage.events import EventRepository
from storage.handoffs import HandoffRepository
from storage.inbox import InboxRepository
from storage.members import MemberRepository
from storage.notices import NoticeRepository
from storage.offered import OfferedCommandRepository
from storage.outbox import OutboxRepository
from storage.personal import PersonalDataRepository
from storage.safety import SafetyRepository
from storage.stats import StatsRepository
from storage.volunteers import VolunteerRepository


class Transaction:
    """The repositories, bound to one open transaction."""

    __slots__ = (
        "checkins",
        "conversations",
        "events",
        "handoffs",
        "inbox",
        "members",
        "notices",
        "offered",
        "outbox",
        "personal",
        "safety",
        "stats",
        "volunteers",
    )

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.members = MemberRepository(conn)
        self.checkins = CheckinRepository(conn)
        self.conversations = ConversationRepository(conn)
        self.inbox = InboxRepository(conn)
        self.outbox = OutboxRepository(conn)
        self.volunteers = VolunteerRepository(conn)
        self.handoffs = HandoffRepository(conn)
        self.notices = NoticeRepository(conn)
        self.offered = OfferedCommandRepository(conn)
        self.safety = SafetyRepository(conn)
        self.events = EventRepository(conn)
        self.stats = StatsRepository(conn)
        self.personal = PersonalDataRepository(conn)


def _migrations() -> list[tuple[int, str]]:
    folder = resources.files("storage") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8")))
    return sorted(found)


class Database:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self._tx = Transaction(conn)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """One atomic unit of work; rolled back if the body raises."""
        async with self._lock:
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                yield self._tx
            except BaseException:
                # Also when cancelled while BEGIN was on its way (PTB cancels its polling
                # task on stop): the BEGIN still runs, and the rollback, queued after it on
                # the connection's thread, keeps it from leaving the connection inside a
                # transaction for the next caller. Without an open transaction it is a no-op.
                await self._conn.rollback()
                raise
            try:
                await self._conn.commit()
            except BaseException:
                # A failed COMMIT (disk full, I/O) can leave the transaction open: close it,
                # or every later BEGIN on this one connection would fail.
                await self._conn.rollback()
                raise

    @asynccontextmanager
    async def single_statement(self) -> AsyncIterator[Transaction]:
        """For one statement, which SQLite makes atomic by itself: no BEGIN/COMMIT round trips."""
        async with self._lock:
            yield self._tx

    async def schema_version(self) -> int:
        rows = await self._conn.execute_fetchall("PRAGMA user_version")
        return int(next(iter(rows))[0])

    async def migrate(self) -> int:
        """Apply pending numbered migrations; returns the resulting version."""
        async with self._lock:
            current = await self.schema_version()
            for number, script in _migrations():
                if number <= current:
                    continue
                # executescript commits first, so the version bump rides in the script.
                await self._conn.executescript(
                    f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;"
                )
                current = number
            return current

    async def checkpoint(self) -> None:
        """Fold the WAL into the main file and truncate it (after deletions)."""
        async with self._lock:
            await self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def close(self) -> None:
        await self._conn.close()


def sqlite_path(database_url: str) -> str:
    """The file path in a `sqlite:///path` URL (`sqlite:///:memory:` for tests)."""
    prefix = "sqlite:///"
    if not database_url.startswith(prefix) or len(database_url) == len(prefix):
        raise ValueError("must look like sqlite:///path/to/hearthside.db")
    return database_url[len(prefix) :]


async def open_database(path: str, *, synchronous: str = "NORMAL") -> Database:
    """Open (creating if needed) and migrate the database at `path`.

    WAL with synchronous=NORMAL survives a killed process without losing a
    committed transaction; FULL also survives power loss, at 2-4x the cost.
    """
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    for pragma in (
        "journal_mode = WAL",
        f"synchronous = {synchronous}",
        "foreign_keys = ON",
        "busy_timeout = 5000",
        # Deleted member data is overwritten, not left readable in free pages.
        "secure_delete = ON",
    ):
        await conn.execute(f"PRAGMA {pragma}")
    database = Database(conn)
    await database.migrate()
    return database
