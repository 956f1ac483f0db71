-- An update's key becomes text, so that each channel names its updates its own way: Telegram
-- by its update id ('1234'), Signal by who sent it and when ('<ACI>:<timestamp>'). Updates
-- are replayed in the order they were received, which the row id now keeps (a text key
-- doesn't sort that way). Rows kept so far move over with their keys as text, in the order
-- of their old numbers: the order Telegram sent them.
CREATE TABLE inbox_text_keys (
    id          INTEGER PRIMARY KEY,      -- the order received: replay follows it
    source      TEXT    NOT NULL,         -- e.g. 'telegram', 'signal', 'telegram:guard'
    update_key  TEXT    NOT NULL,         -- e.g. '1234', or '<ACI>:<timestamp>'
    payload     TEXT,                     -- the raw update until applied, then NULL
    received_at TEXT    NOT NULL,
    applied_at  TEXT,
    UNIQUE (source, update_key)
);
INSERT INTO inbox_text_keys (source, update_key, payload, received_at, applied_at)
    SELECT source, CAST(update_key AS TEXT), payload, received_at, applied_at
    FROM inbox ORDER BY source, update_key;
DROP TABLE inbox;
ALTER TABLE inbox_text_keys RENAME TO inbox;
CREATE INDEX inbox_unapplied ON inbox (source, id) WHERE applied_at IS NULL;
CREATE INDEX inbox_applied ON inbox (applied_at) WHERE applied_at IS NOT NULL;
