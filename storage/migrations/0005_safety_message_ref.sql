-- The chat's id of the message a safety event came from (never its text), so that an
-- edit of a message already acted on is not answered and counted a second time.
ALTER TABLE safety_event ADD COLUMN message_ref TEXT;
CREATE INDEX safety_event_message ON safety_event (member_id, message_ref)
    WHERE message_ref IS NOT NULL;
