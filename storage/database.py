"""The SQLite connection, numbered migrations and serialised transactions.

One connection serves the whole process (storage/connection.py: aiosqlite's API,
short statements run on the event loop, long work on aiosqlite's worker thread).
Updates from different members are handled concurrently, so every unit of work runs
inside `Database.transaction()`, which holds an asyncio lock for its duration:
a transaction never sees another's half-done writes.

SQLite's own automatic checkpoint is off: it would run inside a COMMIT, on the loop,
writing and syncing the database file. The WAL is folded off the loop instead: on the
sweep schedule, and in the background once it has grown past `WAL_FOLD_BYTES`.

In WAL mode every committed change is first appended to the `-wal` file, old page
versions included, so words deleted from the database (secure_delete zeroes them
there) stay readable in the WAL until it is folded into the database and emptied:
at start, after a deletion, on the sweep schedule and at close.
"""

import asyncio
import logging
import os
import sqlite3
import stat
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from importlib import resources
from pathlib import Path

from storage.audit import AuditRepository
from storage.broadcasts import BroadcastRepository
from storage.checkins import CheckinRepository
from storage.connection import LoopConnection, connect
from storage.conversations import ConversationRepository
from storage.digests import DigestRepository
from storage.events import EventRepository
from storage.handoffs import HandoffRepository
from storage.inbox import InboxRepository
from storage.members import MemberRepository
from storage.notices import NoticeRepository
from storage.offered import OfferedCommandRepository
from storage.outbox import OutboxRepository
from storage.personal import PersonalDataRepository
from storage.recovery import RecoveryRepository
from storage.retention import RetentionRepository
from storage.safety import SafetyRepository
from storage.safety_plans import SafetyPlanRepository
from storage.secret import load_secret
from storage.stats import StatsRepository
from storage.volunteers import VolunteerRepository

log = logging.getLogger(__name__)

# The database and SQLite's files beside it hold members' health data: owner only.
PRIVATE_MODE = 0o600
SIDE_FILES = ("-wal", "-shm")
# A WAL grown past this is folded in the background, between ticks of the sweep; its
# size is looked at every WAL_LOOK_EVERY commits (a stat call, cheap but not free).
WAL_FOLD_BYTES = 8 * 2**20
WAL_LOOK_EVERY = 100
# A fold after a deletion that could not empty the WAL (another connection reading, a
# checkpoint beside the ticks still copying, an I/O error) is tried again after these many
# seconds, doubling, by the database itself: deleted words do not wait for the next sweep.
WIPE_RETRY_SECONDS = 1.0
# How long statements wait for another connection's lock (sqlite3's default), and how long
# a fold does.
BUSY_MS = 5000
FOLD_BUSY_MS = 200
WIPE_RETRIES = 8


class Transaction:
    """The repositories, bound to one open transaction."""

    __slots__ = (
        "_conn",
        "_wipe_mark",
        "audit",
        "broadcasts",
        "checkins",
        "conversations",
        "digests",
        "events",
        "handoffs",
        "inbox",
        "members",
        "notices",
        "offered",
        "outbox",
        "personal",
        "recovery",
        "retention",
        "safety",
        "safety_plans",
        "stats",
        "volunteers",
    )

    def __init__(self, conn: LoopConnection, secret: bytes) -> None:
        self._conn = conn
        # Set by `wipe_after_commit`: the newest outbox row before this change's own.
        self._wipe_mark: int | None = None
        self.members = MemberRepository(conn, secret)
        self.checkins = CheckinRepository(conn)
        self.conversations = ConversationRepository(conn)
        self.inbox = InboxRepository(conn)
        self.outbox = OutboxRepository(conn)
        self.volunteers = VolunteerRepository(conn)
        self.handoffs = HandoffRepository(conn)
        self.notices = NoticeRepository(conn)
        self.offered = OfferedCommandRepository(conn)
        self.safety = SafetyRepository(conn)
        self.safety_plans = SafetyPlanRepository(conn)
        self.events = EventRepository(conn)
        self.stats = StatsRepository(conn)
        self.personal = PersonalDataRepository(conn)
        self.recovery = RecoveryRepository(conn)
        self.audit = AuditRepository(conn)
        self.digests = DigestRepository(conn)
        self.retention = RetentionRepository(conn)
        self.broadcasts = BroadcastRepository(conn)

    async def wipe_after_commit(self) -> None:
        """Personal data was deleted: once this commits, the WAL is folded into the
        database file and emptied, so the deleted words are gone from both; and once
        more when the messages this change queues have left the outbox (their rows
        hold their recipients' chat ids, the deleted person's among them)."""
        if self._wipe_mark is None:
            self._wipe_mark = await self.outbox.newest_id()

    def off_loop(self) -> AbstractAsyncContextManager[None]:
        """Statements made inside run on the database's worker thread, not on the event
        loop: for reads that may take long (a whole /export), so other chats go on."""
        return self._conn.off_loop()

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A part of the transaction that is undone by itself if the body raises (one
        member's work in a sweep's shared transaction), the rest kept."""
        await self._conn.execute("SAVEPOINT part")
        try:
            yield
        except BaseException:
            await self._conn.execute("ROLLBACK TO part")
            await self._conn.execute("RELEASE part")
            raise
        await self._conn.execute("RELEASE part")

    def wipe_mark(self) -> int | None:
        """The outbox row before this change's own, if it asked for a wipe."""
        return self._wipe_mark

    def reset(self) -> None:
        """A new transaction begins."""
        self._wipe_mark = None


