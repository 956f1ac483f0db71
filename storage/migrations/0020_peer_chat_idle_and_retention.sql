-- Peer-chat hygiene and retention.
--
-- When a message was last relayed in a peer chat, either way (never what it said), and
-- when its sides were told that a quiet chat will be wrapped up: the sweep ends a chat
-- idle for PEER_CHAT_IDLE_HOURS, after that warning.
ALTER TABLE handoff ADD COLUMN last_relayed_at TEXT;
ALTER TABLE handoff ADD COLUMN idle_warned_at TEXT;
CREATE INDEX handoff_active_idle ON handoff (coalesce(last_relayed_at, accepted_at))
    WHERE status = 'active';

-- Retention (RETENTION_DAYS_*): the daily sweep finds what is older than the window by
-- these, without reading every row.
CREATE INDEX mood_checkin_created ON mood_checkin (created_at);
CREATE INDEX connection_checkin_created ON connection_checkin (created_at);
CREATE INDEX safety_event_at ON safety_event (at);
CREATE INDEX handoff_requested ON handoff (requested_at) WHERE status IN ('ended', 'cancelled');
CREATE INDEX invite_expires ON invite (expires_at);
