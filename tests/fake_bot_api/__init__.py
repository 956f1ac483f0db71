"""A fake Telegram Bot API server for end-to-end tests and benchmarks (see server.py)."""

from tests.fake_bot_api.server import Call, FakeTelegram

__all__ = ["Call", "FakeTelegram"]
