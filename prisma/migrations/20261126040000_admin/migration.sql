-- CreateEnum
CREATE TYPE "admin_log_action" AS ENUM ('add', 'change', 'delete');

-- CreateTable
CREATE TABLE "admin_log" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER,
    "model" VARCHAR(100) NOT NULL,
    "object_id" VARCHAR(100) NOT NULL,
    "object_repr" VARCHAR(200) NOT NULL,
    "action" "admin_log_action" NOT NULL,
    "changes" JSONB NOT NULL DEFAULT '{}',
    "message" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "admin_log_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "admin_log_model_object_id_created_at_idx" ON "admin_log"("model", "object_id", "created_at");

-- CreateIndex
CREATE INDEX "admin_log_user_id_created_at_idx" ON "admin_log"("user_id", "created_at");

-- AddForeignKey
ALTER TABLE "admin_log" ADD CONSTRAINT "admin_log_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Hand-written (Prisma cannot express it): trigram indexes, so the admin's case-insensitive
-- "contains" search (ILIKE '%term%') over events and users uses an index instead of scanning
-- millions of rows.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX "events_title_trgm_idx" ON "events" USING GIN ("title" gin_trgm_ops);
CREATE INDEX "users_email_trgm_idx" ON "users" USING GIN ("email" gin_trgm_ops);
