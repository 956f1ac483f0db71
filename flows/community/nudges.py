"""Isolation-aware nudges: a kind, capped invitation to the best upcoming event for a
member who looks isolated (flows/community/isolation.py), `/nudges off|on`, and `/nudgestats`
for admins to see whether nudges lead to RSVPs and attendance."""

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flows.admin import count
from flows.admin import share as share_of
from flows.community.buddy import willing_volunteers
from flows.community.isolation import IsolationRule, isolation_reasons, refresh_nudge_schedule
from flows.community.text import is_in_person, is_online, rsvp_buttons
from flows.core.audience import Audience
from flows.core.commands import Command
from flows.core.context import Context
from flows.core.language import N_, _, ngettext
from flows.core.local_time import when
from flows.core.quiet_hours import next_allowed
from flows.core.sweep import BUSY_RETRY
from flows.core.values import Choice, command_choice
from storage import Event, NudgeOutcome

log = logging.getLogger(__name__)

# Events are suggested from this long ahead up to SUGGEST_DAYS away.
MIN_LEAD = timedelta(hours=3)
SUGGEST_DAYS = 14
# With nothing suitable on, look again this much later.
NO_EVENT_RETRY = timedelta(hours=6)
PAUSED_RECHECK = timedelta(days=1)
STATS_DAYS = 90
STOP_LABEL = N_("Stop suggestions")
# What may be typed after /nudges, in English or Spanish.
SWITCH_WORDS = {
    "on": "on",
    "off": "off",
    "activar": "on",
    "activadas": "on",
    "sí": "on",
    "si": "on",
    "desactivar": "off",
    "desactivadas": "off",
    "no": "off",
}


def stop_button() -> Choice:
    return command_choice("nudges off", _(STOP_LABEL), "🔕")


def choose_event(
    events: Iterable[Event],
    *,
    now: datetime,
    excluded: set[int],
    liked_tags: set[str],
    preference: str | None = None,
) -> Event | None:
    """The best event to suggest: not declined or suggested before, not full, soon
    enough to plan for; one of the kind the member prefers (online or in person) comes
    first, then one whose tags match what they said yes to before, then the soonest."""
    candidates = [
        event
        for event in events
        if not event.is_cancelled
        and event.id not in excluded
        and now + MIN_LEAD <= event.starts_at < now + timedelta(days=SUGGEST_DAYS)
        and (event.capacity is None or event.going < event.capacity)
    ]
    if not candidates:
        return None

    def unsuited(event: Event) -> bool:
        if preference == "online":
            return not is_online(event)
        if preference == "in_person":
            return not is_in_person(event)
        return False

    return min(
        candidates,
        key=lambda e: (unsuited(e), not (liked_tags & set(e.tags)), e.starts_at, e.id),
    )


@dataclass(slots=True)
class NudgeReport:
    sent: int = 0
    deferred: int = 0
    no_event: int = 0


def nudge_action(events: list[Event], report: NudgeReport) -> Callable[[Context], Awaitable[None]]:
    """What the sweep runs for a member whose `next_nudge_at` has passed."""

    async def action(ctx: Context) -> None:
        await _nudge(ctx, events, report)

    return action


async def _nudge(ctx: Context, events: list[Event], report: NudgeReport) -> None:
    member = ctx.require_member()
    now, config, members = ctx.now, ctx.config, ctx.tx.members
    if member.next_nudge_at is None or member.next_nudge_at > now:
        return  # changed since the sweep looked
    if not member.is_onboarded or member.nudges_off or member.unreachable_at is not None:
        await members.schedule_nudge(member.id, None)
        return
    if member.paused:
        await members.schedule_nudge(member.id, now + PAUSED_RECHECK)
        return
    if member.is_quiet(now):  # a safety event: nudges pause
        assert member.quiet_until is not None
        await members.schedule_nudge(member.id, member.quiet_until)
        return
    reasons = isolation_reasons(member, now, IsolationRule.of(config))
    min_gap = timedelta(days=config.nudge_min_days)
    recent = member.last_nudge_at is not None and now < member.last_nudge_at + min_gap
    if not reasons or recent or await ctx.tx.events.plans_of(member.id, now):
        await refresh_nudge_schedule(ctx.tx, member.id, now=now, config=config)
        return
    allowed = next_allowed(config.quiet_hours, now, member.timezone)
    if allowed > now:
        await members.schedule_nudge(member.id, allowed)
        report.deferred += 1
        return
    if ctx.state is not None or await ctx.in_peer_chat():
        await members.schedule_nudge(member.id, now + BUSY_RETRY)
        report.deferred += 1
        return
    event = choose_event(
        events,
        now=now,
        excluded=await ctx.tx.events.not_to_suggest(member.id),
        liked_tags=await ctx.tx.events.liked_tags(member.id),
        preference=member.meeting_preference,
    )
    if event is None:
        await members.schedule_nudge(member.id, now + NO_EVENT_RETRY)
        report.no_event += 1
        return
    buttons: list[Choice] = rsvp_buttons(event.id, series=event.series_id is not None)
    if not is_online(event) and await willing_volunteers(ctx, event.id):
        buttons.append(command_choice(f"buddy {event.id}", _("Go with a peer"), "🤝"))
    buttons.append(stop_button())
    # The title is set apart: "There's {title}" reads wrong for most titles.
    if member.pseudonym:
        hello = _("Hi {name} 🌱 Coming up:").format(name=member.pseudonym)
    else:
        hello = _("Hi 🌱 Coming up:")
    if event.place:
        what = _("{title}, {when} — {place}.")
    elif is_online(event):
        what = _("{title}, {when} — online.")
    else:
        what = _("{title}, {when}.")
    what = what.format(
        title=event.title, when=when(event.starts_at, member.timezone), place=event.place
    )
    ctx.say(
        f"{hello} {what} "
        + _("It could be a nice way to spend time with people who get it. Would you like to go?"),
        commands=buttons,
    )
    await ctx.tx.events.record_nudge(member.id, event.id, reasons=reasons, now=now)
    await members.record_nudge_sent(member.id, now=now)
    await refresh_nudge_schedule(ctx.tx, member.id, now=now, config=config)
    report.sent += 1
    log.info("nudge_sent member=%s event=%s reasons=%s", member.id, event.id, ",".join(reasons))