def _migrations() -> list[tuple[int, str]]:
    folder = resources.files("storage") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8")))
    return sorted(found)


class Database:
    def __init__(
        self,
        conn: LoopConnection,
        secret: bytes,
        path: str = ":memory:",
        *,
        commit_off_loop: bool = False,
    ) -> None:
        self._conn = conn
        self._path = path
        # The deployment's key for keyed hashes of accounts (storage/secret.py).
        self.secret = secret
        self._lock = asyncio.Lock()
        self._tx = Transaction(conn, secret)
        # Outbox rows queued by a deletion and not yet sent (see `after_delivery`).
        self._wipe_when_sent: set[int] = set()
        # Under synchronous=FULL a COMMIT waits for the disk: on the worker thread, then.
        self._commit_off_loop = commit_off_loop
        self._wal = None if path == ":memory:" else Path(path + "-wal")
        self._commits = 0
        self._folding: asyncio.Task[None] | None = None
        self._wipe_retry: asyncio.Task[None] | None = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """One atomic unit of work; rolled back if the body raises."""
        # Statements run on the loop without yielding: let other chats' work in between
        # units of work (a sweep runs many of them back to back).
        await asyncio.sleep(0)
        async with self._lock:
            tx = self._tx
            tx.reset()
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                yield tx
            except BaseException:
                # Without an open transaction (BEGIN itself failed) this is a no-op.
                await self._conn.rollback()
                raise
            async with self._conn.off_loop() if self._commit_off_loop else nullcontext():
                try:
                    await self._conn.commit()
                except BaseException:
                    # A failed COMMIT (disk full, I/O) can leave the transaction open: close
                    # it, or every later BEGIN on this one connection would fail. Cancelled
                    # while the COMMIT was on the worker thread, the rollback is queued there
                    # after it (and is then a no-op).
                    await self._conn.rollback()
                    raise
            wipe_mark = tx.wipe_mark()
            if wipe_mark is not None:
                self._wipe_when_sent |= set(await tx.outbox.ids_after(wipe_mark))
                await self._wipe_wal()
        self._look_at_wal()

    @asynccontextmanager
    async def single_statement(self) -> AsyncIterator[Transaction]:
        """For one statement, which SQLite makes atomic by itself: no BEGIN/COMMIT round trips."""
        await asyncio.sleep(0)
        # The statement commits itself: under synchronous=FULL it waits for the disk, on
        # the worker thread then, as a transaction's COMMIT does.
        off_loop = self._conn.off_loop() if self._commit_off_loop else nullcontext()
        async with self._lock, off_loop:
            yield self._tx

    async def schema_version(self) -> int:
        rows = await self._conn.execute_fetchall("PRAGMA user_version")
        return int(next(iter(rows))[0])

    async def migrate(self) -> int:
        """Apply pending numbered migrations; returns the resulting version."""
        async with self._lock, self._conn.off_loop():
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
        """Fold the WAL into the database file and empty it (on the sweep schedule)."""
        async with self._lock:
            await self._fold_wal()

    async def checkpoint_aside(self) -> None:
        """Fold the WAL as `checkpoint` does, without holding up transactions while it
        copies (a fold after a large deletion can take a while): the copying is done on a
        connection and a thread of its own (a passive checkpoint, which takes no lock a
        writer needs: a stronger one would hold the writer's lock throughout, and our
        statements run on the event loop, so the loop would wait), then `checkpoint`
        copies what came since and empties the WAL."""
        if self._path == ":memory:":
            return
        await asyncio.to_thread(_fold_wal_aside, self._path)
        await self.checkpoint()

    async def after_delivery(self) -> None:
        """Sent messages have left the outbox. Once the last of those a deletion queued
        has, the WAL is folded again: the rows' old versions go from both files."""
        if not self._wipe_when_sent:
            return
        async with self._lock:
            self._wipe_when_sent = set(await self._tx.outbox.still_queued(self._wipe_when_sent))
            if not self._wipe_when_sent:
                await self._wipe_wal()

    def _look_at_wal(self) -> None:
        """Every so many commits: a WAL grown large is folded soon, in the background."""
        self._commits += 1
        if self._wal is None or self._commits % WAL_LOOK_EVERY or self._folding is not None:
            return
        try:
            size = self._wal.stat().st_size
        except FileNotFoundError:
            return
        if size > WAL_FOLD_BYTES:
            self._folding = asyncio.get_running_loop().create_task(self._fold_in_background())

    async def _fold_in_background(self) -> None:
        try:
            await self.checkpoint()
        finally:
            self._folding = None

    async def _wipe_wal(self) -> None:
        """Fold the WAL after a deletion (the caller holds the lock); if it could not be
        emptied, try again soon, in the background, until it is."""
        if await self._fold_wal() or self._wipe_retry is not None:
            return
        self._wipe_retry = asyncio.get_running_loop().create_task(self._retry_wipe())

    async def _retry_wipe(self) -> None:
        delay = WIPE_RETRY_SECONDS
        try:
            for attempt in range(1, WIPE_RETRIES + 1):
                await asyncio.sleep(delay)
                async with self._lock:
                    if await self._fold_wal():
                        log.info("wal_wipe_retried attempts=%s", attempt)
                        return
                delay *= 2
            log.error("wal_wipe_gave_up attempts=%s", WIPE_RETRIES)
        finally:
            self._wipe_retry = None

    async def _fold_wal(self) -> bool:
        """Whether the WAL was folded and emptied. The caller holds the lock, so no
        transaction of ours is open; another connection (a checkpoint beside the ticks, an
        operator's sqlite3 shell) may still keep it from being emptied. It writes and syncs
        the database file: on the worker thread, so the loop goes on meanwhile."""
        try:
            async with self._conn.off_loop():
                # Every transaction waits while this holds the lock: wait only briefly for
                # another connection's readers, and try again later instead (the wipe retries).
                await self._conn.execute(f"PRAGMA busy_timeout = {FOLD_BUSY_MS}")
                try:
                    rows = await self._conn.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
                finally:
                    await self._conn.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
        except sqlite3.Error as error:
            # What was committed stays committed; the next checkpoint tries again.
            log.warning("wal_checkpoint_failed error=%s", type(error).__name__)
            return False
        busy = next(iter(rows))[0]
        if busy:
            log.warning("wal_checkpoint_busy")
        return not busy

    async def close(self) -> None:
        if self._folding is not None:
            await self._folding
        if self._wipe_retry is not None:
            self._wipe_retry.cancel()  # the fold just below is the last try
        async with self._lock:
            await self._fold_wal()
        await self._conn.close()


