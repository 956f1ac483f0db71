"""Local time: a UTC moment in a person's own zone, the zones offered to choose from, and
reading a time-zone question's answer (sign-up, /settings, a volunteer's set-up)."""

from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from flows.core.language import N_, _, format_clock, format_day
from flows.core.parsing import read_timezone, timezone_label
from flows.core.places import fold
from flows.core.values import Choice

if TYPE_CHECKING:
    from flows.core.context import Context
    from flows.core.flow import Answer, TextStep

COMMON_ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Dublin",
    "UTC",
)
TIMEZONE_HINT = N_(
    "I couldn't find that time zone. Try a nearby city (e.g. Chicago), a zone like "
    "America/Chicago, or an offset like UTC-6."
)
WHICH_ZONE = N_(
    "“{typed}” could be more than one place. Which one do you mean? Choose below, or type "
    "it with its country or state (e.g. Portland, Maine)."
)
_TYPED_SHOWN = 40  # of what they typed, said back in WHICH_ZONE


def local_now(timezone: str, now: datetime) -> datetime:
    return now.astimezone(ZoneInfo(timezone))


def local_today(timezone: str, now: datetime) -> date:
    return local_now(timezone, now).date()


def at_local(day: date, hhmm: str, timezone: str) -> datetime:
    """The UTC moment of local `hhmm` on `day` (a time skipped by DST maps forward)."""
    hours, minutes = (int(part) for part in hhmm.split(":"))
    local = datetime.combine(day, time(hours, minutes), tzinfo=ZoneInfo(timezone))
    return local.astimezone(UTC)


def day_label(day: date) -> str:
    """'Sat 5 Dec' ('sáb 5 dic'): the one way Hearthside writes a day, alone or in `when`,
    in the language being spoken."""
    return format_day(day)


def when(moment: datetime, timezone: str) -> str:
    """'Sat 5 Dec, 18:30' in the given zone."""
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{day_label(local.date())}, {format_clock(local)}"


def clock(moment: datetime, timezone: str) -> str:
    return format_clock(moment.astimezone(ZoneInfo(timezone)))


def timezone_choices(default_zone: str) -> list[Choice]:
    zones = [default_zone, *(z for z in COMMON_ZONES if z != default_zone)]
    return [Choice(zone, timezone_label(zone)) for zone in zones]


def zone_name(zone: str) -> str:
    """An IANA zone as a person reads it: "Asia/Kolkata", but "UTC+2" for Etc/GMT-2."""
    return timezone_label(zone) if zone.startswith("Etc/") else zone


def zone_confirmation(zone: str, now: datetime) -> str:
    """Said once a zone is taken, so a wrong guess shows at once."""
    return _("Got it: {zone} — it's {time} there now.").format(
        zone=zone_name(zone), time=clock(now, zone)
    )


def read_zone_answer(ctx: "Context", answer: "Answer", *, step: "TextStep") -> str | None:
    """The zone an answer to a time-zone question names; None after asking again: with a
    hint when nothing fits, or, at `step`, which one was meant when several do.

    Asked which one, a person may type the part that tells them apart ("Maine").
    """
    if answer.choice is not None:
        return answer.choice.value
    question = ctx.state.question if ctx.state is not None else None
    typed = fold(answer.text)
    if question is not None and typed:
        named = [
            c for c in question.choices if typed in {fold(part) for part in c.label.split(",")}
        ]
        if len(named) == 1:
            return named[0].value
    options = read_timezone(answer.text, at=ctx.now)
    if not options:
        ctx.reask(_(TIMEZONE_HINT))
        return None
    if len(options) == 1:
        return options[0].zone
    shown = " ".join(answer.text.split())
    if len(shown) > _TYPED_SHOWN:
        shown = shown[: _TYPED_SHOWN - 1] + "…"
    ctx.ask(
        step,
        _(WHICH_ZONE).format(typed=shown),
        # A place's own name is as the places table has it; the few written here
        # ("US Eastern time") are catalogued (flows/core/parsing.py).
        [Choice(option.zone, _(option.place)) for option in options],
        free_text=True,
    )
    return None
