-- A removed volunteer keeps a row (status 'suspended', removed_at set), so that the same
-- person cannot rejoin by redeeming a fresh invite: only an admin reinstates them.
ALTER TABLE volunteer ADD COLUMN removed_at TEXT;
