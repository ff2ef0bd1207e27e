-- CreateIndex
CREATE INDEX "admin_log_created_at_idx" ON "admin_log"("created_at");
