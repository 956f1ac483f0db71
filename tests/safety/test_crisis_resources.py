"""The shipped crisis resources: complete, fresh, and rendered the way a member needs them."""

from datetime import date
from pathlib import Path

import pytest

from flows.safety.crisis.resources import (
    CountryResources,
    CrisisLine,
    CrisisResources,
    load_catalog,
    missing_emergency,
    stale_entries,
)


@pytest.fixture(scope="module")
def catalog() -> dict[str, CountryResources]:
    return load_catalog()


def write_catalog(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "resources.toml"
    path.write_text(body, encoding="utf-8")
    return path


VALID_LINE = """
[[ZZ.lines]]
name = "Test Line"
call = "123"
hours = "24/7"
last_verified = {verified}
"""


# The shipped catalog (these fail in CI until a deployment re-verifies its lines)


def test_the_seed_countries_ship(catalog: dict[str, CountryResources]) -> None:
    assert {"US", "GB", "IE", "CA", "MX"} <= set(catalog)
    assert "ES" not in catalog  # not until its lines are checked on the services' own pages


def test_every_shipped_country_has_an_emergency_number(
    catalog: dict[str, CountryResources],
) -> None:
    assert missing_emergency(catalog) == []
    for country in catalog.values():
        assert country.emergency, country.code


def test_no_line_was_last_verified_more_than_12_months_ago(
    catalog: dict[str, CountryResources],
) -> None:
    problems = stale_entries(catalog, date.today())
    assert problems == [], "re-verify these crisis lines:\n" + "\n".join(problems)


def test_us_has_988_crisis_text_line_and_911(catalog: dict[str, CountryResources]) -> None:
    text = CrisisResources.for_deployment("US", catalog=catalog).lines_text()
    assert text.startswith("If you are in danger right now, call 911.")
    assert "988" in text
    assert "HOME to 741741" in text
    assert "988lifeline.org" in text


def test_gb_has_samaritans_shout_and_999(catalog: dict[str, CountryResources]) -> None:
    text = CrisisResources.for_deployment("GB", catalog=catalog).lines_text()
    assert "116 123" in text
    assert "SHOUT to 85258" in text
    assert "999" in text


def test_ie_and_ca_have_their_lines(catalog: dict[str, CountryResources]) -> None:
    ie = CrisisResources.for_deployment("IE", catalog=catalog)
    assert ie.emergency_number == "112"
    assert "HELLO to 50808" in ie.lines_text()
    ca = CrisisResources.for_deployment("CA", catalog=catalog)
    assert ca.emergency_number == "911"
    assert "1-888-688-6677" in ca.lines_text(overdose=True)


# Rendering


def test_describe_joins_the_ways_to_reach_a_line() -> None:
    line = CrisisLine(
        name="988 Suicide & Crisis Lifeline",
        call="988",
        text="988",
        chat="988lifeline.org",
        hours="24/7",
        last_verified=date(2026, 11, 1),
    )
    assert line.describe() == (
        "988 Suicide & Crisis Lifeline — call or text 988, chat 988lifeline.org (24/7)"
    )


def test_lines_are_one_per_line_without_markdown(catalog: dict[str, CountryResources]) -> None:
    us = CrisisResources.for_deployment("US", catalog=catalog)
    rows = us.lines_text().splitlines()
    assert rows[0] == "If you are in danger right now, call 911."
    assert len(rows) == 1 + len(catalog["US"].lines)
    assert all(row.startswith("• ") for row in rows[1:])
    assert not any(mark in us.lines_text() for mark in ("*", "_", "`", "["))


def test_overdose_text_puts_the_emergency_number_first(
    catalog: dict[str, CountryResources],
) -> None:
    text = CrisisResources.for_deployment("US", catalog=catalog).lines_text(overdose=True)
    rows = text.splitlines()
    assert rows[0] == "If someone may have overdosed, call 911 now."
    assert rows[1] == catalog["US"].overdose_note
    assert "naloxone" in rows[1].lower()
    assert "Never Use Alone" in rows[2]
    assert "1-800-484-3731" in rows[2]
    assert "988" in text


def test_short_text_has_the_emergency_number_and_two_lines(
    catalog: dict[str, CountryResources],
) -> None:
    rows = CrisisResources.for_deployment("US", catalog=catalog).short_text().splitlines()
    assert rows[0] == "If you are in danger right now, call 911."
    assert len(rows) == 3
    assert "988" in rows[1]
    assert "HOME to 741741" in rows[2]


def test_override_text_is_used_verbatim_and_still_states_the_emergency_number(
    catalog: dict[str, CountryResources],
) -> None:
    own = "Call our warmline on 0800 000 000, any hour."
    gb = CrisisResources.for_deployment("GB", override_text=own, catalog=catalog)
    for text in (gb.lines_text(), gb.short_text(), gb.lines_text(overdose=True)):
        assert own in text
        assert "999" in text
        assert "Samaritans" not in text
    assert gb.lines_text() == f"If you are in danger right now, call 999 or 112.\n{own}"
    assert gb.lines_text(overdose=True).startswith(
        "If someone may have overdosed, call 999 or 112 now."
    )


def test_country_codes_are_case_insensitive(catalog: dict[str, CountryResources]) -> None:
    assert CrisisResources.for_deployment(" gb ", catalog=catalog).emergency_number == "999"


def test_unknown_country_names_the_known_codes(catalog: dict[str, CountryResources]) -> None:
    with pytest.raises(ValueError, match="known: CA, GB, IE, MX, US"):
        CrisisResources.for_deployment("XX", catalog=catalog)


# Loading and checking other catalogs


def test_a_country_missing_emergency_is_rejected_by_name(tmp_path: Path) -> None:
    path = write_catalog(
        tmp_path,
        '[ZZ]\nname = "Testland"\noverdose_note = "Give naloxone if you have it."\n'
        + VALID_LINE.format(verified="2026-11-01"),
    )
    with pytest.raises(ValueError, match=r"country ZZ: .*'emergency'"):
        load_catalog(path)


def test_a_line_with_a_string_date_is_rejected_by_name(tmp_path: Path) -> None:
    path = write_catalog(
        tmp_path,
        '[ZZ]\nname = "Testland"\nemergency = ["112"]\noverdose_note = "Naloxone."\n'
        + VALID_LINE.format(verified='"2026-11-01"'),
    )
    with pytest.raises(ValueError, match=r"country ZZ: line 1 \(Test Line\) .*'last_verified'"):
        load_catalog(path)


def test_an_empty_emergency_list_is_reported_and_refused(tmp_path: Path) -> None:
    path = write_catalog(
        tmp_path,
        '[ZZ]\nname = "Testland"\nemergency = []\noverdose_note = "Naloxone."\n'
        + VALID_LINE.format(verified="2026-11-01"),
    )
    catalog = load_catalog(path)
    assert missing_emergency(catalog) == ["ZZ (Testland): no emergency number"]
    with pytest.raises(ValueError, match="no emergency number"):
        CrisisResources.for_deployment("ZZ", catalog=catalog)


def test_the_staleness_check_flags_an_old_date(tmp_path: Path) -> None:
    path = write_catalog(
        tmp_path,
        '[ZZ]\nname = "Testland"\nemergency = ["112"]\noverdose_note = "Naloxone."\n'
        + VALID_LINE.format(verified="2020-01-01"),
    )
    catalog = load_catalog(path)
    problems = stale_entries(catalog, date(2026, 11, 22))
    assert len(problems) == 1
    assert problems[0].startswith("ZZ: Test Line was last verified 2020-01-01")
    assert stale_entries(catalog, date(2020, 12, 31)) == []
