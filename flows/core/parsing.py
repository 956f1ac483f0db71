"""Understanding what members type: time zones, times of day, row ids.

Chosen names have their own rule, in flows/core/names.py."""

import re
from functools import cache
from zoneinfo import available_timezones

# Common names people type for US zones, which IANA spells differently.
_ZONE_ALIASES = {
    "eastern": "America/New_York",
    "est": "America/New_York",
    "edt": "America/New_York",
    "central": "America/Chicago",
    "cst": "America/Chicago",
    "cdt": "America/Chicago",
    "mountain": "America/Denver",
    "mst": "America/Denver",
    "mdt": "America/Denver",
    "pacific": "America/Los_Angeles",
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
    "bst": "Europe/London",
    "gmt": "UTC",
    "utc": "UTC",
    "z": "UTC",
}
# IANA has fixed-offset zones for whole hours only; these are the places that
# use the common non-whole offsets.
_HALF_HOUR_OFFSETS = {
    "+03:30": "Asia/Tehran",
    "+04:30": "Asia/Kabul",
    "+05:30": "Asia/Kolkata",
    "+05:45": "Asia/Kathmandu",
    "+06:30": "Asia/Yangon",
    "+09:30": "Australia/Darwin",
    "-03:30": "America/St_Johns",
    "-09:30": "Pacific/Marquesas",
}
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?:[:.h]?(\d{2}))?$")


@cache
def _zones_by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


@cache
def _zones_by_city() -> dict[str, str]:
    cities: dict[str, str] = {}
    for name in sorted(available_timezones()):
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/")):
            city = name.rsplit("/", 1)[1].replace("_", " ").lower()
            cities.setdefault(city, name)
    return cities


def is_known_timezone(name: str) -> bool:
    return name in _zones_by_lower_name().values()


def parse_timezone(raw: str) -> str | None:
    """An IANA zone name for a typed zone, city or UTC offset; None if unknown."""
    text = " ".join(raw.strip().split()).lower()
    if not text:
        return None
    if text in _ZONE_ALIASES:
        return _ZONE_ALIASES[text]
    if (exact := _zones_by_lower_name().get(text.replace(" ", "_"))) is not None:
        return exact
    if (city := _zones_by_city().get(text)) is not None:
        return city
    match = _OFFSET.match(text)
    if match is None:
        return None
    sign, hours_text, minutes_text = match.groups()
    hours, minutes = int(hours_text), int(minutes_text or 0)
    if minutes:
        return _HALF_HOUR_OFFSETS.get(f"{sign}{hours:02d}:{minutes:02d}")
    if hours == 0:
        return "UTC"
    if hours > 14 or (sign == "-" and hours > 12):
        return None
    # POSIX-style Etc zones invert the sign: UTC+2 is Etc/GMT-2.
    return f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"


def timezone_label(name: str) -> str:
    """A short, friendly name for a zone, e.g. 'New York' or 'UTC+2'."""
    if name.startswith("Etc/GMT") and len(name) > len("Etc/GMT"):
        offset = name[len("Etc/GMT") :]
        return f"UTC{'-' if offset[0] == '+' else '+'}{offset[1:]}"
    return name.rsplit("/", 1)[-1].replace("_", " ")


_TIME = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.|h)?$")


def parse_time_of_day(raw: str) -> str | None:
    """'HH:MM' for '9', '09:30', '9.30pm', '7 pm', 'noon'; None if it isn't a time."""
    text = raw.strip().lower()
    if text in {"noon", "midday"}:
        return "12:00"
    if text == "midnight":
        return "00:00"
    match = _TIME.match(text)
    if match is None:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2) or 0)
    suffix = (match.group(3) or "").replace(".", "")
    if suffix in {"am", "pm"}:
        if not 1 <= hours <= 12:
            return None
        hours = hours % 12 + (12 if suffix == "pm" else 0)
    if hours > 23 or minutes > 59:
        return None
    return f"{hours:02d}:{minutes:02d}"


# SQLite integers are 64-bit; 18 digits always fit.
_ID_DIGITS = 18


def parse_id(raw: str) -> int | None:
    """A typed row id ("12" or "#12"); None for anything else, e.g. "²" (a digit to
    str.isdigit but not to int) or a number too long for SQLite."""
    text = raw.strip().removeprefix("#")
    if not (text.isascii() and text.isdecimal()) or len(text) > _ID_DIGITS:
        return None
    return int(text)
