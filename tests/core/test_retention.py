"""Retention (RETENTION_DAYS_*): the daily sweep deletes what is older than its window and
keeps what is newer, folds the write-ahead log afterwards (off the tick) so the deleted
words are in neither the database file nor its -wal, runs once a day, and keeps
everything a setting of 0 keeps."""

import random
import sqlite3
from datetime import timedelta
from pathlib import Path

from bot.sweeping import SweepJob
from flows.catalogue import create_engine
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.delivery import Postman
from flows.core.engine import Engine
from flows.sweeper import Sweeper
from storage import Account, Database, Role
from storage.timeutil import to_db
from tests.conftest import CRISIS_TEXT
from tests.storage.test_disk_privacy import on_disk

OLD_WORDS = "marmalade lighthouse"
NEW_WORDS = "cobalt teapot"
OLD_FEEDBACK = "violet submarine"
NEW_FEEDBACK = "amber windmill"
OLD_REPORT = "saffron kettle"


def engine_with(db: Database, clock: ManualClock, **retention: int) -> Engine:
    config = FlowConfig(crisis_resources=CRISIS_TEXT, **retention)  # type: ignore[arg-type]
    return create_engine(db, clock, config, rng=random.Random(1))


async def stored(db: Database, clock: ManualClock, db_path: Path) -> None:
    """A member's check-ins, safety records and chats, old and new, and invites."""
    now = clock.now()
    async with db.transaction() as tx:
        member = await tx.members.create_for_account(
            Account("telegram", "5"), timezone="UTC", now=now - timedelta(days=900)
        )
        for n, (code, used) in enumerate([("a" * 20, True), ("b" * 20, False), ("c" * 20, False)]):
            made = now - timedelta(days=60 - n)
            await tx.volunteers.create_invite(
                code, role=Role.VOLUNTEER, now=made, expires_at=made + timedelta(days=7)
            )
            if used:
                invite = await tx.volunteers.find_invite(code)
                assert invite is not None
                await tx.volunteers.redeem_invite(invite.digest, member.id, made)
    old, new = now - timedelta(days=800), now - timedelta(days=10)
    unsafe_old, chat_old = now - timedelta(days=400), now - timedelta(days=400)
    with sqlite3.connect(db_path) as conn:
        for when, words, day in ((old, OLD_WORDS, "2024-09-13"), (new, NEW_WORDS, "2026-11-12")):
            conn.execute(
                "INSERT INTO mood_checkin (member_id, local_date, mood, helped, created_at, "
                "updated_at) VALUES (?, ?, 3, ?, ?, ?)",
                (member.id, day, words, to_db(when), to_db(when)),
            )
            conn.execute(
                "INSERT INTO connection_checkin (member_id, local_date, lack_companionship, "
                "left_out, isolated, ucla3_total, community_contacts, created_at) "
                "VALUES (?, ?, 1, 1, 1, 3, 0, ?)",
                (member.id, day, to_db(when)),
            )
        for when, rule in ((unsafe_old, "oldrule"), (new, "newrule")):
            conn.execute(
                "INSERT INTO safety_event (member_id, at, tier, rule_ids, detector_version, "
                "source) VALUES (?, ?, 2, ?, 'v1', 'chat')",
                (member.id, to_db(when), rule),
            )
        for when, feedback, status in (
            (chat_old, OLD_FEEDBACK, "ended"),
            (new, NEW_FEEDBACK, "ended"),
            (chat_old, None, "waiting"),  # open, however old: never deleted
        ):
            cursor = conn.execute(
                "INSERT INTO handoff (member_id, member_alias, priority, status, requested_at, "
                "feedback, ref) VALUES (?, 'Heron', 2, ?, ?, ?, ?)",
                (member.id, status, to_db(when), feedback, f"r{random.random()}"),
            )
            if feedback == OLD_FEEDBACK:
                conn.execute(
                    "INSERT INTO peer_report (handoff_id, reported_by, at, words) "
                    "VALUES (?, 'member', ?, ?)",
                    (cursor.lastrowid, to_db(when), OLD_REPORT),
                )
    await db.checkpoint()


def rows(db_path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db_path) as conn:
        return list(conn.execute(sql))


