"""Reading time zones, times of day and chosen names as people type them."""

import pytest

from flows.core.parsing import parse_id, parse_time_of_day, parse_timezone


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
    ],
)
def test_parse_timezone(typed: str, zone: str | None) -> None:
    assert parse_timezone(typed) == zone


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
