-- Broadcasts: an admin's message to an audience, delivered from a durable queue.
--
-- One `broadcast_recipient` row per person, made when the admin confirms. A row is
-- claimed (state 'claimed') in its own committed transaction before its send starts and
-- settled after it, so a restart, even after kill -9, resumes with the rows still
-- 'queued' and never sends a row twice: a row found 'claimed' at start was in flight when
-- the process died, and is counted 'unconfirmed', never re-sent.

-- A member may stop announcements (/announcements off); on by default.
ALTER TABLE member ADD COLUMN announcements INTEGER NOT NULL DEFAULT 1;

CREATE TABLE broadcast (
    id             INTEGER PRIMARY KEY,
    author_id      INTEGER REFERENCES member (id) ON DELETE SET NULL,
    -- Where its progress and final report go; cleared once that report is sent.
    author_channel TEXT,
    author_external_id TEXT,
    -- The admin's words, as members see them; cleared once delivery has ended.
    text           TEXT    NOT NULL,
    photo          BLOB,   -- a photo it carries (the text its caption), likewise cleared
    photo_type     TEXT,
    audience       TEXT    NOT NULL
                   CHECK (audience IN ('members', 'announcements', 'volunteers', 'admins')),
    channel        TEXT,   -- one channel only, or NULL for every channel
    time_critical  INTEGER NOT NULL DEFAULT 0,
    status         TEXT    NOT NULL DEFAULT 'sending'
                   CHECK (status IN ('sending', 'cancelled', 'done')),
    created_at     TEXT    NOT NULL,
    ended_at       TEXT,
    reported_at    TEXT    -- the final report was committed to the author
);
CREATE INDEX broadcast_open ON broadcast (status, reported_at);

CREATE TABLE broadcast_recipient (
    id             INTEGER PRIMARY KEY,
    broadcast_id   INTEGER NOT NULL REFERENCES broadcast (id) ON DELETE CASCADE,
    member_id      INTEGER REFERENCES member (id) ON DELETE CASCADE,  -- NULL: an ADMINS account
    channel        TEXT    NOT NULL,
    external_id    TEXT    NOT NULL,
    state          TEXT    NOT NULL DEFAULT 'queued'
                   CHECK (state IN ('queued', 'claimed', 'sent', 'failed', 'unreachable',
                                    'skipped', 'unconfirmed', 'cancelled')),
    -- Not sent before this (UTC): the end of the person's quiet hours, or a retry's wait.
    not_before     TEXT    NOT NULL,
    -- 1 while it waits for the end of the person's quiet hours.
    deferred       INTEGER NOT NULL DEFAULT 0,
    attempts       INTEGER NOT NULL DEFAULT 0,
    UNIQUE (broadcast_id, channel, external_id)
);
-- The delivery loop's one question: what is due next on this channel.
CREATE INDEX broadcast_recipient_due ON broadcast_recipient (channel, not_before)
    WHERE state = 'queued';
CREATE INDEX broadcast_recipient_member ON broadcast_recipient (member_id);