async def test_what_is_older_than_its_window_goes_from_the_rows_and_from_the_disk(
    db: Database, db_path: Path, clock: ManualClock
) -> None:
    engine = engine_with(db, clock)  # the defaults: 730, 365 and 365 days
    await stored(db, clock, db_path)
    gone = [OLD_WORDS, OLD_FEEDBACK, OLD_REPORT, "oldrule"]
    assert sorted(on_disk(db_path, gone)) == sorted(f"hearthside.db: {n}" for n in gone)

    postman = Postman(db, clock, held=engine.held)
    job = SweepJob(Sweeper(engine), postman, db, [], tick_seconds=3600)
    await job.sweep_now()
    await job.folded()  # the fold beside the ticks

    assert rows(db_path, "SELECT helped FROM mood_checkin") == [(NEW_WORDS,)]
    assert rows(db_path, "SELECT local_date FROM connection_checkin") == [("2026-11-12",)]
    assert rows(db_path, "SELECT rule_ids FROM safety_event") == [("newrule",)]
    assert sorted(rows(db_path, "SELECT status, feedback FROM handoff"), key=str) == sorted(
        [("ended", NEW_FEEDBACK), ("waiting", None)], key=str
    )
    assert rows(db_path, "SELECT count(*) FROM peer_report") == [(0,)]
    # The used and the expired invite went a week after; the newest stays, numbered.
    assert rows(db_path, "SELECT id FROM invite") == [(3,)]
    assert on_disk(db_path, gone) == []
    assert not Path(f"{db_path}-wal").read_bytes()  # noqa: ASYNC240 - a test's one read
    assert on_disk(db_path, [NEW_WORDS, NEW_FEEDBACK, "newrule"])  # what is kept stays
    await job.stop()


async def test_retention_runs_once_a_day(db: Database, db_path: Path, clock: ManualClock) -> None:
    engine = engine_with(db, clock)
    await stored(db, clock, db_path)
    sweeper = Sweeper(engine)
    report, _ = await sweeper.sweep()
    assert report.retention_deleted > 0
    # Another old check-in after today's run waits for tomorrow's.
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "INSERT INTO mood_checkin (member_id, local_date, mood, created_at, updated_at) "
            "VALUES (1, '2024-01-01', 2, ?, ?)",
            (to_db(clock.now() - timedelta(days=1000)),) * 2,
        )
    report, _ = await sweeper.sweep()
    assert report.retention_deleted == 0
    assert rows(db_path, "SELECT count(*) FROM mood_checkin") == [(2,)]
    clock.advance(timedelta(days=1))
    report, _ = await sweeper.sweep()
    assert report.retention_deleted == 1
    assert rows(db_path, "SELECT count(*) FROM mood_checkin") == [(1,)]


async def test_zero_keeps_each_kind(db: Database, db_path: Path, clock: ManualClock) -> None:
    engine = engine_with(
        db, clock, retention_days_checkins=0, retention_days_safety=0, retention_days_chats=0
    )
    await stored(db, clock, db_path)
    clock.advance(timedelta(days=3650))
    await Sweeper(engine).sweep()
    assert rows(db_path, "SELECT count(*) FROM mood_checkin") == [(2,)]
    assert rows(db_path, "SELECT count(*) FROM connection_checkin") == [(2,)]
    assert rows(db_path, "SELECT count(*) FROM safety_event") == [(2,)]
    assert rows(db_path, "SELECT count(*) FROM handoff") == [(3,)]
    assert rows(db_path, "SELECT count(*) FROM peer_report") == [(1,)]


async def test_a_large_backlog_is_deleted_in_batches_over_sweeps(
    db: Database, db_path: Path, clock: ManualClock
) -> None:
    from flows.core import retention

    engine = engine_with(db, clock)
    await stored(db, clock, db_path)
    old = to_db(clock.now() - timedelta(days=1000))
    with sqlite3.connect(db_path) as conn:
        conn.executemany(
            "INSERT INTO safety_event (member_id, at, tier, rule_ids, detector_version, "
            "source) VALUES (1, ?, 3, 'r', 'v1', 'chat')",
            [(old,)] * 25,
        )
    batch, per_sweep = retention.RETENTION_BATCH, retention.BATCHES_PER_SWEEP
    retention.RETENTION_BATCH, retention.BATCHES_PER_SWEEP = 5, 2
    try:
        sweeper = Sweeper(engine)
        first, _ = await sweeper.sweep()
        # Two batches of five in a sweep: 27 rows, 10 gone.
        assert rows(db_path, "SELECT count(*) FROM safety_event") == [(17,)]
        for _ in range(3):
            await sweeper.sweep()  # the same day: it goes on until done
        assert rows(db_path, "SELECT rule_ids FROM safety_event") == [("newrule",)]
        assert first.retention_deleted >= 10
    finally:
        retention.RETENTION_BATCH, retention.BATCHES_PER_SWEEP = batch, per_sweep
