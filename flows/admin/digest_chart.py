"""The weekly digest's one picture: the last weeks' trend of check-ins, peer-chat requests
and event attendance, in the same privacy bands as /stats.

Drawn as /chart draws (flows/checkins/chart.py): matplotlib's Agg backend on a private
`Figure`, the default style, the bundled DejaVu fonts loaded by file, so the same figures
give the same PNG bytes, and nothing is looked up or downloaded. A week whose figure is a
small group (1-4) is left out of its line rather than drawn, as /stats does not show it.
"""

import io
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from babel.dates import format_date

from flows.admin.stats import SMALL_GROUP, banded
from flows.core.language import N_, PSEUDO_LANGUAGE, SOURCE_LANGUAGE, _, current_language

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

WIDTH_INCHES, HEIGHT_INCHES, DPI = 8.0, 4.5, 100
# The chart's words are in the language being spoken when it is drawn (the admin's).
TITLE = N_("Hearthside, week by week")
SUBTITLE = N_("Rounded to the nearest 5; a week with fewer than 5 is left out")
PER_WEEK = N_("per week")
SERIES = (
    (N_("Mood check-ins"), "#4c72b0", "o"),
    (N_("Peer chat requests"), "#dd8452", "s"),
    (N_("Said they went to an event"), "#55a868", "D"),
)

# Rendering reads matplotlib's global style settings: one chart at a time.
_render_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class TrendWeek:
    monday: date  # the week's first day (the admin's own zone)
    checkins: int
    requests: int
    attended: int


def shown(n: int) -> float:
    """A weekly figure as the chart draws it: banded, and a small group not at all."""
    return math.nan if 0 < n < SMALL_GROUP else float(banded(n))


def week_label(monday: date) -> str:
    """'23 Nov' ('23 nov'): a week's first day under the chart, in the language spoken."""
    language = current_language()
    locale = SOURCE_LANGUAGE if language == PSEUDO_LANGUAGE else language
    return format_date(monday, "d MMM", locale=locale)


def _fonts() -> "FontProperties":
    import matplotlib
    from matplotlib.font_manager import FontProperties

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return FontProperties(fname=folder / "DejaVuSans.ttf", size=10)


def render_trend(weeks: Sequence[TrendWeek]) -> bytes:
    """The trend as PNG bytes: the same weeks give the same bytes."""
    with _render_lock:
        import matplotlib.style

        with matplotlib.style.context("default"):
            out = io.BytesIO()
            _figure(weeks).savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()


def _figure(weeks: Sequence[TrendWeek]) -> "Figure":
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    regular = _fonts()
    bold = regular.copy()
    bold.set_size(14)
    bold.set_weight("bold")
    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI)
    FigureCanvasAgg(figure)
    figure.subplots_adjust(left=0.1, right=0.97, top=0.84, bottom=0.24)
    figure.text(0.5, 0.94, _(TITLE), ha="center", va="center", fontproperties=bold)
    figure.text(
        0.5,
        0.89,
        _(SUBTITLE),
        ha="center",
        va="center",
        fontproperties=regular,
        color="#555555",
    )
    axes = figure.add_subplot()
    xs = list(range(len(weeks)))
    values = (
        [shown(w.checkins) for w in weeks],
        [shown(w.requests) for w in weeks],
        [shown(w.attended) for w in weeks],
    )
    for (label, colour, marker), ys in zip(SERIES, values, strict=True):
        axes.plot(xs, ys, color=colour, marker=marker, linewidth=2, label=_(label))
    axes.set_xticks(xs, [week_label(w.monday) for w in weeks], fontproperties=regular)
    axes.set_xlim(-0.5, len(weeks) - 0.5)
    axes.set_ylim(bottom=0)
    axes.grid(axis="y", color="#e5e5e5", linewidth=0.8)
    axes.set_axisbelow(True)
    axes.spines["top"].set_visible(False)
    axes.spines["right"].set_visible(False)
    axes.set_ylabel(_(PER_WEEK), fontproperties=regular)
    figure.legend(
        loc="lower center", ncol=3, frameon=False, prop=regular, bbox_to_anchor=(0.5, 0.02)
    )
    return figure
