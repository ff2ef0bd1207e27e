-- The admin's keyset pagination seeks on (sort column, id): sorting events by organizer, and the
-- status filter in the default newest-first order, each read one page from an index however deep.
CREATE INDEX "events_organizer_id_id_idx" ON "events"("organizer_id", "id");
CREATE INDEX "events_status_id_idx" ON "events"("status", "id");

-- The admin dashboard's sign-ups and RSVPs per day (last 30 days) read only these ranges.
CREATE INDEX "users_created_at_idx" ON "users"("created_at");
CREATE INDEX "rsvps_created_at_idx" ON "rsvps"("created_at");
