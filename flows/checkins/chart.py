"""`/chart`: a picture of the member's last 30 days — mood, its 7-day average, their
weekly connection check-ins and the events they said they went to — in their own time zone,
with the mood-and-connection line (flows/checkins/insight.py) when there is one to say.

Drawn with matplotlib's Agg backend on a private `Figure` (no pyplot, no window), with
matplotlib's default style and its bundled DejaVu fonts loaded by file, so the same data
always gives the same PNG bytes on any machine with the same matplotlib, and nothing is
looked up or downloaded. The chart carries no name: its title is "Your check-ins".
"""

import asyncio
import io
import logging
import math
import threading
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from babel import Locale
from babel.dates import format_date

from flows.checkins.daily import MOODS
from flows.checkins.insight import attended_moments, connection_insight
from flows.core.commands import Command
from flows.core.context import Context
from flows.core.language import (
    N_,
    PSEUDO_LANGUAGE,
    SOURCE_LANGUAGE,
    _,
    current_language,
    ngettext,
    speaking,
)
from flows.core.local_time import at_local, local_today
from storage import ConnectionCheckin, MoodCheckin

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

log = logging.getLogger(__name__)

CHART_DAYS = 30
AVERAGE_DAYS = 7
# 800 x 450 pixels: sharp on a phone, a few tens of kilobytes.
WIDTH_INCHES, HEIGHT_INCHES, DPI = 8.0, 4.5, 100
TITLE = N_("Your check-ins")
# The check-in's emoji scale (😣 🙁 😐 🙂 😄) as the bundled DejaVu Sans can draw it: it
# has no U+1F641 or U+1F642, so those two are its frowning and smiling faces ☹ and ☺.
FACES = {1: "😣", 2: "☹", 3: "😐", 4: "☺", 5: "😄"}
UCLA_MIN, UCLA_MAX = 3, 9
MOOD_COLOUR, AVERAGE_COLOUR, CONNECTION_COLOUR = "#4c72b0", "#dd8452", "#55a868"
EVENT_COLOUR = "#8172b3"
# Attended events sit under the mood scale (below "Very low"), so they never read as a mood.
EVENT_Y = 0.8
EVENT_LEGEND = N_("Event you went to")
# Mood is read on the left (its faces), connection on the right: each axis says which.
MOOD_AXIS = N_("Mood")
CONNECTION_AXIS = N_("Connection")
CONNECTION_TICKS = (N_("more connected ↑"), N_("less connected ↓"))
CONNECTION_LEGEND = N_("Connection check-in (right scale)")
NO_CHECKINS = N_(
    "There's nothing to draw yet — your chart fills in as you check in. Whenever you're "
    "ready: /checkin"
)
NOTHING_RECENT = N_(
    "You haven't checked in during the last 30 days, so there's nothing to draw yet — and "
    "that's okay. Whenever you're ready: /checkin. /history shows your earlier check-ins."
)

# Rendering reads matplotlib's global style settings: one chart at a time.
_render_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class ChartData:
    """What the chart shows, by day index 0 (first day) to days - 1 (today)."""

    first_day: date
    days: int
    moods: tuple[tuple[int, int], ...]
    # The mean of the mood check-ins in the 7 days up to each day; None with none.
    average: tuple[float | None, ...]
    connections: tuple[tuple[int, int], ...]  # (day index, UCLA-3 total)
    attended: tuple[int, ...] = ()  # day indices of events the member said they went to

    @property
    def is_empty(self) -> bool:
        return not self.moods and not self.connections


