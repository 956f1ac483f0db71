"""Shared helpers for the community events and nudges tests."""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flows.core.clock import ManualClock
from flows.core.engine import Engine
from flows.core.values import Reply
from flows.sweeper import Sweeper, SweepReport
from storage import Account, Database, Event, Member
from tests.chat_driver import ChatDriver, Room

ADMIN = Account("console", "900")


async def join(engine: Engine, account: Account, *, zone: str = "UTC", at: str = "18:00") -> None:
    """Sign up through the real onboarding conversation."""
    await ChatDriver(engine, account).onboard(
        name=f"Member {account.external_id}", zone=zone, at=at
    )


async def post(room: Room, line: str, *, admin: Account = ADMIN) -> int:
    """Post an event with the one-liner; returns its id."""
    await room.say(admin, f"/newevent {line}")
    text = room.inbox(admin)[-1].text
    found = re.search(r"\(#(\d+)\)", text)
    assert found is not None, text
    return int(found.group(1))


async def member(db: Database, account: Account) -> Member:
    async with db.transaction() as tx:
        found = await tx.members.find_by_account(account)
    assert found is not None
    return found


async def event(db: Database, event_id: int) -> Event:
    async with db.transaction() as tx:
        found = await tx.events.get(event_id)
    assert found is not None
    return found


async def all_events(db: Database) -> list[Event]:
    async with db.transaction() as tx:
        return await tx.events.upcoming(
            datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC), limit=1000
        )


@dataclass
class Timeline:
    """Sweeps while moving the clock; records when each person got which message."""

    engine: Engine
    clock: ManualClock
    room: Room
    seen: list[tuple[datetime, Account, Reply]] = field(default_factory=list)
    reports: list[SweepReport] = field(default_factory=list)

    async def sweep(self) -> list[tuple[Account, Reply]]:
        report, outcomes = await Sweeper(self.engine).sweep()
        self.reports.append(report)
        got = []
        for outcome in outcomes:
            self.room.collect(outcome)
            for delivery in outcome.deliveries:
                got.append((delivery.account, delivery.reply))
                self.seen.append((self.clock.now(), delivery.account, delivery.reply))
        return got

    async def run_until(self, end: datetime, *, step: timedelta = timedelta(minutes=15)) -> None:
        while self.clock.now() < end:
            self.clock.advance(step)
            await self.sweep()

    def times(self, account: Account, contains: str) -> list[datetime]:
        return [at for at, who, reply in self.seen if who == account and contains in reply.text]
