"""Crisis resources per country and language, from `resources.toml`, rendered as plain
text.

The catalog is configuration, not code: deployments re-verify and extend
`resources.toml`. `CrisisResources.for_deployment` picks one country (and the
deployment's own wording, if it has one) and renders ready-to-send texts in the language
being spoken: that language's lines where the country has them ("988 and press 2" for
Spanish in the US), else the country's English lines; the words around the numbers
("call", "text", "24/7") come from the catalogs. Rendering never fails for a reason of
language: a broken translation gives the English words (flows/core/safe_text.py).
"""

import logging
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from importlib import resources
from pathlib import Path

from flows.core.language import N_, SOURCE_LANGUAGE, current_language
from flows.core.safe_text import said

__all__ = [
    "CountryResources",
    "CrisisLine",
    "CrisisResources",
    "LanguageResources",
    "load_catalog",
    "missing_emergency",
    "stale_entries",
]

log = logging.getLogger(__name__)

DONT_USE_ALONE = "dont_use_alone"

_LINE_FIELDS = frozenset(
    {"name", "call", "press", "text", "chat", "hours", "last_verified", "tags"}
)
_COUNTRY_FIELDS = frozenset({"name", "emergency", "overdose_note", "lines"})
_LANGUAGE_FIELDS = frozenset({"overdose_note", "lines"})
# "HOME to 741741": the word to text, and the number it goes to.
_KEYWORD = re.compile(r"(?P<keyword>\S+) to (?P<number>.+)")
# Hours the catalogs word in every language; any other hours are shown as written.
_KNOWN_HOURS = {"24/7": N_("24/7"), "free, 24/7": N_("free, 24/7")}


@dataclass(frozen=True, slots=True)
class CrisisLine:
    name: str
    call: str | None
    text: str | None
    chat: str | None
    hours: str
    last_verified: date
    tags: tuple[str, ...] = ()

    # After calling, the option to choose ("988 and press 2" for the Spanish line).
    press: str | None = None

    def _ways(self) -> list[str]:
        ways: list[str] = []
        if self.call and self.call == self.text and not self.press:
            ways.append(said(N_("call or text {number}"), number=self.call))
        else:
            if self.call and self.press:
                ways.append(
                    said(
                        N_("call {number} and press {option}"), number=self.call, option=self.press
                    )
                )
            elif self.call:
                ways.append(said(N_("call {number}"), number=self.call))
            if self.text:
                keyword = _KEYWORD.fullmatch(self.text)
                if keyword:
                    ways.append(
                        said(
                            N_("text {keyword} to {number}"),
                            keyword=keyword["keyword"],
                            number=keyword["number"],
                        )
                    )
                else:
                    ways.append(said(N_("text {number}"), number=self.text))
        if self.chat:
            ways.append(said(N_("chat {address}"), address=self.chat))
        return ways

    def describe(self) -> str:
        """One line, e.g. "Crisis Text Line — text HOME to 741741 (24/7)", in the language
        being spoken."""
        hours = _KNOWN_HOURS.get(self.hours)
        return said(
            N_("{name} — {ways} ({hours})"),
            name=self.name,
            ways=", ".join(self._ways()),
            hours=said(hours) if hours else self.hours,
        )


@dataclass(frozen=True, slots=True)
class LanguageResources:
    """A country's lines as one language words them (for a deployment speaking it)."""

    lines: tuple[CrisisLine, ...]
    overdose_note: str


