"""Words the community calendar reads and writes across languages: repeat rules typed in
Spanish as well as English, weekdays written by Babel in the language being spoken, and a
file's refusal made in English where it is read, said in the admin's language."""

from datetime import UTC, datetime

import pytest

from flows.community.calendar_import import TOO_BIG, reason_text, too_big
from flows.community.meeting_feed import FEED_REASONS, NOT_A_FEED
from flows.community.series import Repeat, Rule, looks_repeating, parse_repeat
from flows.core.language import PSEUDO_LANGUAGE, pseudo, speaking

NOW = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)  # a Sunday


def _rule(typed: str) -> Rule:
    assert looks_repeating(typed), typed
    repeat = parse_repeat(typed, "UTC", NOW)
    assert isinstance(repeat, Repeat), repeat
    return repeat.rule


@pytest.mark.parametrize(
    ("typed", "english"),
    [
        ("cada martes 19:00", "every Tuesday"),
        ("Cada Miércoles a las 7pm", "every Wednesday"),
        ("cada dos sábados 10:00", "every other Saturday"),
        ("cada lunes y jueves a las 18:30", "every Monday and Thursday"),
        ("primer viernes 19:30", "the first Friday of each month"),
        ("el último domingo 11:00", "the last Sunday of each month"),
        ("every Tue 19:00", "every Tuesday"),
        ("every other Sat 10:00", "every other Saturday"),
    ],
)
def test_repeat_rules_typed_in_spanish_or_english(typed: str, english: str) -> None:
    assert _rule(typed).describe() == english


def test_a_rule_without_a_day_is_refused_in_the_language_being_spoken() -> None:
    with speaking(PSEUDO_LANGUAGE):
        said = parse_repeat("cada 19:00", "UTC", NOW)
    assert isinstance(said, str) and said.startswith(
        pseudo("I couldn't tell which day of the week.")
    )


def test_weekdays_are_written_by_babel_not_an_english_table() -> None:
    rule = _rule("every Mon and Thu 18:30")
    with speaking("es"):
        assert "lunes" in rule.describe() and "jueves" in rule.describe()
    with speaking(PSEUDO_LANGUAGE):
        assert rule.describe() == pseudo("every {days}").format(
            days=pseudo("{days} and {last}").format(days="Monday", last="Thursday")
        )


def test_a_refusal_made_in_english_is_said_in_the_readers_language() -> None:
    made = too_big(4096)
    assert made == "it is larger than 4 KB — please send fewer events at a time"
    assert reason_text(made) == made
    with speaking(PSEUDO_LANGUAGE):
        assert reason_text(made) == pseudo(TOO_BIG).format(size="4")
        assert reason_text(NOT_A_FEED, FEED_REASONS) == pseudo(NOT_A_FEED)
        # One none of them knows (a fetcher's own words) is left as it came.
        assert reason_text("HTTP 503", FEED_REASONS) == "HTTP 503"
