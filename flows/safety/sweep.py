"""The safety parts of the scheduler sweep: "are you safe?" questions left unanswered
(the first work of every sweep), and the gentle follow-up a day after a safety event.

Both ask an indexed "due" column of the member row only (`safety_check_due_at`,
`followup_at`); the actions themselves are in `flows/safety/guard.py`.
"""

from datetime import datetime

from flows.core.engine import Engine
from flows.core.sweep import BATCH, run_for_due
from flows.core.values import Outcome
from flows.safety.guard import escalate_silence, follow_up


async def escalate_silences(engine: Engine, now: datetime) -> tuple[int, list[Outcome]]:
    """The direct question went unanswered in time: take the tier-1 path."""
    return await run_for_due(
        engine, lambda tx: tx.members.due_for_safety_check(now, limit=BATCH), escalate_silence
    )


async def send_follow_ups(engine: Engine, now: datetime) -> tuple[int, list[Outcome]]:
    return await run_for_due(
        engine, lambda tx: tx.members.due_for_followup(now, limit=BATCH), follow_up
    )
