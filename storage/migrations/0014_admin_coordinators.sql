-- An admin who answers a member speaks as "A Hearthside coordinator" through a volunteer
-- row (a chat's volunteer_id points at one), but is not a peer volunteer: marked here,
-- such a row is left out of /volunteers, of the on-call rota and of the volunteer counts.
ALTER TABLE volunteer ADD COLUMN coordinator INTEGER NOT NULL DEFAULT 0;

-- Admins who answered a request before this were made volunteers named "Hearthside team".
-- Those who never redeemed a volunteer invite are coordinators: renamed, off the rota.
UPDATE volunteer
SET coordinator = 1, display_name = 'A Hearthside coordinator', topics = '',
    on_call = 0, on_call_by_shift = 0
WHERE display_name = 'Hearthside team'
  AND NOT EXISTS (
      SELECT 1 FROM invite i WHERE i.used_by = volunteer.member_id AND i.role = 'volunteer'
  );
DELETE FROM shift WHERE volunteer_id IN (SELECT member_id FROM volunteer WHERE coordinator = 1);
-- An admin who was also a peer volunteer had their name, topics and capacity overwritten:
-- they stay a peer (their shifts were kept) and set those again with /profile.
