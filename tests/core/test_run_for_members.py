"""A sweep's due members share transactions (`Engine.run_for_members`), a few at a
time, and each member's work stays all or nothing: one that fails is undone by itself,
those before it are kept (their messages committed), the error goes on as before, and
those after it are left as they were, still due."""

from datetime import timedelta

import pytest

from flows.core import engine as engine_module
from flows.core.clock import ManualClock
from flows.core.context import Context
from flows.core.engine import Engine
from storage import Account, Database


class Boom(Exception):
    pass


async def _members(db: Database, clock: ManualClock, count: int) -> list[int]:
    ids = []
    async with db.transaction() as tx:
        for n in range(count):
            member = await tx.members.create_for_account(
                Account("console", str(100 + n)), timezone="UTC", now=clock.now()
            )
            ids.append(member.id)
    return ids


async def _names(db: Database, ids: list[int]) -> list[str | None]:
    async with db.transaction() as tx:
        return [m.pseudonym if (m := await tx.members.get(i)) else None for i in ids]


async def _rename(ctx: Context) -> None:
    member = ctx.require_member()
    await ctx.tx.members.rename(member.id, f"Done {member.id}")
    ctx.say("Renamed.")


async def _rename_then_fail(ctx: Context) -> None:
    await _rename(ctx)
    raise Boom


async def test_each_member_gets_their_work_and_message(
    engine: Engine, db: Database, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "MEMBERS_PER_TRANSACTION", 3)
    ids = await _members(db, clock, 7)
    outcomes = await engine.run_for_members([(i, _rename) for i in ids])
    assert await _names(db, ids) == [f"Done {i}" for i in ids]
    assert [len(o.deliveries) for o in outcomes] == [1] * 7
    async with db.transaction() as tx:
        queued = await tx.outbox.pending(
            "console", created_before=clock.now() + timedelta(days=1), limit=100
        )
    assert len(queued) == 7


async def test_a_failing_member_is_undone_alone_and_the_error_goes_on(
    engine: Engine, db: Database, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "MEMBERS_PER_TRANSACTION", 4)
    ids = await _members(db, clock, 7)
    names_before = await _names(db, ids)
    work = [(i, _rename) for i in ids]
    work[5] = (ids[5], _rename_then_fail)  # the second member of the second group
    with pytest.raises(Boom):
        await engine.run_for_members(work)
    names = await _names(db, ids)
    # The first group committed; in the second, the one before the failure is kept, the
    # failing one undone, the one after it not run.
    assert names[:5] == [f"Done {i}" for i in ids[:5]]
    assert names[5:] == names_before[5:]
    async with db.transaction() as tx:
        queued = await tx.outbox.pending(
            "console", created_before=clock.now() + timedelta(days=1), limit=100
        )
    assert len(queued) == 5  # the failing member's message went with their work
