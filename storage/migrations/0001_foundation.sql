-- Members, their channel accounts, check-ins, conversation state, the durable
-- inbox of channel updates and the outbox of messages still to deliver.
-- All timestamps are UTC text in storage.timeutil's fixed format, so they sort.

CREATE TABLE member (
    id                INTEGER PRIMARY KEY,
    created_at        TEXT    NOT NULL,
    pseudonym         TEXT,
    timezone          TEXT    NOT NULL DEFAULT 'UTC',
    prompt_time       TEXT,               -- local 'HH:MM'; NULL = no daily prompt
    consent_version   INTEGER,
    consented_at      TEXT,
    onboarded_at      TEXT,
    paused            INTEGER NOT NULL DEFAULT 0,
    unreachable_at    TEXT,               -- the member blocked the bot
    checkin_count     INTEGER NOT NULL DEFAULT 0,
    last_checkin_date TEXT,               -- member-local date of the newest mood check-in
    streak_days       INTEGER NOT NULL DEFAULT 0,
    next_prompt_at    TEXT,               -- when the daily prompt is due; NULL = none
    next_connect_at   TEXT                -- when the weekly connection prompt is due
);
-- The scheduler sweep asks "who is due now?" of these two columns only.
CREATE INDEX member_prompt_due  ON member (next_prompt_at)  WHERE next_prompt_at IS NOT NULL;
CREATE INDEX member_connect_due ON member (next_connect_at) WHERE next_connect_at IS NOT NULL;

CREATE TABLE account (
    channel     TEXT    NOT NULL,         -- 'telegram', 'console', 'signal'
    external_id TEXT    NOT NULL,         -- the channel's id for the chat, never a name
    member_id   INTEGER NOT NULL REFERENCES member (id) ON DELETE CASCADE,
    PRIMARY KEY (channel, external_id)
) WITHOUT ROWID;
CREATE INDEX account_member ON account (member_id);

CREATE TABLE mood_checkin (
    id         INTEGER PRIMARY KEY,
    member_id  INTEGER NOT NULL REFERENCES member (id) ON DELETE CASCADE,
    local_date TEXT    NOT NULL,
    mood       INTEGER NOT NULL CHECK (mood BETWEEN 1 AND 5),
    tags       TEXT    NOT NULL DEFAULT '',   -- comma-separated life-area tags
    helped     TEXT,                          -- optional "what helped today?"
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    UNIQUE (member_id, local_date)
);

CREATE TABLE connection_checkin (
    id                  INTEGER PRIMARY KEY,
    member_id           INTEGER NOT NULL REFERENCES member (id) ON DELETE CASCADE,
    local_date          TEXT    NOT NULL,
    lack_companionship  INTEGER NOT NULL CHECK (lack_companionship BETWEEN 1 AND 3),
    left_out            INTEGER NOT NULL CHECK (left_out BETWEEN 1 AND 3),
    isolated            INTEGER NOT NULL CHECK (isolated BETWEEN 1 AND 3),
    ucla3_total         INTEGER NOT NULL CHECK (ucla3_total BETWEEN 3 AND 9),
    community_contacts  INTEGER NOT NULL CHECK (community_contacts >= 0),
    created_at          TEXT    NOT NULL,
    UNIQUE (member_id, local_date)
);

-- One row per member in a conversation: the flow, the step waiting for an
-- answer, the answers so far, and when the question lapses.
CREATE TABLE conversation (
    member_id  INTEGER PRIMARY KEY REFERENCES member (id) ON DELETE CASCADE,
    flow       TEXT    NOT NULL,
    step       TEXT    NOT NULL,
    data       TEXT    NOT NULL,          -- JSON
    token      INTEGER NOT NULL,          -- the open question's id, carried by its buttons
    expires_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
);
CREATE INDEX conversation_expiry ON conversation (expires_at);

-- Channel updates recorded before they are acknowledged, and marked applied in
-- the transaction of the change they cause: at least once, applied at most once.
CREATE TABLE inbox (
    source      TEXT    NOT NULL,         -- e.g. 'telegram'
    update_key  INTEGER NOT NULL,         -- e.g. Telegram's update_id
    payload     TEXT,                     -- the raw update until applied, then NULL
    received_at TEXT    NOT NULL,
    applied_at  TEXT,
    PRIMARY KEY (source, update_key)
) WITHOUT ROWID;
CREATE INDEX inbox_unapplied ON inbox (source, update_key) WHERE applied_at IS NULL;
CREATE INDEX inbox_applied ON inbox (applied_at) WHERE applied_at IS NOT NULL;

-- Messages committed with the change that produced them and deleted once the
-- channel accepted them, so a crash between the two re-sends rather than loses.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    channel     TEXT    NOT NULL,
    external_id TEXT    NOT NULL,
    payload     TEXT    NOT NULL,         -- JSON reply
    created_at  TEXT    NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_channel ON outbox (channel, id);
