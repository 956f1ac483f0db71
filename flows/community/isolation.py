"""The isolation rule: when a member looks isolated enough to be invited to an event.

A member looks isolated when any of these holds (each part can be tuned, or turned
off with 0, in the settings named):

- **lonely** — the UCLA-3 total of their newest connection check-in is at least
  `ISOLATION_UCLA_MIN` (default 6, the usual research split on the 3-9 scale);
- **no contact** — nothing connected them for `ISOLATION_DAYS` (default 14): no
  connection check-in reporting at least one person from the recovery community,
  and no event they said they went to (counted from when they joined, if never);
- **low moods** — their last `ISOLATION_LOW_MOOD_RUN` (default 3) daily check-ins in
  a row were "low" or "very low".

Only the signals are kept, on the member row, never a history scan: the newest
UCLA-3 total, the time of the newest contact, and the length of the current low-mood
run. From them `next_nudge_at` (indexed) says when the member may next be invited if
nothing changes; it is recomputed here in the same transaction as every check-in,
answer to an event, attendance or nudge that changes it, so the sweep only asks
"whose next_nudge_at has passed?". A member with plans (going to an upcoming event)
is not nudged before that event is over; nudges are at least `NUDGE_MIN_DAYS` apart.
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from flows.core.config import FlowConfig
from flows.core.mood import is_low_mood
from storage import Event, Member, NudgeReason, Transaction


@dataclass(frozen=True, slots=True)
class IsolationRule:
    ucla_min: int = 6
    days: int = 14
    low_mood_run: int = 3

    @classmethod
    def of(cls, config: FlowConfig) -> "IsolationRule":
        return cls(
            ucla_min=config.isolation_ucla_min,
            days=config.isolation_days,
            low_mood_run=config.isolation_low_mood_run,
        )


def contact_baseline(member: Member) -> datetime:
    """The newest moment the member was known to be connected (or joined)."""
    return member.last_contact_at or member.onboarded_at or member.created_at


def _by_answers(member: Member, rule: IsolationRule) -> list[NudgeReason]:
    reasons = []
    if rule.ucla_min and member.last_ucla3 is not None and member.last_ucla3 >= rule.ucla_min:
        reasons.append(NudgeReason.LONELY)
    if rule.low_mood_run and member.low_mood_run >= rule.low_mood_run:
        reasons.append(NudgeReason.LOW_MOODS)
    return reasons


def isolation_reasons(
    member: Member, now: datetime, rule: IsolationRule
) -> tuple[NudgeReason, ...]:
    """Which parts of the rule hold for the member now; empty = not isolated."""
    reasons = _by_answers(member, rule)
    if rule.days and now >= contact_baseline(member) + timedelta(days=rule.days):
        reasons.insert(1 if NudgeReason.LONELY in reasons else 0, NudgeReason.NO_CONTACT)
    return tuple(reasons)


def isolated_from(member: Member, rule: IsolationRule) -> datetime | None:
    """From when the member looks isolated if nothing changes; None = not foreseeably."""
    if _by_answers(member, rule):
        return contact_baseline(member)
    if rule.days:
        return contact_baseline(member) + timedelta(days=rule.days)
    return None


def next_nudge_time(
    member: Member,
    *,
    rule: IsolationRule,
    min_days: int,
    plans_until: datetime | None = None,
) -> datetime | None:
    """When the member may next be nudged if nothing changes; None = not at all."""
    if not member.is_onboarded or member.nudges_off or member.unreachable_at is not None:
        return None
    due = isolated_from(member, rule)
    if due is None:
        return None
    if member.last_nudge_at is not None:
        due = max(due, member.last_nudge_at + timedelta(days=min_days))
    if plans_until is not None:
        due = max(due, plans_until)
    return due


# An event with no end time is taken to last this long.
DEFAULT_EVENT_LENGTH = timedelta(hours=2)


def event_end(event: Event) -> datetime:
    return event.ends_at or event.starts_at + DEFAULT_EVENT_LENGTH


async def refresh_nudge_schedule(
    tx: Transaction, member_id: int, *, now: datetime, config: FlowConfig
) -> Member | None:
    """Recompute the member's `next_nudge_at` from their signals and plans."""
    member = await tx.members.get(member_id)
    if member is not None:
        await _reschedule(tx, member, now=now, config=config)
    return member


async def _reschedule(
    tx: Transaction, member: Member, *, now: datetime, config: FlowConfig
) -> None:
    plans = await tx.events.plans_of(member.id, now)
    due = next_nudge_time(
        member,
        rule=IsolationRule.of(config),
        min_days=config.nudge_min_days,
        plans_until=max((event_end(event) for event in plans), default=None),
    )
    if due != member.next_nudge_at:
        await tx.members.schedule_nudge(member.id, due)


async def _change_signals(
    tx: Transaction,
    member: Member,
    *,
    last_ucla3: int | None,
    last_contact_at: datetime | None,
    low_mood_run: int,
    now: datetime,
    config: FlowConfig,
) -> None:
    """Store the member's new signals and recompute when they may next be nudged."""
    changed = replace(
        member, last_ucla3=last_ucla3, last_contact_at=last_contact_at, low_mood_run=low_mood_run
    )
    if changed != member:
        await tx.members.set_isolation_signals(
            member.id,
            last_ucla3=last_ucla3,
            last_contact_at=last_contact_at,
            low_mood_run=low_mood_run,
        )
    await _reschedule(tx, changed, now=now, config=config)


async def after_mood_checkin(
    tx: Transaction,
    member_id: int,
    *,
    mood: int,
    first_today: bool,
    now: datetime,
    config: FlowConfig,
) -> None:
    """A daily check-in extends or ends the run of low moods."""
    member = await tx.members.get(member_id)
    if member is None:
        return
    low = is_low_mood(mood)
    if first_today:
        run = member.low_mood_run + 1 if low else 0
    else:  # today's check-in changed: today's entry is already counted, or was not low
        run = (member.low_mood_run or 1) if low else 0
    await _change_signals(
        tx,
        member,
        last_ucla3=member.last_ucla3,
        last_contact_at=member.last_contact_at,
        low_mood_run=run,
        now=now,
        config=config,
    )


async def after_connection_checkin(
    tx: Transaction,
    member_id: int,
    *,
    ucla3_total: int,
    community_contacts: int,
    now: datetime,
    config: FlowConfig,
) -> None:
    """A connection check-in gives the newest UCLA-3 total, and contact if any."""
    member = await tx.members.get(member_id)
    if member is None:
        return
    await _change_signals(
        tx,
        member,
        last_ucla3=ucla3_total,
        last_contact_at=now if community_contacts > 0 else member.last_contact_at,
        low_mood_run=member.low_mood_run,
        now=now,
        config=config,
    )


async def after_attending(
    tx: Transaction, member_id: int, *, at: datetime, now: datetime, config: FlowConfig
) -> None:
    """Going to an event (that started `at`) counts as connection."""
    member = await tx.members.get(member_id)
    if member is None:
        return
    latest = member.last_contact_at
    await _change_signals(
        tx,
        member,
        last_ucla3=member.last_ucla3,
        last_contact_at=at if latest is None else max(latest, at),
        low_mood_run=member.low_mood_run,
        now=now,
        config=config,
    )
