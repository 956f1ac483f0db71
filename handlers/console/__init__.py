"""The terminal channel: try Hearthside without Telegram, acting as any user id."""
