"""The Telegram channel, on python-telegram-bot: durable intake, per-chat ordering, rendering."""

import os

# Opt in to timedelta-valued retry_after now; otherwise PTB warns on every 429.
os.environ.setdefault("PTB_TIMEDELTA", "1")
