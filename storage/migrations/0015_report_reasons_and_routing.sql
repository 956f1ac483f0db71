-- A /report now says why (one of a few reasons, and optional words of the reporter's own),
-- and goes only to admins outside the chat. With none (the only admin is in it), it waits:
-- `passed_on_at` stays empty until an admin outside the chat exists (the sweep, flows/peer).
ALTER TABLE peer_report ADD COLUMN reason TEXT;
ALTER TABLE peer_report ADD COLUMN words TEXT;
ALTER TABLE peer_report ADD COLUMN passed_on_at TEXT;
-- Reports made before this went to the admins at once.
UPDATE peer_report SET passed_on_at = at;
CREATE INDEX peer_report_waiting ON peer_report (id) WHERE passed_on_at IS NULL;
