-- CreateIndex
CREATE INDEX "events_starts_at_id_idx" ON "events"("starts_at", "id");
