"""The check-ins part of the scheduler sweep: each member's daily and weekly prompts.

Each member row carries `next_prompt_at` and `next_connect_at` (indexed), recomputed in
their own time zone whenever something that affects them changes
(`flows/checkins/prompt_times.py`); the sweep asks only who is due. A sweep that runs
late (the bot was down) still prompts everyone due earlier the same day.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from flows.checkins.prompt_times import next_connection_prompt, next_daily_prompt
from flows.core.context import Context
from flows.core.engine import Engine
from flows.core.language import _
from flows.core.local_time import local_now, local_today
from flows.core.sweep import BATCH, BUSY_RETRY, Action
from flows.core.values import Outcome
from storage import Member


@dataclass(slots=True)
class PromptReport:
    daily: int = 0
    weekly: int = 0
    deferred: int = 0  # busy: asked again in BUSY_RETRY


def _greeting(member: Member, now: datetime) -> str:
    hour = local_now(member.timezone, now).hour
    part = "morning" if 4 <= hour < 12 else "afternoon" if hour < 18 else "evening"
    if not member.pseudonym:
        return {
            "morning": _("Good morning 🌱"),
            "afternoon": _("Good afternoon 🌱"),
            "evening": _("Good evening 🌱"),
        }[part]
    greeting = {
        "morning": _("Good morning, {name} 🌱"),
        "afternoon": _("Good afternoon, {name} 🌱"),
        "evening": _("Good evening, {name} 🌱"),
    }[part]
    return greeting.format(name=member.pseudonym)


async def send_prompts(engine: Engine, now: datetime) -> tuple[PromptReport, list[Outcome]]:
    """Daily prompts first, then the weekly ones (which wait for a daily one in progress)."""
    report = PromptReport()
    async with engine.db.transaction() as tx:
        due_daily = await tx.members.due_for_prompt(now, limit=BATCH)
        due_weekly = await tx.members.due_for_connect(now, limit=BATCH)
    daily, weekly = _daily(report), _weekly(report)
    outcomes = await engine.run_for_members(
        [(m.id, daily) for m in due_daily] + [(m.id, weekly) for m in due_weekly]
    )
    return report, outcomes


async def _due_now(
    ctx: Context, due: datetime | None, schedule: Callable[[int, datetime], Awaitable[None]]
) -> datetime | None:
    """When the prompt was due, if it is still to be handled now; None if someone else got
    here first, or if it waits (`schedule`) for the pause after a safety event to end."""
    member = ctx.require_member()
    if due is None or due > ctx.now:
        return None
    if member.is_quiet(ctx.now):
        # Surveys pause after a safety event; the follow-up comes instead.
        assert member.quiet_until is not None
        await schedule(member.id, member.quiet_until)
        return None
    return due


def _daily(report: PromptReport) -> Action:
    async def action(ctx: Context) -> None:
        member = ctx.require_member()
        due = await _due_now(ctx, member.next_prompt_at, ctx.tx.members.schedule_prompt)
        if due is None:
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
                "checkin",
                intro=f"{_greeting(member, ctx.now)}\n{_('Time for your daily check-in.')}",
            )
            report.daily += 1
        await ctx.tx.members.schedule_prompt(
            member.id, next_daily_prompt(member, ctx.now, checked_in_today=True)
        )

    return action


def _weekly(report: PromptReport) -> Action:
    async def action(ctx: Context) -> None:
        member = ctx.require_member()
        due = await _due_now(ctx, member.next_connect_at, ctx.tx.members.schedule_connect)
        if due is None:
            return
        if ctx.state is not None or await ctx.in_peer_chat():
            await ctx.tx.members.schedule_connect(member.id, ctx.now + BUSY_RETRY)
            report.deferred += 1
            return
        if local_today(member.timezone, due) == local_today(member.timezone, ctx.now):
            await ctx.start_flow("connection", intro=f"{_greeting(member, ctx.now)}")
            report.weekly += 1
        await ctx.tx.members.schedule_connect(member.id, next_connection_prompt(member, ctx.now))

    return action
