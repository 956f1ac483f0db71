-- Words a member wrote for the peer who accepts their request: a topic in their own words
-- (kept only if they agreed to show it) and what they typed while waiting. Never shown in
-- the page to volunteers; passed on to the one peer who accepts and deleted then, and
-- deleted too when the request ends without a peer or the member deletes their data.
CREATE TABLE waiting_words (
    id          INTEGER PRIMARY KEY,
    handoff_id  INTEGER NOT NULL REFERENCES handoff (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('topic', 'message')),
    words       TEXT    NOT NULL,
    message_ref TEXT               -- the channel's id for a typed message, so its edit can follow
);
CREATE INDEX waiting_words_handoff ON waiting_words (handoff_id);
