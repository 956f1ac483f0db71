"""Reminders before an event and the follow-up after it, driven by one due column.

Each answer "I'll go" or "Maybe" carries the next message it is due (`stage`,
`due_at`, indexed): the reminder the day before at the event's local time, the one an
hour before, then "Did you make it? How was it?" an hour after it ends. Times are
worked out in the member's own zone (so a daylight-saving change between now and the
event moves nothing) and kept out of quiet hours:

- the day-before reminder inside quiet hours moves to the end of them if that is still
  the same day, else to half an hour before they begin;
- the hour-before reminder moves to the end of quiet hours if that is still before
  the event, else to half an hour before they begin on the event's day, else it is
  skipped (the day-before one has already been sent);
- the follow-up waits until quiet hours end.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flows.community.isolation import event_end
from flows.core.config import FlowConfig
from flows.core.context import Context
from flows.core.language import _, ngettext
from flows.core.local_time import clock, when
from flows.core.quiet_hours import QuietHours, quiet_hours_of
from flows.core.values import command_choice
from storage import Event, ReminderStage, Rsvp, RsvpAnswer

STAGES = tuple(ReminderStage)  # in the order they are sent
BEFORE_QUIET = timedelta(minutes=30)
FOLLOWUP_AFTER_END = timedelta(hours=1)


def _local_date(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def day_before_at(event: Event, timezone: str, quiet: QuietHours | None) -> datetime:
    zone = ZoneInfo(timezone)
    local = event.starts_at.astimezone(zone)
    wall = datetime.combine(local.date() - timedelta(days=1), local.time(), tzinfo=zone)
    candidate = wall.astimezone(UTC)
    window = quiet.window(candidate, timezone) if quiet else None
    if window is None:
        return candidate
    start, end = window
    if _local_date(end, zone) == _local_date(candidate, zone):
        return end
    return start - BEFORE_QUIET


def hour_before_at(event: Event, timezone: str, quiet: QuietHours | None) -> datetime | None:
    zone = ZoneInfo(timezone)
    candidate = event.starts_at - timedelta(hours=1)
    window = quiet.window(candidate, timezone) if quiet else None
    if window is None:
        return candidate
    start, end = window
    if end < event.starts_at:
        return end
    earlier = start - BEFORE_QUIET
    if _local_date(earlier, zone) == _local_date(event.starts_at, zone):
        return earlier
    return None


def followup_at(event: Event, timezone: str, quiet: QuietHours | None) -> datetime:
    candidate = event_end(event) + FOLLOWUP_AFTER_END
    return quiet.next_allowed(candidate, timezone) if quiet else candidate


def stage_time(
    stage: ReminderStage, event: Event, timezone: str, quiet: QuietHours | None
) -> datetime | None:
    if stage is ReminderStage.DAY_BEFORE:
        return day_before_at(event, timezone, quiet)
    if stage is ReminderStage.HOUR_BEFORE:
        return hour_before_at(event, timezone, quiet)
    return followup_at(event, timezone, quiet)


def next_stage(
    event: Event,
    timezone: str,
    config: FlowConfig,
    now: datetime,
    *,
    after: ReminderStage | None = None,
) -> tuple[ReminderStage | None, datetime | None]:
    """The next message due for an answer to `event`, after stage `after` (or from now)."""
    quiet = quiet_hours_of(config.quiet_hours)
    start = 0 if after is None else STAGES.index(after) + 1
    hour_before = hour_before_at(event, timezone, quiet)
    for stage in STAGES[start:]:
        due = stage_time(stage, event, timezone, quiet)
        if due is None:
            continue
        if stage is ReminderStage.FOLLOWUP:
            return stage, due
        if now < due < event.starts_at and not (
            stage is ReminderStage.DAY_BEFORE and hour_before is not None and due >= hour_before
        ):
            return stage, due
    return None, None


# -- what the sweep sends -------------------------------------------------------
async def send_due(ctx: Context, rsvp_id: int) -> ReminderStage | None:
    """Send the message this answer is due, if it still is; returns the stage sent."""
    member = ctx.require_member()
    rsvp = await ctx.tx.events.get_rsvp(rsvp_id)
    if rsvp is None or rsvp.due_at is None or rsvp.due_at > ctx.now or rsvp.stage is None:
        return None  # changed since the sweep looked
    event = await ctx.tx.events.get(rsvp.event_id)
    if event is None or event.is_cancelled or rsvp.answer is RsvpAnswer.NO:
        await ctx.tx.events.schedule(rsvp.id, None, None)
        return None
    if member.unreachable_at is not None or not member.is_onboarded:
        await ctx.tx.events.schedule(rsvp.id, None, None)
        return None
    stage = rsvp.stage
    quiet = quiet_hours_of(ctx.config.quiet_hours)
    if stage is not ReminderStage.FOLLOWUP and ctx.now >= event.starts_at:
        stage = ReminderStage.FOLLOWUP  # the bot was down: too late to remind
    elif stage is ReminderStage.DAY_BEFORE:
        hour_before = hour_before_at(event, member.timezone, quiet)
        if hour_before is not None and ctx.now >= hour_before:
            stage = ReminderStage.HOUR_BEFORE
    if stage is ReminderStage.FOLLOWUP and ctx.now < followup_at(event, member.timezone, quiet):
        await ctx.tx.events.schedule(
            rsvp.id, ReminderStage.FOLLOWUP, followup_at(event, member.timezone, quiet)
        )
        return None
    waiting = _hold(member.quiet_until, ctx.now)
    if quiet is not None and quiet.contains(ctx.now, member.timezone):
        # The member moved to another zone since answering: wait for their morning.
        waiting = max(waiting or ctx.now, quiet.next_allowed(ctx.now, member.timezone))
    if waiting is not None and (stage is ReminderStage.FOLLOWUP or waiting < event.starts_at):
        await ctx.tx.events.schedule(rsvp.id, stage, waiting)
        return None
    if waiting is None and not member.paused:
        _say(ctx, stage, event, rsvp, member.timezone)
        sent: ReminderStage | None = stage
    else:
        sent = None  # paused, or quiet until after the event: skip this one
    if stage is ReminderStage.FOLLOWUP:
        await ctx.tx.events.schedule(rsvp.id, None, None)
    else:
        nxt, due = next_stage(event, member.timezone, ctx.config, ctx.now, after=stage)
        await ctx.tx.events.schedule(rsvp.id, nxt, due)
    return sent


def _hold(quiet_until: datetime | None, now: datetime) -> datetime | None:
    """Until when a safety hold pauses this (None = no hold)."""
    return quiet_until if quiet_until is not None and now < quiet_until else None


def _join(event: Event) -> str:
    """How to join an online meeting, for the reminders."""
    ways = [f"💻 {event.conference_url}"] if event.conference_url else []
    if event.conference_phone:
        ways.append(f"📞 {event.conference_phone}")
    return ("\n" + _("To join: {ways}").format(ways=" · ".join(ways))) if ways else ""


def _say(ctx: Context, stage: ReminderStage, event: Event, rsvp: Rsvp, timezone: str) -> None:
    at = when(event.starts_at, timezone)
    cannot = command_choice(f"rsvp {event.id} no", _("Can't make it now"), "➖")
    if stage is ReminderStage.DAY_BEFORE:
        text = (
            _("🔔 Tomorrow: {title}, {when} — {place}. Looking forward to it?")
            if event.place
            else _("🔔 Tomorrow: {title}, {when}. Looking forward to it?")
        )
        ctx.say(
            text.format(title=event.title, when=at, place=event.place) + _join(event),
            commands=[cannot],
        )
    elif stage is ReminderStage.HOUR_BEFORE:
        minutes = max(1, round((event.starts_at - ctx.now).total_seconds() / 60))
        hour = 55 <= minutes <= 65
        if event.place:
            text = (
                _("🔔 {title} starts in an hour (at {time}) — {place}. Go gently 💛")
                if hour
                else ngettext(
                    "🔔 {title} starts in {count} min (at {time}) — {place}. Go gently 💛",
                    "🔔 {title} starts in {count} min (at {time}) — {place}. Go gently 💛",
                    minutes,
                )
            )
        else:
            text = (
                _("🔔 {title} starts in an hour (at {time}). Go gently 💛")
                if hour
                else ngettext(
                    "🔔 {title} starts in {count} min (at {time}). Go gently 💛",
                    "🔔 {title} starts in {count} min (at {time}). Go gently 💛",
                    minutes,
                )
            )
        ctx.say(
            text.format(
                title=event.title,
                count=minutes,
                time=clock(event.starts_at, timezone),
                place=event.place,
            )
            + _join(event),
            commands=[cannot],
        )
    else:
        ctx.say(
            _("Did you make it to {title}? How was it?").format(title=event.title),
            commands=[
                command_choice(f"attended {rsvp.event_id} good", _("I went — it was good"), "😊"),
                command_choice(f"attended {rsvp.event_id} hard", _("I went — it was hard"), "😕"),
                command_choice(f"attended {rsvp.event_id} no", _("I didn't make it"), "➖"),
            ],
        )
