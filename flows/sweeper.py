"""The scheduler sweep: each feature's due work, in one declared order, every tick.

There are no per-member jobs. Each feature keeps indexed "due" columns and owns its step
(`flows.core.sweep.SweepStep`); this runs the steps one after another, with the sweep's
own housekeeping, and one sweep at a time.
"""

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from flows.admin import send_digests
from flows.checkins import send_milestones, send_prompts
from flows.community import MeetingFeeds, sweep_events
from flows.core.engine import Engine
from flows.core.retention import enforce_retention
from flows.core.sweep import SweepStep
from flows.core.typed_buttons import OFFER_WINDOW
from flows.core.values import Outcome
from flows.peer import (
    escalate_overdue,
    pass_on_waiting_reports,
    sweep_shifts,
    wrap_up_idle_chats,
)
from flows.safety import escalate_silences, send_follow_ups

log = logging.getLogger(__name__)

# Applied update ids are kept this long to recognise late redeliveries.
INBOX_KEEP = timedelta(days=2)
# Sent notices and relayed copies are remembered this long (to edit or reply to).
NOTICE_KEEP = timedelta(days=7)

R = TypeVar("R")


@dataclass(slots=True)
class SweepReport:
    """What one sweep did, counted."""

    prompted: int = 0
    connect_prompted: int = 0
    deferred: int = 0
    expired_conversations: int = 0
    safety_escalated: int = 0
    handoffs_escalated: int = 0
    reports_passed_on: int = 0  # reports kept while every admin was a side of the chat
    followed_up: int = 0
    shifts_started: int = 0
    shifts_ended: int = 0
    idle_chats_closed: int = 0  # peer chats wrapped up after PEER_CHAT_IDLE_HOURS
    # Community events (flows/community/sweep.py).
    nudged: int = 0
    event_reminders: int = 0
    event_followups: int = 0
    milestones: int = 0  # recovery milestones celebrated (flows/checkins/milestones.py)
    event_dates_made: int = 0
    feeds_synced: int = 0
    feeds_failed: int = 0
    # Rows deleted by retention (flows/core/retention.py): the WAL is then folded off the tick.
    retention_deleted: int = 0
    digests_sent: int = 0  # admins' weekly digests (flows/admin/digest.py)


async def _housekeeping(engine: Engine, now: datetime) -> tuple[int, list[Outcome]]:
    """Lapsed conversations end, and what is kept only for a while goes; returns how
    many conversations lapsed."""
    async with engine.db.transaction() as tx:
        expired = await tx.conversations.expire(now)
        await tx.inbox.prune(now - INBOX_KEEP)
        await tx.notices.prune(now - NOTICE_KEEP)
        await tx.offered.prune(now - OFFER_WINDOW)
    return expired, []


class _Run:
    """One sweep's steps, run in the order they are called; the messages add up."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.now = engine.clock.now()
        self.outcomes: list[Outcome] = []

    async def __call__(self, step: SweepStep[R]) -> R:
        counts, outcomes = await step(self._engine, self.now)
        self.outcomes += outcomes
        return counts


class Sweeper:
    """Runs one pass of scheduled work; called every SCHEDULER_TICK_SECONDS."""

    def __init__(self, engine: Engine, *, feeds: MeetingFeeds | None = None) -> None:
        self._engine = engine
        # Meeting Guide feeds (MEETING_FEEDS), fetched by the deployment's fetcher: last,
        # as a slow server would hold up everything after it.
        self._feeds = feeds
        # One sweep at a time: the repeating job and a sweep asked for directly (at start,
        # in tests) must not both escalate the same request in the same minute.
        self._running = asyncio.Lock()

    async def sweep(self) -> tuple[SweepReport, list[Outcome]]:
        async with self._running:
            return await self._sweep()

    async def _sweep(self) -> tuple[SweepReport, list[Outcome]]:
        run = _Run(self._engine)
        # Safety first: unanswered "are you safe?" questions, then requests to talk that
        # nobody has accepted. Then the sweep's own housekeeping, and the rest.
        safety_escalated = await run(escalate_silences)
        handoffs_escalated = await run(escalate_overdue)
        reports_passed_on = await run(pass_on_waiting_reports)
        expired = await run(_housekeeping)
        followed_up = await run(send_follow_ups)
        shifts = await run(sweep_shifts)
        # After the shifts: a volunteer whose shift just began may be about to answer.
        idle_closed = await run(wrap_up_idle_chats)
        # Before the prompts: a milestone on the morning of a check-in comes first, rather
        # than after (and apart from) the check-in's open question.
        milestones = await run(send_milestones)
        prompts = await run(send_prompts)
        events = await run(sweep_events)
        # After the week's events are settled: the admins' Monday digest.
        digests = await run(send_digests)
        # Once a day, what is older than the deployment keeps it goes (before the feeds,
        # which a slow server can hold up).
        retention = await run(enforce_retention)
        feeds = await run(self._feeds.step) if self._feeds is not None else None
        report = SweepReport(
            prompted=prompts.daily,
            connect_prompted=prompts.weekly,
            deferred=prompts.deferred,
            expired_conversations=expired,
            safety_escalated=safety_escalated,
            handoffs_escalated=handoffs_escalated,
            reports_passed_on=reports_passed_on,
            followed_up=followed_up,
            shifts_started=shifts.started,
            shifts_ended=shifts.ended,
            idle_chats_closed=idle_closed,
            nudged=events.nudged,
            event_reminders=events.reminders,
            event_followups=events.followups,
            milestones=milestones.sent,
            event_dates_made=events.dates_made,
            feeds_synced=feeds.synced if feeds else 0,
            feeds_failed=feeds.failed if feeds else 0,
            retention_deleted=retention.deleted,
            digests_sent=digests,
        )
        if report.prompted or report.connect_prompted or report.deferred:
            log.info(
                "sweep prompted=%d connect_prompted=%d deferred=%d expired=%d",
                report.prompted,
                report.connect_prompted,
                report.deferred,
                report.expired_conversations,
            )
        return report, run.outcomes
