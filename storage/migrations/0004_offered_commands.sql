-- The command buttons of the newest message(s) with command buttons each chat was sent,
-- so a person who types a button's words instead of tapping it (Signal, the console)
-- gets what the tap would do. One row per chat; only the buttons' commands, labels and
-- emoji are kept, never the message's text. Replaced by the next such message, dropped
-- with the member's data and pruned once too old to act on.
CREATE TABLE offered_command (
    channel     TEXT NOT NULL,
    external_id TEXT NOT NULL,
    offered_at  TEXT NOT NULL,
    buttons     TEXT NOT NULL,   -- JSON: one list per message of [command, label, emoji]
    PRIMARY KEY (channel, external_id)
) WITHOUT ROWID;
CREATE INDEX offered_command_age ON offered_command (offered_at);
