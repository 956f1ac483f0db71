"""`/stats` for admins: how the community is doing, in aggregates only.

Small groups are suppressed: a count under SMALL_GROUP shows as "fewer than 5", and an
average or median over fewer than SMALL_GROUP values is not shown, so no figure points
at one person.
"""

import logging
import statistics
from collections.abc import Sequence
from datetime import timedelta

from flows.engine import Command, Context
from storage.stats import HandoffRow

log = logging.getLogger(__name__)

SMALL_GROUP = 5
RECENT = timedelta(days=7)
MONTH = timedelta(days=30)
PRIORITY_NAMES = {0: "crisis", 1: "low mood", 2: "ordinary"}


def count(n: int) -> str:
    """A count, or "fewer than 5" for a small group (zero stays zero: nobody to point at)."""
    return f"fewer than {SMALL_GROUP}" if 0 < n < SMALL_GROUP else f"{n:,}"


def share(n: int, of: int) -> str:
    if of < SMALL_GROUP or 0 < n < SMALL_GROUP:
        return count(n)
    return f"{n:,} ({round(100 * n / of)} %)"


def minutes(values: Sequence[timedelta]) -> str | None:
    if len(values) < SMALL_GROUP:
        return None
    return f"{statistics.median(v.total_seconds() for v in values) / 60:.0f} min"


def _peer_lines(rows: Sequence[HandoffRow]) -> list[str]:
    lines = [f"Peer chats, last 30 days: {count(len(rows))} requests"]
    if not rows:
        return lines
    by_priority = ", ".join(
        f"{name} {count(sum(1 for r in rows if r.priority == p))}"
        for p, name in PRIORITY_NAMES.items()
    )
    lines.append(f"• by priority: {by_priority}")
    accepted = [r for r in rows if r.accepted_at is not None]
    lines.append(f"• accepted: {share(len(accepted), len(rows))}")
    unanswered = sum(1 for r in rows if r.accepted_at is None and r.status != "waiting")
    lines.append(f"• withdrawn before anyone accepted: {count(unanswered)}")
    wait = minutes([r.accepted_at - r.requested_at for r in accepted if r.accepted_at])
    if wait:
        lines.append(f"• median wait for a peer: {wait}")
    length = minutes(
        [r.ended_at - r.accepted_at for r in accepted if r.ended_at and r.accepted_at]
    )
    if length:
        lines.append(f"• median chat length: {length}")
    ratings = [r.rating for r in rows if r.rating is not None]
    if len(ratings) >= SMALL_GROUP:
        lines.append(
            f"• “did it help?”: {statistics.mean(ratings):.1f} of 5 from {len(ratings)} answers"
        )
    return lines


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
    lines = [
        "📊 Hearthside, in aggregates (groups under 5 are not shown exactly)",
        "",
        f"Members: {count(members.onboarded)}",
        f"• checked in during the last 7 days: {share(members.checked_in, members.onboarded)}",
        f"• reminders paused: {count(members.paused)}; unreachable: {count(members.unreachable)}",
        f"• lonely at their last connection check-in: {share(members.lonely, members.onboarded)}",
        "• no community contact reported for "
        f"{config.isolation_days or 14} days: {share(members.without_contact, members.onboarded)}",
        "",
        f"Check-ins, last 7 days: {count(checkins.moods)} mood, "
        f"{count(checkins.connections)} connection",
    ]
    if checkins.moods >= SMALL_GROUP:
        lines.append(f"• average mood: {checkins.mood_sum / checkins.moods:.1f} of 5")
    lines += ["", *_peer_lines(handoffs), ""]
    lines.append(
        "Safety, last 30 days: "
        + ", ".join(f"tier {tier} {count(tiers.get(tier, 0))}" for tier in (1, 2, 3))
    )
    lines.append(f"Volunteers: {count(active)} active, {count(on_call)} on call now")
    lines += [
        "",
        f"Events in the next 14 days: {count(events.upcoming)}",
        f"• answers “I'll go” or “Maybe” (last 30 days and next 14): {count(events.going)}; "
        f"said they went: {count(events.attended)}",
        "/nudgestats shows whether event suggestions lead to going.",
    ]
    log.info("stats_shown admin=%s", ctx.member.id if ctx.member else None)
    ctx.say("\n".join(lines))


STATS_COMMANDS = (
    Command("stats", "community figures, in aggregates", show_stats, audience="admin"),
)
