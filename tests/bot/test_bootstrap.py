"""scripts/bootstrap: one line while it sets up, the installers' output only when they fail.

It runs here on a copy of the script, with a stand-in Python whose "pip" only talks, so
nothing is installed and nothing is fetched.
"""

import os
import shutil
import stat
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A stand-in for `python3`: `-m venv .venv` makes a .venv whose python is this same stand-in;
# anything else talks like pip does (a warning among it) and fails when FAIL_PIP is set.
FAKE_PYTHON = """#!/bin/sh
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
    mkdir -p "$3/bin" && cp "$0" "$3/bin/python" && exit 0
fi
echo "Obtaining file:///somewhere"
echo "BuildBackendWarning: Editable installation." >&2
[ -z "$FAIL_PIP" ]
"""


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "bootstrap", project / "scripts" / "bootstrap")
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (project / "scripts" / "model-requirements.txt").write_text("")
    fake = tmp_path / "python3"
    fake.write_text(FAKE_PYTHON)
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    return project


def _bootstrap(project: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(project / "scripts" / "bootstrap")],
        env={**os.environ, "PYTHON": str(project.parent / "python3"), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_first_run_says_one_line_and_a_second_run_nothing(tmp_path: Path) -> None:
    project = _project(tmp_path)
    first = _bootstrap(project)
    assert first.returncode == 0, first.stderr
    lines = (first.stdout + first.stderr).splitlines()
    assert len(lines) == 1 and lines[0].startswith("Setting up Hearthside"), lines
    again = _bootstrap(project)
    assert again.returncode == 0 and again.stdout + again.stderr == ""


def test_a_failed_install_shows_what_the_installer_said(tmp_path: Path) -> None:
    project = _project(tmp_path)
    failed = _bootstrap(project, FAIL_PIP="1")
    assert failed.returncode != 0
    assert "BuildBackendWarning" in failed.stderr and "Obtaining" in failed.stderr
    assert "setting up .venv failed" in failed.stderr
    # Nothing is marked installed, so the next run tries again.
    assert not list((project / ".venv").glob(".installed-*"))