@dataclass(frozen=True, slots=True)
class CountryResources:
    code: str
    name: str
    emergency: tuple[str, ...]
    lines: tuple[CrisisLine, ...]
    overdose_note: str
    # The country's lines in other languages than English, by language code ("es").
    languages: Mapping[str, LanguageResources] = field(default_factory=dict)

    def in_language(self, language: str) -> LanguageResources:
        """The lines in `language`, or the country's English ones."""
        found = self.languages.get(language)
        return found if found is not None else LanguageResources(self.lines, self.overdose_note)

    def every_line(self) -> list[CrisisLine]:
        """Every line in every language (each checked for freshness)."""
        lines = list(self.lines)
        for entry in self.languages.values():
            lines += entry.lines
        return lines


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
        press = self.optional_text(raw, "press", where)
        if press is not None and call is None:
            raise self.fail(where, "has 'press' without a number to 'call'")
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
            press=press,
        )

    def lines_of(self, raw: Mapping[str, object], where: str) -> tuple[CrisisLine, ...]:
        raw_lines = raw.get("lines")
        if raw_lines is None:
            raise self.fail(where, "is missing field 'lines'")
        if not isinstance(raw_lines, list):
            raise self.fail(where, "field 'lines' must be an array of tables ([[XX.lines]])")
        return tuple(self.line(line, index) for index, line in enumerate(raw_lines))

    def language(self, code: str, raw: object, english_note: str) -> LanguageResources:
        where = f"language {code!r}"
        if not isinstance(raw, dict):
            raise self.fail(where, "must be a table ([XX.xx])")
        self.unknown(raw, _LANGUAGE_FIELDS, where)
        note = self.optional_text(raw, "overdose_note", where)
        return LanguageResources(self.lines_of(raw, where), note or english_note)

    def country(self, raw: object) -> CountryResources:
        if not isinstance(raw, dict):
            raise self.fail("entry", "must be a table")
        # A two-letter lowercase key is a language's own lines ([US.es]).
        languages = {k: v for k, v in raw.items() if _is_language_code(k)}
        self.unknown(
            {k: v for k, v in raw.items() if k not in languages}, _COUNTRY_FIELDS, "entry"
        )
        note = self.text(raw, "overdose_note", "entry")
        return CountryResources(
            code=self.code,
            name=self.text(raw, "name", "entry"),
            emergency=self.strings(raw, "emergency", "entry"),
            lines=self.lines_of(raw, "entry"),
            overdose_note=note,
            languages={
                code: self.language(code, entry, note) for code, entry in languages.items()
            },
        )


def _is_language_code(key: str) -> bool:
    return len(key) == 2 and key.isascii() and key.isalpha() and key.islower()


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
    """Lines (in every language) last verified more than `max_age_days` before `today`,
    one problem each."""
    problems: list[str] = []
    for code, country in sorted(catalog.items()):
        for line in country.every_line():
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

    def _emergency(self) -> str:
        """The emergency numbers as a person reads them: "999 or 112"."""
        numbers = list(self.country.emergency)
        words = numbers[0]
        for number in numbers[1:]:
            words = said(N_("{first} or {second}"), first=words, second=number)
        return words

    def _listing(self, lines: tuple[CrisisLine, ...] | list[CrisisLine]) -> list[str]:
        if self.override_text is not None:
            return [self.override_text]
        return [f"• {line.describe()}" for line in lines]

    def _danger(self) -> str:
        return said(
            N_("If you are in danger right now, call {emergency}."), emergency=self._emergency()
        )

    def _render(self, language: str, overdose: bool, short: bool) -> str:
        spoken = self.country.in_language(language)
        if short:
            return "\n".join([self._danger(), *self._listing(spoken.lines[:2])])
        if not overdose:
            return "\n".join([self._danger(), *self._listing(spoken.lines)])
        first = [line for line in spoken.lines if DONT_USE_ALONE in line.tags]
        rest = [line for line in spoken.lines if DONT_USE_ALONE not in line.tags]
        return "\n".join(
            [
                said(
                    N_("If someone may have overdosed, call {emergency} now."),
                    emergency=self._emergency(),
                ),
                spoken.overdose_note,
                *self._listing(first + rest),
            ]
        )

    def _text(self, overdose: bool = False, short: bool = False) -> str:
        """In the language being spoken; should anything about it fail, the English lines."""
        try:
            return self._render(current_language(), overdose, short)
        except Exception:  # the lines must go out whatever broke
            log.exception("crisis_lines_render_failed")
            return self._render(SOURCE_LANGUAGE, overdose, short)

    def lines_text(self, overdose: bool = False) -> str:
        return self._text(overdose=overdose)

    def short_text(self) -> str:
        """The emergency number and the first two lines, for the /help footer."""
        return self._text(short=True)
