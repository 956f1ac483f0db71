"""Understanding what members type: time zones, times of day, row ids.

Chosen names have their own rule, in flows/core/names.py."""

import re
from datetime import datetime
from functools import cache
from zoneinfo import available_timezones

from flows.core.language import N_
from flows.core.places import ZoneOption, zones_of_place

# Abbreviations and names people type for zones, which IANA spells differently. Some
# stand for more than one zone: those are asked about.
_ZONE_ALIASES: dict[str, tuple[ZoneOption, ...]] = {
    **dict.fromkeys(
        ("eastern", "est", "edt"), (ZoneOption("America/New_York", N_("US Eastern time")),)
    ),
    **dict.fromkeys(
        ("central", "cst", "cdt"), (ZoneOption("America/Chicago", N_("US Central time")),)
    ),
    **dict.fromkeys(
        ("mountain", "mst", "mdt"), (ZoneOption("America/Denver", N_("US Mountain time")),)
    ),
    **dict.fromkeys(
        ("pacific", "pst", "pdt"), (ZoneOption("America/Los_Angeles", N_("US Pacific time")),)
    ),
    "bst": (ZoneOption("Europe/London", N_("UK time")),),
    # India, Israel and Ireland (in summer) all call their time IST.
    "ist": (
        ZoneOption("Asia/Kolkata", N_("India")),
        ZoneOption("Asia/Jerusalem", N_("Israel")),
        ZoneOption("Europe/Dublin", N_("Ireland")),
    ),
    # GMT is the UK's winter time as often as it is UTC: a Londoner needs summer time.
    "gmt": (
        ZoneOption("Europe/London", N_("UK time, with summer time")),
        ZoneOption("UTC", N_("UTC, all year")),
    ),
    **dict.fromkeys(("utc", "z"), (ZoneOption("UTC", "UTC"),)),
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


def _offset_zone(text: str) -> str | None:
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


def read_timezone(raw: str, *, at: datetime) -> tuple[ZoneOption, ...]:
    """Each zone typed words could mean, most likely first: one when it is clear, several
    when it isn't ("IST", "Portland"), none when nothing fits. Read in turn as a zone's
    abbreviation, an IANA name, a UTC offset, a city, country or US state (see
    flows/core/places.py), and the city an IANA zone is named after. `at`: when it is
    asked (zones that keep the same time that year count as one)."""
    text = " ".join(raw.strip().split()).lower()
    if not text:
        return ()
    if text in _ZONE_ALIASES:
        return _ZONE_ALIASES[text]
    if (exact := _zones_by_lower_name().get(text.replace(" ", "_"))) is not None:
        return (ZoneOption(exact, exact),)
    if (offset := _offset_zone(text)) is not None:
        return (ZoneOption(offset, timezone_label(offset)),)
    if places := zones_of_place(raw, at=at):
        return places
    # A zone's own city that is too small for the places table ("Cambridge Bay").
    if (city := _zones_by_city().get(text)) is not None:
        return (ZoneOption(city, timezone_label(city)),)
    return ()


def parse_timezone(raw: str, *, at: datetime) -> str | None:
    """The IANA zone typed words clearly mean; None if they mean none, or several."""
    options = read_timezone(raw, at=at)
    return options[0].zone if len(options) == 1 else None


def timezone_label(name: str) -> str:
    """A short, friendly name for a zone, e.g. 'New York' or 'UTC+2'."""
    if name.startswith("Etc/GMT") and len(name) > len("Etc/GMT"):
        offset = name[len("Etc/GMT") :]
        return f"UTC{'-' if offset[0] == '+' else '+'}{offset[1:]}"
    return name.rsplit("/", 1)[-1].replace("_", " ")


_TIME = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.|h)?$")
# Spanish: "7 de la tarde", "9:30 de la mañana", "10 de la noche", "3 de la madrugada".
_SPANISH_TIME = re.compile(
    r"^(\d{1,2})(?:[:.](\d{2}))?\s+de\s+la\s+(mañana|manana|madrugada|tarde|noche)$"
)
_SPANISH_PART = {"mañana": "am", "manana": "am", "madrugada": "am", "tarde": "pm", "noche": "pm"}


def parse_time_of_day(raw: str) -> str | None:
    """'HH:MM' for '9', '09:30', '9.30pm', '7 pm', 'noon', '7 de la tarde', 'mediodía';
    None if it isn't a time."""
    text = " ".join(raw.strip().lower().split())
    if text in {"noon", "midday", "mediodía", "mediodia"}:
        return "12:00"
    if text in {"midnight", "medianoche"}:
        return "00:00"
    spanish = _SPANISH_TIME.match(text)
    if spanish is not None:
        hours, minutes = int(spanish.group(1)), int(spanish.group(2) or 0)
        part = spanish.group(3)
        if not 1 <= hours <= 12 or minutes > 59:
            return None
        if part == "noche" and hours == 12:
            return f"00:{minutes:02d}"  # "12 de la noche": midnight
        if part == "tarde" and hours == 12:
            return f"12:{minutes:02d}"
        hours = hours % 12 + (12 if _SPANISH_PART[part] == "pm" else 0)
        return f"{hours:02d}:{minutes:02d}"
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
