"""The engine every feature runs on, and the values it trades with the channels.

Nothing here imports a feature package: features build on `flows.core`, never the other
way round (an import-linter contract in pyproject.toml). Import from the modules:
`engine` (handling and dispatch), `context` (what a step sees and does), `flow` (flows,
their steps and answers), `conversation` (a conversation and its stored row),
`commands` (commands and who may run them), `audience` (who may run a command), `hooks`
(what runs around the flows), `outgoing` (replies into the outbox), `matching` (typed
words to choices), `values` (what a channel sends in and gets back), `channels` (what
each channel can do), `delivery` (the postman), `inbox` (a channel's raw updates, applied
once), `clock`, `config`, `parsing`, `local_time`, `quiet_hours`, `limits`, `names`,
`notice_keys` (the keys sent messages are remembered under), `typed_buttons`, `audit`,
`mood` (the mood scale and what counts as low), `sweep` (what
a feature's step of the scheduler sweep looks like).
"""
