"""The console saves what it is sent — an /export, a /chart — beside the database,
readable by its owner only, and prints where."""

import json
import re
import stat
from pathlib import Path

from tests.channels.test_console import run_console

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def saved_paths(out: str) -> list[Path]:
    return [Path(found) for found in re.findall(r"\[(?:file|picture) saved to (.+)\]", out)]


def test_export_and_chart_are_written_0600_and_their_paths_printed(tmp_path: Path) -> None:
    sign_up_and_check_in = ["/start", "1", "River", "UTC", "9", "1", "4", "done"]
    out = run_console(
        tmp_path, [*sign_up_and_check_in, "tea with a friend", "/export", "/chart", "/export"]
    )
    export, chart, again = saved_paths(out)
    folder = (tmp_path / "exports").resolve()  # the database is tmp_path/console.db
    assert export.parent == chart.parent == again.parent == folder
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in (export, chart, again):
        assert path.is_absolute()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert export.name.startswith("user-1-hearthside-export-") and export.suffix == ".json"
    assert again != export  # a second export never overwrites the first
    data = json.loads(export.read_text(encoding="utf-8"))
    [entry] = data["mood_checkins"]
    assert (entry["mood"], entry["what_helped"]) == (4, "tea with a friend")
    assert data["profile"]["chosen_name"] == "River"
    assert chart.read_bytes().startswith(PNG_SIGNATURE)


def test_deleting_removes_the_persons_saved_files_and_no_one_elses(tmp_path: Path) -> None:
    first = ["/start", "1", "River", "UTC", "9", "1", "4", "done", "skip", "/export", "/chart"]
    second = ["/as 2", "/start", "1", "Brook", "UTC", "9", "2", "/export"]
    out = run_console(tmp_path, [*first, *second, "/as 1", "/delete", "1"])
    assert "has been deleted" in out
    first_export, first_chart, second_export = saved_paths(out)
    assert not first_export.exists() and not first_chart.exists()
    assert second_export.exists() and second_export.name.startswith("user-2-")
    folder = (tmp_path / "exports").resolve()
    assert [path.name for path in folder.iterdir()] == [second_export.name]
