"""The check-in commands: /checkin, /connect, /history and /chart."""

from datetime import timedelta

from flows.checkins.chart import CHART_COMMANDS
from flows.checkins.daily import AREA_LABELS, MOOD_BY_VALUE
from flows.core.commands import Command
from flows.core.context import Context
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
        line += "  " + ", ".join(AREA_LABELS.get(tag, tag) for tag in entry.tags)
    return line


async def history(ctx: Context) -> None:
    member = ctx.require_member()
    entries = await ctx.tx.checkins.recent_moods(member.id, limit=HISTORY_LENGTH)
    if not entries:
        ctx.say("No check-ins yet. /checkin starts your first one, whenever you're ready.")
        ctx.remind_open_question()
        return
    today = local_today(member.timezone, ctx.now)
    week = [e.mood for e in entries if timedelta(0) <= today - e.local_date < timedelta(days=7)]
    heading = (
        f"Your last {HISTORY_LENGTH} check-ins:"
        if len(entries) == HISTORY_LENGTH
        else "Your check-ins so far:"
    )
    lines = [heading, *map(_history_line, entries)]
    if week:
        count = f"{len(week)} check-in" + ("s" if len(week) != 1 else "")
        lines.append(f"\n7-day average: {sum(week) / len(week):.1f} ({count})")
    else:
        lines.append("\nNo check-ins in the last 7 days.")
    lines.append("/chart shows your last 30 days as a picture; /export sends you all your data.")
    ctx.say("\n".join(lines))
    ctx.remind_open_question()


CHECKIN_COMMANDS = (
    Command("checkin", "daily check-in: how are you today?", checkin),
    Command("connect", "weekly check-in about connection", connect),
    Command("history", "your recent check-ins", history),
    *CHART_COMMANDS,
)
