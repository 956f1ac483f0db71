"""The engine every feature runs on, and the values it trades with the channels.

Nothing here imports a feature package: features build on `flows.core`, never the other
way round (an import-linter contract in pyproject.toml). Import from the modules:
`engine` (handling and dispatch, `Context`, `Flow`, `Command`), `values` (what a channel
sends in and gets back), `channels` (what each channel can do), `delivery` (the postman),
`inbox` (a channel's raw updates, applied once), `clock`, `config`, `parsing`,
`local_time`, `quiet_hours`, `limits`, `names`, `typed_buttons`, `audit`.
"""
