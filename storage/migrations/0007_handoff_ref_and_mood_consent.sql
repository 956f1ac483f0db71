-- What people are shown of a request to talk (Accept, /switch, /end buttons): a random
-- reference, not the row id, so nobody can guess or count requests.
ALTER TABLE handoff ADD COLUMN ref TEXT;
UPDATE handoff SET ref = lower(hex(randomblob(5))) WHERE ref IS NULL;
CREATE UNIQUE INDEX handoff_ref ON handoff (ref);

-- The member chose, at /talk, to let the peer who accepts see their latest mood check-in.
-- Nobody else is shown it; priority routing may still use it.
ALTER TABLE handoff ADD COLUMN share_mood INTEGER NOT NULL DEFAULT 0;
