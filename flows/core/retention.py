"""Retention: what people leave is deleted once it is older than the deployment keeps it.

RETENTION_DAYS_CHECKINS (mood and connection check-ins), RETENTION_DAYS_SAFETY (what the
safety check recorded: tiers and rule ids, never words) and RETENTION_DAYS_CHATS (closed
peer chats' metadata: times, ratings, feedback, reports); 0 keeps them. Used and expired
invites go a week after (the newest is kept, so no invite number is ever reused); applied
raw updates are pruned by the sweep's housekeeping every tick already (after two days).

The sweep's step runs once a day (the first sweep of each UTC day, recorded in the
database, so a restart does not run it again), in batches of its own transactions so
members' messages are answered in between; a day with more to delete than a sweep takes
goes on at the next tick. Deleted rows' old versions are still in the write-ahead log,
so the sweep folds it afterwards, off the tick (`bot/sweeping.py`).
"""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flows.core.engine import Engine
from flows.core.values import Outcome
from storage import Transaction

log = logging.getLogger(__name__)

# Rows of one kind deleted in one transaction, and transactions in one sweep.
RETENTION_BATCH = 1000
BATCHES_PER_SWEEP = 10
# Used or expired invites are kept this long, for the admin who asks about one.
INVITE_KEEP = timedelta(days=7)
# The UTC day retention last finished (app_state).
DONE_KEY = "retention_done_on"

Delete = Callable[[Transaction, datetime], Awaitable[int]]


@dataclass(slots=True)
class RetentionReport:
    deleted: int = 0
    finished: bool = False  # the day's deleting is done


def _deletions(engine: Engine) -> list[tuple[int, Delete]]:
    config = engine.config

    async def checkins(tx: Transaction, before: datetime) -> int:
        return await tx.retention.delete_checkins(before, limit=RETENTION_BATCH)

    async def safety(tx: Transaction, before: datetime) -> int:
        return await tx.retention.delete_safety_events(before, limit=RETENTION_BATCH)

    async def chats(tx: Transaction, before: datetime) -> int:
        return await tx.retention.delete_chats(before, limit=RETENTION_BATCH)

    return [
        (config.retention_days_checkins, checkins),
        (config.retention_days_safety, safety),
        (config.retention_days_chats, chats),
    ]


async def enforce_retention(
    engine: Engine, now: datetime
) -> tuple[RetentionReport, list[Outcome]]:
    """The sweep's part: once a day, delete what is older than its RETENTION_DAYS_*."""
    today = now.date().isoformat()
    async with engine.db.single_statement() as tx:
        if await tx.safety.get_state(DONE_KEY) == today:
            return RetentionReport(), []
    report = RetentionReport()
    kinds = [(days, delete) for days, delete in _deletions(engine) if days > 0]
    for _ in range(BATCHES_PER_SWEEP):
        # Thousands of rows deleted and overwritten (secure_delete): on the database's
        # worker thread, so the event loop serves members' chats meanwhile.
        async with engine.db.transaction() as tx, tx.off_loop():
            deleted, more = 0, False
            for days, delete in kinds:
                count = await delete(tx, now - timedelta(days=days))
                deleted += count
                more = more or count >= RETENTION_BATCH
            if not more:
                deleted += await tx.retention.delete_invites(now - INVITE_KEEP)
                await tx.safety.set_state(DONE_KEY, today)
        report.deleted += deleted
        if not more:
            report.finished = True
            break
    if report.deleted:
        log.info("retention_deleted rows=%d finished=%s", report.deleted, report.finished)
    return report, []