def _fold_wal_aside(path: str) -> None:
    """`PRAGMA wal_checkpoint(PASSIVE)` on a short-lived connection of this thread."""
    try:
        conn = sqlite3.connect(path, timeout=5.0, isolation_level=None)
    except sqlite3.Error as error:
        log.warning("wal_checkpoint_failed error=%s", type(error).__name__)
        return
    try:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    except sqlite3.Error as error:
        # What was committed stays committed; the next checkpoint tries again.
        log.warning("wal_checkpoint_failed error=%s", type(error).__name__)
    finally:
        conn.close()


def database_files(path: str) -> list[Path]:
    """The database file and SQLite's write-ahead log and index beside it."""
    return [Path(path), *(Path(path + suffix) for suffix in SIDE_FILES)]


def keep_private(files: list[Path]) -> None:
    """Make existing files owner-only, warning about any that were not."""
    for file in files:
        try:
            mode = stat.S_IMODE(file.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & ~PRIVATE_MODE:
            log.warning("file_too_open file=%s mode=%o now=%o", file, mode, PRIVATE_MODE)
            file.chmod(PRIVATE_MODE)


def _create_private(path: Path) -> None:
    """Create the database file 0600 whatever the umask (SQLite would make it 0644);
    SQLite gives its -wal and -shm files the database file's mode."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
    except FileExistsError:
        return
    os.close(descriptor)


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
        keep_private(database_files(path))
        _create_private(Path(path))
    secret = load_secret(path)
    conn = await connect(path)
    conn.row_factory = sqlite3.Row
    for pragma in (
        "journal_mode = WAL",
        f"synchronous = {synchronous}",
        "foreign_keys = ON",
        f"busy_timeout = {BUSY_MS}",
        # Deleted member data is overwritten, not left readable in free pages.
        "secure_delete = ON",
        # No checkpoint inside a COMMIT on the loop: the database folds it off the loop.
        "wal_autocheckpoint = 0",
    ):
        await conn.execute(f"PRAGMA {pragma}")
    if path != ":memory:":
        keep_private(database_files(path))  # the -wal and -shm, made just now
    database = Database(conn, secret, path, commit_off_loop=synchronous == "FULL")
    await database.migrate()
    # A WAL left by a killed process still holds old page versions: fold it now.
    await database.checkpoint()
    return database
