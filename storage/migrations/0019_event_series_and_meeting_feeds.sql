-- Repeating events and Meeting Guide feeds.
--
-- A series ("every Tuesday 19:00", an .ics RRULE, a feed's weekly meeting) keeps its rule
-- and its details; its occurrences are ordinary `event` rows over a rolling horizon, so
-- answers, reminders, "did you make it?", the isolation rule and nudges all work per
-- occurrence, on the indexed columns they already use.
CREATE TABLE event_series (
    id             INTEGER PRIMARY KEY,
    uid            TEXT    NOT NULL UNIQUE,  -- ours, the .ics UID, or a feed's slug (keyed by feed)
    source         TEXT    NOT NULL CHECK (source IN ('admin', 'ics', 'feed')),
    feed_id        INTEGER REFERENCES meeting_feed (id) ON DELETE SET NULL,
    title          TEXT    NOT NULL,
    place          TEXT    NOT NULL DEFAULT '',
    description    TEXT,
    tags           TEXT    NOT NULL DEFAULT '',
    capacity       INTEGER CHECK (capacity IS NULL OR capacity > 0),
    timezone       TEXT    NOT NULL,          -- IANA: occurrences keep their wall-clock time
    -- Our own rule (admin and feed series): "weekly <interval> <days>" or
    -- "monthly <nth> <day>" (flows/community/series.py); NULL for an .ics series, whose
    -- dates the file's own rules give (re-expanded from `ical`).
    rule           TEXT,
    local_time     TEXT,                      -- HH:MM in `timezone`, with `rule`
    length_minutes INTEGER,                   -- NULL = the default length
    first_date     TEXT,                      -- the local date the rule counts from
    ical           TEXT,                      -- an .ics series' VEVENTs (master and overrides)
    expanded_until TEXT    NOT NULL,          -- UTC: occurrences exist up to here
    types          TEXT    NOT NULL DEFAULT '',  -- Meeting Guide type codes, comma-separated
    conference_url   TEXT,
    conference_phone TEXT,
    source_updated TEXT,                      -- the feed's `updated`, as given
    created_by     INTEGER REFERENCES member (id) ON DELETE SET NULL,
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL,
    cancelled_at   TEXT
);
CREATE INDEX event_series_to_extend ON event_series (expanded_until) WHERE cancelled_at IS NULL;
CREATE INDEX event_series_feed ON event_series (feed_id) WHERE feed_id IS NOT NULL;

ALTER TABLE event ADD COLUMN series_id INTEGER REFERENCES event_series (id) ON DELETE CASCADE;
-- The occurrence's identity in its series: its start as the rule gives it (UTC), as an
-- .ics RECURRENCE-ID names it, even after it was moved.
ALTER TABLE event ADD COLUMN occurrence TEXT;
-- 1 = changed on its own (moved, edited): later changes to the series leave it as it is.
ALTER TABLE event ADD COLUMN detached INTEGER NOT NULL DEFAULT 0;
ALTER TABLE event ADD COLUMN types TEXT NOT NULL DEFAULT '';
ALTER TABLE event ADD COLUMN conference_url TEXT;
ALTER TABLE event ADD COLUMN conference_phone TEXT;
CREATE UNIQUE INDEX event_occurrence ON event (series_id, occurrence) WHERE series_id IS NOT NULL;

-- "I usually go": a member's answer for a whole series. Each occurrence gets an answer
-- of its own (`rsvp.from_series`), which the member may change for that date alone.
CREATE TABLE series_rsvp (
    series_id   INTEGER NOT NULL REFERENCES event_series (id) ON DELETE CASCADE,
    member_id   INTEGER NOT NULL REFERENCES member (id) ON DELETE CASCADE,
    answered_at TEXT    NOT NULL,
    PRIMARY KEY (series_id, member_id)
);
CREATE INDEX series_rsvp_member ON series_rsvp (member_id);
ALTER TABLE rsvp ADD COLUMN from_series INTEGER NOT NULL DEFAULT 0;
-- Every listed event counts its answers (going, maybe); with weekly meetings the sweep's
-- pool of events to suggest is hundreds of dates, each counted: from this index alone,
-- without reading the answers' rows.
CREATE INDEX rsvp_event_answer ON rsvp (event_id, answer);

-- Meeting Guide feeds (MEETING_FEEDS) and how their syncs went: the validators for the
-- next conditional request, and a failure spell admins were told of once.
CREATE TABLE meeting_feed (
    id             INTEGER PRIMARY KEY,
    url            TEXT    NOT NULL UNIQUE,   -- or 'file:' for the feed files admins send
    etag           TEXT,
    last_modified  TEXT,
    next_sync_at   TEXT,
    last_ok_at     TEXT,
    failing_since  TEXT,
    failure        TEXT,                      -- why the newest sync failed, in words
    meetings       INTEGER NOT NULL DEFAULT 0
);

-- Online or in person first, for suggestions; 'any' = no preference, NULL = not asked yet.
ALTER TABLE member ADD COLUMN meeting_preference TEXT
    CHECK (meeting_preference IS NULL OR meeting_preference IN ('online', 'in_person', 'any'));
