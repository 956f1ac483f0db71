"""When a member's next check-in prompts are due, computed in their own time zone."""

from datetime import datetime, timedelta

from flows.checkins.milestones import reschedule_milestone
from flows.core.local_time import at_local, local_today
from storage import Member, Transaction

CONNECT_EVERY = timedelta(days=7)


def next_daily_prompt(
    member: Member, now: datetime, *, checked_in_today: bool | None = None
) -> datetime | None:
    """The next daily prompt: today's if still ahead and not yet checked in, else tomorrow's."""
    if member.prompt_time is None or member.paused or member.unreachable_at is not None:
        return None
    today = local_today(member.timezone, now)
    if checked_in_today is None:
        checked_in_today = member.last_checkin_date == today
    candidate = at_local(today, member.prompt_time, member.timezone)
    if candidate <= now or checked_in_today:
        candidate = at_local(today + timedelta(days=1), member.prompt_time, member.timezone)
    return candidate


def next_connection_prompt(member: Member, now: datetime) -> datetime | None:
    """A week from today, at the member's prompt time."""
    if member.prompt_time is None or member.paused or member.unreachable_at is not None:
        return None
    day = local_today(member.timezone, now) + CONNECT_EVERY
    return at_local(day, member.prompt_time, member.timezone)


async def reschedule(tx: Transaction, member: Member, now: datetime) -> None:
    """Recompute both prompts (and the next milestone's morning, in case the time zone
    changed) after a change to the member's settings or state."""
    await tx.members.schedule_prompt(member.id, next_daily_prompt(member, now))
    connect_due = member.next_connect_at
    if connect_due is None or member.prompt_time is None or member.paused:
        connect_due = next_connection_prompt(member, now)
    await tx.members.schedule_connect(member.id, connect_due)
    await reschedule_milestone(tx, member)
