"""The inbox names an update by its source and a text key of the source's own making, and
replays what was never applied in the order it was received, whatever its keys.

A database from before keys were text (integer Telegram update ids) keeps its rows: they
are still replayed in their old order and still applied once.
"""

import sqlite3
from importlib import resources
from pathlib import Path

from flows.core.clock import ManualClock
from flows.core.engine import Engine
from flows.core.inbox import Inbox
from flows.core.values import Input
from storage import Account, Database, open_database

RECEIVED = "2026-11-22T13:00:00.000000Z"
SIGNAL = Account("signal", "3b8d1c4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e")


def make_version_15(path: Path) -> None:
    """A database as migrations 0001-0015 left it, with Telegram updates under integer keys,
    written out of order: 12 and 9 unapplied, 10 applied."""
    conn = sqlite3.connect(path)
    folder = resources.files("storage") / "migrations"
    for name in sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".sql")):
        if int(name.split("_", 1)[0]) <= 15:
            conn.executescript((folder / name).read_text(encoding="utf-8"))
    conn.execute("PRAGMA user_version = 15")
    conn.executemany(
        "INSERT INTO inbox (source, update_key, payload, received_at, applied_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [
            ("telegram", 12, '{"update_id": 12}', RECEIVED, None),
            ("telegram", 10, None, RECEIVED, RECEIVED),
            ("telegram", 9, '{"update_id": 9}', RECEIVED, None),
            ("telegram:guard", 12, None, RECEIVED, RECEIVED),
        ],
    )
    conn.commit()
    conn.close()


async def test_old_integer_keys_are_kept_replayed_in_order_and_applied_once(
    tmp_path: Path, clock: ManualClock
) -> None:
    path = tmp_path / "old.db"
    make_version_15(path)
    db = await open_database(str(path))
    try:
        assert await db.schema_version() >= 16
        inbox = Inbox(db, clock)
        # Replayed in the order Telegram sent them (by update id, 9 before 12).
        assert await inbox.unapplied("telegram") == ['{"update_id": 9}', '{"update_id": 12}']
        # Staged again (Telegram resending what it thinks unconfirmed): nothing changes.
        await inbox.stage("telegram", [("10", '{"update_id": 10}'), ("9", "{}")])
        assert await inbox.unapplied("telegram") == ['{"update_id": 9}', '{"update_id": 12}']
        # The applied one stays applied, under its key as text; the others apply once.
        assert not await inbox.mark_applied(("telegram", "10"))
        assert not await inbox.mark_applied(("telegram:guard", "12"))
        assert await inbox.mark_applied(("telegram", "9"))
        assert not await inbox.mark_applied(("telegram", "9"))
        assert await inbox.unapplied("telegram") == ['{"update_id": 12}']
        # Updates received after the migration come after those kept before it.
        await inbox.stage("telegram", [("13", '{"update_id": 13}')])
        assert await inbox.unapplied("telegram") == ['{"update_id": 12}', '{"update_id": 13}']
    finally:
        await db.close()
    conn = sqlite3.connect(path)
    types = {row[0] for row in conn.execute("SELECT typeof(update_key) FROM inbox")}
    conn.close()
    assert types == {"text"}


async def test_replay_follows_the_order_received_not_the_keys(
    db: Database, clock: ManualClock
) -> None:
    inbox = Inbox(db, clock)
    # As text, "10" sorts before "9", and one Signal sender's key before another's.
    await inbox.stage("telegram", [("9", "nine"), ("10", "ten")])
    await inbox.stage("telegram", [("11", "eleven")])
    signal_keys = [f"{SIGNAL.external_id}:1790000000900", "0aaa:1790000000100"]
    await inbox.stage("signal", [(signal_keys[0], "first"), (signal_keys[1], "second")])
    assert await inbox.unapplied("telegram") == ["nine", "ten", "eleven"]
    assert await inbox.unapplied("signal") == ["first", "second"]
    assert await inbox.mark_applied(("signal", signal_keys[0]))
    assert not await inbox.mark_applied(("signal", signal_keys[0]))
    assert await inbox.unapplied("signal") == ["second"]
    # The same key under another source is another update.
    assert await inbox.unapplied("telegram") == ["nine", "ten", "eleven"]


async def test_a_text_key_is_guarded_once_and_applied_once(engine: Engine) -> None:
    """A message the crisis guard reads is recorded under the guard's stage key first:
    replayed, with a text key, it is neither guarded nor applied again."""
    await engine.handle(SIGNAL, Input.typed("/start"), dedupe=("signal", "aci:1"))
    key = ("signal", f"{SIGNAL.external_id}:1790000000123")
    first = await engine.handle(SIGNAL, Input.typed("i want to kill myself tonight"), dedupe=key)
    assert any(d.reply.urgent for d in first.deliveries)
    again = await engine.handle(SIGNAL, Input.typed("i want to kill myself tonight"), dedupe=key)
    assert again.duplicate and again.deliveries == []
    async with engine.db.transaction() as tx:
        assert await tx.inbox.is_applied("signal:guard", key[1])
        assert await tx.inbox.is_applied(*key)
