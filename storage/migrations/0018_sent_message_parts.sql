-- A message a channel sent in several pieces (Signal cuts long bodies): one row names the
-- whole (its ref lists the pieces, for an edit or a deletion of all of them), and each
-- piece has a row of its own under the same notice, `part_of` the whole's ref, so quoting
-- or reacting to any piece finds the notice. Only the whole is edited or withdrawn.
ALTER TABLE sent_message ADD COLUMN part_of TEXT;
CREATE INDEX sent_message_part_of ON sent_message (channel, external_id, part_of)
    WHERE part_of IS NOT NULL;
