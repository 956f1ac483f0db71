"""Logging that never carries message text, names or the bot token.

Our own log lines hold ids and event types only. Two libraries need taming:
httpx logs every request URL, and the URL contains the bot token; PTB's DEBUG
output includes request parameters, i.e. message text.
"""

import logging
import sys

from telegram.error import InvalidToken


class _RefusedTokenWithoutTraceback(logging.Filter):
    """PTB's polling logs a refused token with a traceback; Hearthside says it in one line
    (and exits), so keep PTB's line and drop the traceback, which is no crash of ours."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], InvalidToken):
            record.exc_info = None
            record.exc_text = None
        return True


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level,
        stream=sys.stderr,
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
