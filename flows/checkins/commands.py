"""The check-in commands: /checkin, /connect, /history, /chart and /milestones."""

from datetime import timedelta

from flows.checkins.chart import CHART_COMMANDS
from flows.checkins.daily import MOOD_BY_VALUE, area_label
from flows.checkins.insight import connection_insight, one_decimal
from flows.checkins.milestones import MILESTONE_COMMANDS
from flows.core.commands import Command
from flows.core.context import Context
from flows.core.language import N_, _, ngettext
from flows.core.local_time import day_label, local_today
from storage import MoodCheckin

HISTORY_LENGTH = 14


async def checkin(ctx: Context) -> None:
    await ctx.start_flow("checkin")


async def connect(ctx: Context) -> None:
    await ctx.start_flow("connection")


def _history_line(entry: MoodCheckin) -> str:
    mood = MOOD_BY_VALUE[entry.mood]
    line = f"{day_label(entry.local_date)}  {mood.emoji} {entry.mood}"
    if entry.tags:
        line += "  " + ", ".join(area_label(tag) for tag in entry.tags)
    return line


async def history(ctx: Context) -> None:
    member = ctx.require_member()
    entries = await ctx.tx.checkins.recent_moods(member.id, limit=HISTORY_LENGTH)
    if not entries:
        ctx.say(_("No check-ins yet. /checkin starts your first one, whenever you're ready."))
        ctx.remind_open_question()
        return
    today = local_today(member.timezone, ctx.now)
    week = [e.mood for e in entries if timedelta(0) <= today - e.local_date < timedelta(days=7)]
    heading = (
        _("Your last {count} check-ins:").format(count=HISTORY_LENGTH)
        if len(entries) == HISTORY_LENGTH
        else _("Your check-ins so far:")
    )
    lines = [heading, *map(_history_line, entries)]
    if week:
        lines.append(
            "\n"
            + ngettext(
                "7-day average: {average} ({count} check-in)",
                "7-day average: {average} ({count} check-ins)",
                len(week),
            ).format(average=one_decimal(sum(week) / len(week)), count=len(week))
        )
    else:
        lines.append("\n" + _("No check-ins in the last 7 days."))
    if (insight := await connection_insight(ctx.tx, member, ctx.now)) is not None:
        lines.append(f"\n{insight}")
    lines.append(
        _("/chart shows your last 30 days as a picture; /export sends you all your data.")
    )
    ctx.say("\n".join(lines))
    ctx.remind_open_question()


CHECKIN_COMMANDS = (
    Command("checkin", N_("daily check-in: how are you today?"), checkin),
    Command("connect", N_("weekly check-in about connection"), connect),
    Command("history", N_("your recent check-ins"), history),
    *CHART_COMMANDS,
    *MILESTONE_COMMANDS,
)
