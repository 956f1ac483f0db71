-- Community events, members' answers to them (with the reminders and follow-up
-- they are due), isolation-aware nudges and their outcomes, and the member
-- columns the nudge sweep asks of ("who looks isolated, and may be nudged now?").

ALTER TABLE member ADD COLUMN nudges_off      INTEGER NOT NULL DEFAULT 0;  -- /nudges off
ALTER TABLE member ADD COLUMN last_ucla3      INTEGER;  -- UCLA-3 total of the newest connection check-in
ALTER TABLE member ADD COLUMN last_contact_at TEXT;     -- newest reported community contact or attended event
ALTER TABLE member ADD COLUMN low_mood_run    INTEGER NOT NULL DEFAULT 0;  -- consecutive check-ins at mood 1-2
ALTER TABLE member ADD COLUMN last_nudge_at   TEXT;
-- The first moment a nudge may go out if nothing changes; NULL = none planned.
-- Recomputed (flows/isolation.py) in the transaction of every change it depends on.
ALTER TABLE member ADD COLUMN next_nudge_at   TEXT;
CREATE INDEX member_nudge_due ON member (next_nudge_at) WHERE next_nudge_at IS NOT NULL;
-- The signals, from the connection check-ins members already gave: without them everyone
-- who joined over ISOLATION_DAYS ago would look out of contact. (The low-mood run starts
-- at 0 and grows with the next check-ins.)
UPDATE member SET
    last_ucla3 = (SELECT c.ucla3_total FROM connection_checkin c WHERE c.member_id = member.id
                  ORDER BY c.local_date DESC, c.id DESC LIMIT 1),
    last_contact_at = (SELECT max(c.created_at) FROM connection_checkin c
                       WHERE c.member_id = member.id AND c.community_contacts > 0);
-- Members who joined before this migration are looked at once by the next sweeps,
-- which work out their own next_nudge_at.
UPDATE member SET next_nudge_at = onboarded_at WHERE onboarded_at IS NOT NULL;

CREATE TABLE event (
    id          INTEGER PRIMARY KEY,
    uid         TEXT    NOT NULL UNIQUE,   -- iCalendar UID (imported) or our own
    title       TEXT    NOT NULL,
    place       TEXT    NOT NULL DEFAULT '',
    description TEXT,                      -- or a link
    starts_at   TEXT    NOT NULL,          -- UTC
    ends_at     TEXT,                      -- UTC; NULL = a default length
    tags        TEXT    NOT NULL DEFAULT '',  -- comma-separated: meeting, walk, workshop, ...
    capacity    INTEGER CHECK (capacity IS NULL OR capacity > 0),
    created_by  INTEGER REFERENCES member (id) ON DELETE SET NULL,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    cancelled_at TEXT
);
CREATE INDEX event_upcoming ON event (starts_at) WHERE cancelled_at IS NULL;

-- A member's answer to an event, and the next message it is due: the reminder
-- the day before, the one an hour before, then "did you make it?".
CREATE TABLE rsvp (
    id              INTEGER PRIMARY KEY,
    event_id        INTEGER NOT NULL REFERENCES event (id) ON DELETE CASCADE,
    member_id       INTEGER NOT NULL REFERENCES member (id) ON DELETE CASCADE,
    answer          TEXT    NOT NULL CHECK (answer IN ('going', 'maybe', 'no')),
    answered_at     TEXT    NOT NULL,
    stage           TEXT    CHECK (stage IN ('day_before', 'hour_before', 'followup')),
    due_at          TEXT,                  -- when `stage` is due (UTC); NULL = nothing more
    attended        INTEGER,               -- NULL not yet known, 1 went, 0 did not
    rating          TEXT,                  -- 'good' or 'hard', from the follow-up
    buddy_offer     INTEGER NOT NULL DEFAULT 0,  -- a volunteer happy to meet a member there
    buddy_requested INTEGER NOT NULL DEFAULT 0,  -- a member who would like a peer to meet them
    buddy_id        INTEGER REFERENCES member (id) ON DELETE SET NULL,
    UNIQUE (event_id, member_id)
);
CREATE INDEX rsvp_due ON rsvp (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX rsvp_member ON rsvp (member_id);

-- Every nudge and what came of it, kept (without the member) after deletion
-- so admins can see whether nudges work.
CREATE TABLE nudge (
    id         INTEGER PRIMARY KEY,
    member_id  INTEGER REFERENCES member (id) ON DELETE SET NULL,
    event_id   INTEGER REFERENCES event (id) ON DELETE SET NULL,
    sent_at    TEXT    NOT NULL,
    reasons    TEXT    NOT NULL,           -- which parts of the isolation rule held
    outcome    TEXT    NOT NULL DEFAULT 'sent'
               CHECK (outcome IN ('sent', 'going', 'maybe', 'declined', 'attended', 'missed', 'stopped')),
    outcome_at TEXT
);
CREATE INDEX nudge_member_event ON nudge (member_id, event_id);
CREATE INDEX nudge_sent ON nudge (sent_at);
