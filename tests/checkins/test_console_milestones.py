"""Milestones at the terminal: `python -m bot` in the console, typed line by line, with
numbered options instead of buttons."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.community.test_console_community import LiveConsole, join_as_member

MEMBER = "7373"


def test_milestones_at_the_terminal(tmp_path: Path) -> None:
    with LiveConsole(tmp_path) as console:
        join_as_member(console, MEMBER, "River")
        intro = console.say("/milestones")
        assert "Many don't count at all" in intro
        assert "1) 📅 Set a date" in intro and "2) Not now" in intro
        asked = console.say("1")
        assert "From which day would you like to count?" in asked
        # Words that are no date and nothing like a crisis: "not a date at all" scores 0.79
        # under semantic-8, just over its ASK bar, so the guard asks the direct question.
        assert "I couldn't read that as a date" in console.say("purple elephants")
        week_ago = datetime.now(UTC).date() - timedelta(days=7)
        saved = console.say(week_ago.isoformat())
        assert "Saved. You're counting from" in saved
        assert "That's 1 week today — congratulations!" in saved
        status = console.say("/milestones")
        assert "7 days so far" in status and "Next milestone: 30 days" in status
        assert "Your check-in streak (kept apart from your date)" in status
        assert "stay as they are" in console.say("Keep it as it is")
        # Off again, confirmed by number.
        assert "Turn milestones off?" in console.say("/milestones") + console.say("3")
        assert "I've forgotten your date" in console.say("1")
        console.quit()
