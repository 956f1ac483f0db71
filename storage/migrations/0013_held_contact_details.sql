-- How many messages of a chat were held back because they carried contact details, by
-- side: a count the admins are told, never the words.
ALTER TABLE handoff ADD COLUMN held_from_member INTEGER NOT NULL DEFAULT 0;
ALTER TABLE handoff ADD COLUMN held_from_volunteer INTEGER NOT NULL DEFAULT 0;
