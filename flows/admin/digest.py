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
from flows.core.language import N_, _, speaking
from flows.core.local_time import at_local, day_label, local_today, when
from flows.core.quiet_hours import next_allowed, quiet_hours_of
from flows.core.sweep import BATCH, Action
from flows.core.values import Outcome, command_choice
from flows.peer import uncovered_hours
from storage import HandoffStatus, Transaction
from storage.stats import HandoffRow, WeekCounts

log = logging.getLogger(__name__)

DIGEST_TIME = "09:00"  # admin-local, on Mondays
# `/digest on|off` as typed: English, or Spanish.
ON_WORDS = ("on", "activar", "sí", "si")
OFF_WORDS = ("off", "desactivar", "no")
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
        ctx.say(_("I'll need to know your time zone for that first: /start sets you up."))
        return
    member = ctx.member
    arg = ctx.input.text.strip().lower()
    current = await ctx.tx.digests.get(member.id)
    if arg in ON_WORDS:
        due = next_digest_at(ctx.now, member.timezone, ctx.config.quiet_hours)
        await ctx.tx.digests.turn_on(member.id, now=ctx.now, next_at=due)
        ctx.answered = _("On")
        ctx.say(
            _(
                "Your weekly digest is on: every Monday morning you'll get last week's figures, "
                "rounded as in /stats, with a chart of the trend. The first comes on "
                "{when}. /digest off stops it."
            ).format(when=when(due, member.timezone))
        )
        log.info("digest_on admin=%s", member.id)
        # A staff setting changed from chat: recorded in the audit trail.
        audit.admin_action(ctx, "digest.on", member.id)
        return
    if arg in OFF_WORDS:
        ctx.answered = _("Off")
        if await ctx.tx.digests.turn_off(member.id):
            ctx.say(_("Your weekly digest is off. /digest on brings it back any time."))
            log.info("digest_off admin=%s", member.id)
            audit.admin_action(ctx, "digest.off", member.id)
        else:
            ctx.say(
                _(
                    "Your weekly digest was already off, so nothing changed. /digest on turns "
                    "it on."
                )
            )
        return
    hint = "" if not arg else _("I didn't catch that: it's /digest on or /digest off.") + " "
    if current is not None and current.next_at is not None:
        ctx.say(
            hint
            + _("Your weekly digest is on; the next one comes on {when}.").format(
                when=when(current.next_at, member.timezone)
            ),
            commands=[command_choice("digest off", _("Turn it off"), "🔕")],
        )
    else:
        ctx.say(
            hint
            + _(
                "Your weekly digest is off. Turned on, it comes every Monday morning with "
                "last week's figures, rounded as in /stats, and a chart of the trend."
            ),
            commands=[command_choice("digest on", _("Turn it on"), "📅")],
        )


DIGEST_COMMANDS = (
    Command(
        "digest",
        N_("a weekly digest of the figures, on Mondays (on or off)"),
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
        _(
            "📅 Your weekly digest for {first} – {last} ({zone} time). Figures about members "
            "are rounded to the nearest 5, and groups under 5 are not shown, as in /stats."
        ).format(first=day_label(first), last=day_label(last), zone=timezone),
        "",
        _("Members: {members}; joined this week: {joined}").format(
            members=count(c.members), joined=count(c.joined)
        ),
        _("Check-ins: {moods} mood, {connections} connection").format(
            moods=count(c.moods), connections=count(c.connections)
        ),
    ]
    if c.moods >= SMALL_GROUP:
        lines.append(
            _("• average mood: {average} of 5").format(average=average(c.mood_sum, c.moods))
        )
    accepted = [r for r in rows if r.accepted_at is not None]
    lines.append(
        _("Peer chats: {count} requests; accepted: {share}").format(
            count=count(len(rows)), share=share(len(accepted), len(rows))
        )
    )
    unanswered = sum(
        1 for r in rows if r.accepted_at is None and r.status is not HandoffStatus.WAITING
    )
    lines.append(_("• withdrawn before anyone accepted: {count}").format(count=count(unanswered)))
    wait = minutes([r.accepted_at - r.requested_at for r in accepted if r.accepted_at])
    if wait:
        lines.append(_("• median wait for a peer: {wait}").format(wait=wait))
    if figures.uncovered_ahead is None:
        lines.append(_("Shift cover: there are no peer volunteers yet."))
    else:
        lines.append(
            _("Shift cover for the week ahead: {hours} of 168 hours with nobody on shift").format(
                hours=exact(figures.uncovered_ahead)
            )
        )
    lines.append(
        _(
            "Events held: {events}; answers “I'll go” or “Maybe”: {going}; "
            "said they went: {attended}"
        ).format(events=exact(c.events), going=count(c.going), attended=count(c.attended))
    )
    lines += ["", _("/stats has today's figures. /digest off stops these.")]
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Trend:
    """What a digest is made from: last week's figures and the weeks before it."""

    figures: WeekFigures
    weeks: tuple[TrendWeek, ...]


async def _trend(engine: Engine, monday: date, timezone: str) -> Trend:
    """The figures for the week before `monday` and its trend, read in one transaction."""
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
    return Trend(figures, tuple(weeks))


async def _digest(trend: Trend, monday: date, timezone: str) -> Digest:
    """The digest in the language being spoken, its chart drawn off the event loop (so
    other chats' sends go on while it draws; the worker speaks the same language)."""
    png = await asyncio.to_thread(render_trend, trend.weeks)
    return Digest(digest_text(trend.figures, monday, timezone), png)


async def send_digests(engine: Engine, now: datetime) -> tuple[int, list[Outcome]]:
    """Each admin's weekly digest that is due; returns how many were sent."""
    async with engine.db.single_statement() as tx:
        due = await tx.digests.due(now, limit=BATCH)
    read: dict[tuple[date, str], Trend] = {}
    # Made once for every admin with the same week, zone and language.
    made: dict[tuple[date, str, str], Digest] = {}
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
        if (monday, zone) not in read:
            read[monday, zone] = await _trend(engine, monday, zone)
        language = member.language or engine.config.default_language
        key = (monday, zone, language)
        if key not in made:
            with speaking(language):
                made[key] = await _digest(read[monday, zone], monday, zone)
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
            _("The last {weeks} weeks, rounded the same way (a week under 5 is left out).").format(
                weeks=TREND_WEEKS
            ),
            image_png=digest.chart,
        )
        log.info("digest_sent admin=%s week=%s", member.id, monday.isoformat())

    return action
