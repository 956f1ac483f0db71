"""The baseline: a bare python-telegram-bot echo bot with PTB's default sequential processing.

Run by bench.throughput as `python -m bench.echo_bot <token> <base_url>`.
"""

import os
import sys

os.environ.setdefault("PTB_TIMEDELTA", "1")

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


def main() -> None:
    token, base_url = sys.argv[1], sys.argv[2]
    app = Application.builder().token(token).base_url(base_url).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(timeout=1)


if __name__ == "__main__":
    main()
