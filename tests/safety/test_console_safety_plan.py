"""/safetyplan at the terminal: built with skips, typed as numbers and words, then shown."""

from pathlib import Path

from tests.channels.test_console import run_console

SIGN_UP = ["/start", "1", "River", "UTC", "9", "2"]


def test_build_and_view_a_safety_plan_at_the_terminal(tmp_path: Path) -> None:
    steps = [
        "not sleeping, pacing",
        "1",  # step 2: the only option, Skip, by its number
        "the park",
        "skip",
        "my cat Biscuit",
        "1",  # step 6: Add these lines
        "done",
        "2",  # not an option at step 7: asked again, not saved
        "keep the bottle at my brother's",
    ]
    out = run_console(tmp_path, [*SIGN_UP, "/safetyplan", *steps, "/safetyplan", "/quit"])
    assert "Step 1 of 7 — Warning signs" in out
    assert "  1) ☎️ Add these lines\n  2) Skip" in out
    assert "That number isn't one of the options" in out
    assert "That's your safety plan, saved." in out
    view = out.rsplit("🧭 Your safety plan", 1)[1]  # the second /safetyplan
    assert "1. Warning signs\n• not sleeping\n• pacing" in view
    assert "2. Things that help me cope on my own\n(nothing here yet)" in view
    assert "5. My reasons for living\n• my cat Biscuit" in view
    assert "• If you are in danger right now, call" in view  # the deployment's lines
    assert "7. Making my space safer\n• keep the bottle at my brother's" in view
    assert "• ✏️ Edit a step: send /safetyplan edit" in view
