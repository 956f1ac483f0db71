"""The admins' weekly digest: opt-in (`/digest on|off`), on Monday mornings, with last
week's figures and one chart of the trend.

It is sent at DIGEST_TIME on Monday in the admin's own time zone, or when their quiet
hours end if that is later; a bot that was stopped sends it when it is back. The week is
the admin-local Monday to Sunday before it. Once a week at most, whatever restarts or
repeated sweeps: the week is claimed on the admin's row (`claim_week`, a compare-and-set)
in the same transaction that queues the message.

Figures about members are banded and small groups suppressed exactly as /stats does
(flows/admin/stats.py); the service's own figures (events held, hours without a shift)
are exact. The figures are read, and the chart drawn (on a worker thread), before the
transaction that sends them, and only once for every admin whose week is the same.
"""

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flows.admin.digest_chart import TrendWeek, render_trend
from flows.admin.stats import SMALL_GROUP, average, count, exact, minutes, share
from flows.core import audit
from flows.core.audience import Audience
from flows.core.commands import Command
from flows.core.context import Context
from flows.core.engine import Engine
from flows.core.local_time import at_local, day_label, local_today, when
from flows.core.quiet_hours import next_allowed, quiet_hours_of
from flows.core.sweep import BATCH, Action
from flows.core.values import Outcome, command_choice
from flows.peer import uncovered_hours
from storage import HandoffStatus, Transaction
from storage.stats import HandoffRow, WeekCounts

log = logging.getLogger(__name__)

DIGEST_TIME = "09:00"  # admin-local, on Mondays
TREND_WEEKS = 8
WEEK = timedelta(days=7)


def this_monday(now: datetime, timezone: str) -> date:
    today = local_today(timezone, now)
    return today - timedelta(days=today.weekday())


def next_digest_at(now: datetime, timezone: str, quiet_hours: str) -> datetime:
    """The next Monday morning from `now` (today's, if it is still to come)."""
    monday = this_monday(now, timezone)
    moment = at_local(monday, DIGEST_TIME, timezone)
    if moment <= now:
        moment = at_local(monday + WEEK, DIGEST_TIME, timezone)
    return next_allowed(quiet_hours, moment, timezone)


# -- /digest ----------------------------------------------------------------------------
async def digest_command(ctx: Context) -> None:
    """`/digest on|off` (admin): the weekly digest, or what it is now."""
    if ctx.member is None:
        ctx.say("I'll need to know your time zone for that first: /start sets you up.")
        return
    member = ctx.member
    arg = ctx.input.text.strip().lower()
    current = await ctx.tx.digests.get(member.id)
    if arg == "on":
        due = next_digest_at(ctx.now, member.timezone, ctx.config.quiet_hours)
        await ctx.tx.digests.turn_on(member.id, now=ctx.now, next_at=due)
        ctx.answered = "On"
        ctx.say(
            "Your weekly digest is on: every Monday morning you'll get last week's figures, "
            f"rounded as in /stats, with a chart of the trend. The first comes on "
            f"{when(due, member.timezone)}. /digest off stops it."
        )
        log.info("digest_on admin=%s", member.id)
        # A staff setting changed from chat: recorded in the audit trail.
        audit.admin_action(ctx, "digest.on", member.id)
        return
    if arg == "off":
        ctx.answered = "Off"
        if await ctx.tx.digests.turn_off(member.id):
            ctx.say("Your weekly digest is off. /digest on brings it back any time.")
            log.info("digest_off admin=%s", member.id)
            audit.admin_action(ctx, "digest.off", member.id)
        else:
            ctx.say(
                "Your weekly digest was already off, so nothing changed. /digest on turns it on."
            )
        return
    hint = "" if not arg else "I didn't catch that: it's /digest on or /digest off. "
    if current is not None and current.next_at is not None:
        ctx.say(
            f"{hint}Your weekly digest is on; the next one comes on "
            f"{when(current.next_at, member.timezone)}.",
            commands=[command_choice("digest off", "Turn it off", "🔕")],
        )
    else:
        ctx.say(
            f"{hint}Your weekly digest is off. Turned on, it comes every Monday morning with "
            "last week's figures, rounded as in /stats, and a chart of the trend.",
            commands=[command_choice("digest on", "Turn it on", "📅")],
        )


DIGEST_COMMANDS = (
    Command(
        "digest",
        "a weekly digest of the figures, on Mondays (on or off)",
        digest_command,
        audience=Audience.ADMIN,
        audits=("digest.on", "digest.off"),
    ),
)


# -- the sweep's part -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class WeekFigures:
    counts: WeekCounts
    requests: tuple[HandoffRow, ...]
    uncovered_ahead: int | None  # hours of the week ahead without a shift; None: no volunteers


@dataclass(frozen=True, slots=True)
class Digest:
    text: str
    chart: bytes


async def _figures(tx: Transaction, start: datetime, end: datetime) -> WeekFigures:
    counts = await tx.stats.week(start, end)
    requests = tuple(r for r in await tx.stats.handoffs(since=start) if r.requested_at < end)
    uncovered = None
    if await tx.volunteers.all():
        shifts = await tx.volunteers.all_shifts()
        # The hours from the week's end, a day at a time (the helper looks a day ahead).
        uncovered = sum(
            len(uncovered_hours(shifts, end + timedelta(days=d, hours=-1))) for d in range(7)
        )
    return WeekFigures(counts, requests, uncovered)


