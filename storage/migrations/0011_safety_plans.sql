-- A member's own safety plan (/safetyplan): seven steps in their own words, one row per
-- member. Each step holds its items one per line; NULL is a step skipped or not reached.
-- Nobody else ever reads it: it is shown to its owner, exported to them and deleted with them.
CREATE TABLE safety_plan (
    member_id          INTEGER PRIMARY KEY REFERENCES member (id) ON DELETE CASCADE,
    warning_signs      TEXT,
    coping             TEXT,    -- things that help me cope on my own
    distractions       TEXT,    -- people and places that take my mind off things
    people_to_ask      TEXT,    -- people I can ask for help
    reasons_for_living TEXT,
    professionals      TEXT,    -- professionals and lines to call
    safer_space        TEXT,    -- making my space safer
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL
);
