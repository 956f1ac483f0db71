"""Reading time zones, times of day and chosen names as people type them."""

from datetime import UTC, datetime

import pytest

from flows.core.parsing import parse_id, parse_time_of_day, parse_timezone, read_timezone

AT = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("Berlin", "Europe/Berlin"),
        ("new york", "America/New_York"),
        ("UTC", "UTC"),
        ("UTC+2", "Etc/GMT-2"),
        ("-5", "Etc/GMT+5"),
        ("GMT+05:30", "Asia/Kolkata"),
        ("pst", "America/Los_Angeles"),
        ("Mars", None),
        ("UTC+15", None),
        ("", None),
        # Cities no IANA zone is named after, from GeoNames' table of places.
        ("Mumbai", "Asia/Kolkata"),
        ("Bombay", "Asia/Kolkata"),
        ("San Francisco", "America/Los_Angeles"),
        ("NYC", "America/New_York"),
        ("Manchester", "Europe/London"),
        ("Glasgow", "Europe/London"),
        ("Cork", "Europe/Dublin"),
        ("São Paulo", "America/Sao_Paulo"),
        ("sao paulo", "America/Sao_Paulo"),
        ("Kiev", "Europe/Kyiv"),
        # A place with the country or state it is in.
        ("Portland, Maine", "America/New_York"),
        ("Portland OR", "America/Los_Angeles"),
        ("Perth, Scotland", "Europe/London"),
        ("Birmingham, Alabama", "America/Chicago"),
        # A country (or US state) that keeps one time.
        ("India", "Asia/Kolkata"),
        ("UK", "Europe/London"),
        ("Maine", "America/New_York"),
    ],
)
def test_parse_timezone(typed: str, zone: str | None) -> None:
    assert parse_timezone(typed, at=AT) == zone


@pytest.mark.parametrize(
    ("typed", "meanings"),
    [
        ("IST", ["Asia/Kolkata", "Asia/Jerusalem", "Europe/Dublin"]),
        ("Portland", ["America/Los_Angeles", "America/New_York"]),
        # GMT is UTC or the UK's winter time: a UK member would lose summer time.
        ("GMT", ["Europe/London", "UTC"]),
        ("Springfield", ["America/Chicago", "America/New_York", "America/Los_Angeles"]),
    ],
)
def test_a_name_of_several_zones_is_asked_about(typed: str, meanings: list[str]) -> None:
    options = read_timezone(typed, at=AT)
    assert [option.zone for option in options] == meanings
    assert parse_timezone(typed, at=AT) is None


def test_what_a_place_is_read_as() -> None:
    assert [o.place for o in read_timezone("Portland", at=AT)] == [
        "Portland, Oregon",
        "Portland, Maine",
    ]
    # Zones that keep the same time are one answer: Vancouver, Washington, is not asked.
    assert [o.zone for o in read_timezone("Vancouver", at=AT)] == ["America/Vancouver"]


@pytest.mark.parametrize(
    ("typed", "hhmm"),
    [
        ("9", "09:00"),
        ("09:30", "09:30"),
        ("7pm", "19:00"),
        ("7:30 pm", "19:30"),
        ("12am", "00:00"),
        ("noon", "12:00"),
        ("21h", "21:00"),
        ("25:00", None),
        ("13pm", None),
        ("soon", None),
    ],
)
def test_parse_time_of_day(typed: str, hhmm: str | None) -> None:
    assert parse_time_of_day(typed) == hhmm


@pytest.mark.parametrize(
    ("typed", "row_id"),
    [
        ("12", 12),
        (" #7 ", 7),
        ("²", None),
        ("٣", None),
        ("", None),
        ("1e3", None),
        ("-4", None),
        ("9" * 18, int("9" * 18)),
        ("9" * 19, None),
    ],
)
def test_parse_id(typed: str, row_id: int | None) -> None:
    assert parse_id(typed) == row_id
