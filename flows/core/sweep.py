"""What a feature's part of the scheduler sweep looks like, and what each part shares.

A step (`SweepStep`) takes the engine and the sweep's moment, does its feature's due
work (all or nothing for each member: `Engine.run_for_member`, or `run_for_members` for
many, a few to a transaction) and returns its
counts with the messages it committed. `flows/sweeper.py` runs the steps in order.
"""

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from flows.core.context import Context
from flows.core.engine import Engine
from flows.core.values import Outcome
from storage import Member, Transaction

# The most rows of one kind a sweep takes on; the rest are still due at the next tick.
BATCH = 500
# A member busy in another conversation, or in a peer chat, is not interrupted by a
# prompt or a suggestion: it is due again this much later.
BUSY_RETRY = timedelta(minutes=30)

R = TypeVar("R")
SweepStep = Callable[[Engine, datetime], Awaitable[tuple[R, list[Outcome]]]]
Action = Callable[[Context], Awaitable[None]]


async def run_for_due(
    engine: Engine,
    due: Callable[[Transaction], Awaitable[Sequence[Member]]],
    action: Action,
) -> tuple[int, list[Outcome]]:
    """`action` for each member `due` finds (one indexed read), each committed in their
    own transaction; with how many there were."""
    async with engine.db.single_statement() as tx:
        members = await due(tx)
    return len(members), [await engine.run_for_member(m.id, action) for m in members]
