"""Crisis lines per country, from `resources.toml`, rendered for a member."""

import tomllib
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any


@dataclass(frozen=True, slots=True)
class CountryLines:
    code: str
    emergency: str
    lines: tuple[tuple[str, str, str], ...]  # name, how to reach, hours
    overdose_lines: tuple[tuple[str, str, str], ...]
    overdose_note: str
    # Set when the deployment words its own lines (CRISIS_RESOURCES).
    override: str | None = None

    @property
    def emergency_number(self) -> str:
        return self.emergency

    def _listing(self, lines: tuple[tuple[str, str, str], ...]) -> str:
        return "\n".join(f"• {name}: {how} ({hours})" for name, how, hours in lines)

    def lines_text(self, overdose: bool = False) -> str:
        body = self.override or self._listing(self.lines)
        if overdose:
            lead = (
                f"If someone may have overdosed, call {self.emergency} now. {self.overdose_note}"
            )
            extra = self._listing(self.overdose_lines)
            return "\n".join(part for part in (lead, extra, body) if part)
        return f"In an emergency, call {self.emergency}.\n{body}"

    def short_text(self) -> str:
        body = self.override or self._listing(self.lines[:2])
        return f"In an emergency, call {self.emergency}.\n{body}"


def load_catalog() -> dict[str, Any]:
    raw = (resources.files("flows.crisis") / "resources.toml").read_text("utf-8")
    return tomllib.loads(raw)


def country_lines(code: str, *, override: str | None = None) -> CountryLines:
    catalog = load_catalog()
    if code not in catalog:
        known = ", ".join(sorted(catalog))
        raise ValueError(f"no crisis lines for {code!r}; known: {known}")
    entry = catalog[code]
    lines = [
        (line["name"], line["how"], line["hours"], line.get("overdose")) for line in entry["lines"]
    ]
    everyday = tuple(line[:3] for line in lines if not line[3])
    overdose = tuple(line[:3] for line in lines if line[3])
    return CountryLines(
        code, entry["emergency"], everyday, overdose, entry["overdose_note"], override
    )


def problems(today: date, max_age_days: int = 365) -> list[str]:
    """Countries without an emergency number, and lines not verified for a year."""
    found = []
    for code, entry in load_catalog().items():
        if not str(entry.get("emergency", "")).strip():
            found.append(f"{code}: no emergency number")
        for line in entry.get("lines", []):
            if (today - line["last_verified"]).days > max_age_days:
                found.append(f"{code}: {line['name']} last verified {line['last_verified']}")
    return found
