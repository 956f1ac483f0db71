"""`python -m bot`: every channel the settings set up (Telegram, Signal) side by side, or the
terminal when none is (or with --console)."""

import argparse
import asyncio
import logging
import os
import sys

from bot.app import StartupError, console_log_file, run
from bot.logs import configure_logging
from bot.settings import ConfigError, load_settings


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument(
        "--console",
        action="store_true",
        help="chat in this terminal alone, even if other channels are set up",
    )
    parser.add_argument(
        "--as", dest="user", default="1", metavar="ID", help="console user id to act as"
    )
    return parser.parse_args(argv)


# What this prints (the options' help, configuration and start-up errors) is for whoever
# runs the service, not for members: it stays in English, as logs do.
def main(argv: list[str] | None = None) -> int:
    # Everything Hearthside creates (the database, its WAL, its secret, exports) is
    # for its own user only.
    os.umask(0o077)
    args = parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"hearthside: configuration error: {error}", file=sys.stderr)
        return 2
    console = args.console or not settings.configured_channels
    # In the terminal, log lines would interleave with the chat: they go to a file beside
    # the database unless CONSOLE_LOGS=terminal asks for them here.
    if console and settings.console_logs == "file":
        configure_logging(settings.log_level, file=console_log_file(settings))
    else:
        configure_logging(settings.log_level)
    try:
        return asyncio.run(run(settings, console=args.console, user=args.user))
    except ConfigError as error:
        print(f"hearthside: configuration error: {error}", file=sys.stderr)
        return 2
    except StartupError as error:
        print(f"hearthside: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        logging.getLogger(__name__).info("interrupted")
        return 0


if __name__ == "__main__":
    sys.exit(main())
