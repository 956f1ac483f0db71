"""Crisis resources per country, from `resources.toml`, rendered as plain text.

The catalog is configuration, not code: deployments re-verify and extend
`resources.toml`. `CrisisResources.for_deployment` picks one country (and the
deployment's own wording, if it has one) and renders ready-to-send texts.
"""

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from importlib import resources
from pathlib import Path

__all__ = [
    "CountryResources",
    "CrisisLine",
    "CrisisResources",
    "load_catalog",
    "missing_emergency",
    "stale_entries",
]

DONT_USE_ALONE = "dont_use_alone"

_LINE_FIELDS = frozenset({"name", "call", "text", "chat", "hours", "last_verified", "tags"})
_COUNTRY_FIELDS = frozenset({"name", "emergency", "overdose_note", "lines"})


@dataclass(frozen=True, slots=True)
class CrisisLine:
    name: str
    call: str | None
    text: str | None
    chat: str | None
    hours: str
    last_verified: date
    tags: tuple[str, ...] = ()

    def describe(self) -> str:
        """One line, e.g. "Crisis Text Line — text HOME to 741741 (24/7)"."""
        ways: list[str] = []
        if self.call and self.call == self.text:
            ways.append(f"call or text {self.call}")
        else:
            if self.call:
                ways.append(f"call {self.call}")
            if self.text:
                ways.append(f"text {self.text}")
        if self.chat:
            ways.append(f"chat {self.chat}")
        return f"{self.name} — {', '.join(ways)} ({self.hours})"


@dataclass(frozen=True, slots=True)
class CountryResources:
    code: str
    name: str
    emergency: tuple[str, ...]
    lines: tuple[CrisisLine, ...]
    overdose_note: str


# Loading and checking


class _Checker:
    """Reads one country's raw TOML table, naming the country and field in errors."""

    def __init__(self, source: str, code: str) -> None:
        self.source = source
        self.code = code

    def fail(self, where: str, problem: str) -> ValueError:
        return ValueError(f"{self.source}: country {self.code}: {where} {problem}")

    def text(self, table: Mapping[str, object], key: str, where: str) -> str:
        value = table.get(key)
        if value is None:
            raise self.fail(where, f"is missing field {key!r}")
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"field {key!r} must be a non-empty string")
        return value.strip()

    def optional_text(self, table: Mapping[str, object], key: str, where: str) -> str | None:
        if key not in table:
            return None
        return self.text(table, key, where)

    def strings(self, table: Mapping[str, object], key: str, where: str) -> tuple[str, ...]:
        value = table.get(key)
        if value is None:
            raise self.fail(where, f"is missing field {key!r}")
        if not isinstance(value, list) or not all(
            isinstance(item, str) and item.strip() for item in value
        ):
            raise self.fail(where, f"field {key!r} must be a list of non-empty strings")
        return tuple(item.strip() for item in value)

    def unknown(self, table: Mapping[str, object], allowed: frozenset[str], where: str) -> None:
        extra = sorted(set(table) - allowed)
        if extra:
            raise self.fail(where, f"has unknown field(s) {', '.join(map(repr, extra))}")

    def line(self, raw: object, index: int) -> CrisisLine:
        where = f"line {index + 1}"
        if not isinstance(raw, dict):
            raise self.fail(where, "must be a table with name, hours and last_verified")
        name = self.text(raw, "name", where)
        where = f"line {index + 1} ({name})"
        self.unknown(raw, _LINE_FIELDS, where)
        call = self.optional_text(raw, "call", where)
        text = self.optional_text(raw, "text", where)
        chat = self.optional_text(raw, "chat", where)
        if call is None and text is None and chat is None:
            raise self.fail(where, "needs at least one of 'call', 'text' or 'chat'")
        verified = raw.get("last_verified")
        if verified is None:
            raise self.fail(where, "is missing field 'last_verified'")
        # TOML datetimes are `datetime`, a subclass of `date`; only a plain date is meant.
        if not isinstance(verified, date) or isinstance(verified, datetime):
            raise self.fail(where, "field 'last_verified' must be a TOML date like 2026-11-01")
        tags = self.strings(raw, "tags", where) if "tags" in raw else ()
        return CrisisLine(
            name=name,
            call=call,
            text=text,
            chat=chat,
            hours=self.text(raw, "hours", where),
            last_verified=verified,
            tags=tags,
        )

    def country(self, raw: object) -> CountryResources:
        if not isinstance(raw, dict):
            raise self.fail("entry", "must be a table")
        self.unknown(raw, _COUNTRY_FIELDS, "entry")
        raw_lines = raw.get("lines")
        if raw_lines is None:
            raise self.fail("entry", "is missing field 'lines'")
        if not isinstance(raw_lines, list):
            raise self.fail("entry", "field 'lines' must be an array of tables ([[XX.lines]])")
        return CountryResources(
            code=self.code,
            name=self.text(raw, "name", "entry"),
            emergency=self.strings(raw, "emergency", "entry"),
            lines=tuple(self.line(line, index) for index, line in enumerate(raw_lines)),
            overdose_note=self.text(raw, "overdose_note", "entry"),
        )


