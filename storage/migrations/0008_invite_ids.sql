-- A short id for each invite, so that admins can list open invites and revoke one
-- without the code ever being shown again or read back (only its holder needs it).
-- Numbered by a trigger, so creating an invite stays one insert that knows nothing of ids.
ALTER TABLE invite ADD COLUMN id INTEGER;
UPDATE invite SET id = (
    SELECT count(*) FROM invite AS earlier
    WHERE earlier.created_at < invite.created_at
       OR (earlier.created_at = invite.created_at AND earlier.code <= invite.code)
);
CREATE UNIQUE INDEX invite_by_id ON invite (id);
CREATE TRIGGER invite_numbered AFTER INSERT ON invite WHEN NEW.id IS NULL
BEGIN
    UPDATE invite SET id = (SELECT coalesce(max(id), 0) + 1 FROM invite) WHERE id IS NULL;
END;