def chart_data(
    moods: Sequence[MoodCheckin],
    connections: Sequence[ConnectionCheckin],
    today: date,
    *,
    days: int = CHART_DAYS,
    attended: Iterable[date] = (),
) -> ChartData:
    """The last `days` days up to `today` (member-local dates). Moods up to a week before
    the first day count towards the first days' averages; `attended`, the local days of
    events the member went to."""
    first = today - timedelta(days=days - 1)
    by_day = {m.local_date: m.mood for m in moods if m.local_date <= today}
    shown = tuple(
        ((day - first).days, mood) for day, mood in sorted(by_day.items()) if day >= first
    )
    average: list[float | None] = []
    for index in range(days):
        day = first + timedelta(days=index)
        window = [
            by_day[d]
            for offset in range(AVERAGE_DAYS)
            if (d := day - timedelta(days=offset)) in by_day
        ]
        average.append(sum(window) / len(window) if window else None)
    ucla = tuple(
        sorted(
            ((c.local_date - first).days, c.ucla3_total)
            for c in connections
            if first <= c.local_date <= today
        )
    )
    went = tuple(sorted({(day - first).days for day in attended if first <= day <= today}))
    return ChartData(first, days, shown, tuple(average), ucla, went)


def _day_label(day: date) -> str:
    """'5 Dec' ('5 dic'), in the language being spoken."""
    language = current_language()
    locale = Locale.parse(SOURCE_LANGUAGE if language == PSEUDO_LANGUAGE else language)
    return format_date(day, "d MMM", locale=locale)


@dataclass(frozen=True, slots=True)
class ChartLabels:
    """Every word the chart shows, in the language being spoken when it was made."""

    title: str
    subtitle: str
    mood_ticks: tuple[str, ...]  # "😣 Very low" … "😄 Great", low to high
    day_ticks: tuple[tuple[int, str], ...]  # (day index, "5 Dec")
    mood_axis: str
    mood_legend: str
    average_legend: str
    event_legend: str
    connection_axis: str
    connection_ticks: tuple[str, str]  # the top (connected) end, then the bottom
    connection_legend: str


def chart_labels(data: ChartData) -> ChartLabels:
    last = data.first_day + timedelta(days=data.days - 1)
    ticks = list(range(data.days - 1, -1, -7))[::-1]
    return ChartLabels(
        title=_(TITLE),
        subtitle=_("Last {days} days, {first} – {last} {year} (your time zone)").format(
            days=data.days,
            first=_day_label(data.first_day),
            last=_day_label(last),
            year=last.year,
        ),
        mood_ticks=tuple(f"{FACES[int(c.value)]} {_(c.label)}" for c in MOODS),
        day_ticks=tuple((t, _day_label(data.first_day + timedelta(days=t))) for t in ticks),
        mood_axis=_(MOOD_AXIS),
        mood_legend=_("Mood"),
        average_legend=_("{days}-day average").format(days=AVERAGE_DAYS),
        event_legend=_(EVENT_LEGEND),
        connection_axis=_(CONNECTION_AXIS),
        connection_ticks=(_(CONNECTION_TICKS[0]), _(CONNECTION_TICKS[1])),
        connection_legend=_(CONNECTION_LEGEND),
    )


def _fonts() -> tuple["FontProperties", "FontProperties"]:
    import matplotlib
    from matplotlib.font_manager import FontProperties

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    regular = FontProperties(fname=folder / "DejaVuSans.ttf", size=10)
    bold = FontProperties(fname=folder / "DejaVuSans-Bold.ttf", size=14)
    return regular, bold


def render_chart(data: ChartData) -> bytes:
    """The chart as PNG bytes, in the language being spoken: the same data gives the same
    bytes."""
    with _render_lock:
        return _render(data)


def _render(data: ChartData) -> bytes:
    import matplotlib.style

    # The default style, whatever a matplotlibrc on this machine says.
    with matplotlib.style.context("default"):
        figure = chart_figure(data)
        out = io.BytesIO()
        figure.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()


