"""Channel-agnostic conversations and the domain rules behind them.

A channel adapter turns an event into an `Input` and calls `Engine.handle`; the
`Outcome` it gets back holds the committed replies, which the postman sends through each
account's channel. Nothing here knows about Telegram, Signal or the terminal: a flow asks
the account's channel what it can do (`flows.core.channels`). The map of the packages is
in docs/architecture.md.
"""
