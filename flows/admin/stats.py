"""`/stats` for admins: how the community is doing, in aggregates only.

Only figures that describe members are banded. The service's own figures (volunteers
active and on call, events coming up) are shown exactly: admins see each volunteer in
/volunteers and each event in /events anyway, and a small community needs to know
whether anyone is on call.

Small groups of members are suppressed: a count under SMALL_GROUP shows as "fewer than 5", and an
average or median over fewer than SMALL_GROUP values is not shown, so no figure points
at one person.

Suppression alone is beaten by differencing: "lonely: 5 (83 %)" of 6 members, then
"5 (100 %)" after one member deleted their data, says the one who left was not lonely.
So every published count is banded (rounded to the nearest BAND), percentages are
computed from the banded counts, and averages are rounded to AVERAGE_STEP: one person
joining, leaving or answering changes what is shown only when a count crosses the middle
of a band, and then by a whole band, whatever that person's answers were.
"""

import logging
import statistics
from collections.abc import Sequence
from datetime import timedelta

from flows.core.audience import Audience
from flows.core.commands import Command
from flows.core.config import FlowConfig
from flows.core.context import Context
from flows.core.language import N_, _, format_number, ngettext
from storage import HandoffStatus, Priority
from storage.stats import HandoffRow

log = logging.getLogger(__name__)

SMALL_GROUP = 5
BAND = 5
AVERAGE_STEP = 0.5
RECENT = timedelta(days=7)
MONTH = timedelta(days=30)
PRIORITY_NAMES = {
    Priority.CRISIS: N_("crisis"),
    Priority.LOW_MOOD: N_("low mood"),
    Priority.ORDINARY: N_("ordinary"),
}


def banded(n: int) -> int:
    """n rounded to the nearest BAND (whole numbers never fall on a half-way point)."""
    return BAND * round(n / BAND)


def count(n: int) -> str:
    """A banded count, or "fewer than 5" for a small group (zero stays zero: nobody to
    point at)."""
    if 0 < n < SMALL_GROUP:
        return _("fewer than {count}").format(count=SMALL_GROUP)
    return format_number(banded(n))


def exact(n: int) -> str:
    """A figure about the service, not about members: shown as it is."""
    return format_number(n)


def share(n: int, of: int) -> str:
    """A banded count and its share of a banded whole (rounding keeps it at most 100 %)."""
    if of < SMALL_GROUP or 0 < n < SMALL_GROUP:
        return count(n)
    return f"{format_number(banded(n))} ({round(100 * banded(n) / banded(of))} %)"


def average(total: float, n: int) -> str:
    """A mean, to the nearest AVERAGE_STEP."""
    return f"{round(total / n / AVERAGE_STEP) * AVERAGE_STEP:.1f}"


def minutes(values: Sequence[timedelta]) -> str | None:
    if len(values) < SMALL_GROUP:
        return None
    median = statistics.median(v.total_seconds() for v in values) / 60
    return _("{minutes} min").format(minutes=f"{median:.0f}")


def _peer_lines(rows: Sequence[HandoffRow]) -> list[str]:
    lines = [_("Peer chats, last 30 days: {count} requests").format(count=count(len(rows)))]
    if not rows:
        return lines
    by_priority = ", ".join(
        _("{priority} {count}").format(
            priority=_(name), count=count(sum(1 for r in rows if r.priority is p))
        )
        for p, name in PRIORITY_NAMES.items()
    )
    lines.append(_("• by priority: {counts}").format(counts=by_priority))
    accepted = [r for r in rows if r.accepted_at is not None]
    lines.append(_("• accepted: {share}").format(share=share(len(accepted), len(rows))))
    unanswered = sum(
        1 for r in rows if r.accepted_at is None and r.status is not HandoffStatus.WAITING
    )
    lines.append(_("• withdrawn before anyone accepted: {count}").format(count=count(unanswered)))
    wait = minutes([r.accepted_at - r.requested_at for r in accepted if r.accepted_at])
    if wait:
        lines.append(_("• median wait for a peer: {wait}").format(wait=wait))
    length = minutes(
        [r.ended_at - r.accepted_at for r in accepted if r.ended_at and r.accepted_at]
    )
    if length:
        lines.append(_("• median chat length: {length}").format(length=length))
    ratings = [r.rating for r in rows if r.rating is not None]
    if len(ratings) >= SMALL_GROUP:
        lines.append(
            _("• “did it help?”: {average} of 5 from {count} answers").format(
                average=average(sum(ratings), len(ratings)), count=count(len(ratings))
            )
        )
    return lines