def chart_figure(data: ChartData) -> "Figure":
    """The chart, drawn on a figure of its own (inside matplotlib's default style), in the
    language being spoken."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    words = chart_labels(data)
    regular, bold = _fonts()
    small = regular.copy()
    small.set_size(9)
    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI)
    FigureCanvasAgg(figure)
    figure.subplots_adjust(left=0.16, right=0.8, top=0.86, bottom=0.24)
    axes = figure.add_subplot()
    figure.text(0.5, 0.94, words.title, ha="center", va="center", fontproperties=bold)
    figure.text(
        0.5,
        0.89,
        words.subtitle,
        ha="center",
        va="center",
        fontproperties=small,
        color="#555555",
    )
    handles = []
    if data.moods:
        xs, ys = zip(*data.moods, strict=True)
        (mood_line,) = axes.plot(
            xs,
            ys,
            color=MOOD_COLOUR,
            marker="o",
            markersize=5,
            linestyle="none",
            label=words.mood_legend,
            zorder=3,
        )
        average = [math.nan if a is None else a for a in data.average]
        (average_line,) = axes.plot(
            range(data.days),
            average,
            color=AVERAGE_COLOUR,
            linewidth=2,
            label=words.average_legend,
            zorder=2,
        )
        handles += [mood_line, average_line]
    if data.attended:
        for x in data.attended:
            axes.axvline(x, color=EVENT_COLOUR, alpha=0.25, linewidth=1.5, zorder=1)
        (event_marks,) = axes.plot(
            data.attended,
            [EVENT_Y] * len(data.attended),
            color=EVENT_COLOUR,
            marker="*",
            markersize=11,
            linestyle="none",
            label=words.event_legend,
            zorder=3,
        )
        handles.append(event_marks)
    axes.set_xlim(-0.7, data.days - 0.3)
    axes.set_ylim(0.6, 5.4)
    axes.set_yticks(
        [int(c.value) for c in MOODS],
        list(words.mood_ticks),
        fontproperties=regular,
    )
    axes.set_ylabel(words.mood_axis, fontproperties=regular, color=MOOD_COLOUR)
    axes.grid(axis="y", color="#e5e5e5", linewidth=0.8)
    axes.set_axisbelow(True)
    axes.set_xticks(
        [t for t, _label in words.day_ticks],
        [label for _t, label in words.day_ticks],
        fontproperties=small,
    )
    axes.spines["top"].set_visible(False)
    if data.connections:
        right = axes.twinx()
        xs, ys = zip(*data.connections, strict=True)
        (connection_line,) = right.plot(
            xs,
            ys,
            color=CONNECTION_COLOUR,
            marker="D",
            markersize=7,
            linestyle=":",
            linewidth=1.2,
            label=words.connection_legend,
            zorder=3,
        )
        # Upside down, so that up means better on both sides: 3 (connected) at the top.
        right.set_ylim(UCLA_MAX + 0.5, UCLA_MIN - 0.5)
        # A scale of its own, in its own colour, so a diamond level with "Low" doesn't
        # read as a low mood; words at its ends, no numbers: members never see a
        # loneliness score (flows/checkins/weekly.py).
        right.set_yticks(
            [UCLA_MIN, UCLA_MAX],
            list(words.connection_ticks),
            fontproperties=small,
            color=CONNECTION_COLOUR,
        )
        right.tick_params(axis="y", colors=CONNECTION_COLOUR, length=0)
        right.set_ylabel(words.connection_axis, fontproperties=regular, color=CONNECTION_COLOUR)
        right.spines["right"].set_color(CONNECTION_COLOUR)
        right.spines["top"].set_visible(False)
        handles.append(connection_line)
    else:
        axes.spines["right"].set_visible(False)
    figure.legend(
        handles=handles,
        loc="lower center",
        ncol=len(handles),
        frameon=False,
        prop=regular,
        bbox_to_anchor=(0.5, 0.02),
    )
    return figure


async def _read(ctx: Context) -> tuple[ChartData, list[MoodCheckin]]:
    member = ctx.require_member()
    today = local_today(member.timezone, ctx.now)
    since = today - timedelta(days=CHART_DAYS + AVERAGE_DAYS)
    moods = await ctx.tx.checkins.moods_since(member.id, since)
    connections = await ctx.tx.checkins.connections_since(member.id, since)
    start = at_local(today - timedelta(days=CHART_DAYS), "00:00", member.timezone)
    went = [
        local_today(member.timezone, moment)
        for moment in await attended_moments(ctx.tx, member.id, start)
    ]
    return chart_data(moods, connections, today, attended=went), moods


async def _draw(ctx: Context) -> Callable[[], Awaitable[object]] | None:
    """Before /chart's transaction: read the data, and draw it once that read has
    committed (about a tenth of a second), so the database is not held meanwhile."""
    if ctx.member is None:
        return None
    data, _moods = await _read(ctx)
    if data.is_empty:
        return None
    # Drawn after this context is gone: in the member's language, said here.
    language = ctx.language_of(ctx.member)

    async def draw() -> Drawn:
        # Off the event loop, so other chats' sends go on while it draws (the thread
        # speaks the language it was started in).
        with speaking(language):
            png = await asyncio.to_thread(render_chart, data)
        return Drawn(data, language, png)

    return draw


@dataclass(frozen=True, slots=True)
class Drawn:
    """A chart drawn before the command's transaction, with the data it shows and the
    language its words are in."""

    data: ChartData
    language: str
    png: bytes


async def chart(ctx: Context) -> None:
    member = ctx.require_member()
    data, moods = await _read(ctx)
    if data.is_empty:
        ever = moods or await ctx.tx.checkins.recent_moods(member.id, limit=1)
        ctx.say(_(NOTHING_RECENT if ever else NO_CHECKINS))
        ctx.remind_open_question()
        return
    drawn = ctx.prepared
    if isinstance(drawn, Drawn) and drawn.data == data and drawn.language == current_language():
        png = drawn.png
    else:  # not drawn beforehand (the data changed since): draw it now
        png = await asyncio.to_thread(render_chart, data)
    log.info("chart member=%s", member.id)
    count = len(data.moods)
    text = _chart_caption(count, connections=bool(data.connections), events=bool(data.attended))
    text += " " + _("Only you can see this. /history lists them; /export sends you all your data.")
    if (insight := await connection_insight(ctx.tx, member, ctx.now)) is not None:
        text += f"\n\n{insight}"
    ctx.say(text, image_png=png)
    ctx.remind_open_question()


def _chart_caption(count: int, *, connections: bool, events: bool) -> str:
    """What the chart shows, one whole sentence for each kind of chart."""
    if connections and events:
        text = ngettext(
            "Your last {days} days: {count} mood check-in and the {average}-day average, with "
            "your connection check-ins (higher up is more connected), and ★ the events you "
            "went to.",
            "Your last {days} days: {count} mood check-ins and the {average}-day average, with "
            "your connection check-ins (higher up is more connected), and ★ the events you "
            "went to.",
            count,
        )
    elif connections:
        text = ngettext(
            "Your last {days} days: {count} mood check-in and the {average}-day average, with "
            "your connection check-ins (higher up is more connected).",
            "Your last {days} days: {count} mood check-ins and the {average}-day average, with "
            "your connection check-ins (higher up is more connected).",
            count,
        )
    elif events:
        text = ngettext(
            "Your last {days} days: {count} mood check-in and the {average}-day average, and "
            "★ the events you went to.",
            "Your last {days} days: {count} mood check-ins and the {average}-day average, and "
            "★ the events you went to.",
            count,
        )
    else:
        text = ngettext(
            "Your last {days} days: {count} mood check-in and the {average}-day average.",
            "Your last {days} days: {count} mood check-ins and the {average}-day average.",
            count,
        )
    return text.format(days=CHART_DAYS, count=count, average=AVERAGE_DAYS)


CHART_COMMANDS = (Command("chart", N_("your last 30 days as a chart"), chart, prepare=_draw),)
