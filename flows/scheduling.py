"""The scheduler sweep: who is due a prompt now, asked of indexed columns only.

There are no per-member jobs. Each member row carries `next_prompt_at` and
`next_connect_at`, recomputed in the member's time zone whenever something that
affects them changes; one periodic sweep prompts whoever is due. A sweep that
runs late (the bot was down) still prompts everyone due earlier the same day.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flows.engine import Context, Engine
from flows.schedule import local_now, local_today, next_connection_prompt, next_daily_prompt
from flows.values import Outcome
from storage import Member

log = logging.getLogger(__name__)

BATCH = 500
# Applied update ids are kept this long to recognise late redeliveries.
INBOX_KEEP = timedelta(days=2)
# A member busy in another conversation is asked again a little later.
BUSY_RETRY = timedelta(minutes=30)


def _greeting(member: Member, now: datetime) -> str:
    hour = local_now(member.timezone, now).hour
    part = "morning" if 4 <= hour < 12 else "afternoon" if hour < 18 else "evening"
    name = f", {member.pseudonym}" if member.pseudonym else ""
    return f"Good {part}{name} 🌱"


@dataclass(slots=True)
class SweepReport:
    prompted: int = 0
    connect_prompted: int = 0
    deferred: int = 0
    expired_conversations: int = 0


class Sweeper:
    """Runs one pass of scheduled work; called every SCHEDULER_TICK_SECONDS."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    async def sweep(self) -> tuple[SweepReport, list[Outcome]]:
        now = self._engine.clock.now()
        report = SweepReport()
        outcomes: list[Outcome] = []
        async with self._engine.db.transaction() as tx:
            report.expired_conversations = await tx.conversations.expire(now)
            await tx.inbox.prune(now - INBOX_KEEP)
            due_daily = await tx.members.due_for_prompt(now, limit=BATCH)
            due_weekly = await tx.members.due_for_connect(now, limit=BATCH)
        for member in due_daily:
            outcome = await self._engine.run_for_member(
                member.id, lambda ctx: self._daily_prompt(ctx, report)
            )
            outcomes.append(outcome)
        for member in due_weekly:
            outcome = await self._engine.run_for_member(
                member.id, lambda ctx: self._weekly_prompt(ctx, report)
            )
            outcomes.append(outcome)
        if report.prompted or report.connect_prompted or report.deferred:
            log.info(
                "sweep prompted=%d connect_prompted=%d deferred=%d expired=%d",
                report.prompted,
                report.connect_prompted,
                report.deferred,
                report.expired_conversations,
            )
        return report, outcomes

    async def _daily_prompt(self, ctx: Context, report: SweepReport) -> None:
        member = ctx.require_member()
        due = member.next_prompt_at
        if due is None or due > ctx.now:
            return  # someone else got here first
        today = local_today(member.timezone, ctx.now)
        late_from_earlier_day = local_today(member.timezone, due) < today
        if ctx.state is not None and not late_from_earlier_day:
            await ctx.tx.members.schedule_prompt(member.id, ctx.now + BUSY_RETRY)
            report.deferred += 1
            return
        # Scheduled for this member's today, and not yet done: prompt (late is fine).
        if not late_from_earlier_day and member.last_checkin_date != today:
            await ctx.start_flow(
                "checkin", intro=f"{_greeting(member, ctx.now)}\nTime for your daily check-in."
            )
            report.prompted += 1
        await ctx.tx.members.schedule_prompt(
            member.id, next_daily_prompt(member, ctx.now, checked_in_today=True)
        )

    async def _weekly_prompt(self, ctx: Context, report: SweepReport) -> None:
        member = ctx.require_member()
        due = member.next_connect_at
        if due is None or due > ctx.now:
            return
        if ctx.state is not None:
            await ctx.tx.members.schedule_connect(member.id, ctx.now + BUSY_RETRY)
            report.deferred += 1
            return
        if local_today(member.timezone, due) == local_today(member.timezone, ctx.now):
            await ctx.start_flow("connection", intro=f"{_greeting(member, ctx.now)}")
            report.connect_prompted += 1
        await ctx.tx.members.schedule_connect(member.id, next_connection_prompt(member, ctx.now))
