"""The events part of the scheduler sweep: due reminders and follow-ups, and nudges.

Both are asked of indexed "due" columns only (`rsvp.due_at`, `member.next_nudge_at`),
never of check-in history; each message is committed with its change, all or nothing
for each member (`Engine.run_for_members`: a few members to a transaction, each in a
savepoint), so replies to members who are chatting interleave with a long run, and the
channel paces the sends as bulk.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flows.community.calendar_import import expand_series_within
from flows.community.nudges import SUGGEST_DAYS, NudgeReport, nudge_action
from flows.community.reminders import send_due
from flows.community.series import EXTEND_SLACK, HORIZON, add_occurrence, expand
from flows.core.context import Context
from flows.core.engine import Engine
from flows.core.sweep import BATCH, Action
from flows.core.values import Outcome
from storage import EventSeries, ReminderStage, Transaction

log = logging.getLogger(__name__)


@dataclass(slots=True)
class EventSweepReport:
    reminders: int = 0
    followups: int = 0
    nudged: int = 0
    nudges_deferred: int = 0
    nudges_without_event: int = 0
    dates_made: int = 0  # occurrences of repeating events, made as the horizon rolls on


def _reminder(rsvp_id: int, report: EventSweepReport) -> Action:
    async def action(ctx: Context) -> None:
        stage = await send_due(ctx, rsvp_id)
        if stage is ReminderStage.FOLLOWUP:
            report.followups += 1
        elif stage is not None:
            report.reminders += 1

    return action


async def extend_series(
    tx: Transaction, engine: Engine, now: datetime
) -> tuple[int, list[EventSeries]]:
    """The next dates of repeating events, once a day each (the indexed `expanded_until`);
    those who usually go are answered going for them, with their reminders. Run in the
    sweep's own read of what is due, so a sweep with nothing to extend costs one indexed
    query, not a transaction of its own. Returns the dates made and the .ics series due,
    whose files are expanded outside any transaction (`_extend_from_files`)."""
    made = 0
    from_files: list[EventSeries] = []
    for series in await tx.events.series_to_extend(now + HORIZON - EXTEND_SLACK, limit=BATCH):
        if series.rule is None:
            from_files.append(series)
            continue
        made += len(await expand(tx, series, now=now, config=engine.config))
    return made, from_files


async def _extend_from_files(engine: Engine, due: list[EventSeries], now: datetime) -> int:
    """An .ics series' next dates, from its file's own rules, expanded in the capped
    process (outside any transaction) and then added."""
    texts = [(s.id, s.ical, engine.config.default_timezone) for s in due if s.ical]
    expanded = await expand_series_within(
        texts,
        after=min(s.expanded_until for s in due),
        until=now + HORIZON,
        cpu_seconds=engine.config.calendar_cpu_seconds,
    )
    made = 0
    async with engine.db.transaction() as tx:
        for series in due:
            dates = expanded.get(series.id) if isinstance(expanded, dict) else None
            if dates is None:
                # Unreadable now, or over budget: try again tomorrow, not every minute.
                log.info("series_expand_failed series=%s", series.id)
                await tx.events.set_expanded(series.id, series.expanded_until + timedelta(days=1))
                continue
            for occ in dates:
                if occ.cancelled or occ.fields.starts_at <= series.expanded_until:
                    continue
                event = await add_occurrence(
                    tx, series, occ.occurrence, occ.fields, now=now, config=engine.config
                )
                made += event is not None
            await tx.events.set_expanded(series.id, now + HORIZON)
    return made


async def sweep_events(engine: Engine, now: datetime) -> tuple[EventSweepReport, list[Outcome]]:
    report = EventSweepReport()
    outcomes: list[Outcome] = []
    async with engine.db.transaction() as tx:
        report.dates_made, from_files = await extend_series(tx, engine, now)
        due_answers = await tx.events.due(now, limit=BATCH)
        due_nudges = await tx.members.due_for_nudge(now, limit=BATCH)
        events = (
            await tx.events.upcoming(now, now + timedelta(days=SUGGEST_DAYS), limit=BATCH)
            if due_nudges
            else []
        )
    if from_files:
        report.dates_made += await _extend_from_files(engine, from_files, now)
    nudges = NudgeReport()
    nudge = nudge_action(events, nudges)
    outcomes += await engine.run_for_members(
        [(answer.member_id, _reminder(answer.id, report)) for answer in due_answers]
        + [(member.id, nudge) for member in due_nudges]
    )
    report.nudged = nudges.sent
    report.nudges_deferred = nudges.deferred
    report.nudges_without_event = nudges.no_event
    if report.reminders or report.followups or report.nudged:
        log.info(
            "event_sweep reminders=%d followups=%d nudged=%d deferred=%d no_event=%d",
            report.reminders,
            report.followups,
            report.nudged,
            report.nudges_deferred,
            report.nudges_without_event,
        )
    return report, outcomes
