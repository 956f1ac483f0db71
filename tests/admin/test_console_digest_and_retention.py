"""The digest switch and /stats' retention lines, typed at the terminal (`python -m bot`
in the console, as an admin from ADMINS)."""

import subprocess
import sys
from pathlib import Path

from tests.channels.test_console import ROOT, console_env


def test_an_admin_turns_the_digest_on_and_reads_the_retention_settings(
    tmp_path: Path,
) -> None:
    env = console_env(tmp_path)
    env.update({"ADMINS": "console:1", "RETENTION_DAYS_CHATS": "0"})
    lines = ["/start", "1", "River", "Dublin", "8pm", "2", "/digest", "/digest on", "/stats"]
    done = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        input="\n".join([*lines, "/quit"]) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Your weekly digest is off" in out
    assert "Turn it on" in out
    assert "Your weekly digest is on: every Monday morning" in out
    assert "• check-ins: deleted after 730 days" in out
    assert "• records of closed peer chats: kept, with no time limit" in out
