"""The scheduler sweep: who is due a prompt now, asked of indexed columns only.

There are no per-member jobs. Each member row carries `next_prompt_at` and
`next_connect_at`, recomputed in the member's time zone whenever something that
affects them changes; one periodic sweep prompts whoever is due. A sweep that
runs late (the bot was down) still prompts everyone due earlier the same day.
"""

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from flows.checkins import next_connection_prompt, next_daily_prompt
from flows.community import sweep_events
from flows.core.context import Context
from flows.core.engine import Engine
from flows.core.local_time import local_now, local_today
from flows.core.typed_buttons import OFFER_WINDOW
from flows.core.values import Outcome
from flows.peer import escalate, sweep_shifts
from flows.safety import escalate_silence, follow_up
from storage import Member

log = logging.getLogger(__name__)

BATCH = 500
# Applied update ids are kept this long to recognise late redeliveries.
INBOX_KEEP = timedelta(days=2)
# Sent notices and relayed copies are remembered this long (to edit or reply to).
NOTICE_KEEP = timedelta(days=7)
# A member busy in another conversation, or in a peer chat, is asked again a little later.
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
    safety_escalated: int = 0
    handoffs_escalated: int = 0
    followed_up: int = 0
    shifts_started: int = 0
    shifts_ended: int = 0
    # Community events (flows/community/sweep.py).
    nudged: int = 0
    event_reminders: int = 0
    event_followups: int = 0


class Sweeper:
    """Runs one pass of scheduled work; called every SCHEDULER_TICK_SECONDS."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        # One sweep at a time: the repeating job and a sweep asked for directly (at start,
        # in tests) must not both escalate the same request in the same minute.
        self._running = asyncio.Lock()

    async def sweep(self) -> tuple[SweepReport, list[Outcome]]:
        async with self._running:
            return await self._sweep()

    async def _sweep(self) -> tuple[SweepReport, list[Outcome]]:
        now = self._engine.clock.now()
        report = SweepReport()
        outcomes: list[Outcome] = []
        # Safety first: unanswered "are you safe?" questions and unanswered requests.
        outcomes += await self._safety_and_handoffs(now, report)
        async with self._engine.db.transaction() as tx:
            report.expired_conversations = await tx.conversations.expire(now)
            await tx.inbox.prune(now - INBOX_KEEP)
            await tx.notices.prune(now - NOTICE_KEEP)
            await tx.offered.prune(now - OFFER_WINDOW)
            due_daily = await tx.members.due_for_prompt(now, limit=BATCH)
            due_weekly = await tx.members.due_for_connect(now, limit=BATCH)
            due_followup = await tx.members.due_for_followup(now, limit=BATCH)
        for member in due_followup:
            outcomes.append(await self._engine.run_for_member(member.id, follow_up))
            report.followed_up += 1
        shift_report, shift_outcomes = await sweep_shifts(self._engine, now)
        report.shifts_started, report.shifts_ended = shift_report.started, shift_report.ended
        outcomes += shift_outcomes
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
        event_report, event_outcomes = await sweep_events(self._engine, now)
        report.nudged = event_report.nudged
        report.event_reminders = event_report.reminders
        report.event_followups = event_report.followups
        outcomes += event_outcomes
        if report.prompted or report.connect_prompted or report.deferred:
            log.info(
                "sweep prompted=%d connect_prompted=%d deferred=%d expired=%d",
                report.prompted,
                report.connect_prompted,
                report.deferred,
                report.expired_conversations,
            )
        return report, outcomes

    async def _safety_and_handoffs(self, now: datetime, report: SweepReport) -> list[Outcome]:
        outcomes = []
        async with self._engine.db.transaction() as tx:
            silent = await tx.members.due_for_safety_check(now, limit=BATCH)
            overdue = await tx.handoffs.due_for_escalation(now, limit=BATCH)
        for member in silent:
            outcomes.append(await self._engine.run_for_member(member.id, escalate_silence))
            report.safety_escalated += 1
        for handoff in overdue:
            if handoff.member_id is None:
                continue
            outcomes.append(
                await self._engine.run_for_member(
                    handoff.member_id, partial(escalate, handoff=handoff)
                )
            )
            report.handoffs_escalated += 1
        return outcomes

    async def _daily_prompt(self, ctx: Context, report: SweepReport) -> None:
        member = ctx.require_member()
        due = member.next_prompt_at
        if due is None or due > ctx.now:
            return  # someone else got here first
        if member.is_quiet(ctx.now):
            # Surveys pause after a safety event; the follow-up comes instead.
            assert member.quiet_until is not None
            await ctx.tx.members.schedule_prompt(member.id, member.quiet_until)
            return
        today = local_today(member.timezone, ctx.now)
        late_from_earlier_day = local_today(member.timezone, due) < today
        # A survey's question would take the words meant for their peer, even a late one.
        busy = ctx.state is not None and not late_from_earlier_day
        if busy or await ctx.in_peer_chat():
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
        if member.is_quiet(ctx.now):
            assert member.quiet_until is not None
            await ctx.tx.members.schedule_connect(member.id, member.quiet_until)
            return
        if ctx.state is not None or await ctx.in_peer_chat():
            await ctx.tx.members.schedule_connect(member.id, ctx.now + BUSY_RETRY)
            report.deferred += 1
            return
        if local_today(member.timezone, due) == local_today(member.timezone, ctx.now):
            await ctx.start_flow("connection", intro=f"{_greeting(member, ctx.now)}")
            report.connect_prompted += 1
        await ctx.tx.members.schedule_connect(member.id, next_connection_prompt(member, ctx.now))
