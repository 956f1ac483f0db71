"""Channel-agnostic conversations and the domain rules behind them.

A channel adapter turns an event into an `Input`, calls `Engine.handle`, and
renders the `Reply` values it gets back. Nothing here knows about Telegram,
Signal or the terminal.
"""
