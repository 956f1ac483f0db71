"""A broadcast typed at the terminal: composed, previewed, delivered to the other users of
the console (unpaced: the console has no bulk limit), with its final report."""

from pathlib import Path

from tests.community.test_console_community import LiveConsole

TEXT = "The Tuesday meeting moves to the library this week."


def sign_up(console: LiveConsole, user: str) -> None:
    console.act_as(user)
    for line in ("/start", "1", "River", "UTC", "9"):
        console.say(line)
    assert "Whenever you're ready" in console.say("2")  # no check-in now


def test_a_broadcast_from_the_terminal_reaches_the_members_who_take_announcements(
    tmp_path: Path,
) -> None:
    with LiveConsole(tmp_path, admins="console:1") as console:
        sign_up(console, "2")
        sign_up(console, "3")
        assert "no more announcements" in console.say("/announcements off")
        console.act_as("1")
        assert "Send the message" in console.say("/broadcast")
        assert "Who should get it?" in console.say(TEXT)
        assert "time-critical" in console.say("2")  # members who take announcements
        # Time-critical, so that the terminal's own clock and quiet hours don't matter.
        preview = console.say("2")
        assert f"📣 A message from the Hearthside team\n\n{TEXT}" in preview
        assert "send /announcements off" in preview
        assert "1 person" in preview and "announcements off: 1" in preview
        mark = console.mark()
        console.say("1")  # Send it
        out = console.wait_for("Here is what happened:\nSent: 1", mark)
        console.quit()
    assert out.count(TEXT) == 1  # to user 2 only; user 3 turned announcements off
    assert "[to user 2] Hearthside: 📣 A message from the Hearthside team" in out
    assert "[to user 3]" not in out
