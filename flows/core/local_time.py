"""Local time: a UTC moment in a person's own zone, and the zones offered to choose from."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flows.core.parsing import timezone_label
from flows.core.values import Choice

COMMON_ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Dublin",
    "UTC",
)
TIMEZONE_HINT = (
    "I couldn't find that time zone. Try a nearby city (e.g. Chicago), a zone like "
    "America/Chicago, or an offset like UTC-6."
)


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
    """'Sat 5 Dec': the one way Hearthside writes a day, alone or in `when`."""
    return f"{day:%a} {day.day} {day:%b}"


def when(moment: datetime, timezone: str) -> str:
    """'Sat 5 Dec, 18:30' in the given zone."""
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{day_label(local.date())}, {local:%H:%M}"


def clock(moment: datetime, timezone: str) -> str:
    return f"{moment.astimezone(ZoneInfo(timezone)):%H:%M}"


def timezone_choices(default_zone: str) -> list[Choice]:
    zones = [default_zone, *(z for z in COMMON_ZONES if z != default_zone)]
    return [Choice(zone, timezone_label(zone)) for zone in zones]
