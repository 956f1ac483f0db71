-- The admins' weekly digest (/digest on): one row for each admin who asked for it.
CREATE TABLE admin_digest (
    member_id  INTEGER PRIMARY KEY REFERENCES member (id) ON DELETE CASCADE,
    turned_on_at TEXT NOT NULL,
    next_at    TEXT,              -- UTC: the next Monday morning, in the admin's own zone
    -- The admin-local Monday of the last digest sent: at most one a week, whatever
    -- restarts or repeated sweeps.
    last_week  TEXT
);
CREATE INDEX admin_digest_due ON admin_digest (next_at) WHERE next_at IS NOT NULL;
