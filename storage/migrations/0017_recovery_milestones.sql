-- A member's own recovery date, if they choose to count days (/milestones): opt-in, one row
-- per member, never shown to anyone else; exported to them and deleted with them. No history
-- of earlier dates is kept: a new date replaces the old one.
CREATE TABLE recovery_date (
    member_id          INTEGER PRIMARY KEY REFERENCES member (id) ON DELETE CASCADE,
    since              TEXT    NOT NULL,  -- the member-local day they count from
    set_at             TEXT    NOT NULL,  -- UTC
    -- Milestones on or before this member-local day are done (celebrated, or passed before
    -- the date was set), so none is sent twice, whatever restarts or reschedules.
    celebrated_through TEXT    NOT NULL,
    next_at            TEXT               -- UTC: when the sweep sends the next one
);
CREATE INDEX recovery_date_due ON recovery_date (next_at) WHERE next_at IS NOT NULL;

-- A person's own peer chats since a day (the mood-and-connection line in /history and
-- /chart), on either side of the chat.
CREATE INDEX handoff_member_accepted ON handoff (member_id, accepted_at);
CREATE INDEX handoff_volunteer_accepted ON handoff (volunteer_id, accepted_at);
