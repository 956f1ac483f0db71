"""A deletion's words leave the WAL even when the fold right after it cannot empty the log
(another connection still reading, a checkpoint beside the ticks): the database tries again
by itself, soon, without waiting for the sweep."""

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage import Account, open_database
from storage import database as storage_database
from tests.storage.test_disk_privacy import on_disk

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NAME = "Marmalade Lighthouse"


async def test_a_blocked_fold_after_a_deletion_is_tried_again_until_the_words_are_gone(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage_database, "WIPE_RETRY_SECONDS", 0.02)
    db = await open_database(str(db_path))
    try:
        async with db.transaction() as tx:
            member = await tx.members.create_for_account(
                Account("console", "5"), timezone="UTC", now=NOW
            )
            await tx.members.rename(member.id, NAME)
        # Someone else reads the database, holding a snapshot: the WAL cannot be emptied.
        reader = sqlite3.connect(db_path, isolation_level=None)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM member").fetchall()
        async with db.transaction() as tx:
            await tx.members.delete(member.id)
            await tx.wipe_after_commit()
        assert on_disk(db_path, [NAME]) != []  # the fold could not empty the log
        reader.execute("ROLLBACK")
        reader.close()
        for _turn in range(500):
            if not on_disk(db_path, [NAME]):
                break
            await asyncio.sleep(0.01)
        assert on_disk(db_path, [NAME]) == []
    finally:
        await db.close()
