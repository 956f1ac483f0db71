"""Logging that never carries message text, names or the bot token.

Our own log lines hold ids and event types only. Two libraries need taming:
httpx logs every request URL, and the URL contains the bot token; PTB's DEBUG
output includes request parameters, i.e. message text.
"""

import logging
import os
import stat
import sys
from pathlib import Path

from telegram.error import InvalidToken


class _RefusedTokenWithoutTraceback(logging.Filter):
    """PTB's polling logs a refused token with a traceback; Hearthside says it in one line
    (and exits), so keep PTB's line and drop the traceback, which is no crash of ours."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], InvalidToken):
            record.exc_info = None
            record.exc_text = None
        return True


def private_log_file(path: Path) -> logging.Handler:
    """A handler appending to `path`, which is made (or set back to) owner-only: its lines
    are ids and event types, but still about people's health."""
    os.close(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600))
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(0o600)
    return logging.FileHandler(path, encoding="utf-8")


def configure_logging(level: str, *, file: Path | None = None) -> None:
    """Log at `level` to stderr, or to `file` (the console's chat owns the terminal)."""
    handler = private_log_file(file) if file is not None else logging.StreamHandler(sys.stderr)
    logging.basicConfig(
        level=level,
        handlers=[handler],
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("telegram").setLevel(max(logging.INFO, logging.getLevelName(level)))
    # PTB's network loop logs as "telegram.ext"; a filter there sees only its own records.
    ptb = logging.getLogger("telegram.ext")
    if not any(isinstance(f, _RefusedTokenWithoutTraceback) for f in ptb.filters):
        ptb.addFilter(_RefusedTokenWithoutTraceback())
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("aiosqlite").setLevel(logging.WARNING)