def load_catalog(path: Path | None = None) -> dict[str, CountryResources]:
    """The crisis catalog by country code: `path`, or the shipped `resources.toml`.

    Raises ValueError naming the country and field when an entry is malformed.
    """
    if path is None:
        source = "flows/safety/crisis/resources.toml"
        raw_text = (
            resources.files("flows.safety.crisis").joinpath("resources.toml").read_text("utf-8")
        )
    else:
        source = str(path)
        raw_text = path.read_text(encoding="utf-8")
    try:
        raw = tomllib.loads(raw_text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{source}: not valid TOML: {error}") from error
    catalog: dict[str, CountryResources] = {}
    for code, entry in raw.items():
        if not (len(code) == 2 and code.isascii() and code.isalpha() and code.isupper()):
            raise ValueError(
                f"{source}: country {code!r}: codes must be two capital letters (ISO 3166-1)"
            )
        catalog[code] = _Checker(source, code).country(entry)
    return catalog


def stale_entries(
    catalog: Mapping[str, CountryResources], today: date, max_age_days: int = 365
) -> list[str]:
    """Lines last verified more than `max_age_days` before `today`, one problem each."""
    problems: list[str] = []
    for code, country in sorted(catalog.items()):
        for line in country.lines:
            age = (today - line.last_verified).days
            if age > max_age_days:
                problems.append(
                    f"{code}: {line.name} was last verified {line.last_verified.isoformat()} "
                    f"({age} days ago); re-verify it at least every {max_age_days} days"
                )
    return problems


def missing_emergency(catalog: Mapping[str, CountryResources]) -> list[str]:
    """Countries without an emergency number, one problem each."""
    return [
        f"{code} ({country.name}): no emergency number"
        for code, country in sorted(catalog.items())
        if not any(number.strip() for number in country.emergency)
    ]


# Rendering


@dataclass(frozen=True, slots=True)
class CrisisResources:
    """One deployment's crisis resources, rendered as ready-to-send plain text."""

    country: CountryResources
    # The deployment's own wording of its lines; used verbatim when set.
    override_text: str | None = None

    @classmethod
    def for_deployment(
        cls,
        country: str,
        override_text: str | None = None,
        catalog: Mapping[str, CountryResources] | None = None,
        *,
        emergency: str | None = None,
    ) -> "CrisisResources":
        """The resources for `country` (a code like "US"); ValueError if unknown.

        `emergency` replaces the country's emergency number(s): a deployment outside the
        shipped countries must never tell members to call another country's number.
        """
        known = load_catalog() if catalog is None else catalog
        code = country.strip().upper()
        if code not in known:
            codes = ", ".join(sorted(known)) or "none"
            raise ValueError(f"no crisis resources for country {country!r}; known: {codes}")
        entry = known[code]
        if emergency is not None and emergency.strip():
            entry = replace(entry, emergency=(emergency.strip(),))
        if missing_emergency({code: entry}):
            raise ValueError(f"crisis resources for {code} have no emergency number")
        override = override_text.strip() if override_text is not None else None
        return cls(entry, override or None)

    @property
    def emergency_number(self) -> str:
        return self.country.emergency[0]

    @property
    def _emergency(self) -> str:
        return " or ".join(self.country.emergency)

    def _listing(self, lines: tuple[CrisisLine, ...] | list[CrisisLine]) -> list[str]:
        if self.override_text is not None:
            return [self.override_text]
        return [f"• {line.describe()}" for line in lines]

    def lines_text(self, overdose: bool = False) -> str:
        if not overdose:
            danger = f"If you are in danger right now, call {self._emergency}."
            return "\n".join([danger, *self._listing(self.country.lines)])
        first = [line for line in self.country.lines if DONT_USE_ALONE in line.tags]
        rest = [line for line in self.country.lines if DONT_USE_ALONE not in line.tags]
        return "\n".join(
            [
                f"If someone may have overdosed, call {self._emergency} now.",
                self.country.overdose_note,
                *self._listing(first + rest),
            ]
        )

    def short_text(self) -> str:
        """The emergency number and the first two lines, for the /help footer."""
        danger = f"If you are in danger right now, call {self._emergency}."
        return "\n".join([danger, *self._listing(self.country.lines[:2])])
