-- Invite codes are kept only as their SHA-256 digest (storage/volunteers.py), so whoever
-- can read the database finds no code to redeem. Codes made before this cannot be hashed
-- here, so they stop working: each row keeps its role and times, with a digest no code has.
ALTER TABLE invite RENAME COLUMN code TO digest;
UPDATE invite SET digest = 'retired:' || lower(hex(randomblob(16)));