def digest_text(figures: WeekFigures, monday: date, timezone: str) -> str:
    c, rows = figures.counts, figures.requests
    first, last = monday - WEEK, monday - timedelta(days=1)
    lines = [
        f"📅 Your weekly digest for {day_label(first)} – {day_label(last)} ({timezone} time). "
        "Figures about members are rounded to the nearest 5, and groups under 5 are not "
        "shown, as in /stats.",
        "",
        f"Members: {count(c.members)}; joined this week: {count(c.joined)}",
        f"Check-ins: {count(c.moods)} mood, {count(c.connections)} connection",
    ]
    if c.moods >= SMALL_GROUP:
        lines.append(f"• average mood: {average(c.mood_sum, c.moods)} of 5")
    accepted = [r for r in rows if r.accepted_at is not None]
    lines.append(
        f"Peer chats: {count(len(rows))} requests; accepted: {share(len(accepted), len(rows))}"
    )
    unanswered = sum(
        1 for r in rows if r.accepted_at is None and r.status is not HandoffStatus.WAITING
    )
    lines.append(f"• withdrawn before anyone accepted: {count(unanswered)}")
    wait = minutes([r.accepted_at - r.requested_at for r in accepted if r.accepted_at])
    if wait:
        lines.append(f"• median wait for a peer: {wait}")
    if figures.uncovered_ahead is None:
        lines.append("Shift cover: there are no peer volunteers yet.")
    else:
        lines.append(
            "Shift cover for the week ahead: "
            f"{exact(figures.uncovered_ahead)} of 168 hours with nobody on shift"
        )
    lines.append(
        f"Events held: {exact(c.events)}; answers “I'll go” or “Maybe”: {count(c.going)}; "
        f"said they went: {count(c.attended)}"
    )
    lines += ["", "/stats has today's figures. /digest off stops these."]
    return "\n".join(lines)


async def _digest(engine: Engine, monday: date, timezone: str) -> Digest:
    """The digest for the week before `monday`, read in one transaction, then drawn."""
    async with engine.db.transaction() as tx:
        weeks = []
        for back in range(TREND_WEEKS, 0, -1):
            first = monday - back * WEEK
            start = at_local(first, "00:00", timezone)
            end = at_local(first + WEEK, "00:00", timezone)
            figures = await _figures(tx, start, end) if back == 1 else None
            counts = figures.counts if figures else await tx.stats.week(start, end)
            requests = (
                figures.requests
                if figures
                else [r for r in await tx.stats.handoffs(since=start) if r.requested_at < end]
            )
            weeks.append(TrendWeek(first, counts.moods, len(requests), counts.attended))
    assert figures is not None
    # Off the event loop, so other chats' sends go on while it draws.
    png = await asyncio.to_thread(render_trend, weeks)
    return Digest(digest_text(figures, monday, timezone), png)


async def send_digests(engine: Engine, now: datetime) -> tuple[int, list[Outcome]]:
    """Each admin's weekly digest that is due; returns how many were sent."""
    async with engine.db.single_statement() as tx:
        due = await tx.digests.due(now, limit=BATCH)
    made: dict[tuple[date, str], Digest] = {}
    outcomes: list[Outcome] = []
    sent = 0
    for subscription in due:
        async with engine.db.single_statement() as tx:
            member = await tx.members.get(subscription.member_id)
        if member is None:
            continue
        zone = member.timezone
        quiet = quiet_hours_of(engine.config.quiet_hours)
        if quiet is not None and quiet.contains(now, zone):
            # Late (a stopped bot): not in the night, but when their quiet hours end.
            outcomes.append(
                await engine.run_for_member(member.id, _reschedule(quiet.next_allowed(now, zone)))
            )
            continue
        monday = this_monday(now, zone)
        if subscription.last_week is not None and subscription.last_week >= monday:
            # Sent this week already (turned off and on again, or a new time zone).
            later = next_allowed(
                engine.config.quiet_hours, at_local(monday + WEEK, DIGEST_TIME, zone), zone
            )
            outcomes.append(await engine.run_for_member(member.id, _reschedule(later)))
            continue
        key = (monday, zone)
        if key not in made:
            made[key] = await _digest(engine, monday, zone)
        outcome = await engine.run_for_member(member.id, _send(made[key], monday))
        sent += bool(outcome.deliveries)
        outcomes.append(outcome)
    return sent, outcomes


def _reschedule(at: datetime) -> Action:
    async def action(ctx: Context) -> None:
        await ctx.tx.digests.reschedule(ctx.require_member().id, at)

    return action


def _send(digest: Digest, monday: date) -> Action:
    async def action(ctx: Context) -> None:
        member = ctx.require_member()
        if not ctx.is_admin:
            # No longer an admin: the figures are not theirs to see.
            await ctx.tx.digests.turn_off(member.id)
            log.info("digest_stopped admin=%s reason=not_admin", member.id)
            return
        after = next_digest_at(
            at_local(monday, DIGEST_TIME, member.timezone) + timedelta(hours=1),
            member.timezone,
            ctx.config.quiet_hours,
        )
        if not await ctx.tx.digests.claim_week(member.id, monday, after):
            return
        ctx.say(digest.text)
        ctx.say(
            f"The last {TREND_WEEKS} weeks, rounded the same way (a week under 5 is left out).",
            image_png=digest.chart,
        )
        log.info("digest_sent admin=%s week=%s", member.id, monday.isoformat())

    return action
