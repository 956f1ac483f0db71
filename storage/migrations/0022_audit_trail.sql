-- The audit trail: who did what to which row, and when. Never any words: the action is a
-- fixed name ("volunteer.suspend"), the target a row's number. Written in the same
-- transaction as the change it records, so one is never kept without the other.
CREATE TABLE audit_entry (
    id     INTEGER PRIMARY KEY,
    -- A member's id, "settings" (an account in ADMINS with no member row), or, once that
    -- member deleted their data, "deleted-<n>": one stable pseudonym for all their rows.
    actor  TEXT    NOT NULL,
    action TEXT    NOT NULL,
    target INTEGER,          -- the row acted on (a member, an invite, an event, a chat)
    at     TEXT    NOT NULL  -- UTC
);
CREATE INDEX audit_entry_actor ON audit_entry (actor, id);
CREATE INDEX audit_entry_action ON audit_entry (action, id);

-- Append-only: nothing is deleted, and the one change allowed is a member id's actor
-- becoming a deleted-<n> pseudonym (a /delete), with every other column as it was.
CREATE TRIGGER audit_entry_kept BEFORE DELETE ON audit_entry
BEGIN
    SELECT RAISE(ABORT, 'audit entries cannot be deleted');
END;
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE ON audit_entry
WHEN NOT (
    OLD.actor GLOB '[1-9]*' AND OLD.actor NOT GLOB '*[^0-9]*'
    AND NEW.actor GLOB 'deleted-[1-9]*' AND substr(NEW.actor, 9) NOT GLOB '*[^0-9]*'
    AND NEW.id IS OLD.id AND NEW.action IS OLD.action
    AND NEW.target IS OLD.target AND NEW.at IS OLD.at
)
BEGIN
    SELECT RAISE(ABORT, 'audit entries cannot be changed');
END;
