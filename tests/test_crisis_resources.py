"""The shipped crisis lines: complete, fresh, and rendered the way a member needs them."""

from datetime import date

import pytest

from flows.crisis.resources import country_lines, problems


def test_every_country_has_an_emergency_number_and_fresh_lines() -> None:
    assert problems(date.today()) == []


def test_staleness_is_caught() -> None:
    assert problems(date(2030, 1, 1))


def test_us_lines() -> None:
    us = country_lines("US")
    text = us.lines_text()
    assert "911" in text and "988" in text and "HOME to 741741" in text
    overdose = us.lines_text(overdose=True)
    assert overdose.startswith("If someone may have overdosed, call 911 now.")
    assert "Never Use Alone" in overdose


def test_uk_lines() -> None:
    text = country_lines("GB").lines_text()
    assert "116 123" in text and "SHOUT to 85258" in text and "999" in text


def test_override_keeps_the_emergency_number() -> None:
    lines = country_lines("GB", override="Call our warmline on 0800 000 000.")
    assert "0800 000 000" in lines.lines_text() and "999" in lines.lines_text()


def test_unknown_country_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="known: CA, GB, IE, US"):
        country_lines("XX")
