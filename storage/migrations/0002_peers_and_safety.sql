-- Peer support and safety: roles, volunteer invites and shifts, the handoff
-- queue, messages sent that may later be edited or replied to, safety events
-- (never their text), and reports.

ALTER TABLE member ADD COLUMN is_admin       INTEGER NOT NULL DEFAULT 0;  -- granted in chat
ALTER TABLE member ADD COLUMN peer_barred    INTEGER NOT NULL DEFAULT 0;  -- no peer chats
ALTER TABLE member ADD COLUMN same_volunteer INTEGER NOT NULL DEFAULT 0;  -- "same peer next time"
ALTER TABLE member ADD COLUMN last_volunteer_id INTEGER;
ALTER TABLE member ADD COLUMN quiet_until    TEXT;  -- no nudges or surveys until (after a safety event)
ALTER TABLE member ADD COLUMN followup_at    TEXT;  -- a gentle follow-up is due
ALTER TABLE member ADD COLUMN safety_check_due_at TEXT;  -- unanswered "are you safe?" escalates then
CREATE INDEX member_followup_due ON member (followup_at) WHERE followup_at IS NOT NULL;
CREATE INDEX member_safety_check_due ON member (safety_check_due_at)
    WHERE safety_check_due_at IS NOT NULL;

-- One-time codes that make a volunteer (or an admin) of whoever redeems them.
CREATE TABLE invite (
    code       TEXT PRIMARY KEY,
    role       TEXT NOT NULL CHECK (role IN ('volunteer', 'admin')),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    used_by    INTEGER REFERENCES member (id) ON DELETE SET NULL
) WITHOUT ROWID;

CREATE TABLE volunteer (
    member_id         INTEGER PRIMARY KEY REFERENCES member (id) ON DELETE CASCADE,
    display_name      TEXT    NOT NULL,
    topics            TEXT    NOT NULL DEFAULT '',  -- comma-separated topic values
    capacity          INTEGER NOT NULL DEFAULT 1 CHECK (capacity BETWEEN 1 AND 5),
    status            TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    on_call           INTEGER NOT NULL DEFAULT 0,
    on_call_by_shift  INTEGER NOT NULL DEFAULT 0,   -- a shift put them on; its end takes them off
    shift_started     TEXT,                         -- UTC start of the last shift applied
    shift_reminded    TEXT,                         -- UTC start of the last shift reminded of
    current_handoff   INTEGER,                      -- where their typed messages go
    joined_at         TEXT    NOT NULL
);
CREATE INDEX volunteer_on_call ON volunteer (on_call) WHERE on_call = 1;

-- Weekly recurring shifts in the volunteer's own time zone.
CREATE TABLE shift (
    id           INTEGER PRIMARY KEY,
    volunteer_id INTEGER NOT NULL REFERENCES volunteer (member_id) ON DELETE CASCADE,
    weekday      INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),  -- Monday = 0
    starts       TEXT    NOT NULL,  -- local 'HH:MM'
    ends         TEXT    NOT NULL   -- local 'HH:MM'; not after `starts` = runs past midnight
);
CREATE INDEX shift_volunteer ON shift (volunteer_id);

-- A member's request to talk to a peer, from waiting to ended. Kept (without the
-- member) after deletion for anonymous statistics; relayed text is never stored.
CREATE TABLE handoff (
    id             INTEGER PRIMARY KEY,
    member_id      INTEGER REFERENCES member (id) ON DELETE SET NULL,
    volunteer_id   INTEGER REFERENCES volunteer (member_id) ON DELETE SET NULL,
    member_alias   TEXT    NOT NULL,
    priority       INTEGER NOT NULL CHECK (priority BETWEEN 0 AND 2),  -- 0 crisis, 1 low mood, 2 ordinary
    topic          TEXT,
    status         TEXT    NOT NULL CHECK (status IN ('waiting', 'active', 'ended', 'cancelled')),
    requested_at   TEXT    NOT NULL,
    accepted_at    TEXT,
    ended_at       TEXT,
    end_reason     TEXT,
    escalations    INTEGER NOT NULL DEFAULT 0,
    escalate_at    TEXT,              -- the next escalation step, while waiting
    held_for_shift INTEGER NOT NULL DEFAULT 0,  -- nobody was on call: offer it to the next shift
    rating         INTEGER CHECK (rating BETWEEN 1 AND 5),
    feedback       TEXT               -- the member's optional words about the chat
);
CREATE UNIQUE INDEX handoff_open_per_member ON handoff (member_id)
    WHERE status IN ('waiting', 'active');
CREATE INDEX handoff_queue ON handoff (priority, requested_at) WHERE status = 'waiting';
CREATE INDEX handoff_escalate_due ON handoff (escalate_at) WHERE escalate_at IS NOT NULL;
CREATE INDEX handoff_active_volunteer ON handoff (volunteer_id) WHERE status = 'active';

-- Messages we sent that matter later: notices edited once taken ('handoff:12'),
-- and relayed copies a volunteer may reply to ('relay:12'). No content.
CREATE TABLE sent_message (
    channel     TEXT NOT NULL,
    external_id TEXT NOT NULL,
    message_ref TEXT NOT NULL,
    notice      TEXT NOT NULL,
    sent_at     TEXT NOT NULL,
    PRIMARY KEY (channel, external_id, message_ref)
) WITHOUT ROWID;
CREATE INDEX sent_message_notice ON sent_message (notice);
CREATE INDEX sent_message_age ON sent_message (sent_at);

-- What the crisis guard saw: when, how serious, which rules — never the text.
CREATE TABLE safety_event (
    id               INTEGER PRIMARY KEY,
    member_id        INTEGER REFERENCES member (id) ON DELETE CASCADE,
    at               TEXT    NOT NULL,
    tier             INTEGER NOT NULL CHECK (tier BETWEEN 1 AND 3),
    rule_ids         TEXT    NOT NULL,
    detector_version TEXT    NOT NULL,
    source           TEXT    NOT NULL  -- 'chat', 'relay', 'silence'
);

CREATE TABLE peer_report (
    id          INTEGER PRIMARY KEY,
    handoff_id  INTEGER REFERENCES handoff (id) ON DELETE SET NULL,
    reported_by TEXT    NOT NULL CHECK (reported_by IN ('member', 'volunteer')),
    at          TEXT    NOT NULL
);

-- Small facts the scheduler keeps between sweeps (e.g. the day admins were warned).
CREATE TABLE app_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
