"""Tests of the channel adapters end to end (Telegram, console)."""