async def nudges_command(ctx: Context) -> None:
    """`/nudges off|on`: event suggestions for this member."""
    member = ctx.require_member()
    typed = ctx.input.text.strip().lower()
    choice = SWITCH_WORDS.get(typed, typed)
    if choice == "off":
        await ctx.tx.members.set_nudges_off(member.id, True)
        await ctx.tx.members.schedule_nudge(member.id, None)
        await ctx.tx.events.nudge_outcome(member.id, None, NudgeOutcome.STOPPED, now=ctx.now)
        log.info("nudges_off member=%s", member.id)
        if ctx.input.is_command_tap:
            ctx.answered = "🔕 " + _(STOP_LABEL)
        ctx.say(
            _(
                "Okay — no more event suggestions. /events still shows what's on, and "
                "/nudges on brings suggestions back."
            )
        )
        return
    if choice == "on":
        await ctx.tx.members.set_nudges_off(member.id, False)
        await refresh_nudge_schedule(ctx.tx, member.id, now=ctx.now, config=ctx.config)
        log.info("nudges_on member=%s", member.id)
        days = ctx.config.nudge_min_days
        ctx.say(
            ngettext(
                "Suggestions are on: now and then I may tell you about a community event "
                "that could be nice — at most one a day, never at night. /nudges off stops "
                "them.",
                "Suggestions are on: now and then I may tell you about a community event "
                "that could be nice — at most one every {count} days, never at night. "
                "/nudges off stops them.",
                days,
            ).format(count=days)
        )
        return
    if member.nudges_off:
        ctx.say(
            _("Event suggestions are off."),
            commands=[command_choice("nudges on", _("Turn suggestions on"), "🔔")],
        )
    else:
        ctx.say(
            _("Event suggestions are on: now and then I may tell you about a community event."),
            commands=[stop_button()],
        )
    ctx.remind_open_question()


async def nudge_stats(ctx: Context) -> None:
    """`/nudgestats`: did nudges lead to RSVPs and attendance? (admins)"""
    counts = await ctx.tx.events.nudge_counts(ctx.now - timedelta(days=STATS_DAYS))
    sent = sum(counts.values())
    if not sent:
        ctx.say(_("No nudges were sent in the last {days} days.").format(days=STATS_DAYS))
        return
    said_yes = sum(
        counts.get(outcome, 0)
        for outcome in (NudgeOutcome.GOING, NudgeOutcome.ATTENDED, NudgeOutcome.MISSED)
    )

    def share(n: int) -> str:
        # Groups under 5 are not shown exactly, as in /stats.
        return share_of(n, sent)

    ctx.say(
        "\n".join(
            [
                _("Nudges in the last {days} days: {count}").format(
                    days=STATS_DAYS, count=count(sent)
                ),
                _("→ said they'd go: {share}").format(share=share(said_yes)),
                _("→ maybe: {share}").format(share=share(counts.get(NudgeOutcome.MAYBE, 0))),
                _("→ went (said so afterwards): {share}").format(
                    share=share(counts.get(NudgeOutcome.ATTENDED, 0))
                ),
                _("→ didn't make it: {share}").format(
                    share=share(counts.get(NudgeOutcome.MISSED, 0))
                ),
                _("→ not this time: {share}").format(
                    share=share(counts.get(NudgeOutcome.DECLINED, 0))
                ),
                _("→ stopped suggestions: {share}").format(
                    share=share(counts.get(NudgeOutcome.STOPPED, 0))
                ),
                _("→ no answer yet: {share}").format(
                    share=share(counts.get(NudgeOutcome.SENT, 0))
                ),
            ]
        )
    )


NUDGE_COMMANDS = (
    Command("nudges", N_("event suggestions on or off (/nudges off)"), nudges_command),
    Command(
        "nudgestats",
        N_("whether event nudges lead to going"),
        nudge_stats,
        audience=Audience.ADMIN,
        audits=(),
    ),
)