def _kept(days: int, what: str) -> str:
    if days == 0:
        return _(
            "• {what}: kept, with no time limit (until the person deletes their data)"
        ).format(what=_(what))
    return ngettext(
        "• {what}: deleted after {days} day", "• {what}: deleted after {days} days", days
    ).format(what=_(what), days=format_number(days))


def retention_lines(config: FlowConfig) -> list[str]:
    """What the deployment keeps for how long (RETENTION_DAYS_*), as /stats says it."""
    return [
        _("Kept for (RETENTION_DAYS_* settings; the sweep deletes older data once a day):"),
        _kept(config.retention_days_checkins, N_("check-ins")),
        _kept(config.retention_days_safety, N_("safety check records")),
        _kept(config.retention_days_chats, N_("records of closed peer chats")),
    ]


async def show_stats(ctx: Context) -> None:
    """`/stats`: members, check-ins, connection, peer chats, safety and events."""
    now, config, stats = ctx.now, ctx.config, ctx.tx.stats
    members = await stats.members(
        since=now - RECENT,
        ucla_min=config.isolation_ucla_min or 6,
        contact_before=now - timedelta(days=config.isolation_days or 14),
    )
    checkins = await stats.checkins(since=now - RECENT)
    handoffs = await stats.handoffs(since=now - MONTH)
    tiers = await stats.safety_tiers(since=now - MONTH)
    active, on_call = await stats.volunteers()
    events = await stats.events(since=now - MONTH, now=now, until=now + timedelta(days=14))
    onboarded = members.onboarded
    isolation_days = config.isolation_days or 14
    lines = [
        _(
            "📊 Hearthside, in aggregates: figures about members are rounded to the nearest 5, "
            "groups under 5 not shown, averages to the nearest 0.5; volunteers and events are "
            "counted exactly"
        ),
        "",
        _("Members: {count}").format(count=count(onboarded)),
        _("• checked in during the last 7 days: {share}").format(
            share=share(members.checked_in, onboarded)
        ),
        _("• reminders paused: {paused}; unreachable: {unreachable}").format(
            paused=count(members.paused), unreachable=count(members.unreachable)
        ),
        _("• lonely at their last connection check-in: {share}").format(
            share=share(members.lonely, onboarded)
        ),
        ngettext(
            "• no community contact reported for {days} day: {share}",
            "• no community contact reported for {days} days: {share}",
            isolation_days,
        ).format(days=isolation_days, share=share(members.without_contact, onboarded)),
        "",
        _("Check-ins, last 7 days: {moods} mood, {connections} connection").format(
            moods=count(checkins.moods), connections=count(checkins.connections)
        ),
    ]
    if checkins.moods >= SMALL_GROUP:
        lines.append(
            _("• average mood: {average} of 5").format(
                average=average(checkins.mood_sum, checkins.moods)
            )
        )
    lines += ["", *_peer_lines(handoffs), ""]
    lines.append(
        _("Safety, last 30 days: {tiers}").format(
            tiers=", ".join(
                _("tier {tier} {count}").format(tier=tier, count=count(tiers.get(tier, 0)))
                for tier in (1, 2, 3)
            )
        )
    )
    lines.append(
        _("Volunteers: {active} active, {on_call} on call now").format(
            active=exact(active), on_call=exact(on_call)
        )
    )
    lines += [
        "",
        _("Events in the next 14 days: {count}").format(count=exact(events.upcoming)),
        _(
            "• answers “I'll go” or “Maybe” (last 30 days and next 14): {going}; "
            "said they went: {attended}"
        ).format(going=count(events.going), attended=count(events.attended)),
        _("/nudgestats shows whether event suggestions lead to going."),
        "",
        *retention_lines(config),
    ]
    log.info("stats_shown admin=%s", ctx.member.id if ctx.member else None)
    ctx.say("\n".join(lines))


STATS_COMMANDS = (
    Command(
        "stats",
        N_("community figures, in aggregates"),
        show_stats,
        audience=Audience.ADMIN,
        audits=(),
    ),
)
