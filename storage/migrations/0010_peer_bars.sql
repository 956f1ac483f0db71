-- Peer-chat bars that outlive deletion. When a barred person deletes their data, each of
-- their channel accounts is kept as a keyed hash (HMAC-SHA256 with the deployment's secret,
-- kept beside the database, never in it: storage/secret.py), and nothing else: not who they
-- were, nor when. Signing up again from one of those accounts brings the bar back and
-- removes the row (storage/members.py).
CREATE TABLE peer_bar (
    account_hash TEXT PRIMARY KEY
) WITHOUT ROWID;
